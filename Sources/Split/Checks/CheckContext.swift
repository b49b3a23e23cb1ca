public import ELFScan
public import Graph

/// Everything a check looks at: the graph, where each module landed, and what the scan could not read.
public struct CheckContext: Sendable {
    /// The symbol-level dependency graph of the tree.
    public let graph: ModuleGraph
    /// Which package each module landed in, and why.
    public let placement: Placement
    /// Files that could not be read.
    public let problems: [ELFScanError]
    /// `.modinfo` of built-in modules, by name (for profiles).
    public let builtinModinfo: [String: [ModinfoEntry]]
    /// Profiles bound to packages: (profile, package index, where the binding was written).
    public let profileBindings: [(profile: GuestProfile, package: Int, location: SourceLocation?)]
    /// The split as read, when the checks are run on one.
    public let rules: (any SplitDefinition)?
    /// What the scan said about where the kernel's exports came from (a placeholder System.map, a Module.symvers
    /// it could not parse and ignored).
    public let scanNotes: [String]
    /// Every module's `softdep` and `weakdep` names, resolved as modprobe resolves them, by key.
    let softdeps: [String: [SoftdepTarget]]

    /// The context of `graph` placed as `placement`; unreadable files, built-ins, profile bindings, rules and scan
    /// notes default to none.
    public init(
        graph: ModuleGraph, placement: Placement, problems: [ELFScanError] = [],
        builtinModinfo: [String: [ModinfoEntry]] = [:],
        profileBindings: [(profile: GuestProfile, package: Int, location: SourceLocation?)] = [],
        rules: (any SplitDefinition)? = nil, scanNotes: [String] = []
    ) {
        self.graph = graph
        self.scanNotes = scanNotes
        self.placement = placement
        self.problems = problems
        self.builtinModinfo = builtinModinfo
        self.profileBindings = profileBindings
        self.rules = rules
        softdeps = softdepTargets(
            graph: graph, builtinModinfo: builtinModinfo, wholeTree: rules?.coversWholeTree ?? true)
    }

    /// The package name of a module, or nil when it has none.
    public func packageName(_ module: Int) -> String? {
        placement.packageOf[module].map { placement.packages.names[$0] }
    }

    /// A finding about `module`, with its path, package and rule filled in.
    func finding(
        _ kind: String, _ severity: Severity, module m: Int, provider: Int? = nil, symbols: [String] = [],
        namespace: String? = nil, message: String, notes: [String] = [], cost: Cost? = nil
    ) -> Finding {
        Finding(
            kind: kind, severity: severity, module: graph.modules[m].name, path: graph.modules[m].path,
            package: packageName(m), provider: provider.map { graph.modules[$0].name },
            providerPackage: provider.flatMap(packageName), symbols: symbols, namespace: namespace,
            rule: placement.location(of: m), providerRule: provider.flatMap { placement.location(of: $0) },
            message: message, notes: notes, cost: cost)
    }

    /// The cost of a module alone.
    func cost(of modules: [Int]) -> Cost {
        Cost(
            bytes: modules.reduce(0) { $0 + graph.modules[$1].fileSize },
            uncompressedBytes: modules.reduce(0) { $0 + graph.modules[$1].uncompressedSize },
            modules: modules.map { graph.modules[$0].name }.sorted())
    }

    /// Whether a module in package `user` can use one in `provider` (both placed).
    func reaches(_ user: Int, _ provider: Int) -> Bool {
        guard let a = placement.packageOf[user], let b = placement.packageOf[provider] else { return true }
        return placement.packages.reaches(a, b)
    }
}
