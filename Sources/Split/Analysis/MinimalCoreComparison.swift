internal import Graph

/// A split's core package beside the minimal core for the profiles bound to it: what the split ships beyond that
/// floor, module by module, with the chain that pulls each in and the rule that starts the chain, so a team sees
/// where its core's megabytes go.
public struct CoreComparison: Sendable {
    /// A module the core package installs that the floor does without.
    public struct Extra: Sendable {
        /// The module (graph index).
        public var module: Int
        /// From a module the split's rules (or lists) placed into the core's install set to this one, both
        /// included; just the module when its own rule placed it there.
        public var chain: [Int]
        /// The rule or list line that placed the chain's first module, when there is one.
        public var rule: SourceLocation?
        /// When the split's own tool moved the module down into the core although its rule asks for another
        /// package (`movedFrom`), because modules of packages that do not depend on each other need it: those
        /// users, with their packages. Then `chain` is the module alone and `rule` the rule that asked for the
        /// other package.
        public var movedFrom: String?
        /// The modules (graph indices) that need it, with their packages, when it was moved down.
        public var neededBy: [(module: Int, package: String?)]
    }

    /// The extra modules one rule brings in (its own matches and what they pull along), or those the split's tool
    /// moved down into the core although the rule asks for another package.
    public struct RuleShare: Sendable {
        /// The rule or list line, nil for modules placed by no rule.
        public var rule: SourceLocation?
        /// The rule's pattern (`default` for the default rule), when the split is a filtermods file.
        public var pattern: String?
        /// The package the rule asks for, when these modules were moved down from it.
        public var movedFrom: String?
        /// How many extra modules it brings.
        public var modules: Int
        /// Their bytes as shipped.
        public var bytes: UInt64
        /// Their bytes uncompressed.
        public var uncompressedBytes: UInt64
    }

    /// The core package, and the split it comes from.
    public let package: String
    /// The name of the split the package comes from, nil for the whole tree.
    public let split: String?
    /// The minimal core for the package's profiles.
    public let floor: MinimalCore
    /// What installing the package installs (it and every package below it): modules in path order, bytes.
    public let installed: [Int]
    /// The install set's bytes as shipped.
    public let bytes: UInt64
    /// The install set's bytes uncompressed.
    public let uncompressedBytes: UInt64
    /// The modules installed beyond the floor, largest first.
    public let extras: [Extra]
    /// The same grouped by the rule at the head of each chain, most bytes first.
    public let byRule: [RuleShare]
    /// Modules of the floor the package does not install, with the package that holds each (nil: none). The split
    /// meets those requirements with other modules, or not at all.
    public let missing: [(module: Int, package: String?)]

    /// Shipped and uncompressed bytes of `extras`.
    public var extraBytes: UInt64 { extras.reduce(0) { $0 + floor.graph.modules[$1.module].fileSize } }
    /// Uncompressed bytes of `extras`.
    public var extraUncompressedBytes: UInt64 {
        extras.reduce(0) { $0 + floor.graph.modules[$1.module].uncompressedSize }
    }

