internal import Dispatch
public import ELFScan
public import Graph

/// The exact search behind `MinimalCore`: the cheapest set of modules, closed under dependencies, that holds at
/// least one module of every need (a need is a requirement's alternatives) and every kept module.
///
/// Choosing a module brings its whole dependency closure, and closures overlap (virtio_blk and virtio_net share
/// virtio_ring), so this is weighted set cover over closures, NP-hard in general and small in practice: a few
/// dozen needs with one to three alternatives each. Branch and bound solves it exactly:
/// - a greedy solution first, so there is always an answer to beat;
/// - needs taken in a fixed order, fewest alternatives first; a need the chosen set already meets (through
///   some other choice's closure) is not branched on;
/// - lower bound of a node: its cost plus, over the needs still unmet, the largest of each need's cheapest
///   marginal closure (each unmet need must still be paid for, at least the dearest of them);
/// - dominated states are skipped: among the children of a node, one whose set contains a sibling's set cannot
///   beat it (everything completing it completes the sibling too), and a set already visited is not searched
///   again.
/// Any optimal set contains, for every need it meets, a module whose closure it contains; the search follows
/// that module at each branch, so it never misses the optimum. Stopped by the time or node limit, it returns the
/// best set found and the least lower bound of the nodes it left unexplored: the optimum lies between.
public struct CoreSearch: Sendable {
    /// How long the search may run before it settles for the best set found so far.
    public struct Limits: Sendable, Hashable {
        /// Wall-clock seconds for one search.
        public var seconds: Double
        /// Nodes for one search (nil: no limit); tests use it to stop a search at a known point.
        public var nodes: Int?

        /// Limits of `seconds` of wall-clock time and, when given, `nodes` nodes.
        public init(seconds: Double = 10, nodes: Int? = nil) {
            self.seconds = seconds
            self.nodes = nodes
        }
    }

    /// A solution and how far it is proven.
    public struct Result: Sendable {
        /// The modules (graph indices), ascending.
        public var modules: [Int]
        /// Their total weight.
        public var cost: UInt64
        /// True when the search finished: no set of smaller cost exists.
        public var optimal: Bool
        /// The least cost any solution can have, as far as the search got (equal to `cost` when optimal).
        public var lowerBound: UInt64
        /// Nodes the branch and bound visited.
        public var nodes: Int
        /// Wall-clock seconds the search took.
        public var seconds: Double
    }

    let graph: ModuleGraph
    /// Modules that come with a module besides what it needs by symbols: the provider chosen for each of its soft
    /// dependencies (graph indices).
    let companions: [Int: [Int]]
    /// The universe: every module the candidates' closures hold (graph indices), and each one's local index.
    let universe: [Int]
    let local: [Int: Int]
    /// Weight of each module of the universe (by local index).
    let weights: [UInt64]
    /// The closure of each universe module, the module itself included, as local bits.
    let closures: [ModuleBits]

    /// A search over the closures of `candidates` (graph indices): every need and kept module later asked about
    /// must be among them. `weight` is the cost of one module (by graph index). A module's closure holds what it
    /// needs by symbols and, through `companions`, the modules chosen for its soft dependencies, transitively.
    public init(
        graph: ModuleGraph, candidates: some Sequence<Int>, companions: [Int: [Int]] = [:],
        weight: (Int) -> UInt64
    ) {
        self.graph = graph
        self.companions = companions
        var members = Set<Int>()
        for c in candidates where members.insert(c).inserted {
            for d in Self.reach(from: c, graph: graph, companions: companions) { members.insert(d) }
        }
        let universe = members.sorted()
        self.universe = universe
        var local: [Int: Int] = [:]
        for (i, m) in universe.enumerated() { local[m] = i }
        self.local = local
        weights = universe.map(weight)
        closures = universe.map { m in
            var bits = ModuleBits(count: universe.count)
            bits.insert(local[m]!)
            for d in Self.reach(from: m, graph: graph, companions: companions) { bits.insert(local[d]!) }
            return bits
        }
    }

    /// The modules `module` brings along (itself excluded): what it needs, and its soft dependencies' companions.
    static func reach(from module: Int, graph: ModuleGraph, companions: [Int: [Int]]) -> [Int] {
        guard !companions.isEmpty else { return graph.closure(of: module) }
        var seen: Set<Int> = [module]
        var stack = [module]
        var out: [Int] = []
        while let m = stack.popLast() {
            for d in graph.deps[m].map(\.target) + (companions[m] ?? []) where seen.insert(d).inserted {
                out.append(d)
                stack.append(d)
            }
        }
        return out
    }

