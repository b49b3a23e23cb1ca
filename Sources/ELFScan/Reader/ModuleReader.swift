internal import Glibc

/// Turns one module file into `ModuleFacts`: exports from `__ksymtab*` through their relocations,
/// imports from `.symtab`, CRCs from `__kcrctab*`/`__versions`, and every `.modinfo` string.
public enum ModuleReader {
    /// Reads the module at `absolutePath`; `path` (relative to the module directory) names it in facts and errors.
    public static func read(absolutePath: String, path: String, limits: ScanLimits = .default)
        throws(ELFScanError) -> ModuleFacts
    {
        let image = try ElfImage(opening: absolutePath, relativeTo: AT_FDCWD, path: path, limits: limits)
        return try ModuleParse(image: image).facts()
    }

    /// Reads a module file held in memory (a package's entry); `path` names it in facts and errors.
    public static func read(bytes: UnsafeRawBufferPointer, path: String, limits: ScanLimits = .default)
        throws(ELFScanError) -> ModuleFacts
    {
        // libelf may convert an image in place (elf_memory reads it as a private mapping): it gets a copy.
        guard let copy = malloc(max(bytes.count, 1)) else {
            throw ELFScanError(.io, path: path, "cannot allocate \(bytes.count) bytes")
        }
        if let base = bytes.baseAddress { copy.copyMemory(from: base, byteCount: bytes.count) }
        return try read(
            owning: UnsafeMutableRawBufferPointer(start: copy, count: bytes.count), path: path, limits: limits)
    }

    /// Reads a module file held in a `malloc`ed buffer, which the reader takes over (and frees).
    static func read(owning bytes: UnsafeMutableRawBufferPointer, path: String, limits: ScanLimits)
        throws(ELFScanError) -> ModuleFacts
    {
        let image = try ElfImage(owning: bytes, path: path, limits: limits)
        return try ModuleParse(image: image).facts()
    }

    /// Reads the module at `relativePath` inside the open directory `directory`; errors name `relativePath`.
    static func read(relativePath: String, in directory: Int32, limits: ScanLimits) throws(ELFScanError) -> ModuleFacts
    {
        let image = try ElfImage(opening: relativePath, relativeTo: directory, path: relativePath, limits: limits)
        return try ModuleParse(image: image).facts()
    }
}

/// The parse of one image; internal state for `ModuleReader`.
private struct ModuleParse {
    let image: ElfImage
    var path: String { image.path }

    private func malformed(_ reason: String) -> ELFScanError { ELFScanError(.malformed, path: path, reason) }

    /// An imported or exported symbol's name as a String. Kernel symbols are C identifiers; a name that
    /// is not even UTF-8 would have to be repaired (U+FFFD), and two different repaired names would then
    /// resolve to each other, so the module is refused instead.
    private func symbolName(_ bytes: UnsafeRawBufferPointer) throws(ELFScanError) -> String {
        guard let name = validUTF8String(bytes) else {
            let hex = bytes.prefix(32).map { String($0, radix: 16) }.joined(separator: " ")
            throw malformed("symbol name is not UTF-8 (bytes \(hex))")
        }
        return name
    }

    /// The links between sections the reader follows, checked before any is followed: `sh_link` of
    /// `.symtab`, of `.symtab_shndx` and of relocation sections, and `sh_info` of relocation sections,
    /// must name a section; symbol and relocation tables must have the entry size of their class and
    /// hold whole entries (the loader reads them by `sizeof(Elf_Sym)`/`sizeof(Elf_Rela)`).
    private func checkLinks(_ sections: [ElfImage.Section], header: ElfImage.Header) throws(ELFScanError) {
        let count = sections.count
        for s in sections {
            let entry: UInt64
            switch s.type {
            case 2: entry = header.bits == 64 ? 24 : 16  // SHT_SYMTAB
            case 4: entry = header.bits == 64 ? 24 : 12  // SHT_RELA
            case 9: entry = header.bits == 64 ? 16 : 8  // SHT_REL
            case 18: entry = 4  // SHT_SYMTAB_SHNDX
            default: continue
            }
            guard s.link != 0, Int(s.link) < count else {
                throw malformed("\(s.name) sh_link \(s.link) is not a section (\(count) sections)")
            }
            if s.type == 4 || s.type == 9 {
                guard Int(s.info) < count else {
                    throw malformed("\(s.name) sh_info \(s.info) is not a section (\(count) sections)")
                }
            }
            // SHT_SYMTAB_SHNDX may leave sh_entsize 0; the others say what they hold.
            guard s.entrySize == entry || (s.type == 18 && s.entrySize == 0) else {
                throw malformed("\(s.name) has entry size \(s.entrySize), expected \(entry)")
            }
            guard s.size % entry == 0 else {
                throw malformed("\(s.name) size \(s.size) is not a multiple of its entry size \(entry)")
            }
        }
    }

