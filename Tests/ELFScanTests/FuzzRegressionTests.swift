import ELFScan
import Foundation
import TestSupport
import Testing

/// Every input the fuzzer (scripts/fuzz) ever crashed on, kept in `Regressions/` and read again: each
/// must give facts or an `ELFScanError` naming the file, never a trap.
@Suite struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Regressions")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0 != "README.md" }
            .sorted()
    }

    @Test("a crash the fuzzer found reads as an error now", arguments: inputs)
    func replay(_ name: String) {
        let limits = ScanLimits(maxUncompressedBytes: 64 << 20)
        do {
            _ = try ModuleReader.read(
                absolutePath: Self.directory.appendingPathComponent(name).path, path: name,
                limits: limits)
        } catch {
            #expect(error.path == name)
            #expect(!error.reason.isEmpty)
        }
    }

    @Test("the regression inputs are there")
    func inputsPresent() { #expect(!Self.inputs.isEmpty) }
}

/// Hostile module files made by hand: each gives an `ELFScanError` that names the file and the reason.
@Suite struct HostileModuleTests {
    /// A compressed file of `mib` MiB of zeros, made by `tool`.
    func bomb(_ dir: TemporaryDirectory, mib: Int, tool: [String], suffix: String) throws -> URL {
        let out = dir.url.appendingPathComponent("bomb.ko.\(suffix)")
        let script = "head -c \(mib)M /dev/zero | \(tool.joined(separator: " ")) > '\(out.path)'"
        try runChecked("/bin/sh", ["-c", script])
        return out
    }

    @Test(
        "a bomb is refused from its declared size before it is inflated",
        arguments: [
            (["xz", "-1", "-c"], "xz", "xz index declares"), (["gzip", "-1", "-c"], "gz", "gzip trailer declares"),
            // From a pipe zstd records no content size: the decoder stops at the limit instead.
            (["zstd", "-1", "-q", "-c"], "zst", "zstd stream inflates past the limit"),
        ])
    func bombRefusedCheaply(tool: [String], suffix: String, reason: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try bomb(dir, mib: 128, tool: tool, suffix: suffix)
        let clock = ContinuousClock()
        var error: ELFScanError?
        let took = clock.measure { error = readError(file, limits: ScanLimits(maxUncompressedBytes: 16 << 20)) }
        let e = try #require(error)
        #expect(e.kind == .compression)
        #expect(e.path == "bomb.ko.\(suffix)")
        #expect(e.reason.contains(reason), "\(e.reason)")
        #expect(took < .seconds(2), "took \(took)")
    }

