internal import Glibc

/// Turns one module file into `ModuleFacts`: exports from `__ksymtab*` through their relocations,
/// imports from `.symtab`, CRCs from `__kcrctab*`/`__versions`, and every `.modinfo` string.
public enum ModuleReader {
    /// Reads the module at `absolutePath`; `path` (relative to the module directory) names it in facts and errors.
    public static func read(absolutePath: String, path: String, limits: ScanLimits = .default)
        throws(ELFScanError) -> ModuleFacts
    {
        let image = try ElfImage(absolutePath: absolutePath, path: path, limits: limits)
        return try ModuleParse(image: image).facts()
    }
}

/// The parse of one image; internal state for `ModuleReader`.
private struct ModuleParse {
    let image: ElfImage
    var path: String { image.path }

    private func malformed(_ reason: String) -> ELFScanError { ELFScanError(.malformed, path: path, reason) }

    func facts() throws(ELFScanError) -> ModuleFacts {
        let header = try image.header()
        guard header.type == 1 else {  // ET_REL
            throw ELFScanError(.unsupported, path: path,
                               "ELF type \(header.type) is not a relocatable object (ET_REL), so not a kernel module")
        }
        let sections = try image.sections()
        // A handful of look-ups among ~50 sections: a linear search beats hashing every name.
        func section(_ name: String) -> ElfImage.Section? { sections.first { $0.name == name } }
        let endian = ByteOrder(bigEndian: header.bigEndian)

        // .symtab and its string table.
        let symtabSection = sections.first { $0.type == 2 }  // SHT_SYMTAB
        var symbols: [ElfImage.Symbol] = []
        var strtab = UnsafeRawBufferPointer(start: nil, count: 0)
        if let symtabSection {
            guard Int(symtabSection.link) < sections.count, symtabSection.link != 0 else {
                throw malformed(".symtab sh_link \(symtabSection.link) is not a section")
            }
            let xindex = sections.first { $0.type == 18 && Int($0.link) == symtabSection.index }  // SHT_SYMTAB_SHNDX
            symbols = try image.symbols(of: symtabSection, extendedIndex: xindex)
            strtab = try image.bytes(of: sections[Int(symtabSection.link)])
        }
        let names = StringTable(bytes: strtab)

        // Labels the ksymtab macros leave: __ksymtab_<sym> marks each entry, __crc_<sym> each CRC.
        var entryOffsets: [Int: [UInt64]] = [:]
        var crcSymbols: [(name: String, symbol: ElfImage.Symbol)] = []
        var imports: [ImportedSymbol] = []
        for (i, s) in symbols.enumerated() where i != 0 {
            if s.sectionIndex == 0 {
                // Undefined: an import when global or weak and named.
                guard s.bind == 1 || s.bind == 2 else { continue }
                guard let name = names.string(at: s.nameOffset), !name.isEmpty else { continue }
                imports.append(ImportedSymbol(name: name, weak: s.bind == 2))
                continue
            }
            if names.hasPrefix(ksymtabPrefix, at: s.nameOffset) {
                entryOffsets[Int(s.sectionIndex), default: []].append(s.value)
            } else if names.hasPrefix(crcPrefix, at: s.nameOffset), let full = names.string(at: s.nameOffset) {
                crcSymbols.append((String(full.dropFirst(crcPrefix.count)), s))
            }
        }

        // Exports.
        var exports: [ExportedSymbol] = []
        let strings = section("__ksymtab_strings")
        for (sectionName, gpl) in [("__ksymtab", false), ("__ksymtab_gpl", true)] {
            guard let table = section(sectionName), table.size > 0 else { continue }
            guard let strings else { throw malformed("\(sectionName) present but __ksymtab_strings missing") }
            let decoded = try decodeKsymtab(table: table, strings: strings, gpl: gpl, sections: sections,
                                            symbols: symbols, labels: entryOffsets[table.index] ?? [],
                                            header: header, endian: endian)
            exports.append(contentsOf: decoded)
        }

        // CRCs of exports: __crc_<sym> is absolute (old kernels) or points into __kcrctab*.
        if !crcSymbols.isEmpty {
            var crcs: [String: UInt32] = [:]
            for (name, s) in crcSymbols {
                if s.sectionIndex == 0xFFF1 {  // SHN_ABS
                    crcs[name] = UInt32(truncatingIfNeeded: s.value)
                } else if Int(s.sectionIndex) < sections.count {
                    let section = sections[Int(s.sectionIndex)]
                    guard section.name.hasPrefix("__kcrctab") else { continue }
                    let crc = try image.withBytes(of: section) { bytes throws(ELFScanError) -> UInt32 in
                        guard let v = endian.u32(bytes, at: s.value) else {
                            throw malformed("__crc_\(name) at \(s.value) is outside \(section.name)")
                        }
                        return v
                    }
                    crcs[name] = crc
                }
            }
            for i in exports.indices { exports[i].crc = crcs[exports[i].name] }
        }

        // __versions: { unsigned long crc; char name[64 - sizeof(long)]; } records.
        var versions: [VersionEntry] = []
        if let section = section("__versions"), section.size > 0 {
            let word = header.bits / 8
            versions = try image.withBytes(of: section) { bytes throws(ELFScanError) -> [VersionEntry] in
                guard bytes.count % 64 == 0 else {
                    throw malformed("__versions size \(bytes.count) is not a multiple of 64")
                }
                var out: [VersionEntry] = []
                out.reserveCapacity(bytes.count / 64)
                var o = 0
                while o < bytes.count {
                    let crc = word == 8 ? UInt32(truncatingIfNeeded: endian.u64(bytes, at: UInt64(o))!)
                        : endian.u32(bytes, at: UInt64(o))!
                    let field = UnsafeRawBufferPointer(rebasing: bytes[(o + word)..<(o + 64)])
                    guard let nul = field.firstIndex(of: 0) else {
                        throw malformed("__versions record at \(o) has no terminating NUL")
                    }
                    out.append(VersionEntry(name: String(decoding: field[..<nul], as: UTF8.self), crc: crc))
                    o += 64
                }
                return out
            }
        }
        // 6.14+ extended modversions: parallel arrays of CRCs and NUL-separated names.
        if let crcSection = section("__version_ext_crcs"), let nameSection = section("__version_ext_names") {
            let extNames = try image.withBytes(of: nameSection) { bytes in
                bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            }
            try image.withBytes(of: crcSection) { bytes throws(ELFScanError) in
                let count = bytes.count / 4
                guard extNames.count >= count else {
                    throw malformed("__version_ext_crcs has \(count) entries but __version_ext_names \(extNames.count)")
                }
                for i in 0..<count {
                    versions.append(VersionEntry(name: extNames[i], crc: endian.u32(bytes, at: UInt64(i * 4))!))
                }
            }
        }
        if !versions.isEmpty {
            var slot: [String: Int] = [:]
            slot.reserveCapacity(versions.count)
            for (k, v) in versions.enumerated() where slot[v.name] == nil { slot[v.name] = k }
            var matched = [Bool](repeating: false, count: versions.count)
            for i in imports.indices {
                if let k = slot[imports[i].name] {
                    imports[i].crc = versions[k].crc
                    matched[k] = true
                }
            }
            versions = versions.indices.filter { !matched[$0] && slot[versions[$0].name] == $0 }.map { versions[$0] }
        }

        // .modinfo: NUL-separated key=value strings, padding NULs skipped.
        var modinfo: [ModinfoEntry] = []
        if let section = section(".modinfo") {
            modinfo = try image.withBytes(of: section) { bytes in
                var out: [ModinfoEntry] = []
                for piece in bytes.split(separator: 0) {
                    let text = String(decoding: piece, as: UTF8.self)
                    if let eq = text.firstIndex(of: "=") {
                        out.append(ModinfoEntry(key: String(text[..<eq]), value: String(text[text.index(after: eq)...])))
                    } else {
                        out.append(ModinfoEntry(key: text, value: ""))
                    }
                }
                return out
            }
        }
        let name = modinfo.first { $0.key == "name" }.map { normalizedModuleName($0.value) }
            ?? moduleName(fromFileName: path)

        return ModuleFacts(
            name: name, path: path, fileSize: image.fileSize, uncompressedSize: image.imageSize,
            compression: image.compression,
            identity: ELFIdentity(bits: header.bits, bigEndian: header.bigEndian, machine: header.machine),
            exports: exports, imports: imports, extraVersions: versions, modinfo: modinfo)
    }