    func facts() throws(ELFScanError) -> ModuleFacts {
        let header = try image.header()
        guard header.type == 1 else {  // ET_REL
            throw ELFScanError(
                .unsupported, path: path,
                "ELF type \(header.type) is not a relocatable object (ET_REL), so not a kernel module")
        }
        let sections = try image.sections()
        let known = KnownSections(sections)
        let endian = ByteOrder(bigEndian: header.bigEndian)

        try checkLinks(sections, header: header)

        // .symtab and its string table.
        var symbols = SymbolTable.empty
        var strtab = UnsafeRawBufferPointer(start: nil, count: 0)
        if let symtabSection = known.symtab {
            let linked = sections[Int(symtabSection.link)]  // in range and not 0: checkLinks
            guard linked.type == 3 else {  // SHT_STRTAB
                throw malformed(".symtab sh_link \(symtabSection.link) names \(linked.name), not a string table")
            }
            let xindex = sections.first { $0.type == 18 && Int($0.link) == symtabSection.index }  // SHT_SYMTAB_SHNDX
            symbols = try image.symbols(of: symtabSection, extendedIndex: xindex, header: header)
            strtab = try image.bytes(of: linked)
            // A symbol name runs to a NUL; one that ran off the end would be cut by whatever lies there.
            guard strtab.isEmpty || strtab[strtab.count - 1] == 0 else {
                throw malformed("\(linked.name) does not end with a NUL")
            }
        }
        let names = StringTable(bytes: strtab)

        // One pass over the symbols. Imports are kept as byte ranges of .strtab until their CRCs are
        // matched, so each name becomes a String exactly once. The ksymtab macros leave labels:
        // __ksymtab_<sym> marks each table entry (only their number per table matters), __crc_<sym> each CRC.
        var importRefs: [(name: UnsafeRawBufferPointer, weak: Bool)] = []
        importRefs.reserveCapacity(symbols.count / 4)
        var labelCount = (plain: 0, gpl: 0)
        var crcSymbols: [(name: String, symbol: ElfImage.Symbol)] = []
        // Globals are read through a lazy-initialisation check on each access: once here, not per symbol.
        let ksymtabPrefix = ksymtabPrefix, crcPrefix = crcPrefix
        for i in 0..<symbols.count {
            let s = try symbols.symbol(at: i, path: path)
            if i == 0 { continue }
            if s.sectionIndex == 0 {
                // Undefined: an import when global or weak and named.
                guard s.bind == 1 || s.bind == 2, s.nameOffset != 0 else { continue }
                guard let name = names.bytes(at: s.nameOffset) else {
                    throw malformed(
                        "symbol \(i): name offset \(s.nameOffset) is outside the string table (\(strtab.count) bytes)")
                }
                guard !name.isEmpty else { continue }
                importRefs.append((name, s.bind == 2))
                continue
            }
            if names.hasPrefix(ksymtabPrefix, at: s.nameOffset) {
                if Int(s.sectionIndex) == known.ksymtab?.index { labelCount.plain += 1 }
                if Int(s.sectionIndex) == known.ksymtabGPL?.index { labelCount.gpl += 1 }
            } else if names.hasPrefix(crcPrefix, at: s.nameOffset), let full = names.bytes(at: s.nameOffset) {
                crcSymbols.append((String(decoding: full[crcPrefix.count...], as: UTF8.self), s))
            }
        }

        // Exports.
        var exports: [ExportedSymbol] = []
        for (table, gpl, labels) in [
            (known.ksymtab, false, labelCount.plain), (known.ksymtabGPL, true, labelCount.gpl),
        ] {
            guard let table, table.size > 0 else { continue }
            guard let strings = known.ksymtabStrings else {
                throw malformed("\(table.name) present but __ksymtab_strings missing")
            }
            let decoded = try decodeKsymtab(
                table: table, strings: strings, gpl: gpl, sections: sections,
                symbols: symbols, symtabIndex: known.symtab?.index, labels: labels,
                header: header, endian: endian)
            exports.append(contentsOf: decoded)
        }

        // CRCs of exports: __crc_<sym> is absolute (old kernels) or points into __kcrctab*.
        if !crcSymbols.isEmpty {
            var crcs: [String: UInt32] = [:]
            crcs.reserveCapacity(crcSymbols.count)
            for (name, s) in crcSymbols {
                if s.sectionIndex == 0xFFF1 {  // SHN_ABS
                    crcs[name] = UInt32(truncatingIfNeeded: s.value)
                } else if Int(s.sectionIndex) < sections.count {
                    let section = sections[Int(s.sectionIndex)]
                    guard section.nameHasPrefix("__kcrctab") else { continue }
                    guard let crc = endian.u32(try image.bytes(of: section), at: s.value) else {
                        throw malformed("__crc_\(name) at \(s.value) is outside \(section.name)")
                    }
                    crcs[name] = crc
                }
            }
            for i in exports.indices { exports[i].crc = crcs[exports[i].name] }
        }

        // __versions: { unsigned long crc; char name[64 - sizeof(long)]; } records. Names stay byte
        // ranges of the section until matched with the imports.
        var versions: [(name: UnsafeRawBufferPointer, crc: UInt32)] = []
        if let section = known.versions, section.size > 0 {
            let word = header.bits / 8
            let bytes = try image.bytes(of: section)
            guard bytes.count % 64 == 0 else {
                throw malformed("__versions size \(bytes.count) is not a multiple of 64")
            }
            versions.reserveCapacity(bytes.count / 64)
            var o = 0
            while o < bytes.count {
                // Both reads are inside the 64-byte record checked above.
                let crc =
                    word == 8
                    ? UInt32(truncatingIfNeeded: endian.u64(bytes, at: UInt64(o))!)
                    : endian.u32(bytes, at: UInt64(o))!
                let field = UnsafeRawBufferPointer(rebasing: bytes[(o + word)..<(o + 64)])
                guard let nul = field.firstIndex(of: 0) else {
                    throw malformed("__versions record at \(o) has no terminating NUL")
                }
                versions.append((UnsafeRawBufferPointer(rebasing: field[..<nul]), crc))
                o += 64
            }
        }
        // 6.14+ extended modversions: parallel arrays of CRCs and NUL-separated names.
        if let crcSection = known.versionExtCRCs, let nameSection = known.versionExtNames {
            let nameBytes = try image.bytes(of: nameSection)
            guard nameBytes.isEmpty || nameBytes[nameBytes.count - 1] == 0 else {
                throw malformed("__version_ext_names does not end with a NUL")
            }
            let extNames = nameBytes.split(separator: 0, omittingEmptySubsequences: false)
            let crcBytes = try image.bytes(of: crcSection)
            let count = crcBytes.count / 4
            guard extNames.count >= count else {
                throw malformed("__version_ext_crcs has \(count) entries but __version_ext_names \(extNames.count)")
            }
            for i in 0..<count {
                versions.append(
                    (UnsafeRawBufferPointer(rebasing: extNames[i]), endian.u32(crcBytes, at: UInt64(i * 4))!))
            }
        }

        // Each import takes the CRC of the first __versions record of its name; records that name no
        // import (and repeats of a name) are kept apart as extraVersions.
        var imports: [ImportedSymbol] = []
        imports.reserveCapacity(importRefs.count)
        var extraVersions: [VersionEntry] = []
        if versions.isEmpty {
            for ref in importRefs { imports.append(ImportedSymbol(name: try symbolName(ref.name), weak: ref.weak)) }
        } else {
            var firsts = FirstOccurrences(versions.map(\.name))
            for ref in importRefs {
                var crc: UInt32?
                if let k = firsts.claim(ref.name) { crc = versions[k].crc }
                imports.append(ImportedSymbol(name: try symbolName(ref.name), weak: ref.weak, crc: crc))
            }
            for k in versions.indices where firsts.isUnclaimedFirst(k) {
                extraVersions.append(
                    VersionEntry(
                        name: String(decoding: versions[k].name, as: UTF8.self),
                        crc: versions[k].crc))
            }
        }

        // .modinfo: NUL-separated key=value strings, padding NULs skipped.
        var modinfo: [ModinfoEntry] = []
        if let section = known.modinfo {
            let bytes = try image.bytes(of: section)
            // The last string would otherwise run into whatever follows the section.
            guard bytes.isEmpty || bytes[bytes.count - 1] == 0 else {
                throw malformed(".modinfo does not end with a NUL")
            }
            modinfo = parseModinfo(bytes)
        }
        let name: String
        if let given = modinfo.first(where: { $0.key == "name" })?.value {
            // Most names have no '-': skip the per-Character rewrite for them.
            name = given.utf8.contains(UInt8(ascii: "-")) ? normalizedModuleName(given) : given
        } else {
            name = moduleName(fromFileName: path)
        }

        return ModuleFacts(
            name: name, path: path, fileSize: image.fileSize, uncompressedSize: image.imageSize,
            compression: image.compression,
            identity: ELFIdentity(bits: header.bits, bigEndian: header.bigEndian, machine: header.machine),
            exports: exports, imports: imports, extraVersions: extraVersions, modinfo: modinfo)
    }

