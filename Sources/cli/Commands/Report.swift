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
        @Flag(
            help: """
                Show the core package beside the minimal core for the profiles bound to it: what it installs beyond \
                that floor, by rule and by module, with the chain that pulls each module in.
                """)
        var minimalCore = false
        @Option(
            help: ArgumentHelp(
                "The core package of --minimal-core (default: the one profiles are bound to).",
                valueName: "package"))
        var core: String?

        func validate() throws {
            if core != nil && !minimalCore { throw ValidationError("--core needs --minimal-core") }
            if minimalCore && source.isMatrix {
                throw ValidationError("--minimal-core reads one tree; run a report per tree for it")
            }
        }

        func run() throws {
            if source.isMatrix { return try runMatrix() }
            let analysis = try source.analyse(split)
            var comparison: CoreComparison?
            if minimalCore {
                do throws(MinimalCoreError) {
                    let package: String
                    if let core { package = core } else { package = try CoreComparison.boundPackage(of: analysis) }
                    comparison = try CoreComparison(analysis: analysis, package: package)
                } catch {
                    throw UsageFailure(error.message)
                }
                Timings.mark("minimize")
            }
            try makeDirectory(out)
            let data = ReportData(
                tool: "modsplit \(Modsplit.version)", analysis: analysis,
                split: analysis.splitName.map(ReportData.displayName))
            try emit(try HTMLReport.render(data, comparison: comparison), to: out + "/index.html")
            try emit(SummaryReport.markdown(data, comparison: comparison), to: out + "/summary.md")
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
