internal import Dispatch
public import ELFScan

/// A dependency of one module on another, with the symbols that create it (in import order).
public struct Edge: Sendable, Hashable {
    /// The depended-on module, as an index into `ModuleGraph.modules`.
    public var target: Int
    /// The symbols the dependent imports from it, in import order.
    public var symbols: [String]
}

/// The symbol-level module graph of a tree: modules in depmod's module order, edges carrying symbols.
public struct ModuleGraph: Sendable {
    /// The modules, in depmod's module order: `modules.order` first, then the rest in kmod's hash order.
    public let modules: [ModuleFacts]
    /// Files dropped because another file has the same module name (as depmod drops them), with the winner.
    public let shadowed: [(dropped: ModuleFacts, kept: Int)]
    /// Every module export of the tree and the kernel's own, with depmod's choice of provider.
    public let index: SymbolIndex
    /// True when the kernel's own exports are known (Module.symvers or a real System.map).
    public let kernelExportsKnown: Bool
    /// Names of the modules built into the kernel image.
    public let builtin: Set<String>
    /// Direct dependencies of each module, in the order their first symbol appears.
    public let deps: [[Edge]]
    /// Direct users of each module, ascending.
    public let users: [[Int]]
    /// Where each import of each module resolves (parallel to `modules[m].imports`).
    private let importResolutions: [[ImportResolution]]
    /// Non-weak imports nobody exports; always empty when the kernel's exports are unknown.
    public let unresolved: [[ImportedSymbol]]
    /// When the kernel's exports are unknown: the non-weak imports no module exports, which depmod (without
    /// `-E`/`-F`) and this graph take to be the kernel's, unchecked; always empty when the exports are known.
    public let unchecked: [[ImportedSymbol]]
    /// depmod's topological index (`dep_sort_idx`): a module comes before everything it depends on.
    public let sortIndex: [Int]
    /// Modules that sit on a dependency cycle.
    public let cyclic: Set<Int>
    private let byName: [String: Int]

    /// The graph of a scanned tree: its modules, `modules.order`, kernel exports and built-in modules.
    public init(scan: TreeScan) {
        self.init(modules: scan.modules, order: scan.order, kernel: scan.kernelExports, builtin: scan.builtinModules)
    }

    /// The graph of `modules` (any order; shadowed files dropped as depmod drops them), resolved against `kernel`'s
    /// exports when given.
    public init(
        modules input: [ModuleFacts], order: [String] = [], kernel: KernelExports? = nil, builtin: [String] = []
    ) {
        // 1. One file per module name; the others are shadowed (reported, not analysed). Files are
        // handled by index: a ModuleFacts copy retains a dozen strings and arrays.
        var orderRank: [String: Int] = [:]
        orderRank.reserveCapacity(order.count)
        let total = order.count + 1
        for (k, line) in order.enumerated() { orderRank[line] = k + 1 - total }
        let ranks = input.map { orderRank[uncompressedPath($0.path)] ?? 1 }
        func beats(_ a: Int, _ b: Int) -> Bool {
            let au = input[a].path.hasPrefix("updates/"), bu = input[b].path.hasPrefix("updates/")
            if au != bu { return au }
            if ranks[a] != ranks[b] { return ranks[a] < ranks[b] }
            return input[a].path < input[b].path
        }
        var chosen: [String: Int] = [:]
        chosen.reserveCapacity(input.count)
        var losers: [Int] = []
        var winners: [Int] = []  // input indices of the chosen files, in input order
        var isWinner = [Bool](repeating: false, count: input.count)
        for (i, m) in input.enumerated() {
            if let other = chosen[m.name] {
                if beats(i, other) {
                    losers.append(other)
                    isWinner[other] = false
                    chosen[m.name] = i
                    isWinner[i] = true
                } else {
                    losers.append(i)
                }
            } else {
                chosen[m.name] = i
                isWinner[i] = true
            }
        }
        for i in input.indices where isWinner[i] { winners.append(i) }
        // 2. depmod's module order: hash order of names, then a stable sort by modules.order position.
        let hashed = DepmodHash.iterationOrder(winners.map { input[$0].name }, buckets: 512)
        let perm = hashed.indices.sorted {
            let (a, b) = (ranks[winners[hashed[$0]]], ranks[winners[hashed[$1]]])
            return a != b ? a < b : $0 < $1
        }
        let list = perm.map { input[winners[hashed[$0]]] }
        modules = list
        var byName: [String: Int] = [:]
        byName.reserveCapacity(list.count)
        for (i, m) in list.enumerated() { byName[m.name] = i }
        self.byName = byName
        shadowed = losers.sorted { input[$0].path < input[$1].path }.map { (input[$0], byName[input[$0].name]!) }

        // 3. Edges, symbol by symbol, on all cores: each module's imports resolve independently
        // against the finished index, and each worker writes only its own modules' slots.
        let index = SymbolIndex(modules: list, kernel: kernel)
        self.index = index
        kernelExportsKnown = kernel != nil
        self.builtin = Set(builtin)
        let resolved = Self.resolveEdges(modules: list, index: index)
        let deps = resolved.deps
        self.deps = deps
        let none = [[ImportedSymbol]](repeating: [], count: list.count)
        self.unresolved = kernel != nil ? resolved.unresolved : none
        self.unchecked = kernel != nil ? none : resolved.unresolved
        self.importResolutions = resolved.resolutions
        // Appending users in ascending module order leaves each list sorted.
        var users: [[Int]] = Array(repeating: [], count: list.count)
        for (i, es) in deps.enumerated() { for e in es { users[e.target].append(i) } }
        self.users = users

        // 4. depmod's topological index: Kahn's algorithm with a LIFO stack, roots pushed in module order.
        var remaining = users.map(\.count)
        var stack = remaining.indices.filter { remaining[$0] == 0 }
        var sortIndex = Array(repeating: -1, count: list.count)
        var n = 0
        while let src = stack.popLast() {
            sortIndex[src] = n
            n += 1
            for e in deps[src] {
                remaining[e.target] -= 1
                if remaining[e.target] == 0 { stack.append(e.target) }
            }
        }
        var cyclic = Set<Int>()
        for i in sortIndex.indices where sortIndex[i] < 0 {
            sortIndex[i] = n
            n += 1
            cyclic.insert(i)
        }
        self.sortIndex = sortIndex
        // Modules left over are on a cycle or depend on one; keep only those on a cycle.
        if !cyclic.isEmpty {
            let onCycle = Set(Self.components(count: list.count, deps: deps).filter { $0.count > 1 }.flatMap { $0 })
            self.cyclic = cyclic.intersection(onCycle)
        } else {
            self.cyclic = []
        }
    }

