internal import ELFScan
internal import Graph
internal import Split

/// A pull-request comment: totals first, then each kind of finding folded in a <details> block, cut to fit
/// GitHub's comment limit (`MarkdownComment`) with a pointer to the full report.
struct MarkdownReporter: CheckReporter {
    /// The comment's size limit in UTF-8 bytes; nil writes every finding.
    var limit: Int? = MarkdownComment.defaultLimit

    func render(_ report: CheckReport) -> String {
        let c = report.counts
        let verdict = c.error > 0 ? "❌" : (c.warning > 0 ? "⚠️" : "✅")
        var head = "### \(verdict) modsplit: \(findingCounts(errors: c.error, warnings: c.warning, notes: c.info))\n\n"
        head += "Kernel `\(markdownCode(report.kernelVersion))`"
        if let split = report.split { head += ", split `\(markdownCode(split))`" }
        head += "\n\n| package | modules | size | uncompressed |\n| --- | ---: | ---: | ---: |\n"
        for p in report.packages {
            head += "| \(markdownEscape(p.name)) | \(p.modules) | \(Display.kib(p.bytes)) "
            head += "| \(Display.kib(p.uncompressedBytes)) |\n"
        }
        return MarkdownComment(head: head, sections: findingSections(report.findings))
            .render(limit: limit, fullReport: "see the full report with `modsplit check --format json` (or `sarif`)")
    }
}

/// Findings by kind, each kind folded in a <details> block, whole (summary.md).
func markdownFindings(_ findings: [Finding]) -> String {
    MarkdownComment(head: "", sections: findingSections(findings)).render(limit: nil, fullReport: "")
}

/// One section per kind of finding, in the order the findings come (most severe first); one item each.
func findingSections(_ findings: [Finding]) -> [MarkdownComment.Section] {
    var kinds: [String] = []
    var groups: [String: [Finding]] = [:]
    for f in findings {
        if groups[f.kind] == nil { kinds.append(f.kind) }
        groups[f.kind, default: []].append(f)
    }
    return kinds.map { kind in
        MarkdownComment.Section(
            title: markdownEscape(kind),
            items: (groups[kind] ?? []).map { f in
                var item = "- **\(f.severity.rawValue)**: \(markdownEscape(f.message))"
                if let rule = f.rule { item += " — `\(markdownCode(rule.description))`" }
                item += "\n"
                for note in f.notes { item += "  - \(markdownEscape(note))\n" }
                return item
            })
    }
}
