/// A bounded reader of an RPM file's lead, signature header and main header (rpm's format_v4 and
/// format_header documents). It reads only what it needs, checks every count and offset against the
/// bytes it read, and takes from the lead nothing but its magic and signature type. libarchive then
/// reads only the payload, from `payloadOffset`, through the decompressor the header names.
///
/// librpm is not used: it brings a dozen libraries, process-global configuration and macro state, and
/// opens the user's rpm database to check signatures, all for twenty tags.
struct RPMHeader {
    /// Where the compressed payload starts.
    let payloadOffset: Int
    /// Header plus payload, as the signature declares it (RPMSIGTAG_SIZE / LONGSIZE), when it does.
    let declaredHeaderAndPayload: UInt64?
    /// The inflated payload (cpio) size the signature declares (PAYLOADSIZE / LONGARCHIVESIZE).
    let declaredPayloadSize: UInt64?
    private let tags: [UInt32: Value]

    enum Value {
        case int8([UInt8])
        case int16([UInt16])
        case int32([UInt32])
        case int64([UInt64])
        case string(String)
        case strings([String])
        case binary(Int)
    }

    // rpmtag.h
    static let name: UInt32 = 1000, version: UInt32 = 1001, release: UInt32 = 1002, epoch: UInt32 = 1003
    static let arch: UInt32 = 1022, oldFileNames: UInt32 = 1027, fileFlags: UInt32 = 1037
    static let provideName: UInt32 = 1047, requireFlags: UInt32 = 1048, requireName: UInt32 = 1049
    static let requireVersion: UInt32 = 1050, provideFlags: UInt32 = 1112, provideVersion: UInt32 = 1113
    static let dirIndexes: UInt32 = 1116, baseNames: UInt32 = 1117, dirNames: UInt32 = 1118
    static let payloadFormat: UInt32 = 1124, payloadCompressor: UInt32 = 1125
    // Signature header tags (rpmtag.h RPMSIGTAG_*).
    static let signatureSize: UInt32 = 1000, signaturePayloadSize: UInt32 = 1007
    static let signatureLongSize: UInt32 = 270, signatureLongArchiveSize: UInt32 = 271

    /// rpm's own bounds (header_internal.h): fewer than 65536 index entries, under 256 MiB of data.
    static let maxEntries = 0xFFFF
    static let maxData = 256 << 20

    /// Reads the lead and both headers through `read(offset, count)`, which returns exactly `count`
    /// bytes or fewer at the end of the file; `file` names the package in errors.
    init(file: String, fileSize: UInt64, read: (Int, Int) throws(PackageError) -> [UInt8]) throws(PackageError) {
        func bytes(_ offset: Int, _ count: Int, _ what: String) throws(PackageError) -> [UInt8] {
            let b = try read(offset, count)
            guard b.count == count else {
                throw PackageError(
                    file, "truncated RPM: the \(what) needs \(count) bytes at offset \(offset), the file has \(b.count)"
                )
            }
            return b
        }
        let lead = try bytes(0, 96, "lead")
        guard lead.starts(with: [0xED, 0xAB, 0xEE, 0xDB]) else {
            throw PackageError(file, "not an RPM package (no lead magic)")
        }
        guard lead[4] == 3 || lead[4] == 4 else {
            throw PackageError(file, "RPM lead of format \(lead[4]), not 3 or 4")
        }
        guard be16(lead, 78) == 5 else {
            throw PackageError(
                file, "RPM signature type \(be16(lead, 78)), not 5 (a header): a format rpm stopped writing in 1997")
        }
        let (signature, signatureEnd) = try Self.parse(at: 96, file: file, what: "signature header", bytes: bytes)
        // The main header starts at the next multiple of 8.
        let mainStart = (signatureEnd + 7) & ~7
        let (main, mainEnd) = try Self.parse(at: mainStart, file: file, what: "header", bytes: bytes)
        payloadOffset = mainEnd
        tags = main
        func number(_ tag: UInt32) -> UInt64? {
            switch signature[tag] {
            case .int32(let v)?: v.first.map(UInt64.init)
            case .int64(let v)?: v.first
            default: nil
            }
        }
        declaredHeaderAndPayload = number(Self.signatureLongSize) ?? number(Self.signatureSize)
        declaredPayloadSize = number(Self.signatureLongArchiveSize) ?? number(Self.signaturePayloadSize)
        if let declared = declaredHeaderAndPayload {
            let actual = fileSize >= UInt64(mainStart) ? fileSize - UInt64(mainStart) : 0
            guard declared == actual else {
                throw PackageError(
                    file,
                    "the RPM signature says header and payload are \(declared) bytes, the file has \(actual) "
                        + "(truncated or altered)"
                )
            }
        }
    }

