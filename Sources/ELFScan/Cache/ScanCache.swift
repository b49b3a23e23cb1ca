internal import Foundation
internal import Synchronization

/// What identifies a file's content on disk without reading it. The inode change time moves on every
/// write, even when the writer restores the old modification time, so a rewritten file never matches.
public struct FileStamp: Sendable, Hashable {
    /// The file's size in bytes.
    public var size: UInt64
    /// Modification time (`st_mtim`), in nanoseconds since the epoch.
    public var modified: Int64
    /// Inode change time (`st_ctim`), in nanoseconds since the epoch; it moves on every write.
    public var changed: Int64
    /// The inode number: a file replaced by a rename gets a new one.
    public var inode: UInt64
    /// The device the file lives on, which makes `inode` unique.
    public var device: UInt64

    /// A stamp from the fields of a `stat` result.
    public init(size: UInt64, modified: Int64, changed: Int64, inode: UInt64, device: UInt64) {
        self.size = size
        self.modified = modified
        self.changed = changed
        self.inode = inode
        self.device = device
    }

    /// The stamp of the file `path` points to (following links); nil when it cannot be stat'ed.
    public static func of(_ path: String) -> FileStamp? {
        Syscalls.status(path).map(FileStamp.init)
    }

    init(_ st: Syscalls.FileStatus) {
        size = UInt64(st.size)
        modified = st.modified
        changed = st.changed
        inode = st.inode
        device = st.device
    }
}

/// The persistent cache of per-module facts, one file per module directory, in
/// `$XDG_CACHE_HOME/modsplit/` (else `~/.cache/modsplit/`). Keyed by each file's path and `FileStamp`,
/// and invalidated as a whole by another modsplit version or cache format. Written atomically (a
/// temporary file renamed into place), so concurrent runs never see half a cache; a corrupt or
/// truncated cache is ignored (and rebuilt) with a note.
///
/// Layout (little-endian, strings length-prefixed):
///
///     header   magic, format version, modsplit version, module directory, module count
///     bodies   each module's facts (`FactsCodec`), back to back
///     index    per module: path, stamp, offset and length of its body
///     trailer  offset of the index, checksum of bodies and index
///
/// The index at the end lets a reader check the whole file and learn every path and stamp without
/// decoding any facts; each module's facts are then decoded by the scan worker that takes it.
public struct ScanCache: Sendable {
    /// Bumped whenever the encoding or what the reader extracts changes.
    public static let formatVersion: UInt32 = 3
    static let magic = Array("MODSPLIT-CACHE\n\0".utf8)

    /// The directory that holds one cache file per module directory.
    public let directory: String
    /// The modsplit version that writes and accepts entries.
    public let toolVersion: String

    /// The cache in `directory` (by default `defaultDirectory()`) for the modsplit version `toolVersion`.
    public init(directory: String? = nil, toolVersion: String) {
        self.directory = directory ?? Self.defaultDirectory()
        self.toolVersion = toolVersion
    }

