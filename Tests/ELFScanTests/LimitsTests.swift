import ELFScan
import Foundation
import TestSupport
import Testing

/// The size limit on what one module may inflate to: at its extremes, and on modules from the scan cache.
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
        let facts = try ModuleReader.read(
            absolutePath: file.path + suffix, path: "big_limit.ko" + suffix, limits: limits)
        #expect(facts.exports.map(\.name) == ["big_limit_fn"])
    }

    @Test(
        "a cached module larger than the limit now in force is refused, as a cold read refuses it",
        arguments: ["", ".gz"])
    func cachedModulePastTheLimit(suffix: String) throws {
        let f = try ScanCacheTests.Fixture()
        defer { f.dir.cleanup() }
        if suffix == ".gz" {
            let kernel = f.moduleDirectory.appendingPathComponent("kernel")
            for name in ["alpha", "beta", "gamma"] {
                try runChecked("gzip", [kernel.appendingPathComponent("\(name).ko").path])
            }
        }
        let warm = try f.scan()
        #expect(warm.problems.isEmpty && warm.modules.count == 3)
        let small = ScanLimits(maxUncompressedBytes: 1024, maxCompressedInputBytes: nil)
        #expect(warm.modules.allSatisfy { $0.uncompressedSize > 1024 })
        let tree = try KernelTree.locate(path: f.moduleDirectory.path)
        let cold = try TreeScanner.scan(tree, options: ScanOptions(discoverKernelSymbols: false, limits: small))
        #expect(cold.modules.isEmpty && cold.problems.count == 3)
        let cached = try TreeScanner.scan(
            tree,
            options: ScanOptions(
                discoverKernelSymbols: false, limits: small,
                cache: f.cache))
        #expect(cached.modules == cold.modules)
        #expect(cached.problems == cold.problems)
        // With the old limit back, they are read again.
        #expect(try f.scan().modules == warm.modules)
    }

    @Test("--max-module-mib: 1 MiB to 1 TiB, in bytes without wrapping")
    func mebibyteLimits() {
        #expect(ScanLimits(maxUncompressedMiB: 512)?.maxUncompressedBytes == 512 << 20)
        #expect(ScanLimits(maxUncompressedMiB: 1 << 20)?.maxUncompressedBytes == 1 << 40)
        #expect(ScanLimits(maxUncompressedMiB: 0) == nil)
        #expect(ScanLimits(maxUncompressedMiB: (1 << 20) + 1) == nil)
        #expect(ScanLimits(maxUncompressedMiB: 1 << 44) == nil)
        #expect(ScanLimits(maxUncompressedMiB: .max) == nil)
    }
}
