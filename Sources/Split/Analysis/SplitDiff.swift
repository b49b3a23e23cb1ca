internal import ELFScan
internal import Foundation
internal import Graph

/// What changed between two trees (a new config option, a new kernel) or two splits of one tree (a rules
/// change): modules added, removed and changed, where new modules land and what they cost, modules that
/// move between packages, findings that appear or disappear, and per-package deltas. Versioned JSON.
public struct SplitDiff: Codable, Sendable {
    /// The `schemaVersion` this build writes; raised when a field changes meaning or goes away.
    public static let currentSchemaVersion = 1

    /// One package's module count and sizes before and after.
    public struct PackageDelta: Codable, Sendable {
        /// The package's name (from either side).
        public var name: String
        /// Its module count before; 0 when the package did not exist.
        public var modulesBefore: Int
        /// Its module count after; 0 when the package no longer exists.
        public var modulesAfter: Int
        /// Bytes as shipped (compressed files).
        public var bytesBefore: UInt64
        /// Bytes as shipped after.
        public var bytesAfter: UInt64
        /// Bytes uncompressed before.
        public var uncompressedBefore: UInt64
        /// Bytes uncompressed after.
        public var uncompressedAfter: UInt64
    }

    /// A dependency of an added module on a module in another package.
    public struct NeedAcross: Codable, Sendable {
        /// The module it needs, by name.
        public var provider: String
        /// That module's package; nil when it is in none.
        public var package: String?
        /// The symbols it needs from it.
        public var symbols: [String]
    }

    /// A module only the new side has: where it lands and what it costs there.
    public struct AddedModule: Codable, Sendable {
        /// The module's name.
        public var name: String
        /// Its path relative to the module directory.
        public var path: String
        /// The package the new split places it in; nil when none.
        public var package: String?
        /// The rule that places it, when one does.
        public var rule: SourceLocation?
        /// Dependencies in other packages than its own.
        public var needsAcross: [NeedAcross]
        /// Alias classes it binds (pci, usb, virtio, …).
        public var binds: [String]
        /// What it adds to its package: it and the modules of its closure the package's install set lacks.
        public var cost: Cost
    }

    /// A module on both sides whose exports, imports, aliases, licence, path or size changed.
    public struct ChangedModule: Codable, Sendable {
        /// The module's name.
        public var name: String
        /// Its path on the new side.
        public var path: String
        /// One line per change (`exports +2 (a, b)`, `license GPL → none`, …).
        public var changes: [String]
    }

    /// A module on both sides that is in another package after.
    public struct Move: Codable, Sendable {
        /// The module's name.
        public var module: String
        /// The package it was in before; nil when none.
        public var from: String?
        /// The package it is in after; nil when none.
        public var to: String?
        /// The rule that places it after, when one does.
        public var rule: SourceLocation?
        /// Its size as shipped on the new side.
        public var bytes: UInt64
    }

    /// The document's schema version (`currentSchemaVersion` when written).
    public var schemaVersion: Int
    /// The old side: its kernel version and split (`6.1.0-50-amd64 with rules.yaml`).
    public var before: String
    /// The new side, named the same way.
    public var after: String
    /// Modules only the new side has, by name.
    public var added: [AddedModule]
    /// Names of the modules only the old side has, sorted.
    public var removed: [String]
    /// Modules on both sides that changed, by name.
    public var changed: [ChangedModule]
    /// Modules on both sides that changed package, by name.
    public var moved: [Move]
    /// Findings only the new side has (same kind, module, provider, package and symbols count as the same).
    public var findingsAppeared: [Finding]
    /// Findings only the old side has.
    public var findingsDisappeared: [Finding]
    /// Every package of either side, old ones first.
    public var packages: [PackageDelta]