    /// One header structure at `start`: its tags and where it ends.
    private static func parse(
        at start: Int, file: String, what: String,
        bytes: (Int, Int, String) throws(PackageError) -> [UInt8]
    ) throws(PackageError)
        -> ([UInt32: Value], Int)
    {
        let intro = try bytes(start, 16, what)
        guard intro.starts(with: [0x8E, 0xAD, 0xE8, 0x01]) else { throw PackageError(file, "RPM \(what): bad magic") }
        let il = Int(be32(intro, 8)), dl = Int(be32(intro, 12))
        guard il >= 1, il <= maxEntries else { throw PackageError(file, "RPM \(what): \(il) index entries") }
        guard dl <= maxData else {
            throw PackageError(file, "RPM \(what): \(dl) bytes of data, past rpm's limit of \(maxData)")
        }
        let index = try bytes(start + 16, il * 16, what)
        let data = try bytes(start + 16 + il * 16, dl, what)
        var tags: [UInt32: Value] = [:]
        for i in 0..<il {
            let e = i * 16
            let tag = be32(index, e), type = be32(index, e + 4), offset = Int(be32(index, e + 8))
            let count = Int(be32(index, e + 12))
            func bad(_ why: String) -> PackageError { PackageError(file, "RPM \(what), tag \(tag): \(why)") }
            guard offset <= dl else { throw bad("data offset \(offset) is past the \(dl) bytes of data") }
            guard count >= 1, count <= dl else { throw bad("\(count) values in \(dl) bytes of data") }
            func fixed(_ size: Int) throws(PackageError) {
                guard offset + size * count <= dl else {
                    throw bad("\(count) values of \(size) bytes run past the data")
                }
            }
            let value: Value
            switch type {
            case 0: continue  // NULL
            case 1, 2:  // CHAR, INT8
                try fixed(1)
                value = .int8(Array(data[offset..<(offset + count)]))
            case 3:
                try fixed(2)
                value = .int16((0..<count).map { be16(data, offset + 2 * $0) })
            case 4:
                try fixed(4)
                value = .int32((0..<count).map { be32(data, offset + 4 * $0) })
            case 5:
                try fixed(8)
                value = .int64(
                    (0..<count).map {
                        UInt64(be32(data, offset + 8 * $0)) << 32 | UInt64(be32(data, offset + 8 * $0 + 4))
                    })
            case 7:  // BIN
                try fixed(1)
                value = .binary(count)
            case 6, 8, 9:  // STRING (one), STRING_ARRAY, I18NSTRING
                guard type != 6 || count == 1 else { throw bad("a STRING with \(count) values") }
                var strings: [String] = []
                strings.reserveCapacity(count)
                var p = offset
                for _ in 0..<count {
                    guard p < dl, let nul = data[p..<dl].firstIndex(of: 0) else {
                        throw bad("a string runs past the data")
                    }
                    strings.append(String(decoding: data[p..<nul], as: UTF8.self))
                    p = nul + 1
                }
                value = type == 6 ? .string(strings[0]) : .strings(strings)
            default:
                throw bad("unknown type \(type)")
            }
            guard tags[tag] == nil else { throw bad("given twice") }
            tags[tag] = value
        }
        return (tags, start + 16 + il * 16 + dl)
    }

