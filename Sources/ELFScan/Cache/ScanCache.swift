internal import Foundation
internal import Glibc

/// What identifies a file's content on disk without reading it. The inode change time moves on every
/// write, even when the writer restores the old modification time, so a rewritten file never matches.
public struct FileStamp: Sendable, Hashable {
    public var size: UInt64
    public var modified: Int64
    public var changed: Int64
    public var inode: UInt64
    public var device: UInt64

    public init(size: UInt64, modified: Int64, changed: Int64, inode: UInt64, device: UInt64) {
        self.size = size
        self.modified = modified
        self.changed = changed
        self.inode = inode
        self.device = device
    }

    /// The stamp of the file `path` points to (following links); nil when it cannot be stat'ed.
    public static func of(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStamp(st)
    }

    init(_ st: stat) {
        size = UInt64(st.st_size)
        modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        changed = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
        inode = UInt64(st.st_ino)
        device = UInt64(st.st_dev)
    }
}

/// The persistent cache of per-module facts, one file per module directory, in
/// `$XDG_CACHE_HOME/modsplit/` (else `~/.cache/modsplit/`). Keyed by each file's path and `FileStamp`,
/// and invalidated as a whole by another modsplit version or cache format. Written atomically (a
/// temporary file renamed into place), so concurrent runs never see half a cache; a corrupt or
/// truncated cache is ignored (and rebuilt) with a note.
public struct ScanCache: Sendable {
    /// Bumped whenever the encoding or what the reader extracts changes.
    public static let formatVersion: UInt32 = 2
    static let magic = Array("MODSPLIT-CACHE\n\0".utf8)

    public let directory: String
    /// The modsplit version that writes and accepts entries.
    public let toolVersion: String

    public init(directory: String? = nil, toolVersion: String) {
        self.directory = directory ?? Self.defaultDirectory()
        self.toolVersion = toolVersion
    }

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

    public struct Entry: Sendable {
        public var stamp: FileStamp
        public var facts: ModuleFacts
    }

    /// The cached entries for `moduleDirectory` by path, and a note when the cache had to be ignored.
    public func load(moduleDirectory: String) -> (entries: [String: Entry], note: String?) {
        let path = file(for: moduleDirectory)
        guard let data = FileManager.default.contents(atPath: path) else { return ([:], nil) }
        do {
            return (try decode(data, moduleDirectory: moduleDirectory), nil)
        } catch let stale as StaleCache {
            return ([:], stale.reason)
        } catch {
            return ([:], "the scan cache \(path) is corrupt or truncated; it is rebuilt")
        }
    }

    struct StaleCache: Error { var reason: String? }

    func decode(_ data: Data, moduleDirectory: String) throws -> [String: Entry] {
        try data.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            guard try r.take(Self.magic.count).elementsEqual(Self.magic) else { throw CacheCorrupt() }
            // A cache from another format or modsplit version is silently replaced: that is its job.
            guard try r.u32() == Self.formatVersion, try r.string() == toolVersion else { throw StaleCache() }
            guard try r.string() == moduleDirectory else { throw StaleCache() }
            let bodyStart = r.offset
            let count = try r.count(minimumSize: 48)
            var entries: [String: Entry] = [:]
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let path = try r.string()
                let stamp = FileStamp(size: try r.u64(), modified: Int64(bitPattern: try r.u64()),
                                      changed: Int64(bitPattern: try r.u64()), inode: try r.u64(), device: try r.u64())
                entries[path] = Entry(stamp: stamp, facts: try FactsCodec.decode(&r))
            }
            let bodyEnd = r.offset
            let checksum = try r.u64()
            guard r.atEnd, checksum == Self.checksum(UnsafeRawBufferPointer(rebasing: raw[bodyStart..<bodyEnd])) else {
                throw CacheCorrupt()
            }
            return entries
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
        // Unique per process and call: concurrent runs each rename a complete file into place.
        let temporary = target + ".tmp.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "cannot write the scan cache \(target): \(String(cString: strerror(errno)))" }
        var failed: String?
        func flush(_ w: inout ByteWriter) {
            var done = 0
            while done < w.bytes.count && failed == nil {
                let n = w.bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failed = String(cString: strerror(errno)) } else { done += n }
            }
            w.bytes.removeAll(keepingCapacity: true)
        }
        var w = ByteWriter()
        w.bytes.reserveCapacity(1 << 20)
        w.bytes.append(contentsOf: Self.magic)
        w.u32(Self.formatVersion)
        w.string(toolVersion)
        w.string(moduleDirectory)
        flush(&w)
        var sum = Checksum()
        w.u32(UInt32(entries.count))
        for (path, e) in entries {
            w.string(path)
            w.u64(e.stamp.size)
            w.u64(UInt64(bitPattern: e.stamp.modified))
            w.u64(UInt64(bitPattern: e.stamp.changed))
            w.u64(e.stamp.inode)
            w.u64(e.stamp.device)
            FactsCodec.encode(e.facts, into: &w)
            if w.bytes.count >= 1 << 20 {
                sum.update(w.bytes)
                flush(&w)
            }
        }
        sum.update(w.bytes)
        w.u64(sum.value)
        flush(&w)
        close(fd)
        if let failed {
            unlink(temporary)
            return "cannot write the scan cache \(target): \(failed)"
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return "cannot write the scan cache \(target): \(reason)"
        }
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

    /// The cache files present: (module directory, file, bytes, modules).
    public func info() -> [(moduleDirectory: String, file: String, bytes: UInt64, modules: Int)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var out: [(moduleDirectory: String, file: String, bytes: UInt64, modules: Int)] = []
        for name in names.sorted() where name.hasSuffix(".cache") {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let header: (String, Int)? = data.withUnsafeBytes { raw in
                var r = ByteReader(raw)
                guard (try? r.take(Self.magic.count).elementsEqual(Self.magic)) == true,
                      (try? r.u32()) != nil, (try? r.string()) != nil, let dir = try? r.string(), let n = try? r.u32()
                else { return nil }
                return (dir, Int(n))
            }
            out.append((header?.0 ?? "(unreadable)", path, UInt64(data.count), header?.1 ?? 0))
        }
        return out
    }

    /// Removes every cache file; returns how many.
    @discardableResult
    public func clear() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var n = 0
        for name in names where name.hasSuffix(".cache") || name.contains(".cache.tmp.") {
            if (try? FileManager.default.removeItem(atPath: directory + "/" + name)) != nil { n += 1 }
        }
        return n
    }
}
