internal import CLzma
internal import CZlib
internal import CZstd
internal import Glibc

/// Inflates xz, gzip and zstd images with decoders modsplit drives itself, so that no image grows past
/// the scan's limit: the raw liblzma, zlib and libzstd calls of modsplit live here.
///
/// Each format is first asked, cheaply, how big it says it will be — the xz stream footer and index,
/// the gzip ISIZE trailer, the zstd frame header — and a file that announces more than the limit is
/// refused before anything is inflated (a 1 GiB bomb costs microseconds). Because those figures can lie,
/// the decoder's output buffer is then capped at the limit too: a stream that keeps going past it is
/// refused when it gets there, so memory never exceeds the limit plus the decoder's own state and time
/// is that of inflating at most `limit` bytes. libdw's `dwelf_elf_begin`, used before, grows its buffer
/// until the stream ends and cannot be stopped.
enum Inflater {
    /// The memory an xz decoder may use for its dictionary: `xz -9` needs 65 MiB; the kernel's own
    /// module compression uses far less. A stream that asks for more is refused.
    static let xzMemoryLimit: UInt64 = 128 << 20
    /// Deflate's best possible ratio is 1032:1 (258-byte matches at ~2 bits each).
    static let deflateMaxRatio: UInt64 = 1032

    /// Inflates the whole compressed file `input` into a malloc'd buffer the caller frees; refuses
    /// (with an `ELFScanError(.compression, …)` naming `path`) a stream that is corrupt, truncated, or
    /// inflates past `limit` bytes.
    static func inflate(_ input: UnsafeRawBufferPointer, as compression: Compression, path: String, limit: UInt64)
        throws(ELFScanError) -> (buffer: UnsafeMutableRawPointer, count: Int)
    {
        // Buffers are sized `limit + 1` (one byte past the limit shows a stream that goes on): a limit
        // near UInt64.max must not wrap, and no buffer can be larger than Int.max anyway.
        let limit = min(limit, UInt64(Int.max) - 1)
        switch compression {
        case .xz: return try xz(input, path: path, limit: limit)
        case .gzip: return try gzip(input, path: path, limit: limit)
        case .zstd: return try zstd(input, path: path, limit: limit)
        case .none, .bzip2:
            throw ELFScanError(.compression, path: path, "\(compression.rawValue) is not inflated by modsplit")
        }
    }

    // MARK: xz

