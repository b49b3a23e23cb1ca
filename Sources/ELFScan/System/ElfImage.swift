internal import CLibELF
internal import Glibc

/// Owns one open module file and the libelf handle over its (decompressed) ELF image.
///
/// Every raw libelf call of modsplit lives in this file (and every decompressor call in Inflater.swift).
/// Each wrapper turns a failure into an `ELFScanError` that names the C function and
/// `elf_errmsg(elf_errno())`.
final class ElfImage {
    struct Header {
        var type: UInt16
        var machine: UInt16
        var bits: Int
        var bigEndian: Bool
    }

    struct Section {
        var index: Int
        /// The name in `.shstrtab`, NUL-terminated (checked by `elf_strptr`) and owned by the image;
        /// nil for the null section. Kept as a pointer because a module has ~50 sections and only a
        /// few are ever looked at by name: making a String of every name cost more than the parse.
        var namePointer: UnsafePointer<CChar>?
        var type: UInt32
        var flags: UInt64
        var link: UInt32
        var info: UInt32
        var size: UInt64
        var entrySize: UInt64

        var name: String { namePointer.map { String(cString: $0) } ?? "" }

        func isNamed(_ wanted: StaticString) -> Bool {
            guard let namePointer else { return false }
            return wanted.withUTF8Buffer { w in
                w.withMemoryRebound(to: CChar.self) { strcmp(namePointer, $0.baseAddress!) == 0 }
            }
        }

        func nameHasPrefix(_ prefix: StaticString) -> Bool {
            guard let namePointer else { return false }
            return strncmp(
                namePointer, UnsafeRawPointer(prefix.utf8Start).assumingMemoryBound(to: CChar.self),
                prefix.utf8CodeUnitCount) == 0
        }
    }

    struct Symbol {
        var nameOffset: UInt32
        var value: UInt64
        /// Section index, with `SHN_XINDEX` already resolved through `.symtab_shndx`.
        var sectionIndex: UInt32
        var bind: UInt8
        var type: UInt8
    }

    struct Relocation {
        var offset: UInt64
        var symbol: UInt32
        var type: UInt32
        /// The explicit addend of a RELA entry; nil for REL, whose addend sits in the section bytes.
        var addend: Int64?
    }

    let path: String
    let fileSize: UInt64
    let imageSize: UInt64
    let compression: Compression
    private let elf: OpaquePointer
    private var fd: Int32
    private var ownedImage: UnsafeMutableRawPointer?
    private var scns: [OpaquePointer] = []

