import Foundation
import TestSupport
import Testing

@testable import ELFScan

/// The persistent scan cache: a changed file is always re-read, a broken cache is never trusted.
@Suite struct ScanCacheTests {
    struct Fixture {
        let dir: TemporaryDirectory
        let moduleDirectory: URL
        let cache: ScanCache

        init() throws {
            dir = try TemporaryDirectory("cache")
            moduleDirectory = dir.url.appendingPathComponent("lib/modules/6.1.0-cache")
            let kernel = moduleDirectory.appendingPathComponent("kernel")
            for (i, name) in ["alpha", "beta", "gamma"].enumerated() {
                var m = FixtureModule(name: name)
                m.exports = [.init("\(name)_fn", crc: UInt32(i + 1))]
                m.modinfo = ["license=GPL", "description=\(name) v1"]
                try m.build(in: kernel)
            }
            cache = ScanCache(directory: dir.url.appendingPathComponent("cache").path, toolVersion: "test-1")
        }

        func scan(_ cache: ScanCache? = nil) throws -> TreeScan {
            try TreeScanner.scan(
                try KernelTree.locate(path: moduleDirectory.path),
                options: ScanOptions(discoverKernelSymbols: false, cache: cache ?? self.cache))
        }

        var cacheFile: String { cache.file(for: moduleDirectory.path) }
    }

    @Test("a warm scan gives exactly the facts of a cold one")
    func warmEqualsCold() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        let cold = try f.scan()
        #expect(FileManager.default.fileExists(atPath: f.cacheFile))
        let warm = try f.scan()
        #expect(warm.modules == cold.modules)
        #expect(warm.notes.isEmpty)
        #expect(
            try TreeScanner.scan(
                try KernelTree.locate(path: f.moduleDirectory.path),
                options: ScanOptions(discoverKernelSymbols: false)
            ).modules == cold.modules)
    }

    @Test("a module rewritten in place with its old mtime restored is re-read")
    func rewrittenWithOldMtime() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        _ = try f.scan()
        let file = f.moduleDirectory.appendingPathComponent("kernel/beta.ko")
        let before = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as! Date
        var data = try Data(contentsOf: file)
        try data.replaceFirst("beta v1", with: "beta v2")
        // Same size, same inode (written in place), same mtime: only the change time tells.
        let handle = try FileHandle(forWritingTo: file)
        try handle.write(contentsOf: data)
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: before], ofItemAtPath: file.path)
        let again = try f.scan()
        #expect(again.modules.first { $0.name == "beta" }?.firstModinfo("description") == "beta v2")
    }

    @Test("a new file is seen and a deleted one is gone")
    func addedAndRemoved() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        _ = try f.scan()
        try FileManager.default.removeItem(at: f.moduleDirectory.appendingPathComponent("kernel/alpha.ko"))
        var delta = FixtureModule(name: "delta")
        delta.exports = [.init("delta_fn")]
        try delta.build(in: f.moduleDirectory.appendingPathComponent("kernel/new"))
        let again = try f.scan()
        #expect(again.modules.map(\.name).sorted() == ["beta", "delta", "gamma"])
        // The rewritten cache holds exactly these.
        let third = try f.scan()
        #expect(third.modules == again.modules)
    }

    @Test(
        "a corrupt or truncated cache is ignored with a note and rebuilt", arguments: ["truncate", "flip", "garbage"])
    func corruptCache(how: String) throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        let cold = try f.scan()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: f.cacheFile))
        switch how {
        case "truncate": bytes = bytes.prefix(bytes.count / 2)
        case "flip": bytes[bytes.count / 2] ^= 0x40
        default: bytes = Data("not a cache at all".utf8)
        }
        try bytes.write(to: URL(fileURLWithPath: f.cacheFile))
        let again = try f.scan()
        #expect(again.modules == cold.modules)
        #expect(again.notes.contains { $0.contains("corrupt or truncated") })
        let healed = try f.scan()
        #expect(healed.notes.isEmpty)
    }

    @Test("a cached module that does not decode to its own path is re-read, with a note, and the cache rebuilt")
    func damagedEntry() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        let cold = try f.scan()
        // A well-formed file (checksum and index intact) whose alpha entry holds beta's facts.
        let entries = f.cache.load(moduleDirectory: f.moduleDirectory.path).entries.sorted { $0.key < $1.key }
        let beta = try #require(entries.first { $0.key.hasSuffix("beta.ko") }).value.facts
        let swapped = entries.map { path, e in
            (path: path, entry: ScanCache.Entry(stamp: e.stamp, facts: path.hasSuffix("alpha.ko") ? beta : e.facts))
        }
        #expect(f.cache.store(moduleDirectory: f.moduleDirectory.path, entries: swapped) == nil)
        let again = try f.scan()
        #expect(again.modules == cold.modules)
        #expect(again.notes.contains { $0.contains("corrupt or truncated") })
        let healed = try f.scan()
        #expect(healed.notes.isEmpty)
        #expect(healed.modules == cold.modules)
    }

    @Test("a cache file far larger than any tree's is not read, and is replaced")
    func oversized() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        let cold = try f.scan()
        // A sparse file just past the limit: no disk space used, and nothing of it may be read.
        let fd = open(f.cacheFile, O_WRONLY | O_TRUNC)
        #expect(fd >= 0)
        #expect(ftruncate(fd, off_t(ScanCache.maxFileBytes + 1)) == 0)
        close(fd)
        let again = try f.scan()
        #expect(again.modules == cold.modules)
        #expect(again.notes.contains { $0.contains("far more than any tree's cache") })
        #expect(try f.scan().notes.isEmpty)
    }

    @Test("a cache of another modsplit version is replaced silently")
    func otherVersion() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        _ = try f.scan()
        let newer = ScanCache(directory: f.cache.directory, toolVersion: "test-2")
        #expect(newer.load(moduleDirectory: f.moduleDirectory.path).entries.isEmpty)
        let scan = try f.scan(newer)
        #expect(scan.notes.isEmpty)
        #expect(newer.load(moduleDirectory: f.moduleDirectory.path).entries.count == 3)
    }

    @Test("concurrent runs are safe: every run gets the right facts, and the cache stays valid")
    func concurrentRuns() async throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        let expected = try TreeScanner.scan(
            try KernelTree.locate(path: f.moduleDirectory.path),
            options: ScanOptions(discoverKernelSymbols: false)
        ).modules
        let results = try await withThrowingTaskGroup(of: [ModuleFacts].self) { group in
            for _ in 0..<8 { group.addTask { try f.scan().modules } }
            var all: [[ModuleFacts]] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results.allSatisfy { $0 == expected })
        let (entries, note) = f.cache.load(moduleDirectory: f.moduleDirectory.path)
        #expect(note == nil)
        #expect(entries.count == 3)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.cache.directory)
            .filter { $0.hasSuffix(".tmp") || $0.contains(".tmp.") }
        #expect(leftovers.isEmpty)
    }

    @Test("info lists the cache and clear removes it")
    func infoAndClear() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        _ = try f.scan()
        let info = f.cache.info()
        #expect(info.count == 1)
        #expect(info.first?.moduleDirectory == f.moduleDirectory.path)
        #expect(info.first?.modules == 3)
        #expect(f.cache.clear() == 1)
        #expect(f.cache.info().isEmpty)
    }
}
