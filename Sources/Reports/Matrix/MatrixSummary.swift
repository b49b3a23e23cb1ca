internal import ELFScan
internal import Graph
internal import Split

/// `summary.md` and `graph.dot` of `modsplit report` for several trees.
extension SummaryReport {
    /// Markdown: each tree's totals, each package on each tree, then the merged findings by kind.
    public static func markdown(_ data: MatrixReportData) -> String {
        var out = "# modsplit report: \(data.trees.count) kernels\n\n"
        if let split = data.split { out += "Split: `\(markdownCode(split))`. " }
        let c = data.counts
        out += findingCounts(errors: c.error, warnings: c.warning, notes: c.info) + " over all kernels.\n\n"
        out += "| kernel | machine | modules | shipped | uncompressed | errors | warnings | notes |\n"
        out += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for t in data.trees {
            let s = t.report.summary
            out += "| `\(markdownCode(t.report.kernelVersion))` | \(markdownEscape(t.machine)) | \(s.modules) | "
            out += "\(Display.kib(s.bytes)) | \(Display.kib(s.uncompressedBytes)) | \(s.errors) | \(s.warnings) | "
            out += "\(s.infos) |\n"
        }
        out += "\n## Packages\n\n| package | kernel | depends on | modules | shipped | uncompressed | installs |\n"
        out += "| --- | --- | --- | ---: | ---: | ---: | ---: |\n"
        var names: [String] = []
        for t in data.trees { for p in t.report.packages where !names.contains(p.name) { names.append(p.name) } }
        for name in names {
            for t in data.trees {
                guard let p = t.report.packages.first(where: { $0.name == name }) else { continue }
                out += "| \(markdownEscape(name)) | `\(markdownCode(t.report.kernelVersion))` | "
                out += "\(p.dependsOn.map(markdownEscape).joined(separator: ", ")) | \(p.modules) | "
                out += "\(Display.kib(p.bytes)) | \(Display.kib(p.uncompressedBytes)) | "
                out += "\(Display.kib(p.installBytes)) |\n"
            }
        }
        if !data.findings.isEmpty {
            out += "\n## Findings\n"
            out += MarkdownComment(head: "", sections: matrixSections(data.findings, trees: data.trees.count))
                .render(limit: nil, fullReport: "")
        }
        return out
    }

    /// Graphviz DOT: one cluster per tree holding its package graph (as `packageDot` draws one tree's).
    public static func packageDot(_ data: MatrixReportData) -> String {
        var out = "digraph packages {\n  rankdir=BT;\n  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n"
        for (k, t) in data.trees.enumerated() {
            let r = t.report
            func node(_ name: String) -> String { DotGraph.quoted("\(r.kernelVersion)/\(name)") }
            out += "  subgraph \(DotGraph.quoted("cluster_\(k)")) {\n"
            out += "    label=\(DotGraph.quoted("\(r.kernelVersion) (\(t.machine))"));\n"
            for p in r.packages {
                let label = DotGraph.quoted("\(p.name)\n\(p.modules) modules, \(Display.kib(p.bytes))")
                out += "    \(node(p.name)) [label=\(label)];\n"
            }
            for p in r.packages {
                for d in p.dependsOn { out += "    \(node(p.name)) -> \(node(d)) [style=dashed, color=gray];\n" }
            }
            for e in r.packageEdges {
                out += "    \(node(e.from)) -> \(node(e.to)) [label=\"\(e.edges) edges, \(e.symbols) symbols\""
                out += e.broken ? ", color=red, fontcolor=red];\n" : "];\n"
            }
            out += "  }\n"
        }
        return out + "}\n"
    }
}