    func string(_ tag: UInt32) -> String? {
        switch tags[tag] {
        case .string(let s)?: s
        case .strings(let a)?: a.first  // I18NSTRING
        default: nil
        }
    }

    func strings(_ tag: UInt32) -> [String] {
        switch tags[tag] {
        case .strings(let a)?: a
        case .string(let s)?: [s]
        default: []
        }
    }

    func int32s(_ tag: UInt32) -> [UInt32] {
        if case .int32(let a)? = tags[tag] { return a }
        return []
    }

    /// One capability: NAME, FLAGS (rpmds.h RPMSENSE_*), VERSION.
    struct Capability {
        var name: String
        var flags: UInt32
        var version: String

        static let less: UInt32 = 1 << 1, greater: UInt32 = 1 << 2, equal: UInt32 = 1 << 3
        static let interpreter: UInt32 = 1 << 8, scriptlets: UInt32 = 0xF << 9  // SCRIPT_PRE … SCRIPT_POSTUN
        static let rpmlib: UInt32 = 1 << 24, config: UInt32 = 1 << 28

        /// As a package relation; nil when it carries no comparison.
        var relation: PackageRelation {
            let op: PackageRelation.Operator?
            switch (flags & Self.less != 0, flags & Self.equal != 0, flags & Self.greater != 0) {
            case (true, false, false): op = .earlier
            case (true, true, false): op = .earlierOrEqual
            case (false, true, false): op = .equal
            case (false, true, true): op = .laterOrEqual
            case (false, false, true): op = .later
            default: op = nil
            }
            return PackageRelation(
                name: name, relation: op.flatMap { version.isEmpty ? nil : $0 },
                version: op != nil && !version.isEmpty ? version : nil)
        }
    }

    /// The parallel arrays NAME/FLAGS/VERSION of one dependency kind, checked to agree in length.
    func capabilities(names: UInt32, flags: UInt32, versions: UInt32, file: String) throws(PackageError) -> [Capability]
    {
        let n = strings(names), f = int32s(flags), v = strings(versions)
        guard f.isEmpty || f.count == n.count, v.isEmpty || v.count == n.count else {
            throw PackageError(
                file,
                "RPM header: \(n.count) dependency names but \(f.count) flags and \(v.count) versions (tag \(names))")
        }
        return n.indices.map { Capability(name: n[$0], flags: f.isEmpty ? 0 : f[$0], version: v.isEmpty ? "" : v[$0]) }
    }

    /// The file list: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or the old OLDFILENAMES.
    func fileNames(file: String) throws(PackageError) -> [String] {
        let base = strings(Self.baseNames)
        if base.isEmpty { return strings(Self.oldFileNames) }
        let dirs = strings(Self.dirNames), indexes = int32s(Self.dirIndexes)
        guard indexes.count == base.count else {
            throw PackageError(file, "RPM header: \(indexes.count) directory indexes for \(base.count) file names")
        }
        var out: [String] = []
        out.reserveCapacity(base.count)
        for i in base.indices {
            guard Int(indexes[i]) < dirs.count else {
                throw PackageError(file, "RPM header: directory index \(indexes[i]) of \(dirs.count) directories")
            }
            out.append(dirs[Int(indexes[i])] + base[i])
        }
        return out
    }

    /// Per file: whether it is a %ghost (listed, not in the payload); parallel to `fileNames`.
    func ghosts(count: Int) -> [Bool] {
        let flags = int32s(Self.fileFlags)
        guard flags.count == count else { return Array(repeating: false, count: count) }
        return flags.map { $0 & (1 << 6) != 0 }
    }
}

private func be16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) << 8 | UInt16(b[o + 1]) }
private func be32(_ b: [UInt8], _ o: Int) -> UInt32 {
    UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
}