    /// The diff from `old` to `new`: two trees under one split, or two splits of one tree.
    public init(before old: SplitAnalysis, after new: SplitAnalysis) {
        schemaVersion = Self.currentSchemaVersion
        before = old.scan.tree.kernelVersion + (old.splitName.map { " with \($0)" } ?? "")
        after = new.scan.tree.kernelVersion + (new.splitName.map { " with \($0)" } ?? "")
        let oldByName = Dictionary(
            old.graph.modules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newByName = Dictionary(
            new.graph.modules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        func pkg(_ side: SplitAnalysis, _ m: Int) -> String? {
            side.placement.packageOf[m].map { side.placement.packages.names[$0] }
        }

        added = new.graph.modules.indices.filter { oldByName[new.graph.modules[$0].name] == nil }.map { m in
            let f = new.graph.modules[m]
            let mine = new.placement.packageOf[m]
            let across = new.graph.deps[m].compactMap { e -> NeedAcross? in
                let theirs = new.placement.packageOf[e.target]
                guard theirs != mine else { return nil }
                return NeedAcross(
                    provider: new.graph.modules[e.target].name, package: pkg(new, e.target), symbols: e.symbols)
            }
            let cost =
                mine.map { MoveCost.of(m, into: $0, graph: new.graph, placement: new.placement) }
                ?? Cost(bytes: f.fileSize, uncompressedBytes: f.uncompressedSize, modules: [f.name])
            return AddedModule(
                name: f.name, path: f.path, package: pkg(new, m), rule: new.placement.location(of: m),
                needsAcross: across, binds: aliasClasses(f.aliases), cost: cost)
        }.sorted { $0.name < $1.name }
        removed = old.graph.modules.map(\.name).filter { newByName[$0] == nil }.sorted()

        var changed: [ChangedModule] = []
        var moved: [Move] = []
        for (name, n) in newByName.sorted(by: { $0.key < $1.key }) {
            guard let o = oldByName[name] else { continue }
            let a = old.graph.modules[o], b = new.graph.modules[n]
            var changes: [String] = []
            func setChange(_ what: String, _ x: [String], _ y: [String]) {
                let sx = Set(x), sy = Set(y)
                let plus = sy.subtracting(sx).sorted(), minus = sx.subtracting(sy).sorted()
                guard !plus.isEmpty || !minus.isEmpty else { return }
                var parts: [String] = []
                if !plus.isEmpty {
                    parts.append(
                        "+\(plus.count) (\(plus.prefix(4).joined(separator: ", "))\(plus.count > 4 ? ", …" : ""))")
                }
                if !minus.isEmpty {
                    parts.append(
                        "-\(minus.count) (\(minus.prefix(4).joined(separator: ", "))\(minus.count > 4 ? ", …" : ""))")
                }
                changes.append("\(what) " + parts.joined(separator: " "))
            }
            setChange("exports", a.exports.map(\.name), b.exports.map(\.name))
            setChange("imports", a.imports.map(\.name), b.imports.map(\.name))
            setChange("aliases", a.aliases, b.aliases)
            if a.license != b.license { changes.append("license \(a.license ?? "none") → \(b.license ?? "none")") }
            // A new compression is not a change of the module (the package sizes show it).
            if uncompressedPath(a.path) != uncompressedPath(b.path) { changes.append("path \(a.path) → \(b.path)") }
            // Sizes change with every rebuild (and shipped sizes with the compression): an uncompressed
            // change of more than 10% is worth a line, or any when something else changed too.
            if a.uncompressedSize != b.uncompressedSize {
                let delta = Double(b.uncompressedSize) - Double(a.uncompressedSize)
                if !changes.isEmpty || abs(delta) > 0.1 * Double(max(a.uncompressedSize, 1)) {
                    changes.append(
                        "size \(Display.kib(a.uncompressedSize)) → \(Display.kib(b.uncompressedSize)) uncompressed")
                }
            }
            if !changes.isEmpty { changed.append(ChangedModule(name: name, path: b.path, changes: changes)) }
            let from = pkg(old, o), to = pkg(new, n)
            if from != to {
                moved.append(
                    Move(module: name, from: from, to: to, rule: new.placement.location(of: n), bytes: b.fileSize))
            }
        }
        self.changed = changed
        self.moved = moved

        func key(_ f: Finding) -> String {
            [f.kind, f.module ?? "", f.provider ?? "", f.package ?? "", f.symbols.joined(separator: ",")].joined(
                separator: "|")
        }
        let oldKeys = Set(old.findings.map(key)), newKeys = Set(new.findings.map(key))
        findingsAppeared = Finding.sorted(new.findings.filter { !oldKeys.contains(key($0)) })
        findingsDisappeared = Finding.sorted(old.findings.filter { !newKeys.contains(key($0)) })

        var names = old.placement.packages.names
        for n in new.placement.packages.names where !names.contains(n) { names.append(n) }
        packages = names.map { name in
            let o = old.sizes.package(named: name), n = new.sizes.package(named: name)
            return PackageDelta(
                name: name, modulesBefore: o?.members.count ?? 0, modulesAfter: n?.members.count ?? 0,
                bytesBefore: o?.bytes ?? 0, bytesAfter: n?.bytes ?? 0,
                uncompressedBefore: o?.uncompressedBytes ?? 0,
                uncompressedAfter: n?.uncompressedBytes ?? 0)
        }
    }
}
