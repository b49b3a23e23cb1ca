internal import ELFScan
internal import Foundation
internal import Graph
public import Split

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

    /// The report of an analysed split; `split` is the name to show for it (reports are shared, so
    /// not an absolute path).
    public init(tool: String, analysis: SplitAnalysis, split: String?) {
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        kernelVersion = analysis.scan.tree.kernelVersion
        self.split = split
        let graph = analysis.graph
        let placement = analysis.placement
        let findings = analysis.findings
        let pk = placement.packages
        let bindings = analysis.context.profileBindings
        packages = analysis.sizes.packages.enumerated().map { p, size in
            Package(
                name: size.name, dependsOn: size.dependsOn, modules: size.members.count, bytes: size.bytes,
                uncompressedBytes: size.uncompressedBytes, installBytes: size.installBytes,
                profiles: bindings.filter { $0.package == p }.map(\.profile.name).sorted())
        }
        var edges: [String: PackageEdge] = [:]
        for (m, es) in graph.deps.enumerated() {
            guard let a = placement.packageOf[m] else { continue }
            for e in es {
                guard let b = placement.packageOf[e.target], a != b else { continue }
                let key = "\(a) \(b)"
                var pe =
                    edges[key]
                    ?? PackageEdge(
                        from: pk.names[a], to: pk.names[b], edges: 0, symbols: 0,
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
            case .pulled(let by, _): rule = "needed by \(by.prefix(3).joined(separator: ", "))"
            case .unlisted: rule = "unlisted"
            }
            return Module(
                name: f.name, path: f.path, package: placement.packageOf[m] ?? -1, bytes: f.fileSize,
                uncompressedBytes: f.uncompressedSize, rule: rule, license: f.license ?? "",
                binds: aliasClasses(f.aliases), deps: graph.deps[m].map(\.target),
                depSymbols: graph.deps[m].map(\.symbols.count), users: graph.users[m])
        }
        self.findings = findings
        summary = Summary(
            modules: analysis.sizes.modules, bytes: analysis.sizes.bytes,
            uncompressedBytes: analysis.sizes.uncompressedBytes,
            errors: findings.count { $0.severity == .error },
            warnings: findings.count { $0.severity == .warning },
            infos: findings.count { $0.severity == .info })
    }
}

extension ReportData {
    /// Reports are shared: a rules file (or each list) is named by its last two path components, not
    /// by the absolute path it had on the machine that wrote the report.
    public static func displayName(_ split: String) -> String {
        split.split(separator: " ").map { part in
            part.split(separator: "/").suffix(2).joined(separator: "/")
        }.joined(separator: " ")
    }
}