    /// The inflated size an xz file declares: the sum over its streams (read back to front, as `xz --list`
    /// does) of `lzma_index_uncompressed_size`, each index found through its stream footer
    /// (`lzma_stream_footer_decode`) and decoded by `lzma_index_buffer_decode`. Every offset is checked
    /// against the file before it is used.
    static func xzDeclaredSize(_ input: UnsafeRawBufferPointer, path: String) throws(ELFScanError) -> UInt64 {
        func corrupt(_ why: String) -> ELFScanError {
            ELFScanError(.compression, path: path, "corrupt or truncated xz stream (\(why))")
        }
        guard let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw corrupt("empty") }
        let headerSize = Int(LZMA_STREAM_HEADER_SIZE)
        var end = input.count
        var total: UInt64 = 0
        var streams = 0
        while end > 0 {
            // Stream padding: multiples of four NUL bytes after a stream.
            while end >= 4 && input[end - 4] == 0 && input[end - 3] == 0 && input[end - 2] == 0 && input[end - 1] == 0 {
                end -= 4
            }
            guard end >= 2 * headerSize else {
                throw corrupt(streams == 0 ? "too short" : "bytes before the first stream")
            }
            var footer = lzma_stream_flags()
            guard lzma_stream_footer_decode(&footer, base + end - headerSize) == LZMA_OK else {
                throw corrupt("no valid stream footer at the end")
            }
            let indexSize = footer.backward_size
            guard indexSize <= UInt64(end - 2 * headerSize) else { throw corrupt("index larger than the file") }
            let indexStart = end - headerSize - Int(indexSize)
            var index: OpaquePointer?
            var memoryLimit: UInt64 = 16 << 20
            var position = 0
            let ret = lzma_index_buffer_decode(&index, &memoryLimit, nil, base + indexStart, &position, Int(indexSize))
            defer { if let index { lzma_index_end(index, nil) } }
            guard ret == LZMA_OK, let index, position == Int(indexSize) else {
                throw corrupt("index: \(lzmaName(ret))")
            }
            let streamSize = lzma_index_stream_size(index)
            guard streamSize <= UInt64(end), streamSize >= UInt64(2 * headerSize) else {
                throw corrupt("index describes a stream larger than the file")
            }
            let start = end - Int(streamSize)
            var header = lzma_stream_flags()
            guard lzma_stream_header_decode(&header, base + start) == LZMA_OK,
                lzma_stream_flags_compare(&header, &footer) == LZMA_OK
            else { throw corrupt("stream header does not match its footer") }
            let (sum, overflow) = total.addingReportingOverflow(lzma_index_uncompressed_size(index))
            guard !overflow else { throw corrupt("sizes overflow") }
            total = sum
            streams += 1
            end = start
        }
        return total
    }

    private static func xz(_ input: UnsafeRawBufferPointer, path: String, limit: UInt64)
        throws(ELFScanError) -> (buffer: UnsafeMutableRawPointer, count: Int)
    {
        let declared = try xzDeclaredSize(input, path: path)
        guard declared <= limit else {
            throw ELFScanError(
                .compression, path: path,
                "xz index declares \(declared) inflated bytes, past the limit of \(limit)")
        }
        var strm = lzma_stream()  // all-zero: LZMA_STREAM_INIT
        // 0x08 is LZMA_CONCATENATED (its UINT32_C definition does not import).
        let initialized = lzma_stream_decoder(&strm, xzMemoryLimit, 0x08)
        guard initialized == LZMA_OK else {
            throw ELFScanError(.compression, path: path, "lzma_stream_decoder: \(lzmaName(initialized))")
        }
        defer { lzma_end(&strm) }
        // The index was checked against nothing yet: one byte more than it declares shows a lie at once.
        var output = try OutputBuffer(initial: declared + 1, cap: declared + 1, path: path)
        strm.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        strm.avail_in = input.count
        while true {
            strm.next_out = output.next.assumingMemoryBound(to: UInt8.self)
            strm.avail_out = output.room
            let ret = lzma_code(&strm, LZMA_FINISH)
            output.advance(to: Int(strm.total_out))
            if ret == LZMA_STREAM_END { break }
            guard ret == LZMA_OK else {
                let reason =
                    ret == LZMA_MEMLIMIT_ERROR
                    ? "xz stream needs more than \(xzMemoryLimit >> 20) MiB of memory to inflate"
                    : "corrupt or truncated xz stream (lzma_code: \(lzmaName(ret)))"
                throw ELFScanError(.compression, path: path, reason)
            }
            if output.room == 0 {
                throw ELFScanError(
                    .compression, path: path,
                    "corrupt xz stream: inflates past the \(declared) bytes its index declares")
            }
        }
        guard UInt64(output.count) == declared else {
            throw ELFScanError(
                .compression, path: path,
                "corrupt xz stream: inflated \(output.count) bytes, its index declares \(declared)")
        }
        return output.take()
    }

    private static func lzmaName(_ ret: lzma_ret) -> String {
        switch ret {
        case LZMA_OK: "LZMA_OK"
        case LZMA_STREAM_END: "LZMA_STREAM_END"
        case LZMA_MEM_ERROR: "LZMA_MEM_ERROR"
        case LZMA_MEMLIMIT_ERROR: "LZMA_MEMLIMIT_ERROR"
        case LZMA_FORMAT_ERROR: "LZMA_FORMAT_ERROR"
        case LZMA_OPTIONS_ERROR: "LZMA_OPTIONS_ERROR"
        case LZMA_DATA_ERROR: "LZMA_DATA_ERROR"
        case LZMA_BUF_ERROR: "LZMA_BUF_ERROR (truncated)"
        case LZMA_PROG_ERROR: "LZMA_PROG_ERROR"
        default: "lzma_ret \(ret.rawValue)"
        }
    }

    // MARK: gzip

    /// What a gzip file's trailer says: ISIZE, the inflated size of its last member mod 2^32 (RFC 1952).
    /// A real module's size is ISIZE itself; refused are a trailer past the limit (the true size is at
    /// least ISIZE), one that deflate could not produce from this many bytes, and one far below the
    /// file's own size — an ELF image never grows when compressed, so such a figure has wrapped past
    /// 4 GiB (a bomb) or the stream is not one member of a module.
    static func gzipCheckedTrailer(_ input: UnsafeRawBufferPointer, path: String, limit: UInt64)
        throws(ELFScanError) -> UInt64
    {
        guard input.count >= 18 else {
            throw ELFScanError(.compression, path: path, "corrupt or truncated gzip stream (\(input.count) bytes)")
        }
        let n = input.count
        let isize =
            UInt64(input[n - 4]) | UInt64(input[n - 3]) << 8 | UInt64(input[n - 2]) << 16 | UInt64(input[n - 1]) << 24
        guard isize <= limit else {
            throw ELFScanError(
                .compression, path: path,
                "gzip trailer declares \(isize) inflated bytes, past the limit of \(limit)")
        }
        let (most, overflow) = UInt64(n).multipliedReportingOverflow(by: deflateMaxRatio)
        if !overflow && isize > most + 4096 {
            throw ELFScanError(
                .compression, path: path,
                "corrupt gzip stream: its trailer declares \(isize) bytes, more than deflate makes of \(n)")
        }
        if isize < UInt64(n) / 2 {
            throw ELFScanError(
                .compression, path: path,
                "gzip trailer declares \(isize) inflated bytes for a \(n)-byte file: "
                    + "an absurd ratio (a size past 4 GiB wraps the 32-bit trailer)"
            )
        }
        return isize
    }

    private static func gzip(_ input: UnsafeRawBufferPointer, path: String, limit: UInt64)
        throws(ELFScanError) -> (buffer: UnsafeMutableRawPointer, count: Int)
    {
        let isize = try gzipCheckedTrailer(input, path: path, limit: limit)
        var z = z_stream()
        // 15 + 16: a 32 KiB window, gzip wrapper only; zlib checks each member's CRC-32 and ISIZE.
        let initialized = inflateInit2_(&z, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initialized == Z_OK else {
            throw ELFScanError(.compression, path: path, "inflateInit2: zlib error \(initialized)")
        }
        defer { inflateEnd(&z) }
        // ISIZE is a hint (mod 2^32, and of the last member only); the cap is the limit.
        var output = try OutputBuffer(initial: isize + 1, cap: limit + 1, path: path)
        guard let inputBase = input.baseAddress else {
            throw ELFScanError(.compression, path: path, "empty gzip stream")
        }
        var consumed = 0
        while true {
            // zlib counts in 32 bits: hand it at most 1 GiB of input and of output at a time.
            let inChunk = min(input.count - consumed, 1 << 30)
            z.next_in = UnsafeMutablePointer(mutating: (inputBase + consumed).assumingMemoryBound(to: Bytef.self))
            z.avail_in = uInt(inChunk)
            let room = min(output.room, 1 << 30)
            z.next_out = output.next.assumingMemoryBound(to: Bytef.self)
            z.avail_out = uInt(room)
            let ret = CZlib.inflate(&z, Z_NO_FLUSH)
            consumed += inChunk - Int(z.avail_in)
            output.advance(by: room - Int(z.avail_out))
            if ret == Z_STREAM_END {
                if consumed == input.count { break }
                // Another member follows (gzip concatenation, which zlib's gzread also accepts).
                guard input.count - consumed >= 2, input[consumed] == 0x1F, input[consumed + 1] == 0x8B else {
                    throw ELFScanError(
                        .compression, path: path,
                        "corrupt gzip stream: \(input.count - consumed) bytes of trailing data")
                }
                inflateReset(&z)
                continue
            }
            if ret == Z_OK || (ret == Z_BUF_ERROR && output.room == 0) {
                if output.room == 0 && !output.grow() {
                    throw ELFScanError(
                        .compression, path: path,
                        "gzip stream inflates past the limit of \(limit) bytes")
                }
                if ret == Z_OK || output.room > 0 { continue }
            }
            if ret == Z_BUF_ERROR || (ret == Z_OK && consumed == input.count) {
                throw ELFScanError(.compression, path: path, "corrupt or truncated gzip stream (ends early)")
            }
            let message = z.msg.map { String(cString: $0) } ?? "zlib error \(ret)"
            throw ELFScanError(.compression, path: path, "corrupt gzip stream (inflate: \(message))")
        }
        return output.take()
    }

    // MARK: zstd

    private static func zstd(_ input: UnsafeRawBufferPointer, path: String, limit: UInt64)
        throws(ELFScanError) -> (buffer: UnsafeMutableRawPointer, count: Int)
    {
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        var initial = UInt64(input.count) * 4 + 4096
        if declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR {
            // The first frame alone is past the limit: refuse before inflating anything.
            guard declared <= limit else {
                throw ELFScanError(
                    .compression, path: path,
                    "zstd frame declares \(declared) inflated bytes, past the limit of \(limit)")
            }
            initial = declared + 1
        }
        guard let dctx = ZSTD_createDCtx() else {
            throw ELFScanError(.compression, path: path, "ZSTD_createDCtx failed")
        }
        defer { ZSTD_freeDCtx(dctx) }
        var output = try OutputBuffer(initial: min(initial, limit + 1), cap: limit + 1, path: path)
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            var outBuf = ZSTD_outBuffer(dst: output.next, size: output.room, pos: 0)
            let ret = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
            output.advance(by: outBuf.pos)
            if ZSTD_isError(ret) != 0 {
                throw ELFScanError(
                    .compression, path: path,
                    "corrupt zstd stream (\(String(cString: ZSTD_getErrorName(ret))))")
            }
            if ret == 0 && inBuf.pos == inBuf.size { break }
            if output.room == 0 {
                guard output.grow() else {
                    throw ELFScanError(
                        .compression, path: path, "zstd stream inflates past the limit of \(limit) bytes")
                }
                continue
            }
            if inBuf.pos == inBuf.size {
                throw ELFScanError(.compression, path: path, "corrupt or truncated zstd stream (ends early)")
            }
        }
        guard UInt64(output.count) <= limit else {
            throw ELFScanError(.compression, path: path, "zstd stream inflates past the limit of \(limit) bytes")
        }
        return output.take()
    }
}