    @Test("a gzip whose trailer lies is stopped at the limit while it inflates")
    func gzipLyingTrailer() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try bomb(dir, mib: 64, tool: ["gzip", "-1", "-c"], suffix: "gz")
        var bytes = try Data(contentsOf: file)
        // Claim 1 MiB: plausible for the file's size, far below what it inflates to.
        let n = bytes.count
        bytes[n - 4] = 0; bytes[n - 3] = 0; bytes[n - 2] = 0x10; bytes[n - 1] = 0
        try bytes.write(to: file)
        let e = try #require(readError(file, limits: ScanLimits(maxUncompressedBytes: 8 << 20)))
        #expect(e.kind == .compression)
        #expect(e.reason.contains("past the limit"), "\(e.reason)")
    }

    @Test("a gzip trailer that wrapped past 4 GiB is an absurd ratio")
    func gzipWrappedTrailer() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try bomb(dir, mib: 4, tool: ["gzip", "-1", "-c"], suffix: "gz")
        var bytes = try Data(contentsOf: file)
        let n = bytes.count
        bytes[n - 4] = 5; bytes[n - 3] = 0; bytes[n - 2] = 0; bytes[n - 1] = 0  // "5 bytes"
        try bytes.write(to: file)
        let e = try #require(readError(file))
        #expect(e.reason.contains("absurd ratio"), "\(e.reason)")
    }

    @Test("an xz file whose stream footer is corrupt is refused")
    func xzLyingIndex() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let plain = try ModuleReaderTests.sample.build(in: dir.url)
        try runChecked("xz", ["-k", "-f", "--check=none", plain.path])
        let packed = URL(fileURLWithPath: plain.path + ".xz")
        // The index records (unpadded size, uncompressed size) as varints; rewriting it means its CRC too,
        // so instead cut the index off: the footer then points at garbage.
        var bytes = try Data(contentsOf: packed)
        bytes[bytes.count - 8] ^= 0x01  // backward size in the footer
        try bytes.write(to: packed)
        let e = try #require(readError(packed))
        #expect(e.kind == .compression)
        #expect(e.reason.contains("xz"), "\(e.reason)")
    }

    @Test(".modinfo that is not UTF-8 keeps its bytes visible as \\xNN; the module still reads")
    func modinfoNotUTF8() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var m = FixtureModule(name: "latin")
        m.modinfo = ["author=J@rgen", "license=GPL"]
        let file = try m.build(in: dir.url)
        var bytes = try Data(contentsOf: file)
        let at = try #require(bytes.range(of: Data("J@rgen".utf8)))
        bytes[at.lowerBound + 1] = 0xFC  // ü in Latin-1
        try bytes.write(to: file)
        let facts = try ModuleReader.read(absolutePath: file.path, path: "latin.ko")
        #expect(facts.modinfo.first { $0.key == "author" }?.value == "J\\xfcrgen")
        #expect(facts.modinfo.first { $0.key == "license" }?.value == "GPL")
    }

    @Test("an imported symbol whose name is not UTF-8 makes the module unreadable")
    func symbolNotUTF8() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var m = FixtureModule(name: "sym")
        m.imports = ["import_me_please"]
        let file = try m.build(in: dir.url)
        var bytes = try Data(contentsOf: file)
        let at = try #require(bytes.range(of: Data("import_me_please\0".utf8)))
        bytes[at.lowerBound] = 0xFF
        try bytes.write(to: file)
        let e = try #require(readError(file))
        #expect(e.kind == .malformed)
        #expect(e.reason.contains("not UTF-8"), "\(e.reason)")
    }

    @Test(".modinfo without a final NUL is malformed")
    func modinfoWithoutNUL() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var m = FixtureModule(name: "nonul")
        m.modinfo = ["license=GPL"]
        let file = try m.build(in: dir.url)
        var bytes = try Data(contentsOf: file)
        let offset = try Data.sectionOffset(".modinfo", in: file)
        let end = try #require(bytes[offset...].range(of: Data("license=GPL\0".utf8)))
        bytes[end.upperBound - 1] = UInt8(ascii: "X")
        try bytes.write(to: file)
        // The fixture's .modinfo ends with that string: its NUL is now gone.
        let e = readError(file)
        if let e { #expect(e.reason.contains("NUL") || e.kind == .malformed, "\(e.reason)") }
    }

    @Test(
        "section header corruption: sh_link, sh_info and entry sizes out of range",
        arguments: [
            (40, "sh_link"), (44, "sh_info"), (56, "entry size"),
        ])
    func sectionTableCorruption(field: Int, reason: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try ModuleReaderTests.sample.build(in: dir.url)
        var bytes = try Data(contentsOf: file)
        // ELF64 little-endian: e_shoff at 0x28, e_shnum at 0x3C; Elf64_Shdr is 64 bytes, sh_type at +4.
        func u64(_ o: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[o + $1]) << (8 * $1) } }
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        let shoff = u64(0x28), shnum = u16(0x3C)
        let rela = try #require((0..<shnum).first { i in bytes[shoff + i * 64 + 4] == 4 })  // SHT_RELA
        let at = shoff + rela * 64 + field  // sh_link +40, sh_info +44, sh_entsize +56
        bytes[at] = 0xEE; bytes[at + 1] = 0x7E
        try bytes.write(to: file)
        let e = try #require(readError(file))
        #expect(e.path == "sample.ko")
        #expect(e.reason.contains(reason) || e.kind == .malformed, "\(e.reason)")
    }
}
