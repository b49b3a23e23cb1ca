internal import CLibArchive
internal import Glibc

/// One libarchive read handle (`struct archive *`), freed in `deinit`. Every libarchive call of
/// modsplit lives in this file.
///
/// A reader accepts only the formats and filters it is built with: never `*_all`, which would also
/// enable filters that run external programs and some thirty formats that bid on corrupt input. Its
/// input is an open file read with `pread` from an offset (a .deb from 0, an RPM payload after the
/// header modsplit parsed itself), or the data of another reader's current entry (the data.tar.xz
/// member of a .deb, read straight out of the ar reader, never copied or written anywhere).
final class ArchiveReader {
    enum Format: String { case ar, tar, cpio }
    enum Filter: String { case gzip, xz, zstd, bzip2, lzma }

    struct Entry {
        enum Kind: String { case regular, directory, symlink, hardlink, other }
        /// The name as stored (bytes decoded as UTF-8; repaired bytes show as U+FFFD and are refused by
        /// the caller's name check only where it matters).
        var name: String
        var kind: Kind
        /// The size the header declares (tar, cpio and ar always declare one).
        var declaredSize: Int64?
        /// A link's target, as stored.
        var target: String?
        var linkCount: UInt32
    }

    /// The file and member this reader reads, for messages (`nic-modules.udeb(data.tar.xz)`).
    let name: String
    private let handle: OpaquePointer
    /// Kept alive while libarchive holds a pointer to it.
    private var source: AnyObject?

    /// A reader of exactly `formats` and `filters`. A support call that is not ARCHIVE_OK is refused:
    /// ARCHIVE_WARN means libarchive was built without the library and would run a program instead.
    init(name: String, formats: [Format], filters: [Filter]) throws(PackageError) {
        guard let a = archive_read_new() else { throw PackageError(name, "archive_read_new failed") }
        handle = a
        self.name = name
        for f in formats {
            let r: Int32
            switch f {
            case .ar: r = archive_read_support_format_ar(a)
            case .tar: r = archive_read_support_format_tar(a)
            case .cpio: r = archive_read_support_format_cpio(a)
            }
            guard r == ARCHIVE_OK else { throw failure("archive_read_support_format_\(f.rawValue)") }
        }
        // An uncompressed stream needs no filter: "none" is always there.
        for f in filters {
            let r: Int32
            switch f {
            case .gzip: r = archive_read_support_filter_gzip(a)
            case .xz: r = archive_read_support_filter_xz(a)
            case .zstd: r = archive_read_support_filter_zstd(a)
            case .bzip2: r = archive_read_support_filter_bzip2(a)
            case .lzma: r = archive_read_support_filter_lzma(a)
            }
            guard r == ARCHIVE_OK else {
                throw PackageError(
                    name, "libarchive cannot decode \(f.rawValue) itself (it would run an external program)")
            }
        }
    }

    deinit { archive_read_free(handle) }

    /// The reader's last error as a `PackageError`: what was being done and libarchive's message.
    func failure(_ doing: String) -> PackageError {
        if let nested = source as? NestedSource, let e = nested.error { return PackageError(name, "\(doing): \(e)") }
        if let file = source as? FileSource, let e = file.error { return PackageError(name, "\(doing): \(e)") }
        let text = archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
        return PackageError(name, "\(doing): \(text)")
    }

    /// Reads the open file `fd` from byte `offset` on (`archive_read_open` with a pread callback). The
    /// descriptor stays the caller's.
    func open(fd: Int32, from offset: Int) throws(PackageError) {
        let file = FileSource(fd: fd, offset: offset)
        source = file
        let r = archive_read_open(handle, Unmanaged.passUnretained(file).toOpaque(), nil, fileRead, nil)
        guard r == ARCHIVE_OK else { throw failure("open") }
    }

    /// Reads the current entry of `outer` as this reader's input. `outer` must not move to its next
    /// entry while this reader is in use.
    func open(nestedIn outer: ArchiveReader) throws(PackageError) {
        let nested = NestedSource(outer: outer.handle)
        source = nested
        let r = archive_read_open(handle, Unmanaged.passUnretained(nested).toOpaque(), nil, nestedRead, nil)
        guard r == ARCHIVE_OK else { throw failure("open") }
    }

