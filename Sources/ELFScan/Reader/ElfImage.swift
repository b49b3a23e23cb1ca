internal import CLibDW
internal import CLibELF
internal import CZstd
internal import Glibc

/// Owns one open module file and the libelf handle over its (decompressed) ELF image.
///
/// Every raw libelf/libdw/libzstd call of modsplit lives in this file. Each wrapper turns a failure
/// into an `ELFScanError` that names the C function and `elf_errmsg(elf_errno())`.
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
            return strncmp(namePointer, UnsafeRawPointer(prefix.utf8Start).assumingMemoryBound(to: CChar.self),
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
        // O_NONBLOCK: a FIFO named *.ko must not block the scan; it is rejected by fstat below.
        let fd = openat(directory, file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ELFScanError(.io, path: path, "open: \(Self.errnoText())") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = Self.errnoText()
            close(fd)
            throw ELFScanError(.io, path: path, "fstat: \(reason)")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ELFScanError(.io, path: path, "not a regular file (\(Self.fileTypeName(st.st_mode)))")
        }
        let fileSize = UInt64(st.st_size)
        var magic = [UInt8](repeating: 0, count: 6)
        let got = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 6, 0) }
        guard got >= 0 else {
            let reason = Self.errnoText()
            close(fd)
            throw ELFScanError(.io, path: path, "read: \(reason)")
        }
        if got == 0 {
            close(fd)
            throw ELFScanError(.notELF, path: path, "empty file")
        }
        let compression = Self.sniff(magic.prefix(got))
        self.compression = compression
        self.fileSize = fileSize

        if compression == .zstd {
            let (buffer, size) = try Self.inflateZstd(fd: fd, fileSize: fileSize, path: path, limits: limits)
            close(fd)
            self.fd = -1
            guard let e = elf_memory(buffer.assumingMemoryBound(to: CChar.self), Int(size)) else {
                free(buffer)
                throw ELFScanError(.malformed, path: path, "elf_memory: \(Self.elfError())")
            }
            self.elf = e
            self.ownedImage = buffer
            self.imageSize = size
        } else {
            if compression == .bzip2 {
                // Neither the kernel nor kmod load bzip2 modules, and libdw's bzip2 reader loops forever
                // on a truncated stream (elfutils 0.188): refuse without inflating.
                close(fd)
                throw ELFScanError(.compression, path: path, "bzip2-compressed module: the kernel and kmod do not load these")
            }
            if compression != .none, let bound = limits.maxCompressedInputBytes, fileSize > bound {
                close(fd)
                throw ELFScanError(.compression, path: path, "compressed file of \(fileSize) bytes exceeds the limit")
            }
            // Plain modules: ELF_C_READ reads headers now and each section only when asked for, so the
            // code and data of a module are never read. dwelf_elf_begin inflates xz, gzip and bzip2 images.
            let begun = compression == .none ? elf_begin(fd, ELF_C_READ, nil) : dwelf_elf_begin(fd)
            guard let e = begun else {
                let reason = Self.elfError()
                close(fd)
                if compression == .none { throw ELFScanError(.notELF, path: path, "elf_begin: \(reason)") }
                // libdw reports a bad stream as a bad handle; say what it means.
                throw ELFScanError(.compression, path: path,
                                   "corrupt or truncated \(compression.rawValue) stream (dwelf_elf_begin: \(reason))")
            }
            self.fd = fd
            self.elf = e
            self.ownedImage = nil
            if compression == .none {
                // Not elf_rawfile here: on a file opened with ELF_C_READ it reads the whole file into
                // memory (__libelf_readall), undoing the laziness above.
                self.imageSize = fileSize
            } else {
                var raw = 0
                _ = elf_rawfile(e, &raw)
                self.imageSize = UInt64(raw)
                if compression == .gzip {
                    // libdw returns what it could inflate from a cut-off gzip stream without an error.
                    // The stream's trailer holds the inflated size (mod 2^32): a truncated file's last
                    // bytes are not that trailer.
                    var trailer = [UInt8](repeating: 0, count: 4)
                    let n = trailer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4, off_t(fileSize) - 4) }
                    let isize = UInt32(trailer[0]) | UInt32(trailer[1]) << 8 | UInt32(trailer[2]) << 16 | UInt32(trailer[3]) << 24
                    if fileSize < 18 || n != 4 || isize != UInt32(truncatingIfNeeded: raw) {
                        throw ELFScanError(.compression, path: path,
                                           "corrupt or truncated gzip stream (inflated \(raw) bytes, the trailer says \(isize))")
                    }
                }
            }
        }
        guard elf_kind(elf) == ELF_K_ELF else {
            let what = compression == .none ? "not an ELF file" : "\(compression.rawValue) stream does not hold an ELF file"
            throw ELFScanError(.notELF, path: path, what)
        }
        if imageSize > limits.maxUncompressedBytes {
            throw ELFScanError(.compression, path: path,
                               "inflates to \(imageSize) bytes, past the limit of \(limits.maxUncompressedBytes)")
        }
    }

    deinit {
        elf_end(elf)
        if let ownedImage { free(ownedImage) }
        if fd >= 0 { close(fd) }
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
            throw ELFScanError(.malformed, path: path,
                               "section header table (offset \(ehdr.e_shoff), \(count) entries) extends past the end of the \(imageSize)-byte image (truncated?)")
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
                    throw ELFScanError(.malformed, path: path,
                                       "section \(i) (offset \(shdr.sh_offset), \(shdr.sh_size) bytes) extends past the end of the \(imageSize)-byte image (truncated?)")
                }
            }
            scns.append(scn)
            result.append(Section(index: i, namePointer: name, type: shdr.sh_type, flags: shdr.sh_flags,
                                  link: shdr.sh_link, info: shdr.sh_info, size: shdr.sh_size,
                                  entrySize: shdr.sh_entsize))
        }
        return result
    }

    /// Lends the bytes of a section (as stored, without byte-order translation) to `body`.
    func withBytes<T>(of section: Section, _ body: (UnsafeRawBufferPointer) throws(ELFScanError) -> T)
        throws(ELFScanError) -> T
    {
        guard section.type != UInt32(SHT_NOBITS), section.size > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let data = elf_rawdata(scn(section), nil) else { throw libelfFailure("elf_rawdata(\(section.name))") }
        return try body(UnsafeRawBufferPointer(start: data.pointee.d_buf, count: data.pointee.d_size))
    }

    /// The bytes of a section as stored. They stay valid while this image lives: callers keep the
    /// image for as long as they use them (one module parse), and never let them escape it.
    func bytes(of section: Section) throws(ELFScanError) -> UnsafeRawBufferPointer {
        guard section.type != UInt32(SHT_NOBITS), section.size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        guard let data = elf_rawdata(scn(section), nil) else { throw libelfFailure("elf_rawdata(\(section.name))") }
        return UnsafeRawBufferPointer(start: data.pointee.d_buf, count: data.pointee.d_size)
    }

    /// The symbols of a `SHT_SYMTAB` section, decoded on demand from the section's bytes.
    func symbols(of section: Section, extendedIndex: Section?, header: Header) throws(ELFScanError) -> SymbolTable {
        guard section.entrySize != 0 else {
            throw ELFScanError(.malformed, path: path, "\(section.name) has entry size 0")
        }
        let bytes = try bytes(of: section)
        let xindex = try extendedIndex.map { x throws(ELFScanError) in try self.bytes(of: x) }
        return SymbolTable(bytes: bytes, extendedIndex: xindex, is64: header.bits == 64,
                           order: ByteOrder(bigEndian: header.bigEndian))
    }

    /// The entries of a `SHT_REL` or `SHT_RELA` section.
    func relocations(of section: Section) throws(ELFScanError) -> [Relocation] {
        let isRela = section.type == UInt32(SHT_RELA)
        guard section.entrySize != 0 else {
            throw ELFScanError(.malformed, path: path, "\(section.name) has entry size 0")
        }
        guard let data = elf_getdata(scn(section), nil) else { throw libelfFailure("elf_getdata(\(section.name))") }
        let count = Int(data.pointee.d_size) / Int(section.entrySize)
        var result: [Relocation] = []
        result.reserveCapacity(count)
        if isRela {
            var r = GElf_Rela()
            for i in 0..<count {
                guard gelf_getrela(data, Int32(i), &r) != nil else {
                    throw libelfFailure("gelf_getrela(\(section.name)[\(i)])")
                }
                result.append(Relocation(offset: r.r_offset, symbol: UInt32(truncatingIfNeeded: r.r_info >> 32),
                                         type: UInt32(truncatingIfNeeded: r.r_info), addend: r.r_addend))
            }
        } else {
            var r = GElf_Rel()
            for i in 0..<count {
                guard gelf_getrel(data, Int32(i), &r) != nil else {
                    throw libelfFailure("gelf_getrel(\(section.name)[\(i)])")
                }
                result.append(Relocation(offset: r.r_offset, symbol: UInt32(truncatingIfNeeded: r.r_info >> 32),
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

    static func errnoText() -> String { String(cString: strerror(errno)) }

    private static func fileTypeName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "mode \(String(mode, radix: 8))"
        }
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

    /// Inflates a zstd file into a malloc'd buffer, bounded by `limits` (Debian 12's libdw has no zstd).
    private static func inflateZstd(fd: Int32, fileSize: UInt64, path: String, limits: ScanLimits)
        throws(ELFScanError) -> (UnsafeMutableRawPointer, UInt64)
    {
        if let bound = limits.maxCompressedInputBytes, fileSize > bound {
            close(fd)
            throw ELFScanError(.compression, path: path, "compressed file of \(fileSize) bytes exceeds the limit")
        }
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Int(fileSize), 1), alignment: 16)
        defer { input.deallocate() }
        var done = 0
        while done < Int(fileSize) {
            let n = pread(fd, input.baseAddress! + done, Int(fileSize) - done, off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n < 0 ? errnoText() : "unexpected end of file"
                close(fd)
                throw ELFScanError(.io, path: path, "read: \(reason)")
            }
            done += n
        }
        guard let dctx = ZSTD_createDCtx() else {
            close(fd)
            throw ELFScanError(.compression, path: path, "ZSTD_createDCtx failed")
        }
        defer { ZSTD_freeDCtx(dctx) }
        let limit = Int(clamping: limits.maxUncompressedBytes)
        let declared = ZSTD_getFrameContentSize(input.baseAddress, Int(fileSize))
        var capacity = Int(fileSize) * 4 + 4096
        // Trust a declared size only up to the limit; the stream is still checked as it inflates.
        if declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR && declared > 0 {
            capacity = Int(min(declared, UInt64(limit))) + 1
        }
        capacity = min(capacity, limit + 1)
        guard var out = malloc(capacity) else {
            close(fd)
            throw ELFScanError(.compression, path: path, "out of memory")
        }
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: Int(fileSize), pos: 0)
        var outBuf = ZSTD_outBuffer(dst: out, size: capacity, pos: 0)
        while true {
            let ret = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
            if ZSTD_isError(ret) != 0 {
                free(out)
                close(fd)
                throw ELFScanError(.compression, path: path,
                                   "zstd: \(String(cString: ZSTD_getErrorName(ret)))")
            }
            if ret == 0 && inBuf.pos == inBuf.size { break }
            if outBuf.pos > limit {
                free(out)
                close(fd)
                throw ELFScanError(.compression, path: path, "zstd stream inflates past the limit of \(limit) bytes")
            }
            if outBuf.pos == outBuf.size {
                let grown = min(capacity * 2, limit + 1)
                guard grown > capacity, let bigger = realloc(out, grown) else {
                    free(out)
                    close(fd)
                    throw ELFScanError(.compression, path: path,
                                       "zstd stream inflates past the limit of \(limit) bytes")
                }
                out = bigger
                capacity = grown
                outBuf.dst = out
                outBuf.size = capacity
                continue
            }
            if inBuf.pos == inBuf.size {
                free(out)
                close(fd)
                throw ELFScanError(.compression, path: path, "zstd stream is truncated")
            }
        }
        if outBuf.pos > limit {
            free(out)
            close(fd)
            throw ELFScanError(.compression, path: path, "zstd stream inflates past the limit of \(limit) bytes")
        }
        return (out, UInt64(outBuf.pos))
    }
}

