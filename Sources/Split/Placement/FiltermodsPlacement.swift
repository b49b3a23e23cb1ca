internal import ELFScan
public import Graph

/// Places modules the way Fedora's filtermods.py `sort` does, and keeps the reasons.
///
/// Each module gets a set of allowed packages: an `exact_pkg` rule pins one, the first matching
/// rule caps it at that package and those below it, and a module without a rule may go anywhere.
/// Dependencies then narrow the sets until they agree (if A needs B, B's package must be A's or one
/// below it); modules with a wanted package take it (or the nearest below), dependencies first; the
/// rest take the default package (or the nearest below, else the highest allowed), dependents first.
/// Like filtermods, the edges are those of modules.dep: each module to its whole closure.
public enum FiltermodsPlacement {
    /// Places every module of `graph` as filtermods would with `rules`.
    public static func place(_ graph: ModuleGraph, rules: FiltermodsRules) -> Placement {
        placeReporting(graph, rules: rules).placement
    }

    /// The placement, and what it found about the rules themselves (rules that match nothing).
    public static func placeReporting(_ graph: ModuleGraph, rules: FiltermodsRules) -> RulesPlacement {
        let packages = PackageSet(rules)
        // Package sets live in one machine word when they fit (every real split): the propagation below
        // intersects them for every edge of modules.dep, many times over. Wider splits use PackageMask.
        if packages.names.count <= UInt64.bitWidth {
            var engine = Engine<WordBits>(graph: graph, rules: rules, packages: packages)
            engine.run()
            return RulesPlacement(placement: engine.result(), findings: engine.ruleFindings())
        }
        var engine = Engine<PackageMask>(graph: graph, rules: rules, packages: packages)
        engine.run()
        return RulesPlacement(placement: engine.result(), findings: engine.ruleFindings())
    }

    struct Engine<Mask: PackageBits> {
        let graph: ModuleGraph
        let rules: FiltermodsRules
        let packages: PackageSet
        let n: Int
        var allowed: [Mask]
        var failed: [Bool]
        var hard: [Int?]
        var pref: [Int?]
        var basis: [PlacementBasis]
        var deps: [[Int]]
        var users: [[Int]]
        /// Modules by height (longest dependency chain below them), then path.
        let topo: [Int]
        let topoPosition: [Int]
        /// Per package: the packages a dependency's set must meet for it (self and below), and for a user's.
        let compatibleWithDep: [Mask]
        let compatibleWithUser: [Mask]
        var failure: [String?]
        var queued: [Bool]
        /// Each module's path as patterns read it.
        var paths: [ModulePath] = []
        /// Rules (indices into `rules.rules`) that were the first to match some module.
        var firstMatched = Set<Int>()

        init(graph: ModuleGraph, rules: FiltermodsRules, packages: PackageSet) {
            self.graph = graph
            self.rules = rules
            self.packages = packages
            n = graph.modules.count
            allowed = Array(repeating: Mask(packages.all), count: n)
            failed = Array(repeating: false, count: n)
            hard = Array(repeating: nil, count: n)
            pref = Array(repeating: nil, count: n)
            basis = Array(repeating: .unruled, count: n)
            failure = Array(repeating: nil, count: n)
            queued = Array(repeating: false, count: n)
            // modules.dep edges: every module to its whole closure.
            let deps = graph.allClosures()
            var users = [[Int]](repeating: [], count: n)
            for m in 0..<n { for d in deps[m] { users[d].append(m) } }
            self.deps = deps
            self.users = users
            // Height: 1 for modules without dependencies, else 1 + the highest dependency.
            var height = [Int](repeating: 0, count: n)
            func heightOf(_ m: Int) -> Int {
                if height[m] > 0 { return height[m] }
                var stack: [(Int, Bool)] = [(m, false)]
                while let (x, expanded) = stack.popLast() {
                    if height[x] > 0 { continue }
                    if expanded {
                        height[x] = 1 + (graph.deps[x].map { height[$0.target] }.max() ?? 0)
                    } else {
                        // Cycles cannot occur here: the graph's cyclic modules are cut below.
                        height[x] = 0
                        stack.append((x, true))
                        for e in graph.deps[x] where height[e.target] == 0 && !graph.cyclic.contains(e.target) {
                            stack.append((e.target, false))
                        }
                    }
                }
                return height[m]
            }
            for m in 0..<n { _ = heightOf(m) }
            topo = (0..<n).sorted {
                height[$0] != height[$1] ? height[$0] < height[$1] : graph.modules[$0].path < graph.modules[$1].path
            }
            var pos = [Int](repeating: 0, count: n)
            for (i, m) in topo.enumerated() { pos[m] = i }
            topoPosition = pos
            // P is fine for a dependency allowed in q when q is P or below P: P ∈ self-and-above(q).
            compatibleWithDep = packages.names.indices.map { Mask(packages.selfAndAbove($0)) }
            compatibleWithUser = packages.names.indices.map { Mask(packages.closure($0)) }
        }