    /// `$XDG_CACHE_HOME/modsplit` when that is an absolute path, else `~/.cache/modsplit`.
    public static func defaultDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/modsplit" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.cache/modsplit"
    }

    /// The cache file of one module directory.
    public func file(for moduleDirectory: String) -> String {
        // FNV-1a of the path: stable across runs (unlike Hasher) and short.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in moduleDirectory.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return directory + "/" + String(h, radix: 16) + ".cache"
    }

    /// One module's cached facts and the stamp of the file they were read from.
    public struct Entry: Sendable {
        /// The module file's stamp when it was read; the entry is used only while the file still matches it.
        public var stamp: FileStamp
        /// What the reader extracted from the module file.
        public var facts: ModuleFacts
    }

    /// The cache of `moduleDirectory`, checked whole and indexed, its facts not yet decoded; nil when
    /// there is none or it cannot be used, with a note when it had to be ignored.
    public func open(moduleDirectory: String) -> (snapshot: Snapshot?, note: String?) {
        let path = file(for: moduleDirectory)
        let bytes: FileBytes
        switch FileBytes.read(path, limit: Self.maxFileBytes) {
        case .success(let b): bytes = b
        case .failure(.missing): return (nil, nil)
        case .failure(.unreadable(let reason)):
            return (nil, "the scan cache \(path) cannot be read (\(reason)); it is ignored and rewritten")
        case .failure(.notRegular(let kind)):
            return (nil, "the scan cache \(path) is \(kind), not a regular file; it is ignored and replaced")
        case .failure(.tooLarge(let size)):
            return (nil, "the scan cache \(path) is \(size) bytes, far more than any tree's cache; it is rebuilt")
        }
        do {
            return (try Snapshot(bytes, toolVersion: toolVersion, moduleDirectory: moduleDirectory), nil)
        } catch let stale as StaleCache {
            return (nil, stale.reason)
        } catch {
            return (nil, Self.corruptNote(path))
        }
    }

    /// Every cached entry of `moduleDirectory` by path, decoded, and a note when the cache had to be ignored.
    public func load(moduleDirectory: String) -> (entries: [String: Entry], note: String?) {
        let (snapshot, note) = open(moduleDirectory: moduleDirectory)
        guard let snapshot else { return ([:], note) }
        var entries: [String: Entry] = [:]
        for (path, slot) in snapshot.slots {
            guard let facts = snapshot.facts(for: path, stamp: slot.stamp) else {
                return ([:], Self.corruptNote(file(for: moduleDirectory)))
            }
            entries[path] = Entry(stamp: slot.stamp, facts: facts)
        }
        return (entries, nil)
    }

    /// A cache file larger than this is not read: a distro tree's cache is ~10 MiB.
    static let maxFileBytes = 1 << 30

    static func corruptNote(_ path: String) -> String {
        "the scan cache \(path) is corrupt or truncated; it is rebuilt"
    }

    struct StaleCache: Error { var reason: String? }

    /// One cache file in memory: its index by path, and each module's facts decoded on demand, from
    /// any thread.
    public final class Snapshot: Sendable {
        struct Slot {
            var stamp: FileStamp
            var offset: Int
            var length: Int
        }

        private let bytes: FileBytes
        /// Where the bodies start in `bytes`; slot offsets count from here.
        private let bodyStart: Int
        let slots: [String: Slot]
        /// Set (from a worker) when a body fails to decode although the checksum matched.
        private let damaged = Atomic<Bool>(false)

        /// How many modules the cache holds.
        public var count: Int { slots.count }
        /// Whether some body could not be decoded: the cache must be rewritten.
        public var isDamaged: Bool { damaged.load(ordering: .relaxed) }

        fileprivate init(_ bytes: FileBytes, toolVersion: String, moduleDirectory: String) throws {
            self.bytes = bytes
            let raw = bytes.buffer
            var r = ByteReader(raw)
            guard try r.take(ScanCache.magic.count).elementsEqual(ScanCache.magic) else { throw CacheCorrupt() }
            // A cache from another format or modsplit version is silently replaced: that is its job.
            guard try r.u32() == ScanCache.formatVersion, try r.string() == toolVersion else { throw StaleCache() }
            guard try r.string() == moduleDirectory else { throw StaleCache() }
            let count = Int(try r.u32())
            bodyStart = r.offset
            guard raw.count - bodyStart >= 16 else { throw CacheCorrupt() }
            let trailer = raw.count - 16
            let indexOffset = Int(
                truncatingIfNeeded: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: trailer, as: UInt64.self)))
            let checksum = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: trailer + 8, as: UInt64.self))
            guard indexOffset >= 0, indexOffset <= trailer - bodyStart,
                checksum == ScanCache.checksum(UnsafeRawBufferPointer(rebasing: raw[bodyStart..<trailer]))
            else { throw CacheCorrupt() }
            var index = ByteReader(UnsafeRawBufferPointer(rebasing: raw[(bodyStart + indexOffset)..<trailer]))
            guard try index.count(minimumSize: 56) == count else { throw CacheCorrupt() }
            var slots: [String: Slot] = [:]
            slots.reserveCapacity(count)
            for _ in 0..<count {
                let path = try index.string()
                let stamp = FileStamp(
                    size: try index.u64(), modified: Int64(bitPattern: try index.u64()),
                    changed: Int64(bitPattern: try index.u64()), inode: try index.u64(),
                    device: try index.u64())
                let offset = Int(truncatingIfNeeded: try index.u64()), length = Int(try index.u32())
                guard offset >= 0, offset <= indexOffset, length <= indexOffset - offset else { throw CacheCorrupt() }
                slots[path] = Slot(stamp: stamp, offset: offset, length: length)
            }
            guard index.atEnd, slots.count == count else { throw CacheCorrupt() }
            self.slots = slots
        }

        /// The cached facts of `path` when the cache holds it with exactly `stamp`; nil otherwise.
        public func facts(for path: String, stamp: FileStamp) -> ModuleFacts? {
            guard let slot = slots[path], slot.stamp == stamp else { return nil }
            let start = bodyStart + slot.offset
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes.buffer[start..<(start + slot.length)]))
            do {
                let facts = try FactsCodec.decode(&r)
                if r.atEnd && facts.path == path { return facts }
            } catch {}
            damaged.store(true, ordering: .relaxed)
            return nil
        }
    }

    /// Replaces the cache of `moduleDirectory` with `entries`; returns a note when it cannot be written.
    /// The file is streamed out in chunks: a whole tree's cache (~10 MiB) is never held in memory twice.
    @discardableResult
    public func store(moduleDirectory: String, entries: [(path: String, entry: Entry)]) -> String? {
        let target = file(for: moduleDirectory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            return "cannot write the scan cache \(target): \(error.localizedDescription)"
        }
        // What killed runs left: each store tidies up after them.
        removeStaleTemporaries()
        // Unique per process and call: concurrent runs each rename a complete file into place.
        let file: ReplacementFile
        do {
            file = try ReplacementFile(replacing: target)
        } catch {
            return "cannot write the scan cache \(target): \(error.reason)"
        }
        var failed: String?
        func flush(_ w: inout ByteWriter) {
            if failed == nil { failed = w.bytes.withUnsafeBytes { file.write($0) } }
            w.bytes.removeAll(keepingCapacity: true)
        }
        var w = ByteWriter()
        w.bytes.reserveCapacity(1 << 20)
        w.bytes.append(contentsOf: Self.magic)
        w.u32(Self.formatVersion)
        w.string(toolVersion)
        w.string(moduleDirectory)
        w.u32(UInt32(entries.count))
        flush(&w)
        var sum = Checksum()
        // Bodies; `written` counts the bytes since the header, which slot offsets are relative to.
        var written = 0
        var spans: [(offset: Int, length: Int)] = []
        spans.reserveCapacity(entries.count)
        for (_, e) in entries {
            let before = w.bytes.count
            FactsCodec.encode(e.facts, into: &w)
            spans.append((written + before, w.bytes.count - before))
            if w.bytes.count >= 1 << 20 {
                written += w.bytes.count
                sum.update(w.bytes)
                flush(&w)
            }
        }
        let indexOffset = written + w.bytes.count
        w.u32(UInt32(entries.count))
        for ((path, e), span) in zip(entries, spans) {
            w.string(path)
            w.u64(e.stamp.size)
            w.u64(UInt64(bitPattern: e.stamp.modified))
            w.u64(UInt64(bitPattern: e.stamp.changed))
            w.u64(e.stamp.inode)
            w.u64(e.stamp.device)
            w.u64(UInt64(span.offset))
            w.u32(UInt32(span.length))
        }
        sum.update(w.bytes)
        w.u64(UInt64(indexOffset))
        w.u64(sum.value)
        flush(&w)
        if let reason = failed ?? file.commit() { return "cannot write the scan cache \(target): \(reason)" }
        return nil
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var c = Checksum()
        c.update(bytes)
        return c.value
    }

    /// FNV-1a over 8-byte little-endian words (then the tail), fed in pieces of any size: fast enough
    /// for tens of MiB, and it catches a corrupt cache.
    struct Checksum {
        private var h: UInt64 = 0xcbf2_9ce4_8422_2325
        private var pending: [UInt8] = []

        mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            var i = 0
            while !pending.isEmpty && i < bytes.count {
                pending.append(bytes[i])
                i += 1
                if pending.count == 8 {
                    h = (h ^ pending.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }) &* 0x0000_0100_0000_01B3
                    pending.removeAll(keepingCapacity: true)
                }
            }
            while i + 8 <= bytes.count {
                h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
                i += 8
            }
            pending.append(contentsOf: bytes[i...])
        }

        var value: UInt64 {
            var h = h
            for b in pending { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            return h
        }
    }

    /// The cache files present: (module directory, file, bytes, modules). A file whose header cannot
    /// be read (or that is not a regular file) is listed with "(unreadable)" as its module directory.
    public func info() -> [(moduleDirectory: String, file: String, bytes: UInt64, modules: Int)] {
        var out: [(moduleDirectory: String, file: String, bytes: UInt64, modules: Int)] = []
        for name in Syscalls.names(in: directory).sorted() where Self.isCacheFileName(name) {
            let path = directory + "/" + name
            guard let size = FileStamp.of(path)?.size else { continue }
            // Only the header is read (the file may be anything, of any size): it fits in 64 KiB
            // unless a path in it is absurdly long, and then the file is shown as unreadable.
            var header: (String, Int)?
            if case .success(let head) = FileBytes.read(path, limit: .max, upTo: 1 << 16) {
                var r = ByteReader(head.buffer)
                if (try? r.take(Self.magic.count).elementsEqual(Self.magic)) == true,
                    (try? r.u32()) != nil, (try? r.string()) != nil, let dir = try? r.string(), let n = try? r.u32()
                {
                    header = (dir, Int(n))
                }
            }
            out.append((header?.0 ?? "(unreadable)", path, size, header?.1 ?? 0))
        }
        return out
    }

    /// Removes every cache file, and the temporary files of runs that are gone (see `temporaries`);
    /// returns how many files it removed. A temporary file a running modsplit is writing is left alone.
    @discardableResult
    public func clear() -> Int {
        var n = 0
        for name in Syscalls.names(in: directory) where Self.isCacheFileName(name) {
            if Syscalls.remove(directory + "/" + name) { n += 1 }
        }
        return n + removeStaleTemporaries()
    }

    /// `<hash>.cache`, as `file(for:)` names them.
    static func isCacheFileName(_ name: String) -> Bool { name.hasSuffix(".cache") && !name.hasPrefix(".") }
}

