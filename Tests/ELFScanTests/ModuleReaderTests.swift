import ELFScan
import Foundation
import TestSupport
import Testing

/// The reader on module-like objects built by clang at test time for each architecture
/// (see `FixtureModule` for their provenance).
@Suite struct ModuleReaderTests {
    static let sample: FixtureModule = {
        var m = FixtureModule(name: "sample")
        m.exports = [
            .init("sample_plain", crc: 0x1111_1111),
            .init("sample_gpl", gpl: true, crc: 0x2222_2222),
            .init("sample_ns", gpl: true, namespace: "SAMPLE_NS", crc: 0x3333_3333),
        ]
        m.imports = ["printk", "kmalloc_thing"]
        m.weakImports = ["maybe_present"]
        m.versions = [("printk", 0xDEAD_BEEF), ("module_layout", 0x0000_1234)]
        m.modinfo = [
            "license=GPL v2", "alias=pci:v00001AF4d00001000sv*sd*bc*sc*i*", "alias=virtio:d00000001v*",
            "depends=", "softdep=pre: crc32c", "import_ns=OTHER_NS", "vermagic=6.1.0-test SMP mod_unload",
        ]
        return m
    }()

    static let layouts: [(String, Bool)] = FixtureTarget.all.flatMap { t in [(t.triple, false), (t.triple, true)] }

    @Test("exports, imports, CRCs and modinfo on every architecture and ksymtab layout", arguments: layouts)
    func readsEveryLayout(triple: String, absolute: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var fixture = Self.sample
        fixture.absoluteKsymtab = absolute
        let file = try fixture.build(in: dir.url, triple: triple)
        let facts = try ModuleReader.read(absolutePath: file.path, path: "kernel/sample.ko")
        let target = FixtureTarget.all.first { $0.triple == triple }!

        #expect(facts.name == "sample")
        #expect(facts.path == "kernel/sample.ko")
        #expect(facts.identity == ELFIdentity(bits: target.bits, bigEndian: target.bigEndian, machine: target.machine))
        #expect(
            facts.exports.sorted { $0.name < $1.name } == [
                ExportedSymbol(name: "sample_gpl", gplOnly: true, namespace: nil, crc: 0x2222_2222),
                ExportedSymbol(name: "sample_ns", gplOnly: true, namespace: "SAMPLE_NS", crc: 0x3333_3333),
                ExportedSymbol(name: "sample_plain", gplOnly: false, namespace: nil, crc: 0x1111_1111),
            ])
        let imports = Dictionary(uniqueKeysWithValues: facts.imports.map { ($0.name, $0) })
        #expect(imports["printk"] == ImportedSymbol(name: "printk", weak: false, crc: 0xDEAD_BEEF))
        #expect(imports["kmalloc_thing"] == ImportedSymbol(name: "kmalloc_thing", weak: false, crc: nil))
        #expect(imports["maybe_present"]?.weak == true)
        #expect(facts.extraVersions == [VersionEntry(name: "module_layout", crc: 0x1234)])
        #expect(facts.license == "GPL v2")
        #expect(facts.aliases == ["pci:v00001AF4d00001000sv*sd*bc*sc*i*", "virtio:d00000001v*"])
        #expect(facts.importedNamespaces == ["OTHER_NS"])
        #expect(facts.modinfo("softdep") == ["pre: crc32c"])
        #expect(facts.declaredDepends == [])
        #expect(facts.compression == .none)
        #expect(facts.fileSize == facts.uncompressedSize)
    }

    @Test("a module without modversions has exports without CRCs")
    func noModversions() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var m = FixtureModule(name: "plain")
        m.exports = [.init("plain_fn")]
        m.imports = ["printk"]
        let file = try m.build(in: dir.url)
        // The fixture always emits __crc_ labels; strip them the way a !MODVERSIONS build lacks them.
        try runChecked("objcopy", ["--remove-section=__kcrctab", "--strip-symbol=__crc_plain_fn", file.path])
        let facts = try ModuleReader.read(absolutePath: file.path, path: "plain.ko")
        #expect(facts.exports == [ExportedSymbol(name: "plain_fn", gplOnly: false, namespace: nil, crc: nil)])
        #expect(facts.imports.map(\.crc) == [nil])
    }

    @Test("the module name comes from modinfo name=, else from the file name with - as _")
    func naming() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var m = FixtureModule(name: "named")
        let unnamed = try m.build(in: dir.url, fileName: "snd-hda-intel.ko")
        #expect(try ModuleReader.read(absolutePath: unnamed.path, path: "snd-hda-intel.ko").name == "snd_hda_intel")
        m.modinfo = ["name=real_name"]
        let named = try m.build(in: dir.url, fileName: "other.ko")
        #expect(try ModuleReader.read(absolutePath: named.path, path: "other.ko").name == "real_name")
        #expect(moduleName(fromFileName: "kernel/fs/fat/vfat.ko.zst") == "vfat")
        #expect(moduleName(fromFileName: "kernel/a/b-c.ko") == "b_c")
    }

    @Test(
        "xz, gzip and zstd modules read the same as the plain file",
        arguments: [
            ("xz", Compression.xz, ["xz", "-k", "-f"]), ("gz", .gzip, ["gzip", "-k", "-f"]),
            ("zst", .zstd, ["zstd", "-q", "-k", "-f"]),
        ])
    func compressed(suffix: String, compression: Compression, command: [String]) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try Self.sample.build(in: dir.url)
        try runChecked(command[0], Array(command.dropFirst()) + [file.path])
        let packed = file.path + "." + suffix
        let plain = try ModuleReader.read(absolutePath: file.path, path: "sample.ko")
        var facts = try ModuleReader.read(absolutePath: packed, path: "sample.ko." + suffix)
        #expect(facts.compression == compression)
        #expect(facts.uncompressedSize == plain.uncompressedSize)
        #expect(facts.fileSize == (try FileManager.default.attributesOfItem(atPath: packed)[.size] as? UInt64))
        facts.compression = .none
        facts.fileSize = plain.fileSize
        facts.path = plain.path
        #expect(facts == plain)
    }
}