    /// Decodes one `__ksymtab[_gpl]` table: `{value, name, namespace}` entries as 32-bit place-relative
    /// offsets or as absolute pointers (2 fields on kernels before namespaces), filled by relocations.
    private func decodeKsymtab(table: ElfImage.Section, strings: ElfImage.Section, gpl: Bool,
                               sections: [ElfImage.Section], symbols: [ElfImage.Symbol], labels: [UInt64],
                               header: ElfImage.Header, endian: ByteOrder) throws(ELFScanError) -> [ExportedSymbol]
    {
        let size = Int(table.size)
        // The entry size: the table divided among its __ksymtab_ labels, else the layout the arch uses.
        var entrySize: Int
        if !labels.isEmpty, size % labels.count == 0 {
            entrySize = size / labels.count
        } else if header.bits == 64 && header.machine == 22 {  // s390x: absolute pointers
            entrySize = 24
        } else {
            entrySize = 12
        }
        let field: Int
        let fields: Int
        switch entrySize {
        case 8: (field, fields) = (4, 2)
        case 12: (field, fields) = (4, 3)
        case 16: (field, fields) = (8, 2)
        case 24: (field, fields) = (8, 3)
        default:
            throw malformed("\(table.name): entry size \(entrySize) (\(size) bytes, \(labels.count) labels) fits no ksymtab layout")
        }
        guard size % entrySize == 0 else {
            throw malformed("\(table.name): size \(size) is not a multiple of its entry size \(entrySize)")
        }

        // Relocations that apply to this table, by field slot (offset / field size).
        var relocs: [ElfImage.Relocation] = []
        var slotToReloc = [Int32](repeating: -1, count: size / field + 1)
        var needsImplicitAddends = false
        for s in sections where (s.type == 4 || s.type == 9) && Int(s.info) == table.index {  // SHT_RELA, SHT_REL
            for r in try image.relocations(of: s) {
                guard r.offset < UInt64(size), r.offset % UInt64(field) == 0 else { continue }
                slotToReloc[Int(r.offset) / field] = Int32(relocs.count)
                relocs.append(r)
                if r.addend == nil { needsImplicitAddends = true }
            }
        }
        let stringBytes = try image.bytes(of: strings)
        let tableBytes: [UInt8] = needsImplicitAddends ? try image.withBytes(of: table) { Array($0) } : []

        func stringAt(_ offset: UInt64) throws(ELFScanError) -> String? {
            let slot = slotToReloc[Int(offset) / field]
            guard slot >= 0 else { return nil }
            let r = relocs[Int(slot)]
            guard Int(r.symbol) < symbols.count else {
                throw malformed("\(table.name): relocation at \(offset) names symbol \(r.symbol) of \(symbols.count)")
            }
            let sym = symbols[Int(r.symbol)]
            guard Int(sym.sectionIndex) == strings.index else {
                throw malformed("\(table.name): relocation at \(offset) does not point into __ksymtab_strings")
            }
            var addend: Int64
            if let a = r.addend {
                addend = a
            } else {
                let implicit = tableBytes.withUnsafeBytes { bytes in
                    field == 8 ? endian.u64(bytes, at: offset).map { Int64(bitPattern: $0) }
                        : endian.u32(bytes, at: offset).map { Int64(Int32(bitPattern: $0)) }
                }
                guard let implicit else { throw malformed("\(table.name): relocation at \(offset) is outside the table") }
                addend = implicit
            }
            let target = Int64(bitPattern: sym.value) &+ addend
            guard target >= 0, target < Int64(stringBytes.count) else {
                throw malformed("\(table.name): relocation at \(offset) points outside __ksymtab_strings")
            }
            guard let string = StringTable(bytes: stringBytes).string(at: Int(target)) else {
                throw malformed("__ksymtab_strings: string at \(target) has no terminating NUL")
            }
            return string
        }

        var out: [ExportedSymbol] = []
        out.reserveCapacity(size / entrySize)
        var o = 0
        while o < size {
            guard let name = try stringAt(UInt64(o + field)) else {
                throw malformed("\(table.name): entry at \(o) has no name relocation")
            }
            var namespace: String?
            if fields == 3, let ns = try stringAt(UInt64(o + 2 * field)), !ns.isEmpty { namespace = ns }
            out.append(ExportedSymbol(name: name, gplOnly: gpl, namespace: namespace))
            o += entrySize
        }
        return out
    }
}

