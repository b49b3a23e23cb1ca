public import ELFScan
public import Foundation
internal import Graph
public import Split

/// The whole pipeline as the command line runs it (`SplitAnalysis`), on real trees and on facts.
public enum Analyse {
    /// A real Debian tree (fetched on first use) with its own Module.symvers, under `split`.
    public static func tree(
        _ tree: RealKernels.Tree, split: SplitInput = .wholeTree, variants: [String] = [],
        profiles: [(profile: String, package: String)] = []
    ) throws -> SplitAnalysis {
        let root = try RealKernels.root(tree)
        return try Self.root(
            root, symvers: RealKernels.symvers(in: root), split: split, variants: variants,
            profiles: profiles)
    }

    /// The tree under `root` (a root or a module directory), without the scan cache.
    public static func root(
        _ root: URL, symvers: URL?, split: SplitInput = .wholeTree, variants: [String] = [],
        profiles: [(profile: String, package: String)] = []
    ) throws -> SplitAnalysis {
        let request = SplitAnalysis.Request(
            tree: try KernelTree.locate(path: root.path), scan: ScanOptions(symvers: symvers?.path), split: split,
            variants: variants, profiles: profiles)
        return try described(SplitAnalysis(request))
    }

    /// `analysis`, when every kind of finding in it is described (`FindingKinds`); else an error naming
    /// the kinds nobody describes, so that no test passes over a kind `modsplit rules` does not list.
    public static func described(_ analysis: SplitAnalysis) throws -> SplitAnalysis {
        let unknown = Set(analysis.findings.map(\.kind)).filter { FindingKinds.describe($0) == nil }
        guard unknown.isEmpty else { throw UndescribedKinds(kinds: unknown.sorted()) }
        return analysis
    }

    /// Finding kinds that `FindingKinds` does not describe.
    public struct UndescribedKinds: Error, CustomStringConvertible {
        /// The undescribed kinds, sorted.
        public var kinds: [String]
        /// One line naming them.
        public var description: String { "finding kinds without a description: \(kinds.joined(separator: ", "))" }
    }

    /// Facts held in memory (no files) as a tree of kernel `version`, whose kernel exports `kernel`.
    public static func facts(
        _ modules: [ModuleFacts], kernel: [String]? = nil, builtin: [String] = [],
        split: any SplitDefinition = WholeTree(), profiles: [(profile: String, package: String)] = [],
        version: String = "6.1.0-test"
    ) throws -> SplitAnalysis {
        let exports = kernel.map { names in
            KernelExports(
                source: .symvers, path: "Module.symvers",
                symbols: Dictionary(
                    names.map { ($0, KernelExport(name: $0, gplOnly: false)) },
                    uniquingKeysWith: { a, _ in a }))
        }
        let scan = TreeScan(
            tree: KernelTree(root: nil, moduleDirectory: "/lib/modules/\(version)", kernelVersion: version),
            modules: modules, problems: [], builtinModules: builtin, kernelExports: exports)
        return try described(SplitAnalysis(scan: scan, split: split, profiles: profiles))
    }
}
