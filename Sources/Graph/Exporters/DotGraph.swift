/// Graphviz DOT of the module graph: one node per module, edges labelled with their symbol counts.
public enum DotGraph {
    /// The graph, or the modules in `only` and the edges between them; nodes and edges sorted by name.
    public static func render(_ graph: ModuleGraph, only: Set<Int>? = nil) -> String {
        var out = "digraph modsplit {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n"
        let members = graph.modules.indices.filter { only?.contains($0) ?? true }
            .sorted { graph.modules[$0].name < graph.modules[$1].name }
        for i in members {
            out += "  \(quoted(graph.modules[i].name)) [tooltip=\(quoted(graph.modules[i].path))];\n"
        }
        for i in members {
            for e in graph.deps[i].sorted(by: { graph.modules[$0.target].name < graph.modules[$1.target].name })
            where only?.contains(e.target) ?? true {
                out += "  \(quoted(graph.modules[i].name)) -> \(quoted(graph.modules[e.target].name))"
                out += " [label=\"\(e.symbols.count)\"];\n"
            }
        }
        return out + "}\n"
    }

    /// A DOT string literal; module strings are untrusted, so quotes and backslashes are escaped, a line break
    /// becomes DOT's `\n` and other control characters `?` (`dot` output is often read in a terminal).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r", "\t": out += " "
            default:
                if Display.isControl(u) { out += "?" } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
