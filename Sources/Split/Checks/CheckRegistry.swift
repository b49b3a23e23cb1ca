internal import ELFScan
internal import Graph

/// Every check, in the order they run and report. Order matters only for reading: load failures of
/// the tree itself first, then symbol-level load rules, then placement.
public enum CheckRegistry {
    /// Every check, in the order they run: the tree's own load failures, then symbol rules, then placement.
    public static let all: [any SplitCheck] = [
        UnreadableModuleCheck(),
        DuplicateModuleCheck(),
        DependencyCycleCheck(),
        UnresolvedSymbolCheck(),
        KernelExportsUnknownCheck(),
        CrossPackageCheck(),
        GPLOnlyCheck(),
        MissingNamespaceCheck(),
        CRCMismatchCheck(),
        VermagicMismatchCheck(),
        DuplicateExportCheck(),
        SoftdepCrossPackageCheck(),
        SoftdepCrossPackageCheck(id: "weakdep-cross-package", key: "weakdep"),
        SoftdepUnsatisfiedCheck(),
        SoftdepUnsatisfiedCheck(id: "weakdep-unsatisfied", key: "weakdep", severity: .info),
        UnplacedModuleCheck(),
        ForcedMoveCheck(),
        ProfileUnsatisfiedCheck(),
    ]

    /// Runs every check and returns the findings in a stable order.
    public static func run(_ context: CheckContext) -> [Finding] {
        Finding.sorted(all.flatMap { $0.run(context) })
    }

    /// The check whose id is `id` (`cross-package`, …), if there is one.
    public static func check(id: String) -> (any SplitCheck)? { all.first { $0.description.id == id } }
}