/// A malloc'd output buffer that grows (by doubling) up to a cap and no further. It frees its memory
/// when it goes out of scope (a refused or corrupt stream throws from anywhere in a decoder loop)
/// unless `take` has handed the memory to the caller.
private struct OutputBuffer: ~Copyable {
    private var base: UnsafeMutableRawPointer?
    private var capacity: Int
    private let cap: Int
    private(set) var count = 0

    init(initial: UInt64, cap: UInt64, path: String) throws(ELFScanError) {
        self.cap = Int(clamping: cap)
        capacity = max(1, Int(clamping: min(initial, cap)))
        guard let base = malloc(capacity) else {
            throw ELFScanError(.compression, path: path, "out of memory for \(capacity) inflated bytes")
        }
        self.base = base
    }

    var next: UnsafeMutableRawPointer { base! + count }
    var room: Int { capacity - count }

    mutating func advance(by n: Int) { count += n }
    mutating func advance(to total: Int) { count = total }

    /// Doubles the buffer up to the cap; false when it is at the cap (or memory ran out).
    mutating func grow() -> Bool {
        guard capacity < cap else { return false }
        let bigger = capacity > cap / 2 ? cap : capacity * 2
        guard let moved = realloc(base, bigger) else { return false }
        base = moved
        capacity = bigger
        return true
    }

    /// Hands the buffer to the caller, who frees it.
    mutating func take() -> (buffer: UnsafeMutableRawPointer, count: Int) {
        defer { base = nil }
        return (base!, count)
    }

    deinit { free(base) }
}
