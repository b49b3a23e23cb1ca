internal import ELFScan
internal import Graph
internal import Split
/// A pull-request comment: totals first, then each kind of finding folded in a <details> block.
struct MarkdownReporter: CheckReporter {
    func render(_ report: CheckReport) -> String {
        let c = report.counts
        let verdict = c.error > 0 ? "❌" : (c.warning > 0 ? "⚠️" : "✅")
        var out = "### \(verdict) modsplit: \(c.error) errors, \(c.warning) warnings, \(c.info) notes\n\n"
        out += "Kernel `\(markdownCode(report.kernelVersion))`"
        if let split = report.split { out += ", split `\(markdownCode(split))`" }
        out += "\n\n| package | modules | size | uncompressed |\n| --- | ---: | ---: | ---: |\n"
        for p in report.packages {
            out += "| \(markdownEscape(p.name)) | \(p.modules) | \(Display.kib(p.bytes)) | \(Display.kib(p.uncompressedBytes)) |\n"
        }
        return out + markdownFindings(report.findings)
    }
}

/// Findings by kind, each kind folded in a <details> block (pull-request comments and summary.md).
func markdownFindings(_ findings: [Finding]) -> String {
    var out = ""
    var kinds: [String] = []
    for f in findings where !kinds.contains(f.kind) { kinds.append(f.kind) }
    for kind in kinds {
        let group = findings.filter { $0.kind == kind }
        out += "\n<details><summary><b>\(kind)</b> (\(group.count))</summary>\n\n"
        for f in group {
            out += "- **\(f.severity.rawValue)**: \(markdownEscape(f.message))"
            if let rule = f.rule { out += " — `\(markdownCode(rule.description))`" }
            out += "\n"
            for note in f.notes { out += "  - \(markdownEscape(note))\n" }
        }
        out += "\n</details>\n"
    }
    return out
}

/// Module strings are untrusted: escape Markdown and HTML so a description cannot inject markup.
func markdownEscape(_ s: String) -> String {
    var out = ""
    for ch in Display.sanitized(s) {
        switch ch {
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "&": out += "&amp;"
        case "\\", "`", "*", "_", "[", "]", "|", "#", "!", "~": out += "\\" + String(ch)
        default: out.append(ch)
        }
    }
    return out
}

/// Inside a code span only the backtick matters.
func markdownCode(_ s: String) -> String { Display.sanitized(s).replacingOccurrences(of: "`", with: "'") }