private let ksymtabPrefix = Array("__ksymtab_".utf8)
private let crcPrefix = Array("__crc_".utf8)

/// A string table's bytes (lent by the image that owns them) with bounds-checked reads.
struct StringTable {
    let bytes: UnsafeRawBufferPointer

    func string(at offset: some BinaryInteger) -> String? {
        guard offset >= 0, offset < bytes.count, let base = bytes.baseAddress else { return nil }
        let start = Int(offset)
        guard let nul = memchr(base + start, 0, bytes.count - start) else { return nil }
        let length = base.distance(to: UnsafeRawPointer(nul)) - start
        return String(decoding: UnsafeRawBufferPointer(start: base + start, count: length), as: UTF8.self)
    }

    func hasPrefix(_ prefix: [UInt8], at offset: UInt32) -> Bool {
        let start = Int(offset)
        guard start + prefix.count <= bytes.count else { return false }
        for i in 0..<prefix.count where bytes[start + i] != prefix[i] { return false }
        return true
    }
}

/// Reads integers of the module's byte order from untrusted bytes; nil when out of range.
struct ByteOrder {
    let bigEndian: Bool

    func u32(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) -> UInt32? {
        guard offset <= UInt64(bytes.count), UInt64(bytes.count) - offset >= 4 else { return nil }
        let v = bytes.loadUnaligned(fromByteOffset: Int(offset), as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    func u64(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) -> UInt64? {
        guard offset <= UInt64(bytes.count), UInt64(bytes.count) - offset >= 8 else { return nil }
        let v = bytes.loadUnaligned(fromByteOffset: Int(offset), as: UInt64.self)
        return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
    }
}