/// Bounds on what one module file may cost to read.
public struct ScanLimits: Sendable, Hashable {
    /// A decompressed module larger than this is refused (the largest real modules are tens of MiB).
    public var maxUncompressedBytes: UInt64
    /// A compressed file larger than this is refused before it is inflated; nil means no bound.
    public var maxCompressedInputBytes: UInt64?

    public init(maxUncompressedBytes: UInt64 = 512 << 20, maxCompressedInputBytes: UInt64? = 256 << 20) {
        self.maxUncompressedBytes = maxUncompressedBytes
        self.maxCompressedInputBytes = maxCompressedInputBytes
    }

    public static let `default` = ScanLimits()
}

/// Reads a small file whole, inflating xz, gzip, bzip2 (through libdw) or zstd by its magic.
/// Used for Module.symvers/symvers.xz, never for modules.
func readDecompressedFile(_ absolutePath: String, path: String, limits: ScanLimits = .default)
    throws(ELFScanError) -> [UInt8]
{
    let fd = Glibc.open(absolutePath, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw ELFScanError(.io, path: path, "open: \(ElfImage.errnoText())") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
        throw ELFScanError(.io, path: path, "not a regular file")
    }
    // Filled straight from the file: no zeroing of a buffer that pread overwrites anyway.
    var failure: String?
    let bytes = [UInt8](unsafeUninitializedCapacity: Int(st.st_size)) { buffer, initialized in
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                failure = n < 0 ? ElfImage.errnoText() : "short file"
                break
            }
            done += n
        }
        initialized = done
    }
    if let failure { throw ELFScanError(.io, path: path, "read: \(failure)") }
    let compression = ElfImage.sniff(bytes.prefix(6))
    if compression == .none { return bytes }
    if compression == .zstd { return try inflateZstdBytes(bytes, path: path, limits: limits) }
    // This may run before any module is opened (the scan reads Module.symvers while modules are being
    // read), so libelf's version handshake cannot be left to ElfImage.init.
    guard ElfImage.libelfReady else { throw ELFScanError(.unsupported, path: path, "libelf: elf_version failed") }
    // libdw inflates by magic; a non-ELF payload comes back as ELF_K_NONE with its bytes in elf_rawfile.
    guard let elf = dwelf_elf_begin(fd) else {
        throw ELFScanError(.compression, path: path, "dwelf_elf_begin: \(String(cString: elf_errmsg(-1)))")
    }
    defer { elf_end(elf) }
    var size = 0
    guard let raw = elf_rawfile(elf, &size) else {
        throw ELFScanError(.compression, path: path, "elf_rawfile: \(String(cString: elf_errmsg(-1)))")
    }
    return Array(UnsafeRawBufferPointer(start: raw, count: size))
}

