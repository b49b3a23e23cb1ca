internal import ELFScan
internal import Graph
internal import Split

/// A pull-request comment for a matrix: totals, a table of the trees (their findings and each package's
/// modules and size), then the merged findings by kind, each naming its trees; cut to fit as for one tree.
extension MarkdownReporter: MatrixReporter {
    func render(_ report: MatrixReport) -> String {
        MarkdownComment(head: matrixHead(report), sections: matrixSections(report.findings, trees: report.trees.count))
            .render(limit: limit, fullReport: "see the full report with `modsplit check --format json` (or `sarif`)")
    }
}

/// Totals and the table of trees.
func matrixHead(_ report: MatrixReport) -> String {
    let c = report.counts
    let verdict = c.error > 0 ? "❌" : (c.warning > 0 ? "⚠️" : "✅")
    var head = "### \(verdict) modsplit: \(findingCounts(errors: c.error, warnings: c.warning, notes: c.info)) "
    head += "on \(report.trees.count) kernels\n\n"
    if let split = report.split { head += "Split `\(markdownCode(split))`\n\n" }
    // One column per package, in the order the trees first name them.
    var packages: [String] = []
    for t in report.trees { for p in t.packages where !packages.contains(p.name) { packages.append(p.name) } }
    head += "| kernel | machine | errors | warnings | notes |"
    head += packages.map { " \(markdownEscape($0)) |" }.joined() + "\n"
    head += "| --- | --- | ---: | ---: | ---: |" + String(repeating: " ---: |", count: packages.count) + "\n"
    for t in report.trees {
        head += "| `\(markdownCode(t.kernelVersion))` | \(markdownEscape(t.machine)) | \(t.counts.error) "
        head += "| \(t.counts.warning) | \(t.counts.info) |"
        for name in packages {
            if let p = t.packages.first(where: { $0.name == name }) {
                head += " \(p.modules) · \(Display.kib(p.bytes)) |"
            } else {
                head += " — |"
            }
        }
        head += "\n"
    }
    return head
}

/// The merged findings by kind, each item ending with the kernels it occurs on (of `trees` in all).
func matrixSections(_ findings: [MatrixFinding], trees: Int) -> [MarkdownComment.Section] {
    var kinds: [String] = []
    var groups: [String: [MatrixFinding]] = [:]
    for m in findings {
        if groups[m.finding.kind] == nil { kinds.append(m.finding.kind) }
        groups[m.finding.kind, default: []].append(m)
    }
    return kinds.map { kind in
        MarkdownComment.Section(
            title: markdownEscape(kind),
            items: (groups[kind] ?? []).map { m in
                let f = m.finding
                var item = "- **\(f.severity.rawValue)**: \(markdownEscape(f.message))"
                if let rule = f.rule { item += " — `\(markdownCode(rule.description))`" }
                item +=
                    " — on "
                    + (trees > 1 && m.trees.count == trees
                        ? "every kernel"
                        : m.trees.map { "`\(markdownCode($0))`" }.joined(separator: ", "))
                item += "\n"
                for note in f.notes { item += "  - \(markdownEscape(note))\n" }
                return item
            })
    }
}