        mutating func run() {
            label()
            propagate(seeds: nil)
            // Modules with a wanted package, dependencies first.
            for m in topo where !failed[m] && allowed[m].count > 1 {
                guard let p = pref[m], let choice = pickBest(allowed[m], target: p) else { continue }
                allowed[m] = Mask.single(choice)
                propagate(seeds: [m])
            }
            // The rest, dependents first.
            let fallback = rules.defaultPackage.flatMap { packages.index(of: $0) }
            for m in topo.reversed() where !failed[m] && allowed[m].count > 1 {
                guard
                    let choice = (fallback.flatMap { pickBest(allowed[m], target: $0) })
                        ?? pickBest(allowed[m], target: nil)
                else { continue }
                allowed[m] = Mask.single(choice)
                propagate(seeds: [m])
            }
        }

        /// Rules in three passes: exact_pkg first (first one wins), then the first matching rule, then default.
        mutating func label() {
            paths = graph.modules.map { ModulePath($0.path) }
            // exact_pkg rules whose package exists; for each module the first that matches wins.
            let needs = rules.rules.indices.compactMap { i in
                rules.rules[i].kind == .needs
                    ? packages.index(of: rules.rules[i].package).map { (index: i, package: $0) } : nil
            }
            let needsSet = PatternSet(needs.map { rules.rules[$0.index].pattern })
            for m in 0..<n {
                guard let k = needsSet.firstMatch(paths[m]) else { continue }
                let (r, p) = needs[k]
                let rule = rules.rules[r]
                firstMatched.insert(r)
                hard[m] = p
                allowed[m] = Mask.single(p)
                basis[m] = .needs(rule.location)
                if rule.ignoreDeps {
                    for d in deps[m] { users[d].removeAll { $0 == m } }
                    for u in users[m] { deps[u].removeAll { $0 == m } }
                    deps[m] = []
                    users[m] = []
                }
            }
            // The first matching rule of the rest decides, even one naming a package the split lacks.
            let wants = rules.rules.indices.filter { rules.rules[$0].kind == .wants }
            let wantsSet = PatternSet(wants.map { rules.rules[$0].pattern })
            for m in 0..<n where hard[m] == nil {
                guard let k = wantsSet.firstMatch(paths[m]) else { continue }
                firstMatched.insert(wants[k])
                let rule = rules.rules[wants[k]]
                guard let p = packages.index(of: rule.package) else { continue }
                pref[m] = p
                allowed[m] = compatibleWithUser[p]
                basis[m] = .wants(rule.location)
            }
            if let d = rules.defaultLocation {
                for m in 0..<n where basis[m] == .unruled { basis[m] = .defaulted(d) }
            }
        }

        /// Narrows `allowed[m]` against every live neighbour; true when something was removed.
        mutating func prune(_ m: Int) -> Bool {
            guard !failed[m], !allowed[m].isEmpty else { return false }
            var keep = allowed[m]
            for d in deps[m] where !failed[d] && !allowed[d].isEmpty {
                keep.formIntersection(allowed[d].union(of: compatibleWithDep))
            }
            for u in users[m] where !failed[u] && !allowed[u].isEmpty {
                keep.formIntersection(allowed[u].union(of: compatibleWithUser))
            }
            guard keep != allowed[m] else { return false }
            if keep.isEmpty {
                failed[m] = true
                failure[m] = explainFailure(m)
            }
            allowed[m] = keep
            return true
        }

