import ArgumentParser
import ELFScan
import Foundation
import Graph

extension Modsplit {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write DIR/index.html (self-contained), DIR/summary.md and DIR/graph.dot for a split.")
        @OptionGroup var source: TreeOptions
        @OptionGroup var split: SplitOptions
        @Option(help: "Directory to write the report into (created if missing).") var out: String
        @Flag(help: "Errors in the split fail the run (exit status 1), as check does.") var failOnErrors = false

        func run() throws {
            let a = try AnalysedSplit(tree: source, split: split)
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw UsageFailure("\(out): cannot create directory")
            }
            let bindings = a.context.profileBindings.map { (profile: $0.profile.name, package: $0.package) }
            let data = ReportData(tool: "modsplit \(Modsplit.version)", kernelVersion: a.scan.tree.kernelVersion,
                                  split: a.splitName.map(displayName), graph: a.graph, placement: a.placement,
                                  findings: a.findings, profiles: bindings)
            try emit(try HTMLReport.render(data), to: out + "/index.html")
            try emit(SummaryReport.markdown(data), to: out + "/summary.md")
            try emit(SummaryReport.packageDot(data), to: out + "/graph.dot")
            let s = data.summary
            FileHandle.standardError.write(Data("wrote \(out)/index.html, summary.md, graph.dot: \(s.errors) errors, \(s.warnings) warnings, \(s.infos) notes\n".utf8))
            buryAtExit(a, data)
            if failOnErrors && s.errors > 0 { throw ExitCode(1) }
        }

        /// Reports are shared: name the rules file by its last path components, not the absolute path.
        func displayName(_ split: String) -> String {
            split.split(separator: " ").map { part in
                let comps = part.split(separator: "/")
                return comps.suffix(2).joined(separator: "/")
            }.joined(separator: " ")
        }
    }
}
