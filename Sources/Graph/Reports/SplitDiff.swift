internal import Foundation

/// One side of a diff: a tree, placed by a split, with its findings.
public struct DiffSide: Sendable {
    public var kernelVersion: String
    public var split: String?
    public var graph: ModuleGraph
    public var placement: Placement
    public var findings: [Finding]

    public init(kernelVersion: String, split: String?, graph: ModuleGraph, placement: Placement, findings: [Finding]) {
        self.kernelVersion = kernelVersion
        self.split = split
        self.graph = graph
        self.placement = placement
        self.findings = findings
    }
}

/// What changed between two trees (a new config option, a new kernel) or two splits of one tree (a rules
/// change): modules added, removed and changed, where new modules land and what they cost, modules that
/// move between packages, findings that appear or disappear, and per-package deltas. Versioned JSON.
public struct SplitDiff: Codable, Sendable {
    public static let currentSchemaVersion = 1

    public struct PackageDelta: Codable, Sendable {
        public var name: String
        public var modulesBefore: Int
        public var modulesAfter: Int
        /// Bytes as shipped (compressed files).
        public var bytesBefore: UInt64
        public var bytesAfter: UInt64
        public var uncompressedBefore: UInt64
        public var uncompressedAfter: UInt64
    }

    public struct NeedAcross: Codable, Sendable {
        public var provider: String
        public var package: String?
        public var symbols: [String]
    }

    public struct AddedModule: Codable, Sendable {
        public var name: String
        public var path: String
        public var package: String?
        public var rule: SourceLocation?
        /// Dependencies in other packages than its own.
        public var needsAcross: [NeedAcross]
        /// Alias classes it binds (pci, usb, virtio, …).
        public var binds: [String]
        public var cost: Cost
    }

    public struct ChangedModule: Codable, Sendable {
        public var name: String
        public var path: String
        public var changes: [String]
    }

    public struct Move: Codable, Sendable {
        public var module: String
        public var from: String?
        public var to: String?
        public var rule: SourceLocation?
        public var bytes: UInt64
    }

    public var schemaVersion: Int
    public var before: String
    public var after: String
    public var added: [AddedModule]
    public var removed: [String]
    public var changed: [ChangedModule]
    public var moved: [Move]
    public var findingsAppeared: [Finding]
    public var findingsDisappeared: [Finding]
    public var packages: [PackageDelta]