    /// The next entry's header, or nil at the end. ARCHIVE_WARN (a name libarchive could not convert)
    /// is accepted; anything worse (a truncated or corrupt archive) is an error.
    ///
    /// libarchive reports an ar archive cut inside a member header as a clean end: callers check that
    /// the members they need were all there.
    func next() throws(PackageError) -> Entry? {
        var entry: OpaquePointer?
        let r = archive_read_next_header(handle, &entry)
        if r == ARCHIVE_EOF { return nil }
        guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else { throw failure("reading the next entry") }
        // The stored bytes; in the C locale a pax UTF-8 name may have no such form: then its UTF-8 form.
        let raw = archive_entry_pathname(entry) ?? archive_entry_pathname_utf8(entry)
        let name =
            raw.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } ?? ""
        var kind: Entry.Kind
        var target: String?
        if let link = archive_entry_hardlink(entry) {
            kind = .hardlink
            target = String(cString: link)
        } else {
            // AE_IFREG and friends are cast macros Swift does not import; they are the POSIX values.
            switch archive_entry_filetype(entry) {
            case 0o100000: kind = .regular
            case 0o040000: kind = .directory
            case 0o120000:
                kind = .symlink
                target = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
            default: kind = .other
            }
        }
        return Entry(
            name: name, kind: kind,
            declaredSize: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil,
            target: target, linkCount: archive_entry_nlink(entry))
    }

    /// The current entry's data in a buffer the caller owns (`malloc`; release with `free`). Refused
    /// before any byte is read when the header declares more than `limit`; the count read must equal
    /// the declared size.
    func readData(declared: Int64?, limit: Int, entry: String) throws(PackageError) -> UnsafeMutableRawBufferPointer {
        guard let declared else { throw PackageError(name, "\(entry): the archive does not say how big it is") }
        guard declared >= 0, declared <= Int64(limit) else {
            throw PackageError(name, "\(entry): \(declared) bytes, past the limit of \(limit)")
        }
        let size = Int(declared)
        guard let base = malloc(max(size, 1)) else {
            throw PackageError(name, "\(entry): cannot allocate \(size) bytes")
        }
        var done = 0
        while done < size {
            let n = archive_read_data(handle, base + done, size - done)
            if n == 0 { break }
            guard n > 0 else {
                free(base)
                throw failure("\(entry): reading its data")
            }
            done += n
        }
        guard done == size else {
            free(base)
            throw PackageError(name, "\(entry): \(done) bytes of data, its header declares \(size)")
        }
        return UnsafeMutableRawBufferPointer(start: base, count: size)
    }

    /// The current entry's data as an array (control files, modules.order: small, bounded by `limit`).
    func readBytes(declared: Int64?, limit: Int, entry: String) throws(PackageError) -> [UInt8] {
        let buffer = try readData(declared: declared, limit: limit, entry: entry)
        defer { free(buffer.baseAddress) }
        return Array(buffer)
    }

    /// Skips the current entry's data. A compressed stream cannot seek, so this inflates the entry:
    /// callers bound `inflatedBytes + declared size` first.
    func skipData(entry: String) throws(PackageError) {
        guard archive_read_data_skip(handle) == ARCHIVE_OK else { throw failure("\(entry): skipping its data") }
    }

    /// Bytes that came out of the filter next to the format so far (the inflated archive stream).
    var inflatedBytes: Int64 { archive_filter_bytes(handle, 0) }

    /// The decompressor libarchive chose (the filter next to the format): `xz`, `gzip`, `zstd`, or
    /// `none` for a plain stream.
    var decompressorName: String {
        guard archive_filter_count(handle) > 0, let name = archive_filter_name(handle, 0) else { return "none" }
        return String(cString: name)
    }
}

/// Client data of a reader over a file: pread from a running offset into one reusable buffer.
private final class FileSource {
    let fd: Int32
    var offset: Int
    var error: String?
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)

    init(fd: Int32, offset: Int) {
        self.fd = fd
        self.offset = offset
    }

    deinit { buffer.deallocate() }
}

/// `archive_read_callback` over a `FileSource`.
private let fileRead:
    @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?)
        -> Int = { _, context, out in
            let file = Unmanaged<FileSource>.fromOpaque(context!).takeUnretainedValue()
            switch Syscalls.preadAll(file.fd, file.buffer, offset: file.offset) {
            case .success(let n):
                file.offset += n
                out!.pointee = UnsafeRawPointer(file.buffer.baseAddress)
                return n
            case .failure(let f):
                file.error = "read: \(f.reason)"
                return -1
            }
        }

/// Client data of a nested reader: the outer reader whose current entry is the input.
private final class NestedSource {
    let outer: OpaquePointer
    var expectedOffset: Int64 = 0
    var error: String?
    init(outer: OpaquePointer) { self.outer = outer }
}

/// `archive_read_callback` handing out the outer entry's data blocks without a copy: libarchive keeps
/// a block valid until its next call, which is what the callback contract asks of the client.
private let nestedRead:
    @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?)
        -> Int = { _, context, out in
            let nested = Unmanaged<NestedSource>.fromOpaque(context!).takeUnretainedValue()
            var block: UnsafeRawPointer?
            var size = 0
            var offset: Int64 = 0
            let r = archive_read_data_block(nested.outer, &block, &size, &offset)
            if r == ARCHIVE_EOF {
                out!.pointee = nil
                return 0
            }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN else {
                nested.error = archive_error_string(nested.outer).map { String(cString: $0) } ?? "read error \(r)"
                return -1
            }
            // ar members are never sparse: a hole would be a format modsplit does not expect.
            guard offset == nested.expectedOffset else {
                nested.error = "hole in the member's data at \(nested.expectedOffset)"
                return -1
            }
            nested.expectedOffset += Int64(size)
            out!.pointee = block
            return size
        }
