/// Bounds on what one module file may cost to read.
public struct ScanLimits: Sendable, Hashable {
    /// A decompressed module larger than this is refused (the largest real modules are tens of MiB).
    public var maxUncompressedBytes: UInt64
    /// A compressed file larger than this is refused before it is inflated; nil means no bound.
    public var maxCompressedInputBytes: UInt64?

    /// Limits with modules refused past 512 MiB inflated and compressed files past 256 MiB by default.
    public init(maxUncompressedBytes: UInt64 = 512 << 20, maxCompressedInputBytes: UInt64? = 256 << 20) {
        self.maxUncompressedBytes = maxUncompressedBytes
        self.maxCompressedInputBytes = maxCompressedInputBytes
    }

    /// What a limit in MiB (`--max-module-mib`) may be: from 1 MiB to 1 TiB. No module comes near the
    /// top, and a figure past 2^44 MiB would wrap when turned into bytes.
    public static let mebibyteRange: ClosedRange<UInt64> = 1...(1 << 20)

    /// Modules refused past `mebibytes` MiB inflated, other limits as default; nil outside `mebibyteRange`.
    public init?(maxUncompressedMiB mebibytes: UInt64) {
        guard Self.mebibyteRange.contains(mebibytes) else { return nil }
        self.init(maxUncompressedBytes: mebibytes << 20)
    }

    /// 512 MiB inflated, 256 MiB compressed: far above any real module.
    public static let `default` = ScanLimits()

    /// The largest compressed file worth reading: a compressed stream is never much bigger than what it
    /// inflates to (stored blocks cost a few bytes per 64 KiB), so one past this cannot inflate within
    /// the limit and is refused before it is read.
    var maxCompressedFileBytes: UInt64 {
        let slack = maxUncompressedBytes / 16
        let (sum, overflow) = maxUncompressedBytes.addingReportingOverflow(slack + (1 << 20))
        return overflow ? .max : sum
    }

    /// The largest compressed module file that is read at all.
    var maxCompressedReadBytes: UInt64 { min(maxCompressedInputBytes ?? .max, maxCompressedFileBytes) }

    /// Whether a module read before under other limits (its facts from the scan cache) is within these,
    /// as a read of its unchanged file now would find it. A read refuses a file by its size, by the
    /// inflated size it declares and by the size it inflates to; a module that inflated to no more than
    /// the limit declares no more either (xz and zstd declare the whole, gzip its last member), so its
    /// two sizes decide. The checks that do not depend on the limits were passed when it was read.
    func admits(_ facts: ModuleFacts) -> Bool {
        guard facts.uncompressedSize <= maxUncompressedBytes else { return false }
        return facts.compression == .none || facts.fileSize <= maxCompressedReadBytes
    }
}