/// The error reading `url` gives, nil when it reads (the error tests of this target share it).
func readError(_ url: URL, limits: ScanLimits = .default) -> ELFScanError? {
    do {
        _ = try ModuleReader.read(absolutePath: url.path, path: url.lastPathComponent, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// Files that are not modules: each is an error naming the file, never a crash.
@Suite struct UnreadableModuleTests {
    @Test func emptyFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let f = dir.url.appendingPathComponent("empty.ko")
        _ = FileManager.default.createFile(atPath: f.path, contents: Data())
        let e = try #require(readError(f))
        #expect(e.kind == .notELF)
        #expect(e.path == "empty.ko")
        #expect(e.reason.contains("empty"))
    }

    @Test func notELF() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let f = dir.url.appendingPathComponent("text.ko")
        try "this is not a module\n".write(to: f, atomically: true, encoding: .utf8)
        #expect(readError(f)?.kind == .notELF)
    }

    @Test func directoryAndFIFO() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let d = dir.url.appendingPathComponent("dir.ko")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        #expect(readError(d)?.reason.contains("directory") == true)
        let fifo = dir.url.appendingPathComponent("pipe.ko")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        #expect(readError(fifo)?.reason.contains("FIFO") == true)
    }

    @Test func truncatedEverywhere() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try ModuleReaderTests.sample.build(in: dir.url)
        let bytes = try Data(contentsOf: file)
        let f = dir.url.appendingPathComponent("cut.ko")
        // Every prefix length on a coarse grid, and the first 128 bytes one by one.
        let cuts = Array(1..<128) + Array(stride(from: 128, to: bytes.count, by: max(1, bytes.count / 200)))
        for n in cuts {
            try bytes.prefix(n).write(to: f)
            if let e = readError(f) { #expect(e.path == "cut.ko") }
        }
    }

    @Test func wrongELFType() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try ModuleReaderTests.sample.build(in: dir.url)
        var bytes = try Data(contentsOf: file)
        bytes[16] = 2  // e_type = ET_EXEC (little-endian x86_64)
        try bytes.write(to: file)
        let e = try #require(readError(file))
        #expect(e.kind == .unsupported)
        #expect(e.reason.contains("ET_REL"))
    }

    @Test func corruptCompressedStreams() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try ModuleReaderTests.sample.build(in: dir.url)
        for (tool, suffix) in [("xz", "xz"), ("gzip", "gz"), ("zstd", "zst")] {
            try runChecked(tool, ["-k", "-f", "-q", file.path])
            let packed = URL(fileURLWithPath: file.path + "." + suffix)
            var bytes = try Data(contentsOf: packed)
            let cut = dir.url.appendingPathComponent("cut.ko." + suffix)
            try bytes.prefix(bytes.count / 2).write(to: cut)
            #expect(readError(cut) != nil, "\(suffix) truncated")
            for i in stride(from: 12, to: bytes.count - 8, by: 7) { bytes[i] ^= 0x5A }
            let flipped = dir.url.appendingPathComponent("flip.ko." + suffix)
            try bytes.write(to: flipped)
            #expect(readError(flipped) != nil, "\(suffix) corrupted")
        }
    }

    @Test("bzip2 modules are refused without inflating (libdw loops on a truncated bzip2 stream)")
    func bzip2Refused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try ModuleReaderTests.sample.build(in: dir.url)
        try runChecked("bzip2", ["-k", "-f", file.path])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file.path + ".bz2"))
        bytes = bytes.prefix(bytes.count / 2)
        let cut = dir.url.appendingPathComponent("cut.ko")
        try bytes.write(to: cut)
        let e = try #require(readError(cut))
        #expect(e.kind == .compression)
        #expect(e.reason.contains("bzip2"))
        #expect(Compression.announced(byName: "x.ko.bz2") == nil)
    }

    @Test func zstdBombIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let big = dir.url.appendingPathComponent("zeros")
        try Data(count: 8 << 20).write(to: big)
        try runChecked("zstd", ["-q", "-f", big.path, "-o", dir.url.appendingPathComponent("bomb.ko.zst").path])
        let e = try #require(
            readError(
                dir.url.appendingPathComponent("bomb.ko.zst"),
                limits: ScanLimits(maxUncompressedBytes: 1 << 20)))
        #expect(e.kind == .compression || e.kind == .notELF)
    }
}
