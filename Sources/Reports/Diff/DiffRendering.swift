internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// The renderings of a diff: versioned JSON, text for a terminal, Markdown for a pull-request comment.
extension SplitDiff {
    /// The diff as versioned JSON (sorted keys, a final newline).
    public func json() throws -> String { try VersionedJSON.encode(self) }

    func signed(_ before: UInt64, _ after: UInt64) -> String {
        after >= before ? "+\(Display.kib(after - before))" : "-\(Display.kib(before - after))"
    }

    /// The diff for a terminal: package sizes before and after, modules added, removed and moved, findings that appear
    /// and disappear.
    public func text() -> String {
        var out = "before: \(before)\nafter:  \(after)\n\n"
        out += "packages:\n"
        for p in packages {
            out +=
                "  \(Display.sanitized(p.name)): \(p.modulesBefore) → \(p.modulesAfter) "
                + "modules (\(p.modulesAfter - p.modulesBefore >= 0 ? "+" : "")\(p.modulesAfter - p.modulesBefore)), "
                + "shipped \(Display.kib(p.bytesBefore)) → \(Display.kib(p.bytesAfter)) "
                + "(\(signed(p.bytesBefore, p.bytesAfter))), uncompressed \(Display.kib(p.uncompressedBefore)) "
                + "→ \(Display.kib(p.uncompressedAfter)) (\(signed(p.uncompressedBefore, p.uncompressedAfter)))\n"
        }
        out +=
            "\n\(added.count) added, \(removed.count) removed, \(changed.count) changed, \(moved.count) "
            + "moved between packages\n"
        out += "\(findingsAppeared.count) findings appear, \(findingsDisappeared.count) disappear\n"
        if !added.isEmpty { out += "\nadded:\n" }
        for a in added {
            out +=
                "  \(Display.sanitized(a.name)) → "
                + "\(Display.sanitized(a.package ?? "no package"))\(a.rule.map { " (\($0))" } ?? ""), "
                + "costs \(Display.kib(a.cost.bytes))"
            if a.cost.modules.count > 1 {
                out += " with \(a.cost.modules.filter { $0 != a.name }.map(Display.sanitized).joined(separator: ", "))"
            }
            if !a.binds.isEmpty { out += "; binds \(a.binds.joined(separator: ", "))" }
            out += "\n"
            for n in a.needsAcross {
                out +=
                    "    needs \(Display.sanitized(n.provider)) (\(Display.sanitized(n.package ?? "no package"))) "
                    + "for \(Display.sanitized(Display.symbolList(n.symbols, limit: 4)))\n"
            }
        }
        if !removed.isEmpty { out += "\nremoved: \(removed.map(Display.sanitized).joined(separator: ", "))\n" }
        if !moved.isEmpty { out += "\nmoved:\n" }
        for m in moved {
            out +=
                "  \(Display.sanitized(m.module)): \(m.from ?? "none") → \(m.to ?? "none") "
                + "(\(Display.kib(m.bytes)))\(m.rule.map { ", placed by \($0)" } ?? "")\n"
        }
        if !changed.isEmpty { out += "\nchanged:\n" }
        for c in changed {
            out += "  \(Display.sanitized(c.name)): \(c.changes.map(Display.sanitized).joined(separator: "; "))\n"
        }
        for (title, list) in [
            ("findings that appear", findingsAppeared), ("findings that disappear", findingsDisappeared),
        ] where !list.isEmpty {
            out += "\n\(title):\n"
            for f in list { out += "  \(f.severity.rawValue) \(f.kind): \(Display.sanitized(f.message))\n" }
        }
        return out
    }

    /// A pull-request comment: totals and the package table first, then the details folded, the most
    /// important first: findings that appear (errors first), modules that move between packages (largest
    /// first), added modules (costliest first), findings that disappear, removed and changed modules. Cut to
    /// `limit` UTF-8 bytes (nil: whole; the default fits GitHub's comment limit), each cut list ending with how
    /// many it left out and `fullReport`: where the whole diff is (a file the caller wrote), else how to get it.
    public func markdown(limit: Int? = PullRequestComment.maximumBytes, fullReport: String? = nil) -> String {
        let errors = findingsAppeared.count { $0.severity == .error }
        var head = "### modsplit diff: \(added.count) added, \(removed.count) removed, \(moved.count) moved, "
        head += "\(errors) new errors\n\n"
        head += "`\(markdownCode(before))` → `\(markdownCode(after))`\n\n"
        head += "| package | modules | shipped | uncompressed |\n| --- | ---: | ---: | ---: |\n"
        for p in packages {
            head += "| \(markdownEscape(p.name)) | \(p.modulesBefore) → \(p.modulesAfter) "
            head += "| \(Display.kib(p.bytesBefore)) → \(Display.kib(p.bytesAfter)) "
            head += "(\(signed(p.bytesBefore, p.bytesAfter))) "
            head += "| \(Display.kib(p.uncompressedBefore)) → \(Display.kib(p.uncompressedAfter)) "
            head += "(\(signed(p.uncompressedBefore, p.uncompressedAfter))) |\n"
        }
        func section(_ title: String, _ lines: [String]) -> MarkdownComment.Section {
            MarkdownComment.Section(title: title, items: lines.map { "- " + $0 + "\n" })
        }
        func code(_ s: String) -> String { "`\(markdownCode(s))`" }
        // Largest first; ties keep their order (by name).
        let moves = moved.enumerated().sorted { ($1.element.bytes, $0.offset) < ($0.element.bytes, $1.offset) }
        let additions = added.enumerated()
            .sorted { ($1.element.cost.bytes, $0.offset) < ($0.element.cost.bytes, $1.offset) }
        let sections = [
            section(
                "findings that appear",
                findingsAppeared.map {
                    "**\($0.severity.rawValue)** \(markdownEscape($0.kind)): \(markdownEscape($0.message))"
                }),
            section(
                "moved between packages",
                moves.map(\.element).map {
                    "\(code($0.module)): \(markdownEscape($0.from ?? "none")) → \(markdownEscape($0.to ?? "none")) "
                        + "(\(Display.kib($0.bytes)))"
                }),
            section(
                "added modules",
                additions.map(\.element).map { a in
                    var line = "\(code(a.name)) → \(markdownEscape(a.package ?? "no package")), "
                    line += Display.kib(a.cost.bytes)
                    if !a.binds.isEmpty { line += ", binds \(a.binds.map(markdownEscape).joined(separator: ", "))" }
                    if !a.needsAcross.isEmpty {
                        line +=
                            "; needs "
                            + a.needsAcross.map {
                                "\(code($0.provider)) (\(markdownEscape($0.package ?? "none")))"
                            }.joined(separator: ", ")
                    }
                    return line
                }),
            section(
                "findings that disappear",
                findingsDisappeared.map {
                    "\(markdownEscape($0.kind)): \(markdownEscape($0.message))"
                }),
            section("removed modules", removed.map(code)),
            section(
                "changed modules",
                changed.map {
                    "\(code($0.name)): \(markdownEscape($0.changes.joined(separator: "; ")))"
                }),
        ]
        let pointer =
            fullReport.map { "see the full report in \(code($0))" }
            ?? "see the full report with `modsplit diff --format json` (or `--full-output FILE`)"
        return MarkdownComment(head: head, sections: sections).render(limit: limit, fullReport: pointer)
    }
}
