internal import ELFScan
internal import Graph
public import Split

/// `summary.md` and `graph.dot` of `modsplit report`: what a reader sees without a browser.
public enum SummaryReport {
    /// Markdown: totals, packages with sizes and what the core saves, the core beside the minimal core when
    /// `comparison` is given (`report --minimal-core`), findings by kind.
    public static func markdown(_ data: ReportData, comparison: CoreComparison? = nil) -> String {
        let s = data.summary
        var out = "# modsplit report: \(markdownEscape(data.kernelVersion))\n\n"
        if let split = data.split { out += "Split: `\(markdownCode(split))`. " }
        out +=
            "\(s.modules) modules, \(Display.kib(s.bytes)) shipped (\(Display.kib(s.uncompressedBytes)) uncompressed). "
        out += findingCounts(errors: s.errors, warnings: s.warnings, notes: s.infos) + ".\n\n"
        out += "| package | depends on | modules | shipped | uncompressed | installs | share of all |\n"
        out += "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
        for p in data.packages {
            let share = s.bytes == 0 ? 0 : Double(p.installBytes) * 100 / Double(s.bytes)
            out +=
                "| \(markdownEscape(p.name)) | \(p.dependsOn.map(markdownEscape).joined(separator: ", ")) "
                + "| \(p.modules) | "
            out +=
                "\(Display.kib(p.bytes)) | \(Display.kib(p.uncompressedBytes)) | \(Display.kib(p.installBytes)) "
                + "| \(String(format: "%.1f", share))% |\n"
        }
        if let root = data.packages.first(where: { $0.dependsOn.isEmpty }), s.bytes > 0 {
            out +=
                "\nInstalling only **\(markdownEscape(root.name))** ships \(root.modules) of \(s.modules) modules and "
            out +=
                "\(Display.kib(root.installBytes)) of \(Display.kib(s.bytes)): it saves \(s.modules - root.modules) "
                + "modules and "
            out +=
                "\(Display.kib(s.bytes - root.installBytes)) "
                + "(\(String(format: "%.0f", Double(s.bytes - root.installBytes) * 100 / Double(s.bytes)))%).\n"
        }
        if !data.packageEdges.isEmpty {
            out +=
                "\n## Edges between packages\n\n| from | to | module edges | symbols | |\n| --- | --- | ---: | ---: "
                + "| --- |\n"
            for e in data.packageEdges {
                out +=
                    "| \(markdownEscape(e.from)) | \(markdownEscape(e.to)) | \(e.edges) | \(e.symbols) "
                    + "| \(e.broken ? "**broken**" : "") |\n"
            }
        }
        if let comparison { out += "\n" + comparison.markdown(timed: false) }
        if !data.findings.isEmpty { out += "\n## Findings\n" + markdownFindings(data.findings) }
        return out
    }

    /// Graphviz DOT of the package graph: packages with counts and sizes, depends-on edges, and the
    /// module edges between packages (broken ones red).
    public static func packageDot(_ data: ReportData) -> String {
        var out = "digraph packages {\n  rankdir=BT;\n  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n"
        for p in data.packages {
            // quoted() turns the newline into DOT's \n.
            out +=
                "  \(DotGraph.quoted(p.name)) "
                + "[label=\(DotGraph.quoted("\(p.name)\n\(p.modules) modules, \(Display.kib(p.bytes))"))];\n"
        }
        for p in data.packages {
            for d in p.dependsOn {
                out += "  \(DotGraph.quoted(p.name)) -> \(DotGraph.quoted(d)) [style=dashed, color=gray];\n"
            }
        }
        for e in data.packageEdges {
            out +=
                "  \(DotGraph.quoted(e.from)) -> \(DotGraph.quoted(e.to)) [label=\"\(e.edges) edges, \(e.symbols) "
                + "symbols\""
            out += e.broken ? ", color=red, fontcolor=red];\n" : "];\n"
        }
        return out + "}\n"
    }
}
