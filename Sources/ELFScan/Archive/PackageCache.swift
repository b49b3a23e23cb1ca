internal import Foundation

/// What reading a package found, kept in the scan cache so that an unchanged package file is not
/// decompressed again (reading the 52 udebs of a Debian kernel is 1.7 s of xz; their cache, 0.1 s).
///
/// Each package file has a cache file of its own in the `ScanCache` directory, under the key
/// `package:<absolute path>`: one entry per module (path, facts), stamped with the package file's
/// stamp, and one entry at a path no module can have holding the rest of the package as JSON in a
/// single `.modinfo`-like string. A package read under other limits, or one that could not be read
/// to its end, is read again (and the latter never stored).
struct PackageCache {
    let cache: ScanCache

    /// No module path starts with a control character.
    static let metadataPath = "\u{1}package"

    /// The package as a cache entry's JSON: everything but the modules' facts, and the limits it was read under.
    private struct Metadata: Codable {
        var maxPayloadBytes: UInt64
        var maxUncompressedBytes: UInt64
        var maxCompressedInputBytes: UInt64?
        var maxEntries: Int
        var modulePaths: [String]
        var package: BuiltPackage
    }

    static func key(_ file: String) -> String {
        "package:" + URL(fileURLWithPath: file).standardizedFileURL.path
    }

    /// The package from the cache when its file is unchanged and it was read under `limits`; else read
    /// and stored. The note says when a cache file had to be ignored or could not be written.
    func read(_ file: String, limits: PackageLimits) -> (package: BuiltPackage, note: String?) {
        let key = Self.key(file)
        guard let stamp = FileStamp.of(file) else { return (PackageReader.read(file, limits: limits), nil) }
        let (snapshot, openNote) = cache.open(moduleDirectory: key)
        if let snapshot, let cached = Self.decode(snapshot, stamp: stamp, limits: limits) {
            var package = cached
            package.file = file
            return (package, nil)
        }
        let package = PackageReader.read(file, limits: limits)
        guard package.failure == nil, FileStamp.of(file) == stamp else { return (package, openNote) }
        var meta = Metadata(
            maxPayloadBytes: limits.maxPayloadBytes, maxUncompressedBytes: limits.modules.maxUncompressedBytes,
            maxCompressedInputBytes: limits.modules.maxCompressedInputBytes, maxEntries: limits.maxEntries,
            modulePaths: package.modules.map(\.path), package: package)
        meta.package.modules = []
        guard let json = try? JSONEncoder().encode(meta) else { return (package, openNote) }
        let carrier = ModuleFacts(
            name: "", path: Self.metadataPath, fileSize: 0, uncompressedSize: 0, compression: .none,
            identity: ELFIdentity(bits: 0, bigEndian: false, machine: 0), exports: [], imports: [],
            modinfo: [ModinfoEntry(key: "package", value: String(decoding: json, as: UTF8.self))])
        // Entries are found by path: a payload that names one path twice is not cached.
        guard Set(meta.modulePaths).count == meta.modulePaths.count else { return (package, openNote) }
        var entries = [(path: Self.metadataPath, entry: ScanCache.Entry(stamp: stamp, facts: carrier))]
        for m in package.modules { entries.append((path: m.path, entry: ScanCache.Entry(stamp: stamp, facts: m))) }
        let storeNote = cache.store(moduleDirectory: key, entries: entries)
        return (package, openNote ?? storeNote)
    }

    private static func decode(_ snapshot: ScanCache.Snapshot, stamp: FileStamp, limits: PackageLimits) -> BuiltPackage?
    {
        guard let carrier = snapshot.facts(for: metadataPath, stamp: stamp), let json = carrier.modinfo.first?.value,
            let meta = try? JSONDecoder().decode(Metadata.self, from: Data(json.utf8)),
            meta.maxPayloadBytes == limits.maxPayloadBytes,
            meta.maxUncompressedBytes == limits.modules.maxUncompressedBytes,
            meta.maxCompressedInputBytes == limits.modules.maxCompressedInputBytes,
            meta.maxEntries == limits.maxEntries,
            snapshot.count == meta.modulePaths.count + 1
        else { return nil }
        var package = meta.package
        package.modules.reserveCapacity(meta.modulePaths.count)
        for path in meta.modulePaths {
            guard let facts = snapshot.facts(for: path, stamp: stamp) else { return nil }
            package.modules.append(facts)
        }
        return package
    }
}
