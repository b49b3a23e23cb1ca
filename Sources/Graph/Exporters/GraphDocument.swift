public import ELFScan
internal import Foundation

/// The whole graph as a versioned JSON document (`modsplit export json`). Every collection is sorted,
/// so the same tree always gives the same bytes.
public struct GraphDocument: Codable, Sendable, Equatable {
    /// The `schemaVersion` this build writes; raised when a field changes meaning or goes away.
    public static let currentSchemaVersion = 1

    /// One symbol a module exports.
    public struct Export: Codable, Sendable, Equatable {
        /// The symbol's name.
        public var name: String
        /// Exported with `EXPORT_SYMBOL_GPL`: only GPL-compatible modules may use it.
        public var gplOnly: Bool
        /// The symbol namespace, or null.
        public var namespace: String?
        /// The modversions CRC as `0x` and 8 hex digits, or null without modversions.
        public var crc: String?

        private enum CodingKeys: String, CodingKey { case name, gplOnly, namespace, crc }
        /// Writes every key, null ones included, so every document has the same shape.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(gplOnly, forKey: .gplOnly)
            try c.encode(namespace, forKey: .namespace)
            try c.encode(crc, forKey: .crc)
        }
    }

    /// One symbol a module needs.
    public struct Import: Codable, Sendable, Equatable {
        /// The symbol's name.
        public var name: String
        /// A weak import: the module loads without it.
        public var weak: Bool
        /// The CRC the module's `__versions` expects, as `0x` and 8 hex digits, or null.
        public var crc: String?
        /// The module it resolves to, `vmlinux`, or nil when unresolved.
        public var provider: String?

        private enum CodingKeys: String, CodingKey { case name, weak, crc, provider }
        /// Writes every key, null ones included, so every document has the same shape.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(weak, forKey: .weak)
            try c.encode(crc, forKey: .crc)
            try c.encode(provider, forKey: .provider)
        }
    }

    /// One module of the graph with its facts and its direct neighbours.
    public struct Module: Codable, Sendable, Equatable {
        /// The module name as the kernel knows it.
        public var name: String
        /// Path relative to the module directory.
        public var path: String
        /// Bytes on disk.
        public var fileSize: UInt64
        /// Bytes of the ELF image after decompression.
        public var uncompressedSize: UInt64
        /// `none`, `xz`, `gzip` or `zstd`.
        public var compression: String
        /// The ELF machine's short name (`x86_64`, `aarch64`, …).
        public var machine: String
        /// 32 or 64.
        public var bits: Int
        /// Whether the object is big-endian.
        public var bigEndian: Bool
        /// `license=` from `.modinfo`, or null.
        public var license: String?
        /// `vermagic=` from `.modinfo`, or null.
        public var vermagic: String?
        /// `alias=` values, in file order.
        public var aliases: [String]
        /// `softdep=` values, in file order.
        public var softdeps: [String]
        /// Its exports, sorted by name.
        public var exports: [Export]
        /// Its imports, sorted by name, each with the module (or `vmlinux`) it resolves to.
        public var imports: [Import]
        /// Direct dependencies, by name.
        public var depends: [String]
        /// Direct users, by name.
        public var users: [String]
    }

    /// A dependency between two modules with the symbols that create it.
    public struct EdgeRecord: Codable, Sendable, Equatable {
        /// The module that needs the symbols.
        public var from: String
        /// The module that exports them.
        public var to: String
        /// The symbols, sorted.
        public var symbols: [String]
    }

    /// A file of the tree that could not be read.
    public struct Problem: Codable, Sendable, Equatable {
        /// Path relative to the module directory.
        public var path: String
        /// The `ELFScanError.Kind` (`io`, `compression`, `notELF`, `unsupported`, `malformed`).
        public var kind: String
        /// What went wrong.
        public var reason: String
    }

    /// The document's schema version (`currentSchemaVersion` when written).
    public var schemaVersion: Int
    /// The tree's kernel version, when known.
    public var kernelVersion: String?
    /// Where the kernel's own exports came from (`symvers`, `system-map`), nil when unknown.
    public var kernelExports: String?
    /// Every analysed module, sorted by name.
    public var modules: [Module]
    /// Every module-to-module dependency, sorted by (from, to).
    public var edges: [EdgeRecord]
    /// Modules built into the kernel image, sorted.
    public var builtin: [String]
    /// Dependency cycles, each as its sorted module names.
    public var cycles: [[String]]
    /// Files that could not be read, sorted by path.
    public var problems: [Problem]

    /// The document of `graph`, with the tree's version, where its exports came from and its unreadable files.
    public init(
        graph: ModuleGraph, kernelVersion: String? = nil, kernelExports: KernelExports? = nil,
        problems: [ELFScanError] = []
    ) {
        schemaVersion = Self.currentSchemaVersion
        self.kernelVersion = kernelVersion
        self.kernelExports = kernelExports.map { "\($0.source.rawValue):\($0.path)" }
        func hex(_ v: UInt32?) -> String? { v.map { "0x" + String($0, radix: 16).leftPadded(to: 8) } }
        let names = graph.modules.map(\.name)
        modules = graph.modules.enumerated().map { i, m in
            Module(
                name: m.name, path: m.path, fileSize: m.fileSize, uncompressedSize: m.uncompressedSize,
                compression: m.compression.rawValue, machine: m.identity.machineName, bits: m.identity.bits,
                bigEndian: m.identity.bigEndian, license: m.license, vermagic: m.vermagic, aliases: m.aliases,
                softdeps: m.modinfo("softdep"),
                exports: m.exports.map {
                    Export(name: $0.name, gplOnly: $0.gplOnly, namespace: $0.namespace, crc: hex($0.crc))
                }
                .sorted { $0.name < $1.name },
                imports: m.imports.enumerated().map { k, imp in
                    var provider: String?
                    // The graph resolved every import once already; no second look-up by name.
                    switch graph.resolvedExport(module: i, import: k)?.provider {
                    case .module(let j): provider = names[j]
                    case .kernel: provider = "vmlinux"
                    case nil: provider = graph.kernelExportsKnown ? nil : "vmlinux"
                    }
                    return Import(name: imp.name, weak: imp.weak, crc: hex(imp.crc), provider: provider)
                }.sorted { $0.name < $1.name },
                depends: graph.deps[i].map { names[$0.target] }.sorted(),
                users: graph.users[i].map { names[$0] }.sorted())
        }.sorted { $0.name < $1.name }
        edges = graph.deps.enumerated().flatMap { i, es in
            es.map { EdgeRecord(from: names[i], to: names[$0.target], symbols: $0.symbols.sorted()) }
        }.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
        builtin = graph.builtin.sorted()
        cycles = graph.cycles().map { $0.map { names[$0] }.sorted() }.sorted { $0[0] < $1[0] }
        self.problems = problems.map { Problem(path: $0.path, kind: $0.kind.rawValue, reason: $0.reason) }
            .sorted { ($0.path, $0.reason) < ($1.path, $1.reason) }
    }

    /// Pretty-printed JSON with sorted keys and a final newline.
    public func encoded() throws -> String {
        try VersionedJSON.encode(self)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