    static let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    /// Opens `file` (relative to the open directory `directory`, or AT_FDCWD), decompressing it when
    /// its magic says so; errors name `path`.
    init(opening file: String, relativeTo directory: Int32, path: String, limits: ScanLimits) throws(ELFScanError) {
        self.path = path
        guard Self.libelfReady else { throw ELFScanError(.unsupported, path: path, "libelf: elf_version failed") }
        // Opened without blocking: a FIFO named *.ko must not stall the scan; it is rejected just below.
        let fd: Int32
        switch Syscalls.openForReading(file, relativeTo: directory) {
        case .success(let d): fd = d
        case .failure(let f): throw ELFScanError(.io, path: path, "open: \(f.reason)")
        }
        let st: Syscalls.FileStatus
        switch Syscalls.status(of: fd) {
        case .success(let s): st = s
        case .failure(let f):
            Syscalls.close(fd)
            throw ELFScanError(.io, path: path, "fstat: \(f.reason)")
        }
        guard st.isRegular else {
            Syscalls.close(fd)
            throw ELFScanError(.io, path: path, "not a regular file (\(st.typeName))")
        }
        let fileSize = UInt64(st.size)
        var magic = [UInt8](repeating: 0, count: 6)
        let got: Int
        switch magic.withUnsafeMutableBytes({ Syscalls.preadAll(fd, $0, offset: 0) }) {
        case .success(let n): got = n
        case .failure(let f):
            Syscalls.close(fd)
            throw ELFScanError(.io, path: path, "read: \(f.reason)")
        }
        if got == 0 {
            Syscalls.close(fd)
            throw ELFScanError(.notELF, path: path, "empty file")
        }
        let compression = Self.sniff(magic.prefix(got))
        self.compression = compression
        self.fileSize = fileSize

        if compression == .none {
            // Plain modules: ELF_C_READ reads headers now and each section only when asked for, so the
            // code and data of a module are never read.
            guard fileSize <= limits.maxUncompressedBytes else {
                Syscalls.close(fd)
                throw ELFScanError(
                    .compression, path: path,
                    "\(fileSize) bytes, past the limit of \(limits.maxUncompressedBytes)")
            }
            guard let e = elf_begin(fd, ELF_C_READ, nil) else {
                let reason = Self.elfError()
                Syscalls.close(fd)
                throw ELFScanError(.notELF, path: path, "elf_begin: \(reason)")
            }
            self.fd = fd
            self.elf = e
            self.ownedImage = nil
            // Not elf_rawfile here: on a file opened with ELF_C_READ it reads the whole file into
            // memory (__libelf_readall), undoing the laziness above.
            self.imageSize = fileSize
        } else {
            defer { Syscalls.close(fd) }
            self.fd = -1
            if compression == .bzip2 {
                // Neither the kernel nor kmod load bzip2 modules, and libdw's bzip2 reader loops forever
                // on a truncated stream (elfutils 0.188): refuse without inflating.
                throw ELFScanError(
                    .compression, path: path, "bzip2-compressed module: the kernel and kmod do not load these")
            }
            let inputBound = limits.maxCompressedReadBytes
            guard fileSize <= inputBound else {
                throw ELFScanError(
                    .compression, path: path,
                    "compressed file of \(fileSize) bytes exceeds the limit of \(inputBound)")
            }
            let input = try Self.readWhole(fd: fd, size: Int(fileSize), path: path)
            defer { input.deallocate() }
            let (buffer, size) = try Inflater.inflate(
                UnsafeRawBufferPointer(input), as: compression, path: path,
                limit: limits.maxUncompressedBytes)
            guard let e = elf_memory(buffer.assumingMemoryBound(to: CChar.self), size) else {
                free(buffer)
                throw ELFScanError(.notELF, path: path, "elf_memory: \(Self.elfError())")
            }
            self.elf = e
            self.ownedImage = buffer
            self.imageSize = UInt64(size)
        }
        guard elf_kind(elf) == ELF_K_ELF else {
            let what =
                compression == .none ? "not an ELF file" : "\(compression.rawValue) stream does not hold an ELF file"
            throw ELFScanError(.notELF, path: path, what)
        }
        if imageSize > limits.maxUncompressedBytes {
            throw ELFScanError(
                .compression, path: path,
                "inflates to \(imageSize) bytes, past the limit of \(limits.maxUncompressedBytes)")
        }
    }

    /// The image of a module file already in memory (read out of a package): `file` holds the file's
    /// bytes, allocated with `malloc`, and is the image's from here on (freed on every path). A
    /// compressed file is inflated under `limits` as on disk; errors name `path`.
    init(owning file: UnsafeMutableRawBufferPointer, path: String, limits: ScanLimits) throws(ELFScanError) {
        self.path = path
        fd = -1
        let fileSize = UInt64(file.count)
        self.fileSize = fileSize
        let compression = Self.sniff(ArraySlice(file.prefix(6)))
        self.compression = compression
        var image = file
        do throws(ELFScanError) {
            guard Self.libelfReady else { throw ELFScanError(.unsupported, path: path, "libelf: elf_version failed") }
            guard !file.isEmpty else { throw ELFScanError(.notELF, path: path, "empty file") }
            if compression == .bzip2 {
                throw ELFScanError(
                    .compression, path: path, "bzip2-compressed module: the kernel and kmod do not load these")
            }
            if compression != .none {
                let inputBound = limits.maxCompressedReadBytes
                guard fileSize <= inputBound else {
                    throw ELFScanError(
                        .compression, path: path,
                        "compressed file of \(fileSize) bytes exceeds the limit of \(inputBound)")
                }
                let (buffer, size) = try Inflater.inflate(
                    UnsafeRawBufferPointer(file), as: compression, path: path,
                    limit: limits.maxUncompressedBytes)
                free(file.baseAddress)
                image = UnsafeMutableRawBufferPointer(start: buffer, count: size)
            }
            guard UInt64(image.count) <= limits.maxUncompressedBytes else {
                throw ELFScanError(
                    .compression, path: path,
                    "\(image.count) bytes, past the limit of \(limits.maxUncompressedBytes)")
            }
        } catch {
            free(image.baseAddress)
            throw error
        }
        guard let e = elf_memory(image.baseAddress!.assumingMemoryBound(to: CChar.self), image.count) else {
            free(image.baseAddress)
            throw ELFScanError(.notELF, path: path, "elf_memory: \(Self.elfError())")
        }
        elf = e
        ownedImage = image.baseAddress
        imageSize = UInt64(image.count)
        guard elf_kind(elf) == ELF_K_ELF else {
            let what =
                compression == .none ? "not an ELF file" : "\(compression.rawValue) stream does not hold an ELF file"
            throw ELFScanError(.notELF, path: path, what)
        }
    }

