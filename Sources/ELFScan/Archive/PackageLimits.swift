/// Bounds on what reading one package may cost.
public struct PackageLimits: Sendable, Hashable {
    /// Each module's limits, as for a module on disk (`--max-module-mib`).
    public var modules: ScanLimits
    /// All the bytes one package's payload (data.tar, the RPM's cpio) may inflate to, entries skipped
    /// included: skipping inflates too, so this bounds the time a bomb can cost (`--max-package-mib`).
    /// Debian's whole linux-image-6.1.0-50-amd64 inflates to about 400 MiB.
    public var maxPayloadBytes: UInt64
    /// Entries in one payload.
    public var maxEntries: Int

    /// The default of `--max-package-mib`: 2 GiB of payload, five times Debian's largest kernel package.
    public static let defaultPayloadMiB: UInt64 = 2048

    /// Limits for one package; the defaults suit any real distribution kernel package.
    public init(
        modules: ScanLimits = .default, maxPayloadBytes: UInt64 = PackageLimits.defaultPayloadMiB << 20,
        maxEntries: Int = 1_000_000
    ) {
        self.modules = modules
        self.maxPayloadBytes = maxPayloadBytes
        self.maxEntries = maxEntries
    }

    /// modules.order, modules.builtin, modules.builtin.modinfo: real ones are under 1 MiB.
    static let maxIndexFileBytes = 64 << 20
    /// control.tar inflated: real ones are a few KiB.
    static let maxControlBytes: Int64 = 16 << 20
}
