internal import ELFScan
internal import Graph
internal import Split
/// Findings grouped by kind, most severe first; ANSI colour when asked (a terminal without NO_COLOR).
struct TextReporter: CheckReporter {
    var colour: Bool

    func paint(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    func label(_ severity: Severity) -> String {
        switch severity {
        case .error: paint("error", "1;31")
        case .warning: paint("warning", "1;33")
        case .info: paint("info", "36")
        }
    }

    func render(_ report: CheckReport) -> String {
        var out = ""
        var kinds: [String] = []
        for f in report.findings where !kinds.contains(f.kind) { kinds.append(f.kind) }
        for kind in kinds {
            let group = report.findings.filter { $0.kind == kind }
            out += paint("\(kind) (\(group.count))", "1") + "\n"
            for f in group {
                out += "  \(label(f.severity)): \(Display.sanitized(f.message))\n"
                if let rule = f.rule { out += "    placed by \(rule)\n" }
                if let rule = f.providerRule, let provider = f.provider { out += "    \(Display.sanitized(provider)) placed by \(rule)\n" }
                for note in f.notes { out += "    \(Display.sanitized(note))\n" }
            }
        }
        let c = report.counts
        out += "\(c.error) errors, \(c.warning) warnings, \(c.info) notes"
        out += " — \(report.packages.map { "\($0.name): \($0.modules) modules, \(Display.kib($0.bytes))" }.joined(separator: "; "))\n"
        return out
    }
}

