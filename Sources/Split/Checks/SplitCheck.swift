public import ELFScan
public import Graph

/// What a check is, for `modsplit rules` and for the tests that run every check's examples.
public struct CheckDescription: Sendable {
    /// The check's id, which its findings carry as `kind` (`cross-package`, …).
    public var id: String
    /// The severity of its findings.
    public var severity: Severity
    /// One line: what the check finds.
    public var summary: String
    /// Why it matters: what the kernel or the package manager does.
    public var rationale: String
    /// A split that triggers the check, and one that does not.
    public var triggering: CheckExample
    /// An example split on which the check finds nothing.
    public var passing: CheckExample
}

/// A check over a placed split. Checks never print; they return findings.
public protocol SplitCheck: Sendable {
    var description: CheckDescription { get }
    func run(_ context: CheckContext) -> [Finding]
}

/// A tiny split built in memory: modules, packages (name, depends-on), where each module goes, the
/// kernel's exports. Used as the examples of every check.
public struct CheckExample: Sendable {
    /// One line: what the example shows.
    public var summary: String
    /// The example's modules.
    public var modules: [ModuleFacts]
    /// Its packages: (name, the packages it depends on).
    public var packages: [(String, [String])]
    /// Module name → package name; modules left out are unplaced.
    public var placed: [String: String]
    /// Symbols the kernel image exports in the example; nil when they are unknown (no Module.symvers).
    public var kernel: [String]?
    /// Guest profiles bound to packages: (profile name, package name).
    public var profiles: [(String, String)]
    /// Files the example's scan could not read.
    public var problems: [ELFScanError]
    /// Module name → the package its rule asks for, where that differs from where it is.
    public var wanted: [String: String]

    /// An example of `modules` in `packages`, all in the first package unless `placed` says otherwise; the kernel
    /// exports `printk` (`kernel: nil`: its exports are unknown).
    public init(
        _ summary: String, modules: [ModuleFacts], packages: [(String, [String])] = [("core", [])],
        placed: [String: String]? = nil, wanted: [String: String] = [:], kernel: [String]? = ["printk"],
        profiles: [(String, String)] = [], problems: [ELFScanError] = []
    ) {
        self.wanted = wanted
        self.summary = summary
        self.modules = modules
        self.packages = packages
        self.placed = placed ?? Dictionary(modules.map { ($0.name, packages[0].0) }, uniquingKeysWith: { a, _ in a })
        self.kernel = kernel
        self.profiles = profiles
        self.problems = problems
    }

    /// The example as a check context.
    public func context() -> CheckContext {
        let graph = ModuleGraph(
            modules: modules,
            kernel: kernel.map { symbols in
                KernelExports(
                    source: .symvers, path: "example",
                    symbols: Dictionary(
                        uniqueKeysWithValues: symbols.map {
                            ($0, KernelExport(name: $0, gplOnly: $0.hasSuffix("_gpl")))
                        }
                    ))
            })
        let placement = split.placement(graph)
        let bindings = profiles.compactMap {
            (profile, package) -> (profile: GuestProfile, package: Int, location: SourceLocation?)? in
            guard let p = GuestProfile.builtIn.first(where: { $0.name == profile }),
                let i = placement.packages.index(of: package)
            else { return nil }
            return (p, i, nil)
        }
        return CheckContext(graph: graph, placement: placement, problems: problems, profileBindings: bindings)
    }

    /// The example's packages and placement as a split (each module listed at its own line of `example.list`).
    public var split: ExampleSplit { ExampleSplit(packages: packages, placed: placed, wanted: wanted) }
}

/// A split written out in memory: packages with their dependencies, and the package of each module by name.
/// Check examples and tests use it; modules it does not name are unplaced.
public struct ExampleSplit: SplitDefinition {
    /// The packages: (name, the packages it depends on), in order.
    public var packages: [(String, [String])]
    /// Module name → package name; modules left out are unplaced.
    public var placed: [String: String]
    /// Module name → the package its rule asks for, where that differs from where it is.
    public var wanted: [String: String]

    /// A split of `packages` placing modules as `placed` says.
    public init(packages: [(String, [String])], placed: [String: String], wanted: [String: String] = [:]) {
        self.packages = packages
        self.placed = placed
        self.wanted = wanted
    }

    /// `example.list`, the name findings give for its rule lines.
    public var name: String? { "example.list" }

    /// Places the graph's modules as `placed` says; each named module's rule line is its own line of `example.list`.
    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        RulesPlacement(placement: placement(graph))
    }

    func placement(_ graph: ModuleGraph) -> Placement {
        let set = PackageSet(names: packages.map(\.0), dependsOn: packages.map(\.1))
        let packageOf = graph.modules.map { placed[$0.name].flatMap { set.index(of: $0) } }
        let basis: [PlacementBasis] = graph.modules.indices.map {
            .listed(SourceLocation(file: "example.list", line: $0 + 1))
        }
        let wantedOf = graph.modules.enumerated().map { i, m in
            wanted[m.name].flatMap { set.index(of: $0) } ?? packageOf[i]
        }
        return Placement(
            packages: set, packageOf: packageOf, wanted: wantedOf, basis: basis,
            failure: Array(repeating: nil, count: graph.modules.count))
    }
}

/// A module made of plain facts, for check examples and tests.
public func exampleModule(
    _ name: String, exports: [String] = [], gplExports: [String] = [], namespaced: [(String, String)] = [],
    imports: [String] = [], license: String = "GPL", modinfo: [(String, String)] = [],
    crcs: [String: UInt32] = [:], expects: [String: UInt32] = [:],
    vermagic: String = "6.1.0 SMP mod_unload modversions ", size: UInt64 = 1000
) -> ModuleFacts {
    var exported = exports.map { ExportedSymbol(name: $0, gplOnly: false, crc: crcs[$0]) }
    exported += gplExports.map { ExportedSymbol(name: $0, gplOnly: true, crc: crcs[$0]) }
    exported += namespaced.map { ExportedSymbol(name: $0.0, gplOnly: false, namespace: $0.1, crc: crcs[$0.0]) }
    var info = [ModinfoEntry(key: "license", value: license), ModinfoEntry(key: "vermagic", value: vermagic)]
    info += modinfo.map { ModinfoEntry(key: $0.0, value: $0.1) }
    return ModuleFacts(
        name: name, path: "kernel/\(name).ko.xz", fileSize: size, uncompressedSize: size * 4,
        compression: .xz, identity: ELFIdentity(bits: 64, bigEndian: false, machine: 62),
        exports: exported, imports: imports.map { ImportedSymbol(name: $0, crc: expects[$0]) },
        modinfo: info)
}
