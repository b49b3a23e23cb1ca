/// How a module file is stored on disk.
public enum Compression: String, Sendable, Codable, CaseIterable {
    case none, xz, gzip, bzip2, zstd

    /// The file-name suffix after `.ko` that selects this encoding (`""` for plain modules).
    public var suffix: String {
        switch self {
        case .none: ""
        case .xz: ".xz"
        case .gzip: ".gz"
        case .bzip2: ".bz2"
        case .zstd: ".zst"
        }
    }

    /// The encoding a module path's name announces, or nil when it does not end in `.ko[.suffix]`.
    /// `.ko.bz2` is not a module name: neither the kernel's build nor kmod know bzip2 modules.
    public static func announced(byName name: Substring) -> Compression? {
        for c in Compression.allCases where c != .bzip2 && name.hasSuffix(".ko" + c.suffix) { return c }
        return nil
    }
}

/// The ELF header facts that decide whether modules belong to one kernel build.
public struct ELFIdentity: Sendable, Hashable, Codable {
    /// 32 or 64.
    public var bits: Int
    /// Whether the object is big-endian (`ELFDATA2MSB`), as on s390x and 32-bit powerpc.
    public var bigEndian: Bool
    /// `e_machine`.
    public var machine: UInt16

    /// The identity of an object of `bits` bits, byte order `bigEndian` and ELF machine `machine`.
    public init(bits: Int, bigEndian: Bool, machine: UInt16) {
        self.bits = bits
        self.bigEndian = bigEndian
        self.machine = machine
    }

    /// The machine as GNU target triplets name the CPU (`x86_64`, `aarch64`, `s390x`, `ppc64le`, `i386`, `arm`, …).
    public var machineName: String { ELFMachine.name(of: machine, bits: bits, bigEndian: bigEndian) }
}

/// One symbol a module exports through `__ksymtab` or `__ksymtab_gpl`.
public struct ExportedSymbol: Sendable, Hashable, Codable {
    /// The exported symbol's name (without the `__ksymtab_` prefix).
    public var name: String
    /// Exported with `EXPORT_SYMBOL_GPL`: only modules with a GPL-compatible license may use it.
    public var gplOnly: Bool
    /// The symbol namespace (`EXPORT_SYMBOL_NS`), nil when none.
    public var namespace: String?
    /// The modversions CRC, nil when the kernel was built without `CONFIG_MODVERSIONS`.
    public var crc: UInt32?

    /// An export of `name`, GPL-only or not, in `namespace`, with its modversions CRC when the module has one.
    public init(name: String, gplOnly: Bool, namespace: String? = nil, crc: UInt32? = nil) {
        self.name = name
        self.gplOnly = gplOnly
        self.namespace = namespace
        self.crc = crc
    }
}

/// One symbol a module needs from the kernel or another module: an undefined global or weak symbol.
public struct ImportedSymbol: Sendable, Hashable, Codable {
    /// The symbol's name as the module refers to it.
    public var name: String
    /// A weak reference: the module loads without it, so it never makes the symbol missing.
    public var weak: Bool
    /// The CRC the module was built against, from `__versions`, nil when it has none for this symbol.
    public var crc: UInt32?

    /// An import of `name`, weak or not, with the CRC the module's `__versions` expects.
    public init(name: String, weak: Bool = false, crc: UInt32? = nil) {
        self.name = name
        self.weak = weak
        self.crc = crc
    }
}

/// One `key=value` string of `.modinfo`, in file order.
public struct ModinfoEntry: Sendable, Hashable, Codable {
    /// The key before the first `=` (`license`, `alias`, `depends`, …).
    public var key: String
    /// Everything after the first `=`.
    public var value: String