/// Inflates a whole zstd stream held in memory, bounded by `limits`.
private func inflateZstdBytes(_ bytes: [UInt8], path: String, limits: ScanLimits) throws(ELFScanError) -> [UInt8] {
    guard let dctx = ZSTD_createDCtx() else { throw ELFScanError(.compression, path: path, "ZSTD_createDCtx failed") }
    defer { ZSTD_freeDCtx(dctx) }
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var consumed = 0
    while true {
        var ret = 0
        var produced = 0
        bytes.withUnsafeBytes { raw in
            chunk.withUnsafeMutableBytes { c in
                var inBuf = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: consumed)
                var outBuf = ZSTD_outBuffer(dst: c.baseAddress, size: c.count, pos: 0)
                ret = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
                consumed = inBuf.pos
                produced = outBuf.pos
            }
        }
        if ZSTD_isError(ret) != 0 {
            throw ELFScanError(.compression, path: path, "zstd: \(String(cString: ZSTD_getErrorName(ret)))")
        }
        out.append(contentsOf: chunk[0..<produced])
        guard UInt64(out.count) <= limits.maxUncompressedBytes else {
            throw ELFScanError(.compression, path: path, "inflates past the limit")
        }
        if ret == 0 && consumed == bytes.count { return out }
        if produced == 0 && consumed == bytes.count {
            throw ELFScanError(.compression, path: path, "zstd stream is truncated")
        }
    }
}
