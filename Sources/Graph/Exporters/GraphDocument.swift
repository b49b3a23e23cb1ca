public import ELFScan
internal import Foundation

/// The whole graph as a versioned JSON document (`modsplit export json`). Every collection is sorted,
/// so the same tree always gives the same bytes.
public struct GraphDocument: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public struct Export: Codable, Sendable, Equatable {
        public var name: String
        public var gplOnly: Bool
        public var namespace: String?
        public var crc: String?

        private enum CodingKeys: String, CodingKey { case name, gplOnly, namespace, crc }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(gplOnly, forKey: .gplOnly)
            try c.encode(namespace, forKey: .namespace)
            try c.encode(crc, forKey: .crc)
        }
    }

    public struct Import: Codable, Sendable, Equatable {
        public var name: String
        public var weak: Bool
        public var crc: String?
        /// The module it resolves to, `vmlinux`, or nil when unresolved.
        public var provider: String?

        private enum CodingKeys: String, CodingKey { case name, weak, crc, provider }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(weak, forKey: .weak)
            try c.encode(crc, forKey: .crc)
            try c.encode(provider, forKey: .provider)
        }
    }

    public struct Module: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        public var fileSize: UInt64
        public var uncompressedSize: UInt64
        public var compression: String
        public var machine: String
        public var bits: Int
        public var bigEndian: Bool
        public var license: String?
        public var vermagic: String?
        public var aliases: [String]
        public var softdeps: [String]
        public var exports: [Export]
        public var imports: [Import]
        /// Direct dependencies, by name.
        public var depends: [String]
        /// Direct users, by name.
        public var users: [String]
    }

    public struct EdgeRecord: Codable, Sendable, Equatable {
        public var from: String
        public var to: String
        public var symbols: [String]
    }

    public struct Problem: Codable, Sendable, Equatable {
        public var path: String
        public var kind: String
        public var reason: String
    }

    public var schemaVersion: Int
    public var kernelVersion: String?
    /// Where the kernel's own exports came from (`symvers`, `system-map`), nil when unknown.
    public var kernelExports: String?
    public var modules: [Module]
    public var edges: [EdgeRecord]
    public var builtin: [String]
    public var cycles: [[String]]
    public var problems: [Problem]

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