    /// For every module `sources` bring, a shortest chain to it (both ends included) from one of them, through
    /// dependencies and soft dependencies' companions: one breadth-first search from all sources at once, so that
    /// among equally short chains the earliest source's wins. A source's own chain is itself.
    public func chains(from sources: [Int]) -> [Int: [Int]] {
        var previous: [Int: Int] = [:]
        var queue: [Int] = []
        for s in sources where previous[s] == nil {
            previous[s] = s
            queue.append(s)
        }
        var head = 0
        while head < queue.count {
            let m = queue[head]
            head += 1
            for d in graph.deps[m].map(\.target) + (companions[m] ?? []) where previous[d] == nil {
                previous[d] = m
                queue.append(d)
            }
        }
        var out: [Int: [Int]] = [:]
        for m in queue {
            let before = previous[m]!
            out[m] = before == m ? [m] : out[before]! + [m]
        }
        return out
    }

    /// For each module of `graph` with soft dependencies, the provider that meets each one (`softdep`'s `pre:` and
    /// `post:` names, resolved as modprobe resolves them): none when a built-in module meets it or nothing does,
    /// else the provider whose closure weighs least (modprobe would load every module of an alias; any one of
    /// them meets the soft dependency as the checks read it).
    public static func softdepCompanions(
        graph: ModuleGraph, builtinModinfo: [String: [ModinfoEntry]], weight: (Int) -> UInt64
    ) -> [Int: [Int]] {
        var out: [Int: [Int]] = [:]
        var cheapest: [[Int]: Int] = [:]
        for (m, _, target) in softdepTargets(graph: graph, builtinModinfo: builtinModinfo)["softdep"] ?? [] {
            guard case .modules(let providers) = target, !providers.contains(m) else { continue }
            // A provider the module brings anyway meets it already.
            let own = Set(graph.closure(of: m))
            if providers.contains(where: own.contains) { continue }
            let pick: Int
            if let known = cheapest[providers] {
                pick = known
            } else {
                pick = providers.min { a, b in
                    let (ca, cb) = (
                        ([a] + graph.closure(of: a)).reduce(0) { $0 + weight($1) },
                        ([b] + graph.closure(of: b)).reduce(0) { $0 + weight($1) }
                    )
                    return ca != cb ? ca < cb : a < b
                }!
                cheapest[providers] = pick
            }
            if !(out[m] ?? []).contains(pick) { out[m, default: []].append(pick) }
        }
        return out
    }

    /// The cost of a set of graph modules (all in the universe).
    public func cost(of modules: some Sequence<Int>) -> UInt64 {
        modules.reduce(0) { $0 + weights[local[$1]!] }
    }

    /// The cost of a module with its closure.
    public func closureCost(of module: Int) -> UInt64 { closures[local[module]!].cost(weights: weights) }

    /// The modules a set of chosen modules brings: each with its closure.
    public func closure(of modules: some Sequence<Int>) -> [Int] {
        var bits = ModuleBits(count: universe.count)
        for m in modules { bits.formUnion(closures[local[m]!]) }
        return bits.members.map { universe[$0] }
    }

    /// The cheapest closed set holding one module of each of `needs` (graph indices, none empty) and every module
    /// of `keep`.
    public func solve(needs: [[Int]], keep: [Int] = [], limits: Limits = Limits()) -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        var base = ModuleBits(count: universe.count)
        for k in keep { base.formUnion(closures[local[k]!]) }
        // Each need as the bits of its alternatives; needs the kept modules meet, and needs implied by another
        // (every alternative of the other is one of theirs), are met whenever the rest are.
        var bits: [ModuleBits] = []
        var alternatives: [[Int]] = []
        for need in needs {
            precondition(!need.isEmpty, "a need without alternatives")
            var b = ModuleBits(count: universe.count)
            for m in need { b.insert(local[m]!) }
            if b.intersects(base) || bits.contains(b) { continue }
            bits.append(b)
            alternatives.append(b.members)
        }
        // Equal needs are gone, so an implying need is a strict subset, and what implies it implies this one too.
        let kept = bits.indices.filter { i in !bits.indices.contains { j in j != i && bits[j].isSubset(of: bits[i]) } }
        // Fewest alternatives first; among equals, the need whose cheapest closure is dearest (it sets the bound).
        let cheapest = kept.map { i in
            alternatives[i].map { base.costOfAdding(closures[$0], weights: weights) }.min()!
        }
        let order = kept.indices.sorted {
            let (a, b) = (kept[$0], kept[$1])
            if alternatives[a].count != alternatives[b].count { return alternatives[a].count < alternatives[b].count }
            if cheapest[$0] != cheapest[$1] { return cheapest[$0] > cheapest[$1] }
            return a < b
        }.map { kept[$0] }
        let deadline = start + UInt64(max(0, limits.seconds) * 1e9)
        let search = BranchAndBound(
            closures: closures, weights: weights, needs: order.map { bits[$0] },
            alternatives: order.map { alternatives[$0] }, deadline: deadline,
            nodeLimit: limits.nodes)
        let baseCost = base.cost(weights: weights)
        search.greedy(from: base, cost: baseCost)
        search.visit(base, cost: baseCost)
        let found = search.bestSet.members.map { universe[$0] }
        return Result(
            modules: found, cost: search.best, optimal: !search.stopped,
            lowerBound: search.stopped ? min(search.best, search.frontier) : search.best,
            nodes: search.nodes, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}

/// One run of the branch and bound (a class: the recursion updates the incumbent in place).
private final class BranchAndBound {
    let closures: [ModuleBits]
    let weights: [UInt64]
    /// Needs in search order, as bits of their alternatives and as the list of them.
    let needs: [ModuleBits]
    let alternatives: [[Int]]
    let deadline: UInt64
    let nodeLimit: Int?