        mutating func propagate(seeds: [Int]?) {
            var queue: [Int]
            if let seeds {
                var set = Set<Int>()
                for s in seeds {
                    set.formUnion(deps[s])
                    set.formUnion(users[s])
                }
                set.subtract(seeds)
                queue = set.sorted { topoPosition[$0] < topoPosition[$1] }
            } else {
                queue = topo
            }
            // One `queued` array for every call (reset as entries leave the queue): propagate runs once per
            // module in the later phases, and a fresh array each time would cost n² for a whole tree.
            for q in queue { queued[q] = true }
            var head = 0
            while head < queue.count {
                let m = queue[head]
                head += 1
                queued[m] = false
                if prune(m) {
                    for x in deps[m] where !queued[x] {
                        queued[x] = true
                        queue.append(x)
                    }
                    for x in users[m] where !queued[x] {
                        queued[x] = true
                        queue.append(x)
                    }
                }
            }
        }

        /// `target` if allowed, else the nearest package below it, else the highest allowed package.
        func pickBest(_ set: Mask, target: Int?) -> Int? {
            if set.isEmpty { return nil }
            if let target {
                if set.contains(target) { return target }
                if let below = packages.belowList[target].first(where: { set.contains($0) }) { return below }
            }
            var members: [Int] = []
            set.forEach { members.append($0) }
            return members.max {
                let a = packages.below[$0].count, b = packages.below[$1].count
                return a != b ? a < b : packages.names[$0] < packages.names[$1]
            }
        }

        func explainFailure(_ m: Int) -> String {
            var parts: [String] = []
            for d in deps[m] where !failed[d] && allowed[d].count == 1 {
                parts.append("needs \(graph.modules[d].name) (\(names(allowed[d])))")
                if parts.count >= 3 { break }
            }
            for u in users[m] where !failed[u] && allowed[u].count == 1 {
                parts.append("needed by \(graph.modules[u].name) (\(names(allowed[u])))")
                if parts.count >= 6 { break }
            }
            return parts.joined(separator: "; ")
        }

        func names(_ mask: Mask) -> String {
            var out: [String] = []
            mask.forEach { out.append(packages.names[$0]) }
            return out.joined(separator: ", ")
        }

        /// A `rule-matches-nothing` finding for each rule whose pattern matches no module path of the tree.
        ///
        /// Severity: a pattern that can match no path at all (a start anchor after filtermods' `[^/]+/`)
        /// is a mistake in any tree: warning. A pattern that merely matches nothing here is information:
        /// one rules file serves several architectures and configurations (Fedora's matches nothing for
        /// 99 of its 417 rules on Debian's 6.12 amd64 tree: arch/arm64/, drivers/cdx/, modules Debian
        /// does not build), so this tree alone cannot tell a typo from a rule for another build. The note
        /// says whether the tree has modules under the rule's directory, which is where a typo shows.
        func ruleFindings() -> [Finding] {
            var out: [Finding] = []
            let unmatched = rules.rules.indices.filter { !firstMatched.contains($0) }
            if unmatched.isEmpty { return out }
            // The paths after their first component, sorted: the paths a literal prefix admits are one run.
            let rests = paths.map { Array($0.rest) }
            let byRest = paths.indices.filter { paths[$0].restStart != nil }.sorted {
                rests[$0].lexicographicallyPrecedes(rests[$1])
            }
            func starting(with prefix: [UInt8]) -> ArraySlice<Int> {
                var low = 0, high = byRest.count
                while low < high {
                    let mid = (low + high) / 2
                    if rests[byRest[mid]].lexicographicallyPrecedes(prefix) { low = mid + 1 } else { high = mid }
                }
                var end = low
                while end < byRest.count && rests[byRest[end]].starts(with: prefix) { end += 1 }
                return byRest[low..<end]
            }
            for i in unmatched {
                let rule = rules.rules[i]
                let pattern = rule.pattern
                // Shadowed by an earlier rule for every module it matches: it still matches something.
                if !pattern.matchesNothing {
                    let candidates =
                        pattern.needsFirstComponent
                        ? Array(starting(with: pattern.literalPrefix)) : Array(paths.indices)
                    if candidates.contains(where: { pattern.matches(paths[$0]) }) { continue }
                }
                let shown = Display.sanitized(pattern.source)
                if pattern.matchesNothing {
                    out.append(
                        Finding(
                            kind: RulesFindingKind.ruleMatchesNothing.id, severity: .warning, package: rule.package,
                            rule: rule.location,
                            message: "rule '\(shown)' (\(rule.package)) can never match a module path: "
                                + "filtermods matches '\(PathPattern.wrapper)\(shown)'",
                            notes: [
                                "a ^ or \\A after the first path component cannot hold; drop it "
                                    + "(filtermods anchors every rule at the start)"
                            ]))
                    continue
                }
                let directory = pattern.literalDirectory
                var notes: [String] = []
                if !directory.isEmpty {
                    let under = starting(with: Array(directory.utf8)).count
                    notes.append(
                        under == 0
                            ? "the tree has no module under \(Display.sanitized(directory)): "
                                + "a rule for another architecture or configuration?"
                            : "the tree has \(under) modules under \(Display.sanitized(directory)), "
                                + "none of them matches: "
                                + "a misspelt name, or a module this build does not make?")
                }
                out.append(
                    Finding(
                        kind: RulesFindingKind.ruleMatchesNothing.id, severity: .info, package: rule.package,
                        rule: rule.location,
                        message: "rule '\(shown)' (\(rule.package)) matches no module of this tree", notes: notes))
            }
            return out
        }