    deinit {
        elf_end(elf)
        if let ownedImage { free(ownedImage) }
        if fd >= 0 { Syscalls.close(fd) }
    }

    // MARK: ELF structures

    func header() throws(ELFScanError) -> Header {
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else { throw libelfFailure("gelf_getehdr") }
        let cls = ehdr.e_ident.4  // EI_CLASS
        let data = ehdr.e_ident.5  // EI_DATA
        guard cls == 1 || cls == 2 else { throw ELFScanError(.unsupported, path: path, "unknown ELF class \(cls)") }
        guard data == 1 || data == 2 else {
            throw ELFScanError(.unsupported, path: path, "unknown ELF data encoding \(data)")
        }
        // libelf reading lazily (ELF_C_READ) does not notice a section header table cut off by a
        // truncated file; the loader would. Check it here, and every section against the image in sections().
        var count = 0
        guard elf_getshdrnum(elf, &count) == 0 else { throw libelfFailure("elf_getshdrnum") }
        guard count > 0 else { throw ELFScanError(.malformed, path: path, "no section headers") }
        let entry = UInt64(cls == 1 ? 40 : 64)
        guard UInt64(ehdr.e_shentsize) == entry else {
            throw ELFScanError(.malformed, path: path, "section header size \(ehdr.e_shentsize), expected \(entry)")
        }
        let (end, overflow) = ehdr.e_shoff.addingReportingOverflow(UInt64(count) * entry)
        guard !overflow, end <= imageSize else {
            throw ELFScanError(
                .malformed, path: path,
                "section header table (offset \(ehdr.e_shoff), \(count) entries) "
                    + "extends past the end of the \(imageSize)-byte image (truncated?)"
            )
        }
        return Header(type: ehdr.e_type, machine: ehdr.e_machine, bits: cls == 1 ? 32 : 64, bigEndian: data == 2)
    }

    /// All section headers with their names; index 0 (the null section) included.
    func sections() throws(ELFScanError) -> [Section] {
        var count = 0
        guard elf_getshdrnum(elf, &count) == 0 else { throw libelfFailure("elf_getshdrnum") }
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { throw libelfFailure("elf_getshdrstrndx") }
        var result: [Section] = []
        result.reserveCapacity(count)
        scns = []
        scns.reserveCapacity(count)
        for i in 0..<count {
            guard let scn = elf_getscn(elf, i) else { throw libelfFailure("elf_getscn(\(i))") }
            var shdr = GElf_Shdr()
            guard gelf_getshdr(scn, &shdr) != nil else { throw libelfFailure("gelf_getshdr(\(i))") }
            var name: UnsafePointer<CChar>?
            if i != 0 {
                guard let cname = elf_strptr(elf, shstrndx, Int(shdr.sh_name)) else {
                    throw libelfFailure("elf_strptr(section \(i) name)")
                }
                name = UnsafePointer(cname)
            }
            if shdr.sh_type != UInt32(SHT_NOBITS) && shdr.sh_size > 0 {
                let (end, overflow) = shdr.sh_offset.addingReportingOverflow(shdr.sh_size)
                guard !overflow, end <= imageSize else {
                    throw ELFScanError(
                        .malformed, path: path,
                        "section \(i) (offset \(shdr.sh_offset), \(shdr.sh_size) bytes) "
                            + "extends past the end of the \(imageSize)-byte image (truncated?)"
                    )
                }
            }
            scns.append(scn)
            result.append(
                Section(
                    index: i, namePointer: name, type: shdr.sh_type, flags: shdr.sh_flags,
                    link: shdr.sh_link, info: shdr.sh_info, size: shdr.sh_size,
                    entrySize: shdr.sh_entsize))
        }
        return result
    }

