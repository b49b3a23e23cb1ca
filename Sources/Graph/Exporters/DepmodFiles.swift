import ELFScan

/// The text files `depmod -a` writes, computed from modsplit's own graph (never from depmod's output).
///
/// Lines come out in depmod's order: modules in module order (`modules.order` first), dependencies on a
/// modules.dep line by depmod's topological index, modules.symbols in kmod's symbol-hash order.
public enum DepmodFiles {
    public static let fileNames = ["modules.dep", "modules.alias", "modules.softdep", "modules.weakdep",
                                   "modules.symbols", "modules.devname"]

    /// File name → contents.
    public static func render(_ graph: ModuleGraph) -> [(name: String, contents: String)] {
        [("modules.dep", dep(graph)), ("modules.alias", alias(graph)), ("modules.softdep", softdep(graph)),
         ("modules.weakdep", weakdep(graph)), ("modules.symbols", symbols(graph)), ("modules.devname", devname(graph))]
    }

    public static func dep(_ graph: ModuleGraph) -> String {
        var out = ""
        for (i, m) in graph.modules.enumerated() {
            out += m.path + ":"
            for d in graph.closure(of: i) { out += " " + graph.modules[d].path }
            out += "\n"
        }
        return out
    }

    public static func alias(_ graph: ModuleGraph) -> String {
        var out = "# Aliases extracted from modules themselves.\n"
        for m in graph.modules { for a in m.modinfo("alias") { out += "alias \(a) \(m.name)\n" } }
        return out
    }

    public static func softdep(_ graph: ModuleGraph) -> String {
        var out = "# Soft dependencies extracted from modules themselves.\n"
        for m in graph.modules { for s in m.modinfo("softdep") { out += "softdep \(m.name) \(s)\n" } }
        return out
    }

    public static func weakdep(_ graph: ModuleGraph) -> String {
        var out = "# Weak dependencies extracted from modules themselves.\n"
        for m in graph.modules { for s in m.modinfo("weakdep") { out += "weakdep \(m.name) \(s)\n" } }
        return out
    }

    public static func symbols(_ graph: ModuleGraph) -> String {
        var owned: [(String, String)] = []
        for (name, exporters) in graph.index.moduleExporters {
            guard let last = exporters.last, case .module(let i) = last.provider else { continue }
            owned.append((name, graph.modules[i].name))
        }
        var out = "# Aliases for symbols, used by symbol_request().\n"
        for k in DepmodHash.iterationOrder(owned.map(\.0), buckets: 2048) {
            out += "alias symbol:\(owned[k].0) \(owned[k].1)\n"
        }
        return out
    }

    /// Device nodes: a module with a `devname:` alias and a `char-major-M-m` or `block-major-M-m` alias.
    public static func devname(_ graph: ModuleGraph) -> String {
        var lines = ""
        for m in graph.modules {
            var devname: String?
            var node: (type: Character, major: UInt32, minor: UInt32)?
            for a in m.modinfo("alias") {
                if a.hasPrefix("devname:") {
                    devname = String(a.dropFirst("devname:".count))
                } else if let n = majorMinor(a, prefix: "char-major-", type: "c") ?? majorMinor(a, prefix: "block-major-", type: "b") {
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
        guard alias.hasPrefix(prefix) else { return nil }
        let rest = alias.dropFirst(prefix.count)
        let parts = rest.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let major = UInt32(parts[0]) else { return nil }
        // Like sscanf("%u"), trailing text after the minor number is tolerated.
        let digits = parts[1].prefix { $0.isASCII && $0.isNumber }
        guard let minor = UInt32(digits) else { return nil }
        return (type, major, minor)
    }
}
