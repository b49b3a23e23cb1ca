import ArgumentParser
import ELFScan
import Graph

extension Modsplit {
    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every module of a tree: counts, and the files that could not be read.")

        @OptionGroup var source: TreeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() throws {
            let scan = try source.scan()
            let summary = ScanSummary(scan: scan, graph: ModuleGraph(scan: scan))
            try emit(format == .json ? summary.encoded() : summary.text(), to: nil)
        }
    }
}