    /// The `.modinfo` string `key=value`.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Everything modsplit knows about one module file; plain data, independent of the ELF reader.
public struct ModuleFacts: Sendable, Codable, Equatable {
    /// The module name as the kernel knows it (`modinfo name=`, else the file name with `-` → `_`).
    public var name: String
    /// Path relative to the module directory, e.g. `kernel/drivers/net/virtio_net.ko.xz`.
    public var path: String
    /// Bytes on disk (compressed size for compressed modules).
    public var fileSize: UInt64
    /// Bytes of the ELF image after decompression.
    public var uncompressedSize: UInt64
    /// How the file is stored on disk (none, xz, gzip or zstd).
    public var compression: Compression
    /// The ELF class, byte order and machine, which must match across one kernel's modules.
    public var identity: ELFIdentity
    /// Exports in `__ksymtab` then `__ksymtab_gpl` order.
    public var exports: [ExportedSymbol]
    /// Undefined global and weak symbols in `.symtab` order.
    public var imports: [ImportedSymbol]
    /// `__versions` entries that name no undefined symbol (e.g. `module_layout` on older kernels).
    public var extraVersions: [VersionEntry]
    /// The `.modinfo` strings in file order (license, vermagic, aliases, softdeps, …).
    public var modinfo: [ModinfoEntry]

    /// The facts of one module file, as the reader or a test builds them.
    public init(
        name: String, path: String, fileSize: UInt64, uncompressedSize: UInt64, compression: Compression,
        identity: ELFIdentity, exports: [ExportedSymbol], imports: [ImportedSymbol],
        extraVersions: [VersionEntry] = [], modinfo: [ModinfoEntry]
    ) {
        self.name = name
        self.path = path
        self.fileSize = fileSize
        self.uncompressedSize = uncompressedSize
        self.compression = compression
        self.identity = identity
        self.exports = exports
        self.imports = imports
        self.extraVersions = extraVersions
        self.modinfo = modinfo
    }

    /// All values of one `.modinfo` key, in file order.
    public func modinfo(_ key: String) -> [String] {
        modinfo.lazy.filter { $0.key == key }.map(\.value)
    }

    /// The first value of one `.modinfo` key.
    public func firstModinfo(_ key: String) -> String? {
        modinfo.first { $0.key == key }?.value
    }

    /// `alias=` values: the device and name patterns modprobe resolves to this module.
    public var aliases: [String] { modinfo("alias") }
    /// `license=`, which decides whether the module may use GPL-only exports.
    public var license: String? { firstModinfo("license") }
    /// `vermagic=`: the kernel release and build options the loader compares against its own.
    public var vermagic: String? { firstModinfo("vermagic") }
    /// Namespaces the module declares with `MODULE_IMPORT_NS`.
    public var importedNamespaces: [String] { modinfo("import_ns") }
    /// Modules named by `depends=` (what modpost saw at build time).
    public var declaredDepends: [String] {
        modinfo("depends").flatMap { $0.split(separator: ",").map(String.init) }
    }
}

/// One `__versions` record: the CRC a module expects for a symbol.
public struct VersionEntry: Sendable, Hashable, Codable {
    /// The symbol the module expects a CRC for.
    public var name: String
    /// The CRC of the symbol's prototype the module was built against.
    public var crc: UInt32

    /// The `__versions` record of `name` with `crc`.
    public init(name: String, crc: UInt32) {
        self.name = name
        self.crc = crc
    }
}

/// Module names are compared with `-` and `_` equal, as the kernel and kmod do.
public func normalizedModuleName(_ name: some StringProtocol) -> String {
    String(name.map { $0 == "-" ? "_" : $0 })
}

/// The module name a file name implies: `virtio-net.ko.xz` → `virtio_net`.
public func moduleName(fromFileName file: some StringProtocol) -> String {
    var base = Substring(file)
    if let slash = base.lastIndex(of: "/") { base = base[base.index(after: slash)...] }
    // Cut at the last ".ko" that ends the name or is followed by a compression suffix.
    for c in Compression.allCases where base.hasSuffix(".ko" + c.suffix) {
        base = base.dropLast(3 + c.suffix.count)
        break
    }
    return normalizedModuleName(base)
}
