import ELFScan
import Foundation
import Graph
import Reports
import Split
import TestSupport
import Testing

/// Every output of `check` (text, JSON, SARIF, Markdown), `diff` (text, JSON, Markdown; two trees, and two
/// splits of one tree), `explain`, `scan`, `export dot` and `report`'s summary.md and graph.dot, on
/// `RealModuleFixture` (real modules of Debian's 6.1 and 6.12, rebuilt by clang from their recorded facts: see
/// its doc for why not the real files), compared byte for byte with `Golden/`. A changed character in any
/// format fails here. To accept a change: `MODSPLIT_RECORD_GOLDEN=1 swift test --filter GoldenTests`, then
/// review `git diff Tests/ReportsTests/Golden` as part of the change. EndToEndTests checks that the built
/// binary writes the same bytes.
@Suite struct GoldenTests {
    /// Stands for modsplit's version in the outputs; the golden files say `<VERSION>`.
    static let version = "9.9.9-golden"
    static let tool = "modsplit \(version)"

    /// Each golden file's name and contents, as the commands would write them for the fixture in `built`.
    static func outputs(_ built: RealModuleFixture.Built) throws -> [(String, String)] {
        func analyse(_ release: RealModuleFixture.Release, _ rules: URL) throws -> SplitAnalysis {
            try Analyse.root(built.root(release), symvers: nil, split: .rules(path: rules.path, format: nil))
        }
        let old = try analyse(.debian61, built.rules)
        let new = try analyse(.debian612, built.rules)
        let revised = try analyse(.debian612, built.revisedRules)
        var out: [(String, String)] = []
        let report = CheckReport(tool: tool, analysis: new)
        for (format, ext) in [(ReportFormat.text, "txt"), (.json, "json"), (.sarif, "sarif"), (.markdown, "md")] {
            out.append(("check.\(ext)", try format.reporter().render(report)))
        }
        for (name, diff) in [
            ("diff-trees", SplitDiff(before: old, after: new)),
            ("diff-rules", SplitDiff(before: new, after: revised)),
        ] {
            out.append(("\(name).txt", diff.text()))
            out.append(("\(name).json", try diff.json()))
            out.append(("\(name).md", diff.markdown()))
        }
        for module in ["ahci", "scsi_common", "r8169"] {
            out.append(("explain-\(module).txt", ModuleQueries.explain(new, module: try new.graph.lookup(module))))
        }
        let summary = ScanSummary(scan: new.scan, graph: new.graph)
        out.append(("scan.txt", summary.text()))
        out.append(("scan.json", try summary.encoded()))
        out.append(("modules.dot", DotGraph.render(new.graph)))
        let data = ReportData(tool: tool, analysis: new, split: new.splitName.map(ReportData.displayName))
        out.append(("summary.md", SummaryReport.markdown(data)))
        out.append(("graph.dot", SummaryReport.packageDot(data)))
        out += try matrixOutputs(built)
        return out
    }

    /// The outputs of `check`, `diff --old-rules` and `report` with both fixture trees as a matrix.
    static func matrixOutputs(_ built: RealModuleFixture.Built) throws -> [(String, String)] {
        let trees = try RealModuleFixture.Release.allCases.map {
            MatrixTree(tree: try KernelTree.locate(path: built.root($0).path), scan: ScanOptions())
        }
        let (matrix, revised) = try MatrixAnalysis.comparing(
            MatrixAnalysis.Request(trees: trees, split: .rules(path: built.revisedRules.path, format: nil)),
            before: .rules(path: built.rules.path, format: nil))
        var out: [(String, String)] = []
        let report = MatrixReport(tool: tool, matrix: matrix)
        for (format, ext) in [(ReportFormat.text, "txt"), (.json, "json"), (.sarif, "sarif"), (.markdown, "md")] {
            out.append(("matrix-check.\(ext)", try format.matrixReporter().render(report)))
        }
        let diff = MatrixDiff(before: matrix, after: revised)
        out.append(("matrix-diff-rules.txt", diff.text()))
        out.append(("matrix-diff-rules.json", try diff.json()))
        out.append(("matrix-diff-rules.md", diff.markdown()))
        let data = MatrixReportData(tool: tool, matrix: matrix, split: matrix.splitName.map(ReportData.displayName))
        out.append(("matrix-summary.md", SummaryReport.markdown(data)))
        out.append(("matrix-graph.dot", SummaryReport.packageDot(data)))
        return out
    }

    @Test("every report format on the real-module fixture equals its golden file")
    func goldenFiles() throws {
        let dir = try TemporaryDirectory("modsplit-golden")
        defer { dir.cleanup() }
        let built = try RealModuleFixture.build(in: dir.url)
        let outputs = try Self.outputs(built)
        var recorded: [String] = []
        for (name, text) in outputs {
            let actual = GoldenFiles.normalised(text, fixture: dir.url, version: Self.version)
            if GoldenFiles.recording {
                if GoldenFiles.expected(name) != actual {
                    try FileManager.default.createDirectory(
                        at: GoldenFiles.directory, withIntermediateDirectories: true)
                    try actual.write(
                        to: GoldenFiles.directory.appendingPathComponent(name), atomically: true,
                        encoding: .utf8)
                    recorded.append(name)
                }
                continue
            }
            guard let expected = GoldenFiles.expected(name) else {
                Issue.record("\(name): no golden file; record with MODSPLIT_RECORD_GOLDEN=1")
                continue
            }
            // A Bool, so a failure prints where the texts part, not both of them whole.
            let same = actual == expected
            #expect(same, "\(name) differs from its golden file, \(firstDifference(actual, expected))")
        }
        if GoldenFiles.recording {
            let what = recorded.isEmpty ? "nothing" : recorded.joined(separator: ", ")
            Issue.record("MODSPLIT_RECORD_GOLDEN=1: rewrote \(what); review with git diff, then run again without it")
        }
        // Nothing stale: every golden file is an output.
        let names = Set(outputs.map(\.0))
        let files = try FileManager.default.contentsOfDirectory(atPath: GoldenFiles.directory.path)
            .filter { !$0.hasPrefix(".") }
        let stale = Set(files).subtracting(names).sorted()
        #expect(stale.isEmpty, "golden files that no output writes: \(stale)")
    }

    @Test("the fixture behaves as its doc says: the findings its golden files show")
    func fixtureFindings() throws {
        let dir = try TemporaryDirectory("modsplit-golden")
        defer { dir.cleanup() }
        let built = try RealModuleFixture.build(in: dir.url)
        let new = try Analyse.root(
            built.root(.debian612), symvers: nil,
            split: .rules(path: built.rules.path, format: nil))
        #expect(new.graph.modules.count == 24)
        #expect(new.scan.problems.isEmpty)
        #expect(new.scan.kernelExports != nil)
        let kinds = Set(new.findings.map(\.kind))
        #expect(kinds.isSuperset(of: ["cross-package", "forced-move", "softdep-cross-package"]), "\(kinds.sorted())")
        #expect(!kinds.contains("unresolved-symbol") && !kinds.contains("crc-mismatch"), "\(kinds.sorted())")
    }
}

/// Where two texts first differ: line number and both lines.
func firstDifference(_ a: String, _ b: String) -> String {
    let x = a.split(separator: "\n", omittingEmptySubsequences: false)
    let y = b.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(x.count, y.count) where i >= x.count || i >= y.count || x[i] != y[i] {
        return "line \(i + 1): got \(i < x.count ? "\"\(x[i].prefix(200))\"" : "nothing"), "
            + "expected \(i < y.count ? "\"\(y[i].prefix(200))\"" : "nothing")"
    }
    return "the same lines"
}
