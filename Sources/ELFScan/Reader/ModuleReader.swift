/// Turns one module file into `ModuleFacts`: exports from `__ksymtab*` through their relocations,
/// imports from `.symtab`, CRCs from `__kcrctab*`/`__versions`, and every `.modinfo` string.
public enum ModuleReader {
    /// Reads the module at `absolutePath`; `path` (relative to the module directory) names it in facts and errors.
    public static func read(absolutePath: String, path: String, limits: ScanLimits = .default)
        throws(ELFScanError) -> ModuleFacts
    {
        let image = try ElfImage(
            opening: absolutePath, relativeTo: Syscalls.currentDirectory, path: path, limits: limits)
        return try ModuleParse(image: image).facts()
    }

    /// Reads a module file held in memory (a package's entry); `path` names it in facts and errors.
    public static func read(bytes: UnsafeRawBufferPointer, path: String, limits: ScanLimits = .default)
        throws(ELFScanError) -> ModuleFacts
    {
        // libelf may convert an image in place (elf_memory reads it as a private mapping): it gets a copy.
        guard let copy = Syscalls.allocate(bytes.count) else {
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
