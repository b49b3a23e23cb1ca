/// A compact binary form of `ModuleFacts` for the scan cache: length-prefixed strings and integers,
/// little-endian. Decoding checks every length against the bytes left, so a corrupt or truncated cache
/// is rejected, never trusted.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
    mutating func optionalString(_ s: String?) {
        if let s { u8(1); string(s) } else { u8(0) }
    }
    mutating func optionalU32(_ v: UInt32?) {
        if let v { u8(1); u32(v) } else { u8(0) }
    }
}

struct CacheCorrupt: Error {}

struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { offset == bytes.count }

    mutating func take(_ n: Int) throws(CacheCorrupt) -> UnsafeRawBufferPointer {
        guard n >= 0, bytes.count - offset >= n else { throw CacheCorrupt() }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    }
    mutating func u8() throws(CacheCorrupt) -> UInt8 { try take(1)[0] }
    mutating func u32() throws(CacheCorrupt) -> UInt32 {
        UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self))
    }
    mutating func u64() throws(CacheCorrupt) -> UInt64 {
        UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self))
    }
    mutating func string() throws(CacheCorrupt) -> String {
        let n = Int(try u32())
        return String(decoding: try take(n), as: UTF8.self)
    }
    mutating func optionalString() throws(CacheCorrupt) -> String? { try u8() == 0 ? nil : try string() }
    mutating func optionalU32() throws(CacheCorrupt) -> UInt32? { try u8() == 0 ? nil : try u32() }
    /// A count that must fit in what is left (each element takes at least `minimumSize` bytes).
    mutating func count(minimumSize: Int = 1) throws(CacheCorrupt) -> Int {
        let n = Int(try u32())
        guard n * minimumSize <= bytes.count - offset else { throw CacheCorrupt() }
        return n
    }
}

enum FactsCodec {
    static func encode(_ m: ModuleFacts, into w: inout ByteWriter) {
        w.string(m.name)
        w.string(m.path)
        w.u64(m.fileSize)
        w.u64(m.uncompressedSize)
        w.u8(UInt8(Compression.allCases.firstIndex(of: m.compression)!))
        w.u8(UInt8(m.identity.bits))
        w.u8(m.identity.bigEndian ? 1 : 0)
        w.u32(UInt32(m.identity.machine))
        w.u32(UInt32(m.exports.count))
        for e in m.exports {
            w.string(e.name)
            w.u8(e.gplOnly ? 1 : 0)
            w.optionalString(e.namespace)
            w.optionalU32(e.crc)
        }
        w.u32(UInt32(m.imports.count))
        for i in m.imports {
            w.string(i.name)
            w.u8(i.weak ? 1 : 0)
            w.optionalU32(i.crc)
        }
        w.u32(UInt32(m.extraVersions.count))
        for v in m.extraVersions {
            w.string(v.name)
            w.u32(v.crc)
        }
        w.u32(UInt32(m.modinfo.count))
        for e in m.modinfo {
            w.string(e.key)
            w.string(e.value)
        }
    }

    static func decode(_ r: inout ByteReader) throws(CacheCorrupt) -> ModuleFacts {
        let name = try r.string()
        let path = try r.string()
        let fileSize = try r.u64()
        let uncompressedSize = try r.u64()
        let c = Int(try r.u8())
        guard c < Compression.allCases.count else { throw CacheCorrupt() }
        let bits = Int(try r.u8())
        let bigEndian = try r.u8() != 0
        let machine = UInt16(truncatingIfNeeded: try r.u32())
        var exports: [ExportedSymbol] = []
        let ne = try r.count(minimumSize: 7)
        exports.reserveCapacity(ne)
        for _ in 0..<ne {
            exports.append(
                ExportedSymbol(
                    name: try r.string(), gplOnly: try r.u8() != 0, namespace: try r.optionalString(),
                    crc: try r.optionalU32()))
        }
        var imports: [ImportedSymbol] = []
        let ni = try r.count(minimumSize: 6)
        imports.reserveCapacity(ni)
        for _ in 0..<ni {
            imports.append(ImportedSymbol(name: try r.string(), weak: try r.u8() != 0, crc: try r.optionalU32()))
        }
        var extra: [VersionEntry] = []
        for _ in 0..<(try r.count(minimumSize: 8)) {
            extra.append(VersionEntry(name: try r.string(), crc: try r.u32()))
        }
        var modinfo: [ModinfoEntry] = []
        let nm = try r.count(minimumSize: 8)
        modinfo.reserveCapacity(nm)
        for _ in 0..<nm { modinfo.append(ModinfoEntry(key: try r.string(), value: try r.string())) }
        return ModuleFacts(
            name: name, path: path, fileSize: fileSize, uncompressedSize: uncompressedSize,
            compression: Compression.allCases[c],
            identity: ELFIdentity(bits: bits, bigEndian: bigEndian, machine: machine),
            exports: exports, imports: imports, extraVersions: extra, modinfo: modinfo)
    }
}
