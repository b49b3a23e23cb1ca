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
                name.count == 0 || Syscalls.equalBytes(other.baseAddress!, name.baseAddress!, count: name.count)
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
        guard let length = Syscalls.offset(of: 0, in: base + start, count: bytes.count - start) else { return nil }
        return UnsafeRawBufferPointer(start: base + start, count: length)
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