        func result() -> Placement {
            let fallback = rules.defaultPackage.flatMap { packages.index(of: $0) }
            var packageOf = [Int?](repeating: nil, count: n)
            var wanted = [Int?](repeating: nil, count: n)
            for m in 0..<n {
                wanted[m] = hard[m] ?? pref[m] ?? fallback
                if allowed[m].count == 1 {
                    packageOf[m] = allowed[m].first
                } else if failed[m] {
                    packageOf[m] = hard[m] ?? pref[m]
                }
            }
            return Placement(packages: packages, packageOf: packageOf, wanted: wanted, basis: basis, failure: failure)
        }
    }
}

/// A set of packages as the placement engine holds it: one machine word when the split has at most 64
/// packages, a `PackageMask` beyond. The engine is generic so that the common case keeps plain bit
/// arithmetic in its inner loop.
protocol PackageBits: Equatable, Sendable {
    init(_ mask: PackageMask)
    static func single(_ p: Int) -> Self
    var isEmpty: Bool { get }
    var count: Int { get }
    var first: Int? { get }
    func contains(_ p: Int) -> Bool
    func forEach(_ body: (Int) -> Void)
    mutating func formIntersection(_ other: Self)
    /// The union of `table[p]` over the packages `p` of the set.
    func union(of table: [Self]) -> Self
}

/// At most 64 packages: one bit each in a machine word.
struct WordBits: PackageBits {
    var bits: UInt64

    init(_ mask: PackageMask) {
        bits = 0
        mask.forEach { bits |= 1 << UInt64($0) }
    }

    private init(bits: UInt64) { self.bits = bits }

    static func single(_ p: Int) -> WordBits { WordBits(bits: 1 << UInt64(p)) }
    var isEmpty: Bool { bits == 0 }
    var count: Int { bits.nonzeroBitCount }
    var first: Int? { bits == 0 ? nil : bits.trailingZeroBitCount }
    func contains(_ p: Int) -> Bool { bits & (1 << UInt64(p)) != 0 }

    func forEach(_ body: (Int) -> Void) {
        var rest = bits
        while rest != 0 {
            body(rest.trailingZeroBitCount)
            rest &= rest - 1
        }
    }

    mutating func formIntersection(_ other: WordBits) { bits &= other.bits }

    @inline(__always)
    func union(of table: [WordBits]) -> WordBits {
        var ok: UInt64 = 0
        var rest = bits
        while rest != 0 {
            ok |= table[rest.trailingZeroBitCount].bits
            rest &= rest - 1
        }
        return WordBits(bits: ok)
    }
}

extension PackageMask: PackageBits {
    init(_ mask: PackageMask) { self = mask }

    func union(of table: [PackageMask]) -> PackageMask {
        var ok = PackageMask()
        forEach { ok.formUnion(table[$0]) }
        return ok
    }
}
