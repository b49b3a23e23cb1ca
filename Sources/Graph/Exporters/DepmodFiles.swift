internal import Dispatch
import ELFScan

/// The text files `depmod -a` writes, computed from modsplit's own graph (never from depmod's output).
///
/// Lines come out in depmod's order: modules in module order (`modules.order` first), dependencies on a
/// modules.dep line by depmod's topological index, modules.symbols in kmod's symbol-hash order.
///
/// Each file is built as bytes and turned into a String once: a distro kernel's files hold ~2.5 MB in
/// ~100k lines, and appending interpolated Strings line by line cost more than building the graph.
public enum DepmodFiles {
    /// The files `depmod -a` writes, in the order `render` returns them.
    public static let fileNames = [
        "modules.dep", "modules.alias", "modules.softdep", "modules.weakdep",
        "modules.symbols", "modules.devname",
    ]

    /// File name → contents. The files are independent, so they are rendered on all cores.
    /// A tree whose modules need each other in a cycle has no load order: depmod refuses it and writes
    /// nothing, and so does this (`DependencyCycles`).
    public static func render(_ graph: ModuleGraph) throws(DependencyCycles) -> [(name: String, contents: String)] {
        // `cyclic` is known from the topological sort already; the cycles are only looked for when it is not empty.
        if !graph.cyclic.isEmpty { throw DependencyCycles(graph) }
        let renderers: [@Sendable (ModuleGraph) -> String] = [dep, alias, softdep, weakdep, symbols, devname]
        let results = ResultSlots<String>(count: renderers.count)
        // The biggest files first (modules.alias, modules.symbols, modules.dep) so they run side by side.
        let schedule = [1, 4, 0, 5, 2, 3]
        DispatchQueue.concurrentPerform(iterations: renderers.count) { k in
            let file = schedule[k]
            results.set(file, renderers[file](graph))
        }
        return zip(fileNames, results.values).map { ($0, $1 ?? "") }
    }

    /// modules.dep: each module's path, a colon, and the paths of every module that must load before it, in
    /// depmod's topological order.
    public static func dep(_ graph: ModuleGraph) -> String {
        var out = ByteText(capacity: graph.modules.count * 128)
        var closure = ClosureWalker(graph)
        for (i, m) in graph.modules.enumerated() {
            out.append(m.path)
            out.append(":")
            for d in closure.dependencies(of: i) {
                out.append(" ")
                out.append(graph.modules[d].path)
            }
            out.append("\n")
        }
        return out.string
    }

    /// modules.alias: `alias <pattern> <module>` for every `alias=` of every module, in module order.
    public static func alias(_ graph: ModuleGraph) -> String {
        modinfoLines(graph, key: "alias", header: "# Aliases extracted from modules themselves.\n") { out, m, value in
            out.append("alias ")
            out.append(value)
            out.append(" ")
            out.append(m.name)
        }
    }

    /// modules.softdep: `softdep <module> <value>` for every `softdep=` of every module.
    public static func softdep(_ graph: ModuleGraph) -> String {
        keyedLines(graph, key: "softdep", header: "# Soft dependencies extracted from modules themselves.\n")
    }

    /// modules.weakdep: `weakdep <module> <value>` for every `weakdep=` of every module.
    public static func weakdep(_ graph: ModuleGraph) -> String {
        keyedLines(graph, key: "weakdep", header: "# Weak dependencies extracted from modules themselves.\n")
    }

    /// `<key> <module> <value>` for each `.modinfo` entry `key` (modules.softdep and modules.weakdep).
    private static func keyedLines(_ graph: ModuleGraph, key: String, header: String) -> String {
        modinfoLines(graph, key: key, header: header) { out, m, value in
            out.append(key)
            out.append(" ")
            out.append(m.name)
            out.append(" ")
            out.append(value)
        }
    }

    /// One line per `.modinfo` value of `key`, modules in module order.
    private static func modinfoLines(
        _ graph: ModuleGraph, key: String, header: String,
        line: (inout ByteText, ModuleFacts, String) -> Void
    ) -> String {
        var out = ByteText(capacity: key == "alias" ? graph.modules.count * 384 : 4096)
        out.append(header)
        for m in graph.modules {
            for entry in m.modinfo where entry.key == key {
                line(&out, m, entry.value)
                out.append("\n")
            }
        }
        return out.string
    }

    /// modules.symbols: `alias symbol:<name> <module>` for every symbol a module exports, in kmod's hash order.
    public static func symbols(_ graph: ModuleGraph) -> String {
        var owned: [(String, String)] = []
        owned.reserveCapacity(graph.index.moduleExporters.count)
        for (name, exporters) in graph.index.moduleExporters {
            guard let last = exporters.last, case .module(let i) = last.provider else { continue }
            owned.append((name, graph.modules[i].name))
        }
        var out = ByteText(capacity: owned.count * 48)
        out.append("# Aliases for symbols, used by symbol_request().\n")
        for k in DepmodHash.iterationOrder(owned.map(\.0), buckets: 2048) {
            out.append("alias symbol:")
            out.append(owned[k].0)
            out.append(" ")
            out.append(owned[k].1)
            out.append("\n")
        }
        return out.string
    }

