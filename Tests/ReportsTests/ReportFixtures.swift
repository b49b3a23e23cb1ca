import ELFScan
import Graph
import Reports
import Split
import TestSupport

/// Small analysed splits for the reporters: a cross-package error with its rule lines, and a finding
/// whose strings are hostile.
enum ReportFixtures {
    static let rules = """
        packages:
          - name: core
          - name: extra
            depends-on: [core]
        rules:
          - a[.]ko.*: core
            exact_pkg: true
          - b[.]ko.*: extra
            exact_pkg: true
          - default: extra

        """

    static func analysis() throws -> SplitAnalysis {
        var a = exampleModule("a", imports: ["b_fn"])
        a.path = "kernel/a.ko.xz"
        var b = exampleModule("b", exports: ["b_fn"])
        b.path = "kernel/b.ko.xz"
        return try Analyse.facts(
            [a, b], kernel: ["printk"], split: try FiltermodsRules.parse(rules, file: "rules.yaml"))
    }

    static func checkReport() -> CheckReport {
        var report = CheckReport(tool: "modsplit 0.0.0", analysis: try! analysis())
        report.findings.append(
            Finding(
                kind: "unreadable-module", severity: .error, module: "evil", path: "kernel/evil.ko",
                message: "<img src=x onerror=alert(1)> `rm -rf` | *bold* \u{1B}[31m"))
        return report
    }
}