    /// Lends the bytes of a section (as stored, without byte-order translation) to `body`.
    func withBytes<T>(of section: Section, _ body: (UnsafeRawBufferPointer) throws(ELFScanError) -> T)
        throws(ELFScanError) -> T
    {
        guard section.type != UInt32(SHT_NOBITS), section.size > 0 else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        guard let data = elf_rawdata(scn(section), nil) else { throw libelfFailure("elf_rawdata(\(section.name))") }
        return try body(UnsafeRawBufferPointer(start: data.pointee.d_buf, count: data.pointee.d_size))
    }

    /// The bytes of a section as stored. They stay valid while this image lives: callers keep the
    /// image for as long as they use them (one module parse), and never let them escape it.
    func bytes(of section: Section) throws(ELFScanError) -> UnsafeRawBufferPointer {
        guard section.type != UInt32(SHT_NOBITS), section.size > 0 else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        guard let data = elf_rawdata(scn(section), nil) else { throw libelfFailure("elf_rawdata(\(section.name))") }
        return UnsafeRawBufferPointer(start: data.pointee.d_buf, count: data.pointee.d_size)
    }

    /// The symbols of a `SHT_SYMTAB` section, decoded on demand from the section's bytes.
    func symbols(of section: Section, extendedIndex: Section?, header: Header) throws(ELFScanError) -> SymbolTable {
        // Decoded by the class's Elf_Sym size, as the loader does: any other entry size is a lie.
        let record: UInt64 = header.bits == 64 ? 24 : 16
        guard section.entrySize == record else {
            throw ELFScanError(
                .malformed, path: path, "\(section.name) has entry size \(section.entrySize), expected \(record)")
        }
        let bytes = try bytes(of: section)
        let xindex = try extendedIndex.map { x throws(ELFScanError) in try self.bytes(of: x) }
        return SymbolTable(
            bytes: bytes, extendedIndex: xindex, is64: header.bits == 64,
            order: ByteOrder(bigEndian: header.bigEndian))
    }

    /// The entries of a `SHT_REL` or `SHT_RELA` section.
    func relocations(of section: Section) throws(ELFScanError) -> [Relocation] {
        let isRela = section.type == UInt32(SHT_RELA)
        // gelf_getrel(a) index by the ELF class's record size, whatever sh_entsize says: a table whose
        // entry size is not that record size cannot be read as the loader reads it (and an sh_entsize
        // past Int.max must not reach an Int conversion).
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else { throw libelfFailure("gelf_getehdr") }
        let is64 = ehdr.e_ident.4 == 2  // EI_CLASS == ELFCLASS64
        let record: UInt64 = isRela ? (is64 ? 24 : 12) : (is64 ? 16 : 8)
        guard section.entrySize == record else {
            throw ELFScanError(
                .malformed, path: path, "\(section.name) has entry size \(section.entrySize), expected \(record)")
        }
        guard let data = elf_getdata(scn(section), nil) else { throw libelfFailure("elf_getdata(\(section.name))") }
        guard data.pointee.d_size % Int(record) == 0 else {
            throw ELFScanError(
                .malformed, path: path,
                "\(section.name) size \(data.pointee.d_size) is not a multiple of its entry size \(record)")
        }
        let count = Int(data.pointee.d_size) / Int(record)
        guard count <= Int(Int32.max) else {
            throw ELFScanError(.malformed, path: path, "\(section.name) has \(count) entries, more than libelf indexes")
        }
        var result: [Relocation] = []
        result.reserveCapacity(count)
        if isRela {
            var r = GElf_Rela()
            for i in 0..<count {
                guard gelf_getrela(data, Int32(i), &r) != nil else {
                    throw libelfFailure("gelf_getrela(\(section.name)[\(i)])")
                }
                result.append(
                    Relocation(
                        offset: r.r_offset, symbol: UInt32(truncatingIfNeeded: r.r_info >> 32),
                        type: UInt32(truncatingIfNeeded: r.r_info), addend: r.r_addend))
            }
        } else {
            var r = GElf_Rel()
            for i in 0..<count {
                guard gelf_getrel(data, Int32(i), &r) != nil else {
                    throw libelfFailure("gelf_getrel(\(section.name)[\(i)])")
                }
                result.append(
                    Relocation(
                        offset: r.r_offset, symbol: UInt32(truncatingIfNeeded: r.r_info >> 32),
                        type: UInt32(truncatingIfNeeded: r.r_info), addend: nil))
            }
        }
        return result
    }

