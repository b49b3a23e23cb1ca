internal import ELFScan
internal import Graph
internal import Split

/// A matrix as text: the trees, then the findings grouped by kind as for one tree, each saying which trees
/// it occurs on, then the totals and each tree's own.
extension TextReporter: MatrixReporter {
    func render(_ report: MatrixReport) -> String {
        var out =
            "trees: "
            + report.labels(report.trees.map(\.kernelVersion)).map(Display.sanitized)
            .joined(separator: ", ") + "\n"
        var kinds: [String] = []
        for f in report.findings where !kinds.contains(f.finding.kind) { kinds.append(f.finding.kind) }
        for kind in kinds {
            let group = report.findings.filter { $0.finding.kind == kind }
            out += paint("\(kind) (\(group.count))", "1") + "\n"
            for m in group {
                let f = m.finding
                out += "  \(label(f.severity)): \(Display.sanitized(f.message))\n"
                if let rule = f.rule { out += "    placed by \(rule)\n" }
                if let rule = f.providerRule, let provider = f.provider {
                    out += "    \(Display.sanitized(provider)) placed by \(rule)\n"
                }
                for note in f.notes { out += "    \(Display.sanitized(note))\n" }
                out += "    on " + trees(m.trees, report) + "\n"
            }
        }
        let c = report.counts
        out += findingCounts(errors: c.error, warnings: c.warning, notes: c.info)
        out += " over \(report.trees.count) trees\n"
        for t in report.trees {
            out += "  \(Display.sanitized(t.kernelVersion)) (\(t.machine)): "
            out += findingCounts(errors: t.counts.error, warnings: t.counts.warning, notes: t.counts.info) + " — "
            out += t.packages.map { "\(Display.sanitized($0.name)): \($0.modules) modules, \(Display.kib($0.bytes))" }
                .joined(separator: "; ")
            out += "\n"
        }
        return out
    }

    /// The trees a finding occurs on: every tree, or each by kernel version and machine.
    func trees(_ versions: [String], _ report: MatrixReport) -> String {
        report.isEveryTree(versions)
            ? "every tree"
            : report.labels(versions).map(Display.sanitized).joined(separator: ", ")
    }
}
