internal import Foundation
internal import Graph
public import Split
internal import ELFScan

/// The renderings of a diff: versioned JSON, text for a terminal, Markdown for a pull-request comment.
extension SplitDiff {
    public func json() throws -> String { try VersionedJSON.encode(self) }

    func signed(_ before: UInt64, _ after: UInt64) -> String {
        after >= before ? "+\(Display.kib(after - before))" : "-\(Display.kib(before - after))"
    }

    public func text() -> String {
        var out = "before: \(before)\nafter:  \(after)\n\n"
        out += "packages:\n"
        for p in packages {
            out += "  \(Display.sanitized(p.name)): \(p.modulesBefore) → \(p.modulesAfter) modules (\(p.modulesAfter - p.modulesBefore >= 0 ? "+" : "")\(p.modulesAfter - p.modulesBefore)), shipped \(Display.kib(p.bytesBefore)) → \(Display.kib(p.bytesAfter)) (\(signed(p.bytesBefore, p.bytesAfter))), uncompressed \(Display.kib(p.uncompressedBefore)) → \(Display.kib(p.uncompressedAfter)) (\(signed(p.uncompressedBefore, p.uncompressedAfter)))\n"
        }
        out += "\n\(added.count) added, \(removed.count) removed, \(changed.count) changed, \(moved.count) moved between packages\n"
        out += "\(findingsAppeared.count) findings appear, \(findingsDisappeared.count) disappear\n"
        if !added.isEmpty { out += "\nadded:\n" }
        for a in added {
            out += "  \(Display.sanitized(a.name)) → \(Display.sanitized(a.package ?? "no package"))\(a.rule.map { " (\($0))" } ?? ""), costs \(Display.kib(a.cost.bytes))"
            if a.cost.modules.count > 1 { out += " with \(a.cost.modules.filter { $0 != a.name }.map(Display.sanitized).joined(separator: ", "))" }
            if !a.binds.isEmpty { out += "; binds \(a.binds.joined(separator: ", "))" }
            out += "\n"
            for n in a.needsAcross {
                out += "    needs \(Display.sanitized(n.provider)) (\(Display.sanitized(n.package ?? "no package"))) for \(Display.sanitized(Display.symbolList(n.symbols, limit: 4)))\n"
            }
        }
        if !removed.isEmpty { out += "\nremoved: \(removed.map(Display.sanitized).joined(separator: ", "))\n" }
        if !moved.isEmpty { out += "\nmoved:\n" }
        for m in moved {
            out += "  \(Display.sanitized(m.module)): \(m.from ?? "none") → \(m.to ?? "none") (\(Display.kib(m.bytes)))\(m.rule.map { ", placed by \($0)" } ?? "")\n"
        }
        if !changed.isEmpty { out += "\nchanged:\n" }
        for c in changed { out += "  \(Display.sanitized(c.name)): \(c.changes.map(Display.sanitized).joined(separator: "; "))\n" }
        for (title, list) in [("findings that appear", findingsAppeared), ("findings that disappear", findingsDisappeared)] where !list.isEmpty {
            out += "\n\(title):\n"
            for f in list { out += "  \(f.severity.rawValue) \(f.kind): \(Display.sanitized(f.message))\n" }
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
            out += "| \(markdownEscape(p.name)) | \(p.modulesBefore) → \(p.modulesAfter) | \(Display.kib(p.bytesBefore)) → \(Display.kib(p.bytesAfter)) (\(signed(p.bytesBefore, p.bytesAfter))) | \(Display.kib(p.uncompressedBefore)) → \(Display.kib(p.uncompressedAfter)) (\(signed(p.uncompressedBefore, p.uncompressedAfter))) |\n"
        }
        func fold(_ title: String, _ lines: [String]) {
            guard !lines.isEmpty else { return }
            out += "\n<details><summary><b>\(title)</b> (\(lines.count))</summary>\n\n" + lines.map { "- " + $0 + "\n" }.joined() + "\n</details>\n"
        }
        fold("findings that appear", findingsAppeared.map { "**\($0.severity.rawValue)** \($0.kind): \(markdownEscape($0.message))" })
        fold("findings that disappear", findingsDisappeared.map { "\($0.kind): \(markdownEscape($0.message))" })
        fold("added modules", added.map { a in
            "`\(markdownCode(a.name))` → \(markdownEscape(a.package ?? "no package")), \(Display.kib(a.cost.bytes))"
                + (a.binds.isEmpty ? "" : ", binds \(a.binds.joined(separator: ", "))")
                + (a.needsAcross.isEmpty ? "" : "; needs " + a.needsAcross.map { "`\(markdownCode($0.provider))` (\(markdownEscape($0.package ?? "none")))" }.joined(separator: ", "))
        })
        fold("moved between packages", moved.map { "`\(markdownCode($0.module))`: \(markdownEscape($0.from ?? "none")) → \(markdownEscape($0.to ?? "none")) (\(Display.kib($0.bytes)))" })
        fold("removed modules", removed.map { "`\(markdownCode($0))`" })
        fold("changed modules", changed.map { "`\(markdownCode($0.name))`: \(markdownEscape($0.changes.joined(separator: "; ")))" })
        return out
    }
}