    /// Device nodes: a module with a `devname:` alias and a `char-major-M-m` or `block-major-M-m` alias.
    public static func devname(_ graph: ModuleGraph) -> String {
        var lines = ""
        for m in graph.modules {
            var devname: String?
            var node: (type: Character, major: UInt32, minor: UInt32)?
            for entry in m.modinfo where entry.key == "alias" {
                let a = entry.value
                if hasPrefix(a, "devname:") {
                    devname = String(a.dropFirst("devname:".count))
                } else if let n = majorMinor(a, prefix: "char-major-", type: "c")
                    ?? majorMinor(a, prefix: "block-major-", type: "b")
                {
                    node = n
                }
                if devname != nil && node != nil { break }
            }
            if let devname, let node { lines += "\(m.name) \(devname) \(node.type)\(node.major):\(node.minor)\n" }
        }
        return lines.isEmpty ? "" : "# Device nodes to trigger on-demand module loading.\n" + lines
    }

    private static func majorMinor(_ alias: String, prefix: String, type: Character)
        -> (type: Character, major: UInt32, minor: UInt32)?
    {
        guard hasPrefix(alias, prefix) else { return nil }
        let rest = alias.dropFirst(prefix.count)
        let parts = rest.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let major = UInt32(parts[0]) else { return nil }
        // Like sscanf("%u"), trailing text after the minor number is tolerated.
        let digits = parts[1].prefix { $0.isASCII && $0.isNumber }
        guard let minor = UInt32(digits) else { return nil }
        return (type, major, minor)
    }

    /// `s.hasPrefix(prefix)` for an ASCII `prefix`, deciding on bytes when it can: ~30k aliases are
    /// tested per tree. Only a non-ASCII byte right after the prefix (a combining mark would change the
    /// last Character) needs String's Character-wise answer.
    private static func hasPrefix(_ s: String, _ prefix: String) -> Bool {
        guard s.utf8.starts(with: prefix.utf8) else { return false }
        let next = s.utf8.dropFirst(prefix.utf8.count).first
        return next.map { $0 < 0x80 } ?? true || s.hasPrefix(prefix)
    }
}

/// Why depmod's files were not written: modules that need each other in a cycle, so that none of them
/// can load first. depmod reports each cycle ("Cycle detected: a -> b -> a"), then how many modules
/// are on one, and exits with status 1 without writing anything.
public struct DependencyCycles: Error, Sendable, CustomStringConvertible {
    /// Each cycle as a chain of module names back to its first, one per group of modules that need each
    /// other: a shortest cycle through the group's alphabetically first module. Sorted by that name.
    public var cycles: [[String]]
    /// How many modules are on a cycle.
    public var moduleCount: Int

    init(_ graph: ModuleGraph) {
        var cycles: [[String]] = []
        var count = 0
        for group in graph.cycles() {
            count += group.count
            // A shortest way back to the group's first module, through one of its own dependencies.
            let start = group.min { graph.modules[$0].name < graph.modules[$1].name }!
            let members = Set(group)
            var best: [Int]?
            for e in graph.deps[start] where members.contains(e.target) {
                if let back = graph.path(from: e.target, to: start), back.count < (best?.count ?? .max) { best = back }
            }
            cycles.append(([start] + (best ?? [start])).map { graph.modules[$0].name })
        }
        self.cycles = cycles.sorted { $0[0] < $1[0] }
        moduleCount = count
    }

    /// depmod's report, one line each (without its "depmod: ERROR: " prefix).
    public var lines: [String] {
        cycles.map { "Cycle detected: " + $0.joined(separator: " -> ") }
            + ["Found \(moduleCount) modules in dependency cycles!"]
    }

    /// The report's lines joined, as depmod prints them.
    public var description: String { lines.joined(separator: "\n") }
}

/// A growing UTF-8 buffer for the text files.
struct ByteText {
    private var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// Transitive dependencies of one module after another, with the visited marks reused between modules
/// (a Set per module cost more than the walk).
struct ClosureWalker {
    private let graph: ModuleGraph
    private var mark: [Int32]
    private var generation: Int32 = 0
    private var stack: [Int] = []
    private var found: [Int] = []

    init(_ graph: ModuleGraph) {
        self.graph = graph
        mark = [Int32](repeating: 0, count: graph.modules.count)
    }

    /// What `graph.closure(of: module)` returns: everything `module` needs, by depmod's topological index.
    mutating func dependencies(of module: Int) -> [Int] {
        generation += 1
        mark[module] = generation
        stack.removeAll(keepingCapacity: true)
        found.removeAll(keepingCapacity: true)
        stack.append(module)
        while let m = stack.popLast() {
            for e in graph.deps[m] where mark[e.target] != generation {
                mark[e.target] = generation
                found.append(e.target)
                stack.append(e.target)
            }
        }
        let sortIndex = graph.sortIndex
        found.sort { sortIndex[$0] < sortIndex[$1] }
        return found
    }
}
