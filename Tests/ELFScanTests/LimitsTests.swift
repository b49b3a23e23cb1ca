import ELFScan
import Foundation
import Testing
import TestSupport

/// The size limit on what one module may inflate to, at its extremes.
@Suite struct ScanLimitTests {
    @Test("a limit near UInt64.max reads compressed modules instead of overflowing", arguments: ["gzip", "xz", "zstd"])
    func hugeLimit(compressor: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var m = FixtureModule(name: "big_limit")
        m.exports = [.init("big_limit_fn")]
        let file = try m.build(in: dir.url)
        try runChecked(compressor, ["-k", file.path])
        let suffix = ["gzip": ".gz", "xz": ".xz", "zstd": ".zst"][compressor]!
        let limits = ScanLimits(maxUncompressedBytes: .max, maxCompressedInputBytes: nil)
        let facts = try ModuleReader.read(absolutePath: file.path + suffix, path: "big_limit.ko" + suffix, limits: limits)
        #expect(facts.exports.map(\.name) == ["big_limit_fn"])
    }
}