/// A whole file read into memory it owns. The memory is mapped already populated: the kernel fills its
/// pages in one go instead of faulting each one in as `read` writes it (a cache is ~10 MiB). Copied
/// rather than mapped from the file, so a file truncated by someone else cannot fault the reader.
/// Sendable by hand: its memory is written once, before `read` returns it, and only read after.
final class FileBytes: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
    private let mapped: Int

    enum Failure: Error {
        /// Nothing at the path.
        case missing
        /// Not opened or not read, and why.
        case unreadable(String)
        /// Not a regular file: what it is ("a FIFO"). Never opened in a way that could block.
        case notRegular(String)
        case tooLarge(Int)
    }

    /// The file at `path` (its first `upTo` bytes at most), refused unread when it is larger than
    /// `limit` bytes or not a regular file.
    static func read(_ path: String, limit: Int, upTo: Int = .max) -> Result<FileBytes, Failure> {
        let fd: Int32
        switch Syscalls.openForReading(path) {
        case .success(let d): fd = d
        case .failure(let f) where f.isMissing: return .failure(.missing)
        case .failure(let f): return .failure(.unreadable(f.reason))
        }
        defer { Syscalls.close(fd) }
        let st: Syscalls.FileStatus
        switch Syscalls.status(of: fd) {
        case .success(let s): st = s
        case .failure(let f): return .failure(.unreadable(f.reason))
        }
        guard st.isRegular else { return .failure(.notRegular(st.typeName)) }
        let size = st.size
        guard size <= limit else { return .failure(.tooLarge(size)) }
        guard let bytes = FileBytes(fd: fd, size: min(size, upTo)) else {
            return .failure(.unreadable("out of memory"))
        }
        return .success(bytes)
    }

    private init?(fd: Int32, size: Int) {
        mapped = size
        guard let base = Syscalls.populatedMemory(size) else { return nil }
        let whole = UnsafeMutableRawBufferPointer(start: base, count: size)
        let done = (try? Syscalls.preadAll(fd, whole, offset: 0).get()) ?? 0
        buffer = UnsafeRawBufferPointer(start: base, count: done)
    }

    deinit { Syscalls.unmap(buffer.baseAddress, count: mapped) }
}