    /// Compares `package` of an analysed split with the minimal core for `profiles` (default: the profiles bound
    /// to the package).
    public init(
        analysis: SplitAnalysis, package: String, profiles: [GuestProfile]? = nil,
        objective: MinimalCore.Objective = .bytes, limits: CoreSearch.Limits = .init()
    )
        throws(MinimalCoreError)
    {
        let placement = analysis.placement
        let packages = placement.packages
        guard let p = packages.index(of: package) else {
            throw MinimalCoreError(
                "--core: the split has no package \(Display.sanitized(package)) (it has: "
                    + packages.names.map(Display.sanitized).joined(separator: ", ") + ")")
        }
        let bound = analysis.context.profileBindings.filter { $0.package == p }.map(\.profile)
        var chosen: [GuestProfile] = []
        for profile in profiles ?? bound where !chosen.contains(where: { $0.name == profile.name }) {
            chosen.append(profile)
        }
        guard !chosen.isEmpty else {
            throw MinimalCoreError(
                "no profile is bound to \(Display.sanitized(package)); "
                    + "bind one in the rules (profiles:) or name them with --profile")
        }
        let graph = analysis.graph
        var floor = try MinimalCore.derive(
            graph: graph, builtinModinfo: analysis.scan.builtinModinfo,
            profiles: chosen, objective: objective, limits: limits, skipLacking: true)
        floor.kernelVersion = analysis.scan.tree.kernelVersion
        self.floor = floor
        self.package = package
        split = analysis.splitName
        // The install set: modules of the package and of every package below it.
        func installs(_ m: Int) -> Bool {
            guard placement.failure[m] == nil, let q = placement.packageOf[m] else { return false }
            return packages.reaches(p, q)
        }
        let installed = graph.modules.indices.filter(installs)
        self.installed = installed.sorted {
            graph.modules[$0].path.utf8.lexicographicallyPrecedes(graph.modules[$1].path.utf8)
        }
        bytes = installed.reduce(0) { $0 + graph.modules[$1].fileSize }
        uncompressedBytes = installed.reduce(0) { $0 + graph.modules[$1].uncompressedSize }
        // A module whose rule asks for the install set is placed there; any other was pulled in by a user there.
        func placedThere(_ m: Int) -> Bool {
            guard let w = placement.wanted[m] else { return false }
            return packages.reaches(p, w)
        }
        let inFloor = Set(floor.modules)
        var extras: [Extra] = []
        for m in installed where !inFloor.contains(m) {
            var chain = [m]
            if !placedThere(m) {
                // The nearest user (breadth first, within the install set) that the rules placed there.
                var previous: [Int: Int] = [m: m]
                var queue = [m]
                var head = 0
                search: while head < queue.count {
                    let x = queue[head]
                    head += 1
                    for u in graph.users[x] where previous[u] == nil && installs(u) {
                        previous[u] = x
                        if placedThere(u) {
                            chain = [u]
                            var c = x
                            while c != m {
                                chain.append(c)
                                c = previous[c]!
                            }
                            chain.append(m)
                            break search
                        }
                        queue.append(u)
                    }
                }
            }
            var movedFrom: String?
            var neededBy: [(module: Int, package: String?)] = []
            if chain.count == 1 && !placedThere(m), let w = placement.wanted[m] {
                movedFrom = packages.names[w]
                // One user of each package first: together they show why no package above could hold it.
                var seen = Set<Int?>()
                let users = graph.users[m].filter { !installs($0) }
                let firsts = users.filter { seen.insert(placement.packageOf[$0]).inserted }
                neededBy = (firsts + users.filter { !firsts.contains($0) }).map { u in
                    (u, placement.packageOf[u].map { packages.names[$0] })
                }
            }
            extras.append(
                Extra(
                    module: m, chain: chain, rule: placement.location(of: chain[0]), movedFrom: movedFrom,
                    neededBy: neededBy))
        }
        extras.sort {
            let (a, b) = (graph.modules[$0.module], graph.modules[$1.module])
            if a.fileSize != b.fileSize { return a.fileSize > b.fileSize }
            return a.path.utf8.lexicographicallyPrecedes(b.path.utf8)
        }
        self.extras = extras
        struct ShareKey: Hashable {
            var rule: SourceLocation?
            var movedFrom: String?
        }
        var shares: [ShareKey: RuleShare] = [:]
        var patterns: [SourceLocation: String] = [:]
        if let rules = analysis.split as? FiltermodsRules {
            for r in rules.rules where patterns[r.location] == nil { patterns[r.location] = r.pattern.source }
            if let d = rules.defaultLocation { patterns[d] = "default" }
        }
        for e in extras {
            let m = graph.modules[e.module]
            let key = ShareKey(rule: e.rule, movedFrom: e.movedFrom)
            var share =
                shares[key]
                ?? RuleShare(
                    rule: e.rule, pattern: e.rule.flatMap { patterns[$0] },
                    movedFrom: e.movedFrom, modules: 0, bytes: 0, uncompressedBytes: 0)
            share.modules += 1
            share.bytes += m.fileSize
            share.uncompressedBytes += m.uncompressedSize
            shares[key] = share
        }
        byRule = shares.values.sorted {
            if $0.bytes != $1.bytes { return $0.bytes > $1.bytes }
            if $0.rule != $1.rule { return ($0.rule?.description ?? "") < ($1.rule?.description ?? "") }
            return ($0.movedFrom ?? "") < ($1.movedFrom ?? "")
        }
        let installedSet = Set(installed)
        missing = floor.modules.filter { !installedSet.contains($0) }.map { m in
            (m, placement.packageOf[m].map { packages.names[$0] })
        }
    }
}
