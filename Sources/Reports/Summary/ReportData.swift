internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// Everything the HTML report, summary.md and graph.dot show, computed once from a checked split.
/// Encoded as JSON into the page, where the page's script reads it (module indices refer to `modules`).
public struct ReportData: Codable, Sendable {
    /// The `schemaVersion` this build writes into the page.
    public static let currentSchemaVersion = 1

    /// One package of the split, with its sizes and the guest profiles bound to it.
    public struct Package: Codable, Sendable {
        /// The package's name.
        public var name: String
        /// The packages it depends on directly, as the split declares them.
        public var dependsOn: [String]
        /// How many modules it ships.
        public var modules: Int
        /// Bytes as shipped (compressed files) and uncompressed.
        public var bytes: UInt64
        /// Bytes of its modules after decompression.
        public var uncompressedBytes: UInt64
        /// What installing the package installs: itself and every package below it.
        public var installBytes: UInt64
        /// Names of the guest profiles bound to it, sorted.
        public var profiles: [String]
    }

    /// Module-to-module edges between two packages, counted.
    public struct PackageEdge: Codable, Sendable {
        /// The package whose modules need the symbols.
        public var from: String
        /// The package whose modules export them.
        public var to: String
        /// How many module-to-module dependencies run from `from` to `to`.
        public var edges: Int
        /// How many symbols those dependencies carry in all.
        public var symbols: Int
        /// True when `to` is not in `from`'s closure: these edges are cross-package errors.
        public var broken: Bool
    }

    /// One module of the tree with its package, size and neighbours.
    public struct Module: Codable, Sendable {
        /// The module name as the kernel knows it.
        public var name: String
        /// Path relative to the module directory.
        public var path: String
        /// Index into `packages`, -1 when unplaced.
        public var package: Int
        /// Bytes on disk.
        public var bytes: UInt64
        /// Bytes after decompression.
        public var uncompressedBytes: UInt64
        /// The rule (file:line) that placed it, or how it was placed.
        public var rule: String
        /// `license=` from `.modinfo`, empty when the module declares none.
        public var license: String
        /// Alias classes it binds (pci, usb, virtio, acpi, of, …), sorted.
        public var binds: [String]
        /// Direct dependencies: module indices, and the symbol count of each edge.
        public var deps: [Int]
        /// The number of symbols behind each of `deps`, parallel to it.
        public var depSymbols: [Int]
        /// Direct users: module indices.
        public var users: [Int]
    }

    /// Totals over the whole tree and the findings counted by severity.
    public struct Summary: Codable, Sendable {
        /// Modules in the tree.
        public var modules: Int
        /// Bytes of all modules as shipped.
        public var bytes: UInt64
        /// Bytes of all modules after decompression.
        public var uncompressedBytes: UInt64
        /// Findings of severity error.
        public var errors: Int
        /// Findings of severity warning.
        public var warnings: Int
        /// Findings of severity info.
        public var infos: Int
    }

    /// The document's schema version (`currentSchemaVersion` when written).
    public var schemaVersion: Int
    /// `modsplit <version>`, the tool that wrote the report.
    public var tool: String
    /// The tree's kernel version.
    public var kernelVersion: String
    /// The name shown for the split (not an absolute path), nil for the whole tree as one package.
    public var split: String?
    /// Tree totals and finding counts.
    public var summary: Summary
    /// Every package of the split, in the split's order.
    public var packages: [Package]
    /// Module edges between packages, counted per pair.
    public var packageEdges: [PackageEdge]
    /// Every module of the tree; findings and edges refer to these by index.
    public var modules: [Module]
    /// Every finding of the check.
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
