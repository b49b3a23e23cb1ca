import ArgumentParser
import ELFScan
import Foundation
import Reports
import Split

extension Modsplit {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write DIR/index.html (self-contained), DIR/summary.md and DIR/graph.dot for a split.")
        @OptionGroup var source: TreeOptions
        @OptionGroup var split: SplitOptions
        @Option(help: "Directory to write the report into (created if missing).") var out: String
        @Flag(help: "Errors in the split fail the run (exit status 1), as check does.") var failOnErrors = false

        func run() throws {
            if source.isMatrix { return try runMatrix() }
            let analysis = try source.analyse(split)
            try makeDirectory(out)
            let data = ReportData(
                tool: "modsplit \(Modsplit.version)", analysis: analysis,
                split: analysis.splitName.map(ReportData.displayName))
            try emit(try HTMLReport.render(data), to: out + "/index.html")
            try emit(SummaryReport.markdown(data), to: out + "/summary.md")
            try emit(SummaryReport.packageDot(data), to: out + "/graph.dot")
            let s = data.summary
            FileHandle.standardError.write(
                Data(
                    ("wrote \(out)/index.html, summary.md, graph.dot: \(s.errors) errors, \(s.warnings) warnings, "
                        + "\(s.infos) notes\n").utf8))
            buryAtExit(analysis, data)
            if failOnErrors && s.errors > 0 { throw ExitCode(1) }
        }
    }
}
