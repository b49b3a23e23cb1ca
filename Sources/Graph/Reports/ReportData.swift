internal import Foundation

/// Everything the HTML report, summary.md and graph.dot show, computed once from a checked split.
/// Encoded as JSON into the page, where the page's script reads it (module indices refer to `modules`).
public struct ReportData: Codable, Sendable {
    public static let currentSchemaVersion = 1

    public struct Package: Codable, Sendable {
        public var name: String
        public var dependsOn: [String]
        public var modules: Int
        /// Bytes as shipped (compressed files) and uncompressed.
        public var bytes: UInt64
        public var uncompressedBytes: UInt64
        /// What installing the package installs: itself and every package below it.
        public var installBytes: UInt64
        public var profiles: [String]
    }

    /// Module-to-module edges between two packages, counted.
    public struct PackageEdge: Codable, Sendable {
        public var from: String
        public var to: String
        public var edges: Int
        public var symbols: Int
        /// True when `to` is not in `from`'s closure: these edges are cross-package errors.
        public var broken: Bool
    }

    public struct Module: Codable, Sendable {
        public var name: String
        public var path: String
        /// Index into `packages`, -1 when unplaced.
        public var package: Int
        public var bytes: UInt64
        public var uncompressedBytes: UInt64
        /// The rule (file:line) that placed it, or how it was placed.
        public var rule: String
        public var license: String
        /// Alias classes it binds (pci, usb, virtio, acpi, of, …), sorted.
        public var binds: [String]
        /// Direct dependencies: module indices, and the symbol count of each edge.
        public var deps: [Int]
        public var depSymbols: [Int]
        /// Direct users: module indices.
        public var users: [Int]
    }

    public struct Summary: Codable, Sendable {
        public var modules: Int
        public var bytes: UInt64
        public var uncompressedBytes: UInt64
        public var errors: Int
        public var warnings: Int
        public var infos: Int
    }

    public var schemaVersion: Int
    public var tool: String
    public var kernelVersion: String
    public var split: String?
    public var summary: Summary
    public var packages: [Package]
    public var packageEdges: [PackageEdge]
    public var modules: [Module]
    public var findings: [Finding]

    public init(tool: String, kernelVersion: String, split: String?, graph: ModuleGraph, placement: Placement,
                findings: [Finding], profiles: [(profile: String, package: Int)] = []) {
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        self.kernelVersion = kernelVersion
        self.split = split
        let pk = placement.packages
        let members = placement.members(graph)
        let bytes = members.map { $0.reduce(UInt64(0)) { $0 + graph.modules[$1].fileSize } }
        packages = pk.names.indices.map { p in
            Package(name: pk.names[p], dependsOn: pk.dependsOn[p].map { pk.names[$0] }, modules: members[p].count,
                    bytes: bytes[p], uncompressedBytes: members[p].reduce(0) { $0 + graph.modules[$1].uncompressedSize },
                    installBytes: pk.members(pk.closure(p)).reduce(0) { $0 + bytes[$1] },
                    profiles: profiles.filter { $0.package == p }.map(\.profile).sorted())
        }
        var edges: [String: PackageEdge] = [:]
        for (m, es) in graph.deps.enumerated() {
            guard let a = placement.packageOf[m] else { continue }
            for e in es {
                guard let b = placement.packageOf[e.target], a != b else { continue }
                let key = "\(a) \(b)"
                var pe = edges[key] ?? PackageEdge(from: pk.names[a], to: pk.names[b], edges: 0, symbols: 0,
                                                   broken: !pk.reaches(a, b))
                pe.edges += 1
                pe.symbols += e.symbols.count
                edges[key] = pe
            }
        }
        packageEdges = edges.values.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
        modules = graph.modules.enumerated().map { m, f in
            let rule: String
            switch placement.basis[m] {
            case .needs(let l): rule = "\(l.file.split(separator: "/").last ?? ""):\(l.line) (exact)"
            case .wants(let l): rule = "\(l.file.split(separator: "/").last ?? ""):\(l.line)"
            case .defaulted(let l): rule = "default (\(l.file.split(separator: "/").last ?? ""):\(l.line))"
            case .listed(let l): rule = "\(l.file.split(separator: "/").last ?? ""):\(l.line)"
            case .unruled: rule = "no rule"
            case .wholeTree: rule = "whole tree"
            }
            return Module(name: f.name, path: f.path, package: placement.packageOf[m] ?? -1, bytes: f.fileSize,
                          uncompressedBytes: f.uncompressedSize, rule: rule, license: f.license ?? "",
                          binds: aliasClasses(f.aliases), deps: graph.deps[m].map(\.target),
                          depSymbols: graph.deps[m].map(\.symbols.count), users: graph.users[m])
        }
        self.findings = Finding.sorted(findings)
        summary = Summary(modules: graph.modules.count, bytes: graph.modules.reduce(0) { $0 + $1.fileSize },
                          uncompressedBytes: graph.modules.reduce(0) { $0 + $1.uncompressedSize },
                          errors: findings.count { $0.severity == .error },
                          warnings: findings.count { $0.severity == .warning },
                          infos: findings.count { $0.severity == .info })
    }

    public func encoded(pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// The bus classes a module's aliases bind: the text before the first ':' (`pci`, `usb`, `virtio`, …),
/// with `acpi*`-style globs folded to their name.
public func aliasClasses(_ aliases: [String]) -> [String] {
    var classes = Set<String>()
    for a in aliases {
        guard let colon = a.firstIndex(of: ":") else { continue }
        let c = a[..<colon].filter { $0 != "*" && $0 != "?" }
        if !c.isEmpty && c.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) { classes.insert(String(c)) }
    }
    return classes.sorted()
}
