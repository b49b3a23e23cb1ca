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
                if let rule = f.providerRule, let provider = f.provider {
                    out += "    \(Display.sanitized(provider)) placed by \(rule)\n"
                }
                for note in f.notes { out += "    \(Display.sanitized(note))\n" }
            }
        }
        out += packageTable(report.packages)
        // One line of totals, last: it stays one line however many packages the split has.
        let c = report.counts
        let modules = report.packages.reduce(0) { $0 + $1.modules }
        let bytes = report.packages.reduce(UInt64(0)) { $0 + $1.bytes }
        out += findingCounts(errors: c.error, warnings: c.warning, notes: c.info)
        out += " — \(count(report.packages.count, "package")), \(count(modules, "module")), \(Display.kib(bytes))\n"
        return out
    }

    /// `n` and the noun, plural unless `n` is 1.
    func count(_ n: Int, _ noun: String) -> String { counted(n, noun) }

    /// A heading like a finding kind's, then one line per package in the split's order, columns
    /// aligned: name, modules, shipped size.
    func packageTable(_ packages: [CheckReport.PackageSummary]) -> String {
        func padded(_ s: String, _ width: Int, right: Bool = false) -> String {
            let pad = String(repeating: " ", count: max(0, width - s.count))
            return right ? pad + s : s + pad
        }
        let names = packages.map { Display.sanitized($0.name) }
        let counts = packages.map { count($0.modules, "module") }
        let sizes = packages.map { Display.kib($0.bytes) }
        let widths = (
            min(names.map(\.count).max() ?? 0, 60), counts.map(\.count).max() ?? 0, sizes.map(\.count).max() ?? 0
        )
        var out = paint("packages (\(packages.count))", "1") + "\n"
        for i in packages.indices {
            out += "  \(padded(names[i], widths.0))  \(padded(counts[i], widths.1, right: true))  "
            out += padded(sizes[i], widths.2, right: true) + "\n"
        }
        return out
    }
}
