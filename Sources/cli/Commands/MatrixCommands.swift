import ArgumentParser
import ELFScan
import Foundation
import Graph
import Reports
import Split

/// What check, place, report and diff do with several trees (`TreeOptions.isMatrix`).
extension ReportOptions {
    /// Reports an analysed matrix and ends the command with the exit status its findings call for: an error
    /// on any tree fails the run.
    func finish(_ matrix: MatrixAnalysis) throws {
        let report = MatrixReport(tool: "modsplit \(Modsplit.version)", matrix: matrix)
        try emit(try format.format.matrixReporter(colour: colour).render(report), to: output)
        Timings.mark("report")
        buryAtExit(matrix, report)
        if report.counts.error > 0 || (strict && report.counts.warning > 0) { throw ExitCode(1) }
    }
}

extension Modsplit.Diff {
    /// A rules change over several trees: each tree scanned once and placed under both rules files.
    func runMatrix() throws {
        guard let oldRules else { throw UsageFailure("several --tree go with --old-rules and --rules") }
        var old = split
        old.rules = oldRules
        let (before, after) = try source.analyseMatrixPair(before: old, after: split)
        let diff = MatrixDiff(before: before, after: after)
        try deliver(diff)
        buryAtExit(before, after, diff)
    }
}

extension Modsplit.Report {
    /// One page with a tree switcher, summary.md over every tree, graph.dot with a cluster per tree.
    func runMatrix() throws {
        let matrix = try source.analyseMatrix(split)
        try makeDirectory(out)
        let data = MatrixReportData(
            tool: "modsplit \(Modsplit.version)", matrix: matrix,
            split: matrix.splitName.map(ReportData.displayName))
        try emit(try HTMLReport.render(data), to: out + "/index.html")
        try emit(SummaryReport.markdown(data), to: out + "/summary.md")
        try emit(SummaryReport.packageDot(data), to: out + "/graph.dot")
        let c = data.counts
        let counts = "\(c.error) errors, \(c.warning) warnings, \(c.info) notes"
        FileHandle.standardError.write(
            Data(
                "wrote \(out)/index.html, summary.md, graph.dot for \(data.trees.count) kernels: \(counts)\n".utf8))
        Timings.mark("report")
        buryAtExit(matrix, data)
        if failOnErrors && c.error > 0 { throw ExitCode(1) }
    }
}
