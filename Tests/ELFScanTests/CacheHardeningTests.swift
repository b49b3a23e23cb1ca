import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ELFScan

/// The scan cache against what a careless or killed run leaves in its directory, and against limits
/// that change between runs.
@Suite struct CacheHardeningTests {
    typealias Fixture = ScanCacheTests.Fixture

    @Test("a FIFO where the cache file should be is ignored with a note, and blocks nothing")
    func fifoInPlaceOfTheCache() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        try FileManager.default.createDirectory(atPath: f.cache.directory, withIntermediateDirectories: true)
        #expect(mkfifo(f.cacheFile, 0o644) == 0)
        let expected = try TreeScanner.scan(
            try KernelTree.locate(path: f.moduleDirectory.path),
            options: ScanOptions(discoverKernelSymbols: false)
        ).modules
        let scanned = Mutex<TreeScan?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            scanned.withLock { $0 = try? f.scan() }
            finished.signal()
        }.start()
        guard finished.wait(timeout: .now() + 60) == .success else {
            Issue.record("the scan blocked on the FIFO")
            // Let the blocked open go on: a writer appears, and leaves at once.
            let w = open(f.cacheFile, O_WRONLY | O_NONBLOCK)
            if w >= 0 { close(w) }
            return
        }
        let scan = try #require(scanned.withLock { $0 })
        #expect(scan.modules == expected)
        #expect(scan.notes.contains { $0.contains(f.cacheFile) && $0.contains("a FIFO") })
        // Nothing in `cache info` blocks on it either.
        #expect(f.cache.info().count == 1)
    }

    @Test(
        """
        temporary files of killed runs are listed, and removed by the next store or by clear; \
        a running writer's are kept
        """
    )
    func leftoverTemporaries() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        _ = try f.scan()
        let base = URL(fileURLWithPath: f.cacheFile).lastPathComponent
        // Past pid_max (2^22), so no process has it: a killed run's file, in the current and the old naming.
        let dead = "." + base + ".99999999.k1lled.tmp"
        let legacy = base + ".tmp.99999999.12345"
        let live = "." + base + ".\(getpid()).st1ll.tmp"
        for name in [dead, legacy, live] {
            #expect(FileManager.default.createFile(atPath: f.cache.directory + "/" + name, contents: Data(count: 4096)))
        }
        let listed = Dictionary(
            uniqueKeysWithValues: f.cache.temporaries().map { (URL(fileURLWithPath: $0.file).lastPathComponent, $0) })
        #expect(Set(listed.keys) == [dead, legacy, live])
        #expect(listed[dead]?.isStale == true && listed[legacy]?.isStale == true && listed[live]?.isStale == false)
        #expect(listed[dead]?.bytes == 4096)

        // A store (any scan that rewrites the cache) removes the stale ones.
        try FileManager.default.removeItem(atPath: f.cacheFile)
        _ = try f.scan()
        #expect(f.cache.temporaries().map { URL(fileURLWithPath: $0.file).lastPathComponent } == [live])

        // clear removes the caches and stale temporaries, never a file a live run is writing.
        #expect(FileManager.default.createFile(atPath: f.cache.directory + "/" + dead, contents: Data(count: 1)))
        #expect(f.cache.clear() == 2)
        #expect(f.cache.info().isEmpty)
        #expect(f.cache.temporaries().map { URL(fileURLWithPath: $0.file).lastPathComponent } == [live])
    }

    @Test("a temporary file older than an hour is stale even when its pid is taken again")
    func oldTemporaryIsStale() throws {
        let f = try Fixture()
        defer { f.dir.cleanup() }
        _ = try f.scan()
        let path =
            f.cache.directory + "/." + URL(fileURLWithPath: f.cacheFile).lastPathComponent + ".\(getpid()).0ld.tmp"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(count: 1)))
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: path)
        #expect(f.cache.temporaries().first?.isStale == true)
    }
}