    /// Direct dependencies and unresolved imports of every module. depmod also resolves `__versions`
    /// names that match no undefined symbol, so `extraVersions` count as (non-weak) imports.
    private static func resolveEdges(modules: [ModuleFacts], index: SymbolIndex)
        -> (deps: [[Edge]], unresolved: [[ImportedSymbol]], resolutions: [[ImportResolution]])
    {
        let count = modules.count
        let deps = ResultSlots<[Edge]>(count: count)
        let unresolved = ResultSlots<[ImportedSymbol]>(count: count)
        let resolutions = ResultSlots<[ImportResolution]>(count: count)
        @Sendable func resolve(_ i: Int) {
            var edges: [Edge] = []
            var missing: [ImportedSymbol] = []
            var found: [ImportResolution] = []
            found.reserveCapacity(modules[i].imports.count)
            func add(_ imp: ImportedSymbol, record: Bool) {
                let resolution = index.provider(of: imp.name)
                if record { found.append(resolution) }
                if resolution == .unresolved {
                    if !imp.weak { missing.append(imp) }
                    return
                }
                guard let target = resolution.module, target != i else { return }  // the kernel, or the module itself
                // A module has few direct dependencies: a linear search is cheaper than a dictionary.
                if let s = edges.firstIndex(where: { $0.target == target }) {
                    edges[s].symbols.append(imp.name)
                } else {
                    edges.append(Edge(target: target, symbols: [imp.name]))
                }
            }
            let m = modules[i]
            for imp in m.imports { add(imp, record: true) }
            for v in m.extraVersions { add(ImportedSymbol(name: v.name, weak: false, crc: v.crc), record: false) }
            deps.set(i, edges)
            unresolved.set(i, missing)
            resolutions.set(i, found)
        }
        // Threads pay off only on real trees; unit-test graphs of a few modules resolve inline.
        if count >= 256 {
            let chunks = 64
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in stride(from: c, to: count, by: chunks) { resolve(i) }
            }
        } else {
            for i in 0..<count { resolve(i) }
        }
        // Every slot is set: resolve(i) runs once for each module.
        return (deps.values.map { $0 ?? [] }, unresolved.values.map { $0 ?? [] }, resolutions.values.map { $0 ?? [] })
    }

    /// The export import `k` of module `m` resolves to, nil when nobody exports it.
    public func resolvedExport(module m: Int, import k: Int) -> Export? { index.export(importResolutions[m][k]) }

    /// The index of the module named `name` (`-` and `_` are the same).
    public func module(named name: String) -> Int? {
        byName[normalizedModuleName(moduleName(fromFileName: name))] ?? byName[normalizedModuleName(name)]
    }

    /// The module a user named by name, file name or path; a name built into the kernel, or no module at
    /// all, is a `ModuleLookupError` that says which.
    public func lookup(_ name: String) throws(ModuleLookupError) -> Int {
        guard !name.isEmpty else { throw ModuleLookupError("an empty module name names no module") }
        if let i = module(named: name) { return i }
        if let i = modules.firstIndex(where: { $0.path == name || $0.path.hasSuffix("/" + name) }) { return i }
        if builtin.contains(normalizedModuleName(name)) {
            throw ModuleLookupError("\(Display.sanitized(name)) is built into the kernel, not a loadable module")
        }
        throw ModuleLookupError("no module \(Display.sanitized(name)) in this tree")
    }

    /// Everything `module` needs, transitively, in modules.dep order (what loads last comes last).
    public func closure(of module: Int) -> [Int] {
        var seen = Set<Int>([module])
        var stack = [module]
        var out: [Int] = []
        while let m = stack.popLast() {
            for e in deps[m] where seen.insert(e.target).inserted {
                out.append(e.target)
                stack.append(e.target)
            }
        }
        return out.sorted { sortIndex[$0] < sortIndex[$1] }
    }

    /// `closure(of:)` of every module at once: one visited-stamp array for all of them instead of a set each.
    public func allClosures() -> [[Int]] {
        let n = modules.count
        var stamp = [Int](repeating: -1, count: n)
        var stack: [Int] = []
        var out: [[Int]] = []
        out.reserveCapacity(n)
        for m in 0..<n {
            var closure: [Int] = []
            stamp[m] = m
            stack.append(m)
            while let x = stack.popLast() {
                for e in deps[x] where stamp[e.target] != m {
                    stamp[e.target] = m
                    closure.append(e.target)
                    stack.append(e.target)
                }
            }
            closure.sort { sortIndex[$0] < sortIndex[$1] }
            out.append(closure)
        }
        return out
    }

    /// Everything that needs `module`, transitively, sorted by module order.
    public func reverseClosure(of module: Int) -> [Int] {
        var seen = Set<Int>([module])
        var stack = [module]
        while let m = stack.popLast() {
            for u in users[m] where seen.insert(u).inserted { stack.append(u) }
        }
        seen.remove(module)
        return seen.sorted()
    }

    /// The modules of `set` and everything they need, transitively: the closure of a set, the set included.
    public func closure(ofSet set: some Sequence<Int>) -> Set<Int> {
        var seen = Set(set)
        var stack = Array(seen)
        while let m = stack.popLast() {
            for e in deps[m] where seen.insert(e.target).inserted { stack.append(e.target) }
        }
        return seen
    }

    /// A shortest chain of dependencies from `from` to `to`, both included; nil when `from` does not need `to`.
    public func path(from: Int, to: Int) -> [Int]? {
        if from == to { return [from] }
        var previous = [Int: Int]()
        var queue = [from]
        var head = 0
        previous[from] = from
        while head < queue.count {
            let m = queue[head]
            head += 1
            for e in deps[m] where previous[e.target] == nil {
                previous[e.target] = m
                if e.target == to {
                    var chain = [to]
                    var c = m
                    while c != from {
                        chain.append(c)
                        c = previous[c]!
                    }
                    chain.append(from)
                    return chain.reversed()
                }
                queue.append(e.target)
            }
        }
        return nil
    }

    /// The edge from `from` to `to`, if `from` depends on `to` directly.
    public func edge(from: Int, to: Int) -> Edge? { deps[from].first { $0.target == to } }

    /// Strongly connected components with more than one module (dependency cycles), each sorted,
    /// ordered by their first module.
    public func cycles() -> [[Int]] {
        Self.components(count: modules.count, deps: deps).filter { $0.count > 1 }.map { $0.sorted() }
            .sorted { $0[0] < $1[0] }
    }

    /// Tarjan's algorithm, iterative so deep chains cannot overflow the stack.
    static func components(count: Int, deps: [[Edge]]) -> [[Int]] {
        var index = Array(repeating: -1, count: count)
        var low = Array(repeating: 0, count: count)
        var onStack = Array(repeating: false, count: count)
        var stack: [Int] = []
        var result: [[Int]] = []
        var next = 0
        for root in 0..<count where index[root] < 0 {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            index[root] = next
            low[root] = next
            next += 1
            stack.append(root)
            onStack[root] = true
            while let (v, e) = work.last {
                if e < deps[v].count {
                    work[work.count - 1].edge += 1
                    let w = deps[v][e].target
                    if index[w] < 0 {
                        index[w] = next
                        low[w] = next
                        next += 1
                        stack.append(w)
                        onStack[w] = true
                        work.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last { low[parent.node] = min(low[parent.node], low[v]) }
                    if low[v] == index[v] {
                        var component: [Int] = []
                        while let w = stack.popLast() {
                            onStack[w] = false
                            component.append(w)
                            if w == v { break }
                        }
                        result.append(component)
                    }
                }
            }
        }
        return result
    }
}

/// A module path with its compression suffix cut back to `.ko`, as modules.order spells it.
public func uncompressedPath(_ path: String) -> String {
    // Called for every module of a tree: a plain `.ko` ends in 'o', which no compressed suffix does.
    if path.utf8.last == UInt8(ascii: "o") { return path }
    for c in Compression.allCases where c != .none && path.hasSuffix(".ko" + c.suffix) {
        return String(path.dropLast(c.suffix.count))
    }
    return path
}

/// A module name given by the user that names no loadable module of the tree.
public struct ModuleLookupError: Error, Sendable, CustomStringConvertible {
    /// Which name, and why it does not resolve.
    public var description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
