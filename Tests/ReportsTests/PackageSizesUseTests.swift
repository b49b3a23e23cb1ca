import ELFScan
import Foundation
import Graph
import Reports
import Split
import TestSupport
import Testing

/// Package sizes are computed once, by `PackageSizes` in the analysis; every report shows those numbers.
@Suite struct PackageSizesUseTests {
    static func analyses() throws -> (SplitAnalysis, SplitAnalysis) {
        let modules = [
            exampleModule("a", imports: ["b_fn"], size: 1_000), exampleModule("b", exports: ["b_fn"], size: 20_000),
            exampleModule("c", size: 300_000), exampleModule("d", imports: ["b_fn"], size: 4_000),
        ]
        let before = CheckExample(
            "before", modules: modules, packages: [("core", []), ("extra", ["core"])],
            placed: ["a": "core", "b": "core", "c": "extra", "d": "extra"])
        let after = CheckExample(
            "after", modules: modules, packages: [("core", []), ("extra", ["core"])],
            placed: ["a": "core", "b": "core", "c": "core", "d": "extra"])
        return (
            try Analyse.facts(modules, kernel: before.kernel, split: before.split),
            try Analyse.facts(modules, kernel: after.kernel, split: after.split)
        )
    }

    @Test("check's report, the page's data and the diff take their sizes from the analysis")
    func oneSourceOfSizes() throws {
        let (before, after) = try Self.analyses()
        let sizes = after.sizes
        let report = CheckReport(tool: "modsplit test", analysis: after)
        #expect(report.packages.map(\.name) == sizes.packages.map(\.name))
        #expect(report.packages.map(\.bytes) == sizes.packages.map(\.bytes))
        #expect(report.packages.map(\.uncompressedBytes) == sizes.packages.map(\.uncompressedBytes))
        #expect(report.packages.map(\.modules) == sizes.packages.map(\.members.count))
        let data = ReportData(tool: "modsplit test", analysis: after, split: nil)
        #expect(data.packages.map(\.bytes) == sizes.packages.map(\.bytes))
        #expect(data.packages.map(\.installBytes) == sizes.packages.map(\.installBytes))
        #expect(data.summary.bytes == sizes.bytes && data.summary.uncompressedBytes == sizes.uncompressedBytes)
        #expect(data.summary.modules == sizes.modules)
        let diff = SplitDiff(before: before, after: after)
        #expect(diff.packages.map(\.bytesBefore) == before.sizes.packages.map(\.bytes))
        #expect(diff.packages.map(\.bytesAfter) == sizes.packages.map(\.bytes))
        #expect(diff.packages.map(\.modulesAfter) == sizes.packages.map(\.members.count))
        // The renderings print those numbers.
        let core = try #require(sizes.package(named: "core"))
        #expect(
            try ReportFormat.text.reporter().render(report).contains("  core   3 modules  \(Display.kib(core.bytes))"))
        #expect(SummaryReport.packageDot(data).contains("core\\n3 modules, \(Display.kib(core.bytes))"))
    }
}