    // MARK: Helpers

    private func scn(_ section: Section) -> OpaquePointer { scns[section.index] }

    private func libelfFailure(_ function: String) -> ELFScanError {
        ELFScanError(.malformed, path: path, "\(function): \(Self.elfError())")
    }

    private static func elfError() -> String {
        let code = elf_errno()
        guard code != 0, let msg = elf_errmsg(code) else { return "unknown libelf error" }
        return String(cString: msg)
    }

    /// The encoding a file's first bytes announce (the name may lie; the magic decides).
    static func sniff(_ magic: ArraySlice<UInt8>) -> Compression {
        let m = Array(magic)
        if m.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if m.starts(with: [0x1F, 0x8B]) { return .gzip }
        if m.starts(with: [0x42, 0x5A, 0x68]) { return .bzip2 }
        if m.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        return .none
    }

    /// Reads a whole file into a new buffer (which the caller deallocates).
    static func readWhole(fd: Int32, size: Int, path: String) throws(ELFScanError) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        let whole = UnsafeMutableRawBufferPointer(rebasing: buffer[..<size])
        switch Syscalls.preadAll(fd, whole, offset: 0) {
        case .success(let n) where n == size:
            return whole
        case .success:
            buffer.deallocate()
            throw ELFScanError(.io, path: path, "read: the file shrank while it was read")
        case .failure(let f):
            buffer.deallocate()
            throw ELFScanError(.io, path: path, "read: \(f.reason)")
        }
    }
}

/// Reads a small file whole, inflating xz, gzip or zstd by its magic, bounded by `limits`.
/// Used for Module.symvers/symvers.xz, never for modules.
func readDecompressedFile(_ absolutePath: String, path: String, limits: ScanLimits = .default)
    throws(ELFScanError) -> [UInt8]
{
    let fd: Int32
    switch Syscalls.openForReading(absolutePath) {
    case .success(let d): fd = d
    case .failure(let f): throw ELFScanError(.io, path: path, "open: \(f.reason)")
    }
    defer { Syscalls.close(fd) }
    let size: Int
    switch Syscalls.status(of: fd) {
    case .success(let st) where st.isRegular: size = st.size
    case .success(let st):
        throw ELFScanError(.io, path: path, "not a regular file (\(st.typeName))")
    case .failure(let f): throw ELFScanError(.io, path: path, "fstat: \(f.reason)")
    }
    // Filled straight from the file: no zeroing of a buffer that pread overwrites anyway.
    var failure: String?
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
        switch Syscalls.preadAll(fd, UnsafeMutableRawBufferPointer(buffer), offset: 0) {
        case .success(let n) where n == size: initialized = n
        case .success(let n):
            initialized = n
            failure = "short file"
        case .failure(let f):
            initialized = 0
            failure = f.reason
        }
    }
    if let failure { throw ELFScanError(.io, path: path, "read: \(failure)") }
    let compression = ElfImage.sniff(bytes.prefix(6))
    switch compression {
    case .none: return bytes
    case .bzip2: throw ELFScanError(.compression, path: path, "bzip2-compressed: modsplit reads xz, gzip and zstd")
    case .xz, .gzip, .zstd:
        // withUnsafeBytes rethrows untyped: carry the typed error out as a Result.
        let inflated = bytes.withUnsafeBytes { input in
            Result { () throws(ELFScanError) in
                try Inflater.inflate(input, as: compression, path: path, limit: limits.maxUncompressedBytes)
            }
        }
        let (buffer, count) = try inflated.get()
        defer { free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: count))
    }
}