    /// Decodes one `__ksymtab[_gpl]` table: `{value, name, namespace}` entries as 32-bit place-relative
    /// offsets or as absolute pointers (2 fields on kernels before namespaces), filled by relocations.
    private func decodeKsymtab(
        table: ElfImage.Section, strings: ElfImage.Section, gpl: Bool,
        sections: [ElfImage.Section], symbols: SymbolTable, symtabIndex: Int?, labels: Int,
        header: ElfImage.Header, endian: ByteOrder
    ) throws(ELFScanError) -> [ExportedSymbol] {
        // Its bytes, not sh_size: a SHT_NOBITS table has a size but no bytes (and no bound on the size).
        guard table.type != 8 else { throw malformed("\(table.name) has no bytes (SHT_NOBITS)") }  // SHT_NOBITS
        let size = try image.withBytes(of: table) { $0.count }
        // The entry size: the table divided among its __ksymtab_ labels, else the layout the arch uses.
        var entrySize: Int
        if labels > 0, size % labels == 0 {
            entrySize = size / labels
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
            throw malformed(
                "\(table.name): entry size \(entrySize) (\(size) bytes, \(labels) labels) fits no ksymtab layout")
        }
        guard size % entrySize == 0 else {
            throw malformed("\(table.name): size \(size) is not a multiple of its entry size \(entrySize)")
        }

        // Relocations that apply to this table, by field slot (offset / field size).
        var relocs: [ElfImage.Relocation] = []
        var slotToReloc = [Int32](repeating: -1, count: size / field + 1)
        var needsImplicitAddends = false
        for s in sections where (s.type == 4 || s.type == 9) && Int(s.info) == table.index {  // SHT_RELA, SHT_REL
            guard Int(s.link) == symtabIndex else {
                throw malformed("\(s.name) takes its symbols from section \(s.link), not .symtab")
            }
            for r in try image.relocations(of: s) {
                guard r.offset < UInt64(size) else {
                    throw malformed("\(s.name): relocation at \(r.offset) is outside \(table.name) (\(size) bytes)")
                }
                guard r.offset % UInt64(field) == 0 else {
                    throw malformed(
                        "\(s.name): relocation at \(r.offset) is not at a \(field)-byte field of \(table.name)")
                }
                guard Int(r.symbol) < symbols.count else {
                    throw malformed("\(s.name): relocation at \(r.offset) names symbol \(r.symbol) of \(symbols.count)")
                }
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
            let sym = try symbols.symbol(at: Int(r.symbol), path: path)
            guard Int(sym.sectionIndex) == strings.index else {
                throw malformed("\(table.name): relocation at \(offset) does not point into __ksymtab_strings")
            }
            var addend: Int64
            if let a = r.addend {
                addend = a
            } else {
                let implicit = tableBytes.withUnsafeBytes { bytes in
                    field == 8
                        ? endian.u64(bytes, at: offset).map { Int64(bitPattern: $0) }
                        : endian.u32(bytes, at: offset).map { Int64(Int32(bitPattern: $0)) }
                }
                guard let implicit else {
                    throw malformed("\(table.name): relocation at \(offset) is outside the table")
                }
                addend = implicit
            }
            let target = Int64(bitPattern: sym.value) &+ addend
            guard target >= 0, target < Int64(stringBytes.count) else {
                throw malformed("\(table.name): relocation at \(offset) points outside __ksymtab_strings")
            }
            guard let string = StringTable(bytes: stringBytes).bytes(at: Int(target)) else {
                throw malformed("__ksymtab_strings: string at \(target) has no terminating NUL")
            }
            return try symbolName(string)
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

/// The sections a module parse looks at, found in one pass by comparing names in place (the first
/// section of each name wins, as a lookup by name would find).
private struct KnownSections {
    var symtab, ksymtab, ksymtabGPL, ksymtabStrings, versions, versionExtCRCs, versionExtNames,
        modinfo: ElfImage.Section?

    init(_ sections: [ElfImage.Section]) {
        for s in sections {
            if s.type == 2 {  // SHT_SYMTAB
                if symtab == nil { symtab = s }
                continue
            }
            func take(_ slot: inout ElfImage.Section?, _ name: StaticString) -> Bool {
                guard s.isNamed(name) else { return false }
                if slot == nil { slot = s }
                return true
            }
            // The wanted names are "__k…", "__v…" and ".m…": two bytes rule out most of ~50 sections
            // before any full comparison. Reading name[2] is safe: name[0] and name[1] are not NUL.
            guard let name = s.namePointer else { continue }
            if name[0] == 0x2E {  // "."
                if name[1] == 0x6D { _ = take(&modinfo, ".modinfo") }  // "m"
            } else if name[0] == 0x5F && name[1] == 0x5F {  // "__"
                if name[2] == 0x6B {  // "k"
                    _ =
                        take(&ksymtab, "__ksymtab") || take(&ksymtabGPL, "__ksymtab_gpl")
                        || take(&ksymtabStrings, "__ksymtab_strings")
                } else if name[2] == 0x76 {  // "v"
                    _ =
                        take(&versions, "__versions") || take(&versionExtCRCs, "__version_ext_crcs")
                        || take(&versionExtNames, "__version_ext_names")
                }
            }
        }
    }
}

/// `.modinfo`: NUL-separated `key=value` strings, padding NULs skipped; a string without `=` is a
/// key with an empty value. Cut at the byte level: going through Characters cost more than the ELF reading.
///
/// The kernel treats these strings as bytes; modsplit keeps them as text. Bytes that are not UTF-8 (an
/// author's name in Latin-1, a corrupted file) are neither dropped nor silently replaced: each is kept
/// as the four characters `\xNN`, so the text shows that it was repaired and what the byte was, and
/// a valid value never changes. The module still reads — its exports and imports are intact.
func parseModinfo(_ bytes: UnsafeRawBufferPointer) -> [ModinfoEntry] {
    var out: [ModinfoEntry] = []
    guard let base = bytes.baseAddress else { return out }
    // memchr over the raw bytes: every pointer below stays inside [base, base + count).
    func offset(of byte: UInt8, from start: Int, to end: Int) -> Int? {
        memchr(base + start, Int32(byte), end - start).map { base.distance(to: UnsafeRawPointer($0)) }
    }
    var start = 0
    while start < bytes.count {
        let end = offset(of: 0, from: start, to: bytes.count) ?? bytes.count
        if end > start {
            if let eq = offset(of: UInt8(ascii: "="), from: start, to: end) {
                out.append(ModinfoEntry(key: modinfoText(bytes[start..<eq]), value: modinfoText(bytes[(eq + 1)..<end])))
            } else {
                out.append(ModinfoEntry(key: modinfoText(bytes[start..<end]), value: ""))
            }
        }
        start = end + 1
    }
    return out
}

/// `bytes` as a String when they are UTF-8, else nil. ASCII (nearly every symbol and `.modinfo`
/// string) is checked here and decoded without validation; only the rest goes through the standard
/// library's generic validator, which looks up type metadata on each call (~7% of a cold plain scan).
func validUTF8String(_ bytes: UnsafeRawBufferPointer) -> String? {
    var i = 0
    var high: UInt64 = 0
    while i + 8 <= bytes.count {
        high |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        i += 8
    }
    while i < bytes.count {
        high |= UInt64(bytes[i])
        i += 1
    }
    if high & 0x8080_8080_8080_8080 == 0 { return String(decoding: bytes, as: UTF8.self) }
    return String(validating: bytes, as: UTF8.self)
}

/// The text of a `.modinfo` string: itself when it is UTF-8, else with each byte that is not written `\xNN`.
func modinfoText(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
    if let text = validUTF8String(UnsafeRawBufferPointer(rebasing: bytes)) { return text }
    var out = ""
    var iterator = bytes.makeIterator()
    var parser = Unicode.UTF8.ForwardParser()
    var position = bytes.startIndex
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let encoded):
            out.unicodeScalars.append(Unicode.UTF8.decode(encoded))
            position += encoded.count
        case .error(let length):
            for b in bytes[position..<(position + length)] {
                out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
            position += length
        case .emptyInput:
            return out
        }
    }
}

/// Which `__versions` record each import takes: the first record of its name. A small open-addressing
/// table over the records' name bytes, so that no name has to become a String (and be hashed as one)
/// just to be matched; a module has a few hundred records.
struct FirstOccurrences {
    private let names: [UnsafeRawBufferPointer]
    private var hashes: [UInt64]
    /// Record index + 1 of the first record of each name; 0 marks an empty slot.
    private var slots: [Int32]
    private let mask: Int
    /// Per record: 1 when it is the first of its name, 2 once an import claimed it.
    private var state: [UInt8]

    /// The process's seed, read once per table (a global's every read checks its lazy initialisation).
    private let seed = Self.processSeed

    init(_ names: [UnsafeRawBufferPointer]) {
        self.names = names
        let seed = seed
        hashes = names.map { Self.hash($0, seed: seed) }
        var size = 16
        while size < names.count * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        state = [UInt8](repeating: 0, count: names.count)
        for k in names.indices {
            let (existing, position) = find(names[k], hash: hashes[k])
            if existing == nil {  // a repeat of a name leaves the first record in place
                slots[position] = Int32(k + 1)
                state[k] = 1
            }
        }
    }

    /// The slot holding `name`, or the empty position where it would go.
    private func find(_ name: UnsafeRawBufferPointer, hash: UInt64) -> (slot: Int?, position: Int) {
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = Int(slots[i])
            if slot == 0 { return (nil, i) }
            let other = names[slot - 1]
            if hashes[slot - 1] == hash, other.count == name.count,
                name.count == 0 || memcmp(other.baseAddress!, name.baseAddress!, name.count) == 0
            {
                return (slot - 1, i)
            }
            i = (i + 1) & mask
        }
    }

    /// The first record named `name`, now marked as matched; nil when no record has that name.
    mutating func claim(_ name: UnsafeRawBufferPointer) -> Int? {
        guard let k = find(name, hash: Self.hash(name, seed: seed)).slot else { return nil }
        state[k] = 2
        return k
    }

    /// True for the first record of a name that no import claimed.
    func isUnclaimedFirst(_ k: Int) -> Bool { state[k] == 1 }

    /// A multiply-xorshift hash over 8-byte words, seeded once per process so that a crafted module
    /// cannot aim at collisions it cannot compute.
    private static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var h = seed ^ UInt64(bytes.count)
        var i = 0
        while i + 8 <= bytes.count {  // whole words inside `bytes`
            h = mix(h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        return mix(h ^ tail)
    }

    private static func mix(_ x: UInt64) -> UInt64 {
        var x = x &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        x = x &* 0xBF58_476D_1CE4_E5B9
        return x ^ (x >> 32)
    }

    private static let processSeed = UInt64.random(in: .min ... .max)
}

/// A string table's bytes (lent by the image that owns them) with bounds-checked reads.
struct StringTable {
    let bytes: UnsafeRawBufferPointer

    /// The bytes of the NUL-terminated string at `offset`, without the NUL; nil when out of range or unterminated.
    func bytes(at offset: some BinaryInteger) -> UnsafeRawBufferPointer? {
        guard offset >= 0, offset < bytes.count, let base = bytes.baseAddress else { return nil }
        let start = Int(offset)
        guard let nul = memchr(base + start, 0, bytes.count - start) else { return nil }
        return UnsafeRawBufferPointer(start: base + start, count: base.distance(to: UnsafeRawPointer(nul)) - start)
    }

    func hasPrefix(_ prefix: [UInt8], at offset: UInt32) -> Bool {
        let start = Int(offset)
        guard start + prefix.count <= bytes.count else { return false }
        for i in 0..<prefix.count where bytes[start + i] != prefix[i] { return false }
        return true
    }
}

/// A `.symtab` read straight from its bytes (`Elf32_Sym` or `Elf64_Sym` in the module's byte order).
/// Decoding on demand spares an array of thousands of symbols per module, most of them locals that
/// are skipped at once. `count` covers only whole entries, so every read is inside the section.
struct SymbolTable {
    let bytes: UnsafeRawBufferPointer
    let extendedIndex: UnsafeRawBufferPointer?
    let is64: Bool
    let order: ByteOrder
    let count: Int

    static var empty: SymbolTable {
        SymbolTable(
            bytes: UnsafeRawBufferPointer(start: nil, count: 0), extendedIndex: nil, is64: true,
            order: ByteOrder(bigEndian: false))
    }

    init(bytes: UnsafeRawBufferPointer, extendedIndex: UnsafeRawBufferPointer?, is64: Bool, order: ByteOrder) {
        self.bytes = bytes
        self.extendedIndex = extendedIndex
        self.is64 = is64
        self.order = order
        count = bytes.count / (is64 ? 24 : 16)
    }

    /// Symbol `i`, with `SHN_XINDEX` resolved through `.symtab_shndx`; `path` names the module in errors.
    func symbol(at i: Int, path: String) throws(ELFScanError) -> ElfImage.Symbol {
        guard i >= 0, i < count else {
            throw ELFScanError(.malformed, path: path, "symbol \(i) is outside .symtab (\(count) symbols)")
        }
        // In range: i < count = bytes.count / entry size, and every field read lies inside entry i.
        let nameOffset: UInt32, value: UInt64, info: UInt8, shndx: UInt16
        if is64 {  // Elf64_Sym: name u32, info u8, other u8, shndx u16, value u64, size u64
            let o = i * 24
            nameOffset = order.u32Unchecked(bytes, at: o)
            info = bytes[o + 4]
            shndx = order.u16Unchecked(bytes, at: o + 6)
            value = order.u64Unchecked(bytes, at: o + 8)
        } else {  // Elf32_Sym: name u32, value u32, size u32, info u8, other u8, shndx u16
            let o = i * 16
            nameOffset = order.u32Unchecked(bytes, at: o)
            value = UInt64(order.u32Unchecked(bytes, at: o + 4))
            info = bytes[o + 12]
            shndx = order.u16Unchecked(bytes, at: o + 14)
        }
        var section = UInt32(shndx)
        if shndx == 0xFFFF {  // SHN_XINDEX: the real index is in .symtab_shndx
            guard let extendedIndex else {
                throw ELFScanError(.malformed, path: path, "symbol \(i) uses SHN_XINDEX but there is no .symtab_shndx")
            }
            guard let x = order.u32(extendedIndex, at: UInt64(i) * 4) else {
                throw ELFScanError(.malformed, path: path, ".symtab_shndx has no entry for symbol \(i)")
            }
            section = x
        }
        return ElfImage.Symbol(
            nameOffset: nameOffset, value: value, sectionIndex: section, bind: info >> 4,
            type: info & 0xf)
    }
}

/// Reads integers of the module's byte order from untrusted bytes; nil when out of range.
struct ByteOrder {
    let bigEndian: Bool

    func u32(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) -> UInt32? {
        guard offset <= UInt64(bytes.count), UInt64(bytes.count) - offset >= 4 else { return nil }
        return u32Unchecked(bytes, at: Int(offset))
    }

    func u64(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) -> UInt64? {
        guard offset <= UInt64(bytes.count), UInt64(bytes.count) - offset >= 8 else { return nil }
        return u64Unchecked(bytes, at: Int(offset))
    }

    // The unchecked reads are for callers that have bounded `offset` already (see `SymbolTable`).
    func u16Unchecked(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    func u32Unchecked(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    func u64Unchecked(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
    }
}
