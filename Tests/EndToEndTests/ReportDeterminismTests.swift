import Foundation
import TestSupport
import Testing

/// Every report the built binary writes for `RealModuleFixture`, run twice in separate processes (the first
/// with an empty scan cache, the second reading it): byte-identical both times, and equal to the golden files
/// ReportsTests pins from the library (`Tests/ReportsTests/Golden`), so the command line adds nothing of its
/// own to any format.
@Suite struct ReportDeterminismTests {
    /// A golden file's name and the command that writes it (a report directory's file when `file` is set).
    struct Output {
        var name: String
        var arguments: [String]
        var file: String?
    }

    static func outputs(_ built: RealModuleFixture.Built, reportDirectory: URL) -> [Output] {
        let old = built.root(.debian61).path, new = built.root(.debian612).path
        let rules = built.rules.path, revised = built.revisedRules.path
        var out: [Output] = []
        for (format, ext) in [("text", "txt"), ("json", "json"), ("sarif", "sarif"), ("markdown", "md")] {
            out.append(
                Output(
                    name: "check.\(ext)",
                    arguments: ["check", "--tree", new, "--rules", rules, "--format", format]))
        }
        for (format, ext) in [("text", "txt"), ("json", "json"), ("markdown", "md")] {
            out.append(
                Output(
                    name: "diff-trees.\(ext)",
                    arguments: [
                        "diff", "--old-tree", old, "--new-tree", new, "--rules", rules, "--format", format,
                    ]))
            out.append(
                Output(
                    name: "diff-rules.\(ext)",
                    arguments: [
                        "diff", "--old-rules", rules, "--rules", revised, "--tree", new, "--format", format,
                    ]))
        }
        for module in ["ahci", "scsi_common", "r8169"] {
            out.append(
                Output(
                    name: "explain-\(module).txt",
                    arguments: ["explain", module, "--tree", new, "--rules", rules]))
        }
        out.append(Output(name: "scan.txt", arguments: ["scan", "--tree", new]))
        out.append(Output(name: "scan.json", arguments: ["scan", "--tree", new, "--format", "json"]))
        out.append(Output(name: "modules.dot", arguments: ["export", "dot", "--tree", new]))
        let report = ["report", "--tree", new, "--rules", rules, "--out", reportDirectory.path]
        for file in ["summary.md", "graph.dot", "index.html"] {
            out.append(Output(name: file, arguments: report, file: file))
        }
        // Both trees as a matrix.
        let trees = ["--tree", old, "--tree", new]
        for (format, ext) in [("text", "txt"), ("json", "json"), ("sarif", "sarif"), ("markdown", "md")] {
            out.append(
                Output(
                    name: "matrix-check.\(ext)",
                    arguments: ["check"] + trees + ["--rules", rules, "--format", format]))
        }
        for (format, ext) in [("text", "txt"), ("json", "json"), ("markdown", "md")] {
            out.append(
                Output(
                    name: "matrix-diff-rules.\(ext)",
                    arguments: [
                        "diff", "--old-rules", rules, "--rules", revised, "--format", format,
                    ] + trees))
        }
        let matrixReport = ["report"] + trees + ["--rules", rules, "--out", reportDirectory.path + "-matrix"]
        for (name, file) in [
            ("matrix-summary.md", "summary.md"), ("matrix-graph.dot", "graph.dot"),
            ("matrix-index.html", "index.html"),
        ] {
            out.append(Output(name: name, arguments: matrixReport, file: file))
        }
        return out
    }

    @Test("two processes write the same bytes, and the bytes of the golden files")
    func sameBytesAcrossProcesses() throws {
        let dir = try TemporaryDirectory("modsplit-determinism")
        defer { dir.cleanup() }
        let fixture = dir.url.appendingPathComponent("fixture")
        try FileManager.default.createDirectory(at: fixture, withIntermediateDirectories: true)
        let built = try RealModuleFixture.build(in: fixture)
        let version = try runChecked(Binary.url.path, ["--version"]).trimmingCharacters(in: .whitespacesAndNewlines)
        // Its own scan cache: the first run fills it, the second reads from it.
        let environment = ["XDG_CACHE_HOME": dir.url.appendingPathComponent("cache").path, "NO_COLOR": "1"]
        var runs: [[String: String]] = []
        for run in 0..<2 {
            let reportDirectory = dir.url.appendingPathComponent("report-\(run)")
            var texts: [String: String] = [:]
            for output in Self.outputs(built, reportDirectory: reportDirectory) {
                let r = try TestSupport.run(Binary.url.path, output.arguments, environment: environment)
                #expect(
                    r.status == 0 || (r.status == 1 && output.arguments[0] == "check"),
                    "\(output.name): exit \(r.status): \(r.stderr)")
                if let file = output.file {
                    let directory = URL(fileURLWithPath: output.arguments[output.arguments.count - 1])
                    texts[output.name] = try String(
                        contentsOf: directory.appendingPathComponent(file),
                        encoding: .utf8)
                } else {
                    texts[output.name] = r.stdout
                }
            }
            runs.append(texts)
        }
        #expect(runs[0].count == runs[1].count)
        for (name, first) in runs[0].sorted(by: { $0.key < $1.key }) {
            // Bools, so a failure names the file instead of printing it whole.
            let stable = first == runs[1][name]
            #expect(stable, "\(name) differs between two runs")
            guard !name.hasSuffix("index.html") else { continue }
            let golden = GoldenFiles.normalised(first, fixture: fixture, version: version) == GoldenFiles.expected(name)
            #expect(golden, "\(name): the binary's output is not its golden file")
        }
    }
}