    var best: UInt64 = .max
    var bestSet = ModuleBits(count: 0)
    var nodes = 0
    var stopped = false
    /// The least lower bound of the nodes left unexplored when the search stopped.
    var frontier: UInt64 = .max
    var visited: Set<ModuleBits> = []
    /// Sets remembered at most: past this the search goes on without remembering more.
    static let memoryLimit = 1 << 20

    init(
        closures: [ModuleBits], weights: [UInt64], needs: [ModuleBits], alternatives: [[Int]], deadline: UInt64,
        nodeLimit: Int?
    ) {
        self.closures = closures
        self.weights = weights
        self.needs = needs
        self.alternatives = alternatives
        self.deadline = deadline
        self.nodeLimit = nodeLimit
    }

    /// The first solution: each unmet need, in order, takes its cheapest alternative.
    func greedy(from base: ModuleBits, cost baseCost: UInt64) {
        var set = base
        var cost = baseCost
        for (r, need) in needs.enumerated() where !set.intersects(need) {
            let (a, extra) = alternatives[r].map { ($0, set.costOfAdding(closures[$0], weights: weights)) }
                .min { $0.1 < $1.1 }!
            set.formUnion(closures[a])
            cost += extra
        }
        best = cost
        bestSet = set
    }

    func visit(_ set: ModuleBits, cost: UInt64) {
        nodes += 1
        if let nodeLimit, nodes > nodeLimit { stopped = true }
        if nodes & 255 == 0 && DispatchTime.now().uptimeNanoseconds > deadline { stopped = true }
        var branch = -1
        var bound: UInt64 = 0
        for (r, need) in needs.enumerated() where !set.intersects(need) {
            if branch < 0 { branch = r }
            var cheapest = UInt64.max
            for a in alternatives[r] { cheapest = min(cheapest, set.costOfAdding(closures[a], weights: weights)) }
            bound = max(bound, cheapest)
        }
        if branch < 0 {
            if cost < best {
                best = cost
                bestSet = set
            }
            return
        }
        if cost + bound >= best { return }
        if stopped {
            frontier = min(frontier, cost + bound)
            return
        }
        var children: [(set: ModuleBits, extra: UInt64, module: Int)] = alternatives[branch].map { a in
            var child = set
            child.formUnion(closures[a])
            return (child, set.costOfAdding(closures[a], weights: weights), a)
        }
        children.sort { $0.extra != $1.extra ? $0.extra < $1.extra : $0.module < $1.module }
        for (k, child) in children.enumerated() {
            // A sibling whose set lies inside this one's does at least as well (earlier wins among equal sets).
            let dominated = children.indices.contains { j in
                j != k && children[j].set.isSubset(of: child.set) && (j < k || children[j].set != child.set)
            }
            if dominated { continue }
            let childBound = cost + max(bound, child.extra)
            if childBound >= best { continue }
            if stopped {
                frontier = min(frontier, childBound)
                continue
            }
            if visited.count < Self.memoryLimit {
                guard visited.insert(child.set).inserted else { continue }
            }
            visit(child.set, cost: cost + child.extra)
        }
    }
}

/// A set of modules of a search's universe, one bit each.
struct ModuleBits: Hashable, Sendable {
    private(set) var words: [UInt64]

    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }

    func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }

    mutating func formUnion(_ other: ModuleBits) {
        for k in words.indices { words[k] |= other.words[k] }
    }

    func intersects(_ other: ModuleBits) -> Bool {
        for k in words.indices where words[k] & other.words[k] != 0 { return true }
        return false
    }

    func isSubset(of other: ModuleBits) -> Bool {
        for k in words.indices where words[k] & ~other.words[k] != 0 { return false }
        return true
    }

    /// The weight of what `other` holds beyond this set.
    func costOfAdding(_ other: ModuleBits, weights: [UInt64]) -> UInt64 {
        var sum: UInt64 = 0
        for k in words.indices {
            var w = other.words[k] & ~words[k]
            while w != 0 {
                sum += weights[k << 6 | w.trailingZeroBitCount]
                w &= w - 1
            }
        }
        return sum
    }

    func cost(weights: [UInt64]) -> UInt64 { ModuleBits(count: words.count * 64).costOfAdding(self, weights: weights) }

    /// The members, ascending.
    var members: [Int] {
        var out: [Int] = []
        for k in words.indices {
            var w = words[k]
            while w != 0 {
                out.append(k << 6 | w.trailingZeroBitCount)
                w &= w - 1
            }
        }
        return out
    }
}