    public init(before old: DiffSide, after new: DiffSide) {
        schemaVersion = Self.currentSchemaVersion
        before = old.kernelVersion + (old.split.map { " with \($0)" } ?? "")
        after = new.kernelVersion + (new.split.map { " with \($0)" } ?? "")
        let oldByName = Dictionary(old.graph.modules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newByName = Dictionary(new.graph.modules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        func pkg(_ side: DiffSide, _ m: Int) -> String? { side.placement.packageOf[m].map { side.placement.packages.names[$0] } }

        added = new.graph.modules.indices.filter { oldByName[new.graph.modules[$0].name] == nil }.map { m in
            let f = new.graph.modules[m]
            let mine = new.placement.packageOf[m]
            let across = new.graph.deps[m].compactMap { e -> NeedAcross? in
                let theirs = new.placement.packageOf[e.target]
                guard theirs != mine else { return nil }
                return NeedAcross(provider: new.graph.modules[e.target].name, package: pkg(new, e.target), symbols: e.symbols)
            }
            let cost = mine.map { MoveCost.of(m, into: $0, graph: new.graph, placement: new.placement) }
                ?? Cost(bytes: f.fileSize, uncompressedBytes: f.uncompressedSize, modules: [f.name])
            return AddedModule(name: f.name, path: f.path, package: pkg(new, m), rule: new.placement.location(of: m),
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
                if !plus.isEmpty { parts.append("+\(plus.count) (\(plus.prefix(4).joined(separator: ", "))\(plus.count > 4 ? ", …" : ""))") }
                if !minus.isEmpty { parts.append("-\(minus.count) (\(minus.prefix(4).joined(separator: ", "))\(minus.count > 4 ? ", …" : ""))") }
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
                    changes.append("size \(kib(a.uncompressedSize)) → \(kib(b.uncompressedSize)) uncompressed")
                }
            }
            if !changes.isEmpty { changed.append(ChangedModule(name: name, path: b.path, changes: changes)) }
            let from = pkg(old, o), to = pkg(new, n)
            if from != to {
                moved.append(Move(module: name, from: from, to: to, rule: new.placement.location(of: n), bytes: b.fileSize))
            }
        }
        self.changed = changed
        self.moved = moved

        func key(_ f: Finding) -> String { [f.kind, f.module ?? "", f.provider ?? "", f.package ?? "", f.symbols.joined(separator: ",")].joined(separator: "|") }
        let oldKeys = Set(old.findings.map(key)), newKeys = Set(new.findings.map(key))
        findingsAppeared = Finding.sorted(new.findings.filter { !oldKeys.contains(key($0)) })
        findingsDisappeared = Finding.sorted(old.findings.filter { !newKeys.contains(key($0)) })

        let oldMembers = old.placement.members(old.graph), newMembers = new.placement.members(new.graph)
        var names = old.placement.packages.names
        for n in new.placement.packages.names where !names.contains(n) { names.append(n) }
        packages = names.map { name in
            let o = old.placement.packages.index(of: name).map { oldMembers[$0] } ?? []
            let n = new.placement.packages.index(of: name).map { newMembers[$0] } ?? []
            return PackageDelta(name: name, modulesBefore: o.count, modulesAfter: n.count,
                                bytesBefore: o.reduce(0) { $0 + old.graph.modules[$1].fileSize },
                                bytesAfter: n.reduce(0) { $0 + new.graph.modules[$1].fileSize },
                                uncompressedBefore: o.reduce(0) { $0 + old.graph.modules[$1].uncompressedSize },
                                uncompressedAfter: n.reduce(0) { $0 + new.graph.modules[$1].uncompressedSize })
        }
    }

    public func json() throws -> String { try encodeJSON(self) }

    func signed(_ before: UInt64, _ after: UInt64) -> String {
        after >= before ? "+\(kib(after - before))" : "-\(kib(before - after))"
    }

    public func text() -> String {
        var out = "before: \(before)\nafter:  \(after)\n\n"
        out += "packages:\n"
        for p in packages {
            out += "  \(sanitize(p.name)): \(p.modulesBefore) → \(p.modulesAfter) modules (\(p.modulesAfter - p.modulesBefore >= 0 ? "+" : "")\(p.modulesAfter - p.modulesBefore)), shipped \(kib(p.bytesBefore)) → \(kib(p.bytesAfter)) (\(signed(p.bytesBefore, p.bytesAfter))), uncompressed \(kib(p.uncompressedBefore)) → \(kib(p.uncompressedAfter)) (\(signed(p.uncompressedBefore, p.uncompressedAfter)))\n"
        }
        out += "\n\(added.count) added, \(removed.count) removed, \(changed.count) changed, \(moved.count) moved between packages\n"
        out += "\(findingsAppeared.count) findings appear, \(findingsDisappeared.count) disappear\n"
        if !added.isEmpty { out += "\nadded:\n" }
        for a in added {
            out += "  \(sanitize(a.name)) → \(sanitize(a.package ?? "no package"))\(a.rule.map { " (\($0))" } ?? ""), costs \(kib(a.cost.bytes))"
            if a.cost.modules.count > 1 { out += " with \(a.cost.modules.filter { $0 != a.name }.map(sanitize).joined(separator: ", "))" }
            if !a.binds.isEmpty { out += "; binds \(a.binds.joined(separator: ", "))" }
            out += "\n"
            for n in a.needsAcross {
                out += "    needs \(sanitize(n.provider)) (\(sanitize(n.package ?? "no package"))) for \(sanitize(symbolList(n.symbols, limit: 4)))\n"
            }
        }
        if !removed.isEmpty { out += "\nremoved: \(removed.map(sanitize).joined(separator: ", "))\n" }
        if !moved.isEmpty { out += "\nmoved:\n" }
        for m in moved {
            out += "  \(sanitize(m.module)): \(m.from ?? "none") → \(m.to ?? "none") (\(kib(m.bytes)))\(m.rule.map { ", placed by \($0)" } ?? "")\n"
        }
        if !changed.isEmpty { out += "\nchanged:\n" }
        for c in changed { out += "  \(sanitize(c.name)): \(c.changes.map(sanitize).joined(separator: "; "))\n" }
        for (title, list) in [("findings that appear", findingsAppeared), ("findings that disappear", findingsDisappeared)] where !list.isEmpty {
            out += "\n\(title):\n"
            for f in list { out += "  \(f.severity.rawValue) \(f.kind): \(sanitize(f.message))\n" }
        }
        return out
    }

    /// A pull-request comment: totals first, details folded.
    public func markdown() -> String {
        let errors = findingsAppeared.count { $0.severity == .error }
        var out = "### modsplit diff: \(added.count) added, \(removed.count) removed, \(moved.count) moved, \(errors) new errors\n\n"
        out += "`\(markdownCode(before))` → `\(markdownCode(after))`\n\n"
        out += "| package | modules | shipped | uncompressed |\n| --- | ---: | ---: | ---: |\n"
        for p in packages {
            out += "| \(markdownEscape(p.name)) | \(p.modulesBefore) → \(p.modulesAfter) | \(kib(p.bytesBefore)) → \(kib(p.bytesAfter)) (\(signed(p.bytesBefore, p.bytesAfter))) | \(kib(p.uncompressedBefore)) → \(kib(p.uncompressedAfter)) (\(signed(p.uncompressedBefore, p.uncompressedAfter))) |\n"
        }
        func fold(_ title: String, _ lines: [String]) {
            guard !lines.isEmpty else { return }
            out += "\n<details><summary><b>\(title)</b> (\(lines.count))</summary>\n\n" + lines.map { "- " + $0 + "\n" }.joined() + "\n</details>\n"
        }
        fold("findings that appear", findingsAppeared.map { "**\($0.severity.rawValue)** \($0.kind): \(markdownEscape($0.message))" })
        fold("findings that disappear", findingsDisappeared.map { "\($0.kind): \(markdownEscape($0.message))" })
        fold("added modules", added.map { a in
            "`\(markdownCode(a.name))` → \(markdownEscape(a.package ?? "no package")), \(kib(a.cost.bytes))"
                + (a.binds.isEmpty ? "" : ", binds \(a.binds.joined(separator: ", "))")
                + (a.needsAcross.isEmpty ? "" : "; needs " + a.needsAcross.map { "`\(markdownCode($0.provider))` (\(markdownEscape($0.package ?? "none")))" }.joined(separator: ", "))
        })
        fold("moved between packages", moved.map { "`\(markdownCode($0.module))`: \(markdownEscape($0.from ?? "none")) → \(markdownEscape($0.to ?? "none")) (\(kib($0.bytes)))" })
        fold("removed modules", removed.map { "`\(markdownCode($0))`" })
        fold("changed modules", changed.map { "`\(markdownCode($0.name))`: \(markdownEscape($0.changes.joined(separator: "; ")))" })
        return out
    }
}
