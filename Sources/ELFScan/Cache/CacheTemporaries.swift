/// The temporary files of the scan cache's directory. Each store writes the new cache under a temporary
/// name and renames it into place (`ReplacementFile`); a run killed meanwhile leaves a file of many MiB
/// that nothing would ever remove. These are listed by `cache info`, and removed by the next store and
/// by `cache clear` once no run can still be writing them.
extension ScanCache {
    /// A temporary file of the cache directory, written by a run that is still going or that was killed.
    public struct Temporary: Sendable, Hashable {
        /// The temporary file's path.
        public var file: String
        /// Its size, counted by `cache info` and freed when it is removed.
        public var bytes: UInt64
        /// The process that writes (or wrote) it.
        public var pid: Int32
        /// Seconds since it was last written.
        public var age: Int64
        /// No run will put it in place: its writer is gone, or it has not been written for an hour.
        public var isStale: Bool
    }

    /// An hour: storing a tree's cache takes well under a second, so a temporary file left untouched
    /// that long is a killed run's even when another process has since been given its pid (or its
    /// writer ran in another pid namespace).
    static let staleAfterSeconds: Int64 = 3600

    /// The temporary files in the cache directory, by name.
    public func temporaries() -> [Temporary] {
        let now = Syscalls.now
        var out: [Temporary] = []
        for name in Syscalls.names(in: directory).sorted() {
            guard let pid = Self.temporaryWriter(name) else { continue }
            let path = directory + "/" + name
            guard let stamp = FileStamp.of(path) else { continue }
            let age = max(0, now - stamp.modified / 1_000_000_000)
            let stale = age >= Self.staleAfterSeconds || !Syscalls.processExists(pid)
            out.append(Temporary(file: path, bytes: stamp.size, pid: pid, age: age, isStale: stale))
        }
        return out
    }

    /// Removes the stale temporary files; returns how many.
    @discardableResult
    func removeStaleTemporaries() -> Int {
        temporaries().filter(\.isStale).count { Syscalls.remove($0.file) }
    }

    /// The pid in a cache temporary file's name: `.<hash>.cache.<pid>.<tag>.tmp` (`TemporaryName`), or
    /// `<hash>.cache.tmp.<pid>.<tag>` as modsplit named them before; nil for any other name.
    static func temporaryWriter(_ name: String) -> Int32? {
        if let t = TemporaryName(fileName: name) { return isCacheFileName(t.base) ? t.pid : nil }
        guard let marker = name.range(of: ".cache.tmp.") else { return nil }
        let rest = name[marker.upperBound...].split(separator: ".", omittingEmptySubsequences: false)
        guard rest.count == 2, isCacheFileName(String(name[..<marker.lowerBound]) + ".cache") else { return nil }
        return Int32(rest[0])
    }
}
