internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// The renderings of a rules change over a matrix: versioned JSON, text, and Markdown for a pull-request
/// comment (what moves, what breaks and what is fixed, on which kernels).
extension MatrixDiff {
    /// The matrix diff as versioned JSON (sorted keys, a final newline).
    public func json() throws -> String { try VersionedJSON.encode(self) }

    /// `kernel (machine)` for each kernel version, or "every tree".
    func on(_ versions: [String], every: String = "every tree") -> String {
        if trees.count > 1 && versions.count == trees.count { return every }
        return versions.map { v in
            let machine = trees.first { $0.kernelVersion == v }?.machine
            return Display.sanitized(v) + (machine.map { " (\($0))" } ?? "")
        }.joined(separator: ", ")
    }

    /// Per tree: modules moved, findings that appear (errors among them) and disappear.
    func tally(_ tree: Tree) -> (moved: Int, appear: Int, errors: Int, disappear: Int) {
        let d = tree.diff
        return (
            d.moved.count, d.findingsAppeared.count, d.findingsAppeared.count { $0.severity == .error },
            d.findingsDisappeared.count
        )
    }

    /// The matrix diff for a terminal: per tree what moves, and the findings that appear and disappear with the kernels
    /// they are on.
    public func text() -> String {
        var out = "before: \(Display.sanitized(before))\nafter:  \(Display.sanitized(after))\n\n"
        for t in trees {
            let n = tally(t)
            out += "\(Display.sanitized(t.kernelVersion)) (\(t.machine)): \(n.moved) moved between packages, "
            out += "\(n.appear) findings appear (\(n.errors) errors), \(n.disappear) disappear\n"
            for p in t.diff.packages where p.modulesBefore != p.modulesAfter || p.bytesBefore != p.bytesAfter {
                let delta = p.modulesAfter - p.modulesBefore
                out += "  \(Display.sanitized(p.name)): \(p.modulesBefore) → \(p.modulesAfter) modules "
                out += "(\(delta >= 0 ? "+" : "")\(delta)), shipped \(Display.kib(p.bytesBefore)) → "
                out += "\(Display.kib(p.bytesAfter)) (\(t.diff.signed(p.bytesBefore, p.bytesAfter)))\n"
            }
        }
        if !moved.isEmpty { out += "\nmoved:\n" }
        for m in moved {
            out += "  \(Display.sanitized(m.module)): \(Display.sanitized(m.from ?? "none")) → "
            out += "\(Display.sanitized(m.to ?? "none")) (\(Display.kib(m.bytes)))"
            out += m.rule.map { ", placed by \($0)" } ?? ""
            out += " — on \(on(m.trees))\n"
        }
        let lists = [("findings that appear", findingsAppeared), ("findings that disappear", findingsDisappeared)]
        for (title, list) in lists where !list.isEmpty {
            out += "\n\(title):\n"
            for m in list {
                out += "  \(m.finding.severity.rawValue) \(m.finding.kind): \(Display.sanitized(m.finding.message))"
                out += " — on \(on(m.trees))\n"
            }
        }
        return out
    }

    /// The review comment: a table of the kernels (moves, new errors, package deltas), then folded: findings
    /// that appear (errors first), modules that move (largest first), findings that disappear; each item
    /// names its kernels. Cut to `limit` UTF-8 bytes as `SplitDiff.markdown` is.
    public func markdown(limit: Int? = PullRequestComment.maximumBytes, fullReport: String? = nil) -> String {
        let errors = findingsAppeared.count { $0.finding.severity == .error }
        var head = "### modsplit diff on \(trees.count) kernels: \(moved.count) moves, \(errors) new errors\n\n"
        head += "`\(markdownCode(before))` → `\(markdownCode(after))`\n\n"
        var packages: [String] = []
        for t in trees { for p in t.diff.packages where !packages.contains(p.name) { packages.append(p.name) } }
        head += "| kernel | machine | moved | findings appear | new errors | disappear |"
        head += packages.map { " \(markdownEscape($0)) |" }.joined() + "\n"
        head += "| --- | --- | ---: | ---: | ---: | ---: |" + String(repeating: " ---: |", count: packages.count) + "\n"
        for t in trees {
            let n = tally(t)
            head += "| `\(markdownCode(t.kernelVersion))` | \(markdownEscape(t.machine)) | \(n.moved) | \(n.appear) "
            head += "| \(n.errors) | \(n.disappear) |"
            for name in packages {
                guard let p = t.diff.packages.first(where: { $0.name == name }) else {
                    head += " — |"
                    continue
                }
                let delta = p.modulesAfter - p.modulesBefore
                head +=
                    delta == 0 && p.bytesBefore == p.bytesAfter
                    ? " = |"
                    : " \(delta >= 0 ? "+" : "")\(delta) · \(t.diff.signed(p.bytesBefore, p.bytesAfter)) |"
            }
            head += "\n"
        }
        func kernels(_ versions: [String]) -> String {
            trees.count > 1 && versions.count == trees.count
                ? "every kernel" : versions.map { "`\(markdownCode($0))`" }.joined(separator: ", ")
        }
        let moves = moved.enumerated().sorted { ($1.element.bytes, $0.offset) < ($0.element.bytes, $1.offset) }
        let sections = [
            MarkdownComment.Section(
                title: "findings that appear",
                items: findingsAppeared.map { m in
                    "- **\(m.finding.severity.rawValue)** \(markdownEscape(m.finding.kind)): "
                        + "\(markdownEscape(m.finding.message)) — on \(kernels(m.trees))\n"
                }),
            MarkdownComment.Section(
                title: "moved between packages",
                items: moves.map(\.element).map { m in
                    "- `\(markdownCode(m.module))`: \(markdownEscape(m.from ?? "none")) → "
                        + "\(markdownEscape(m.to ?? "none")) (\(Display.kib(m.bytes))) — on \(kernels(m.trees))\n"
                }),
            MarkdownComment.Section(
                title: "findings that disappear",
                items: findingsDisappeared.map { m in
                    "- \(markdownEscape(m.finding.kind)): \(markdownEscape(m.finding.message)) "
                        + "— on \(kernels(m.trees))\n"
                }),
        ]
        let pointer =
            fullReport.map { "see the full report in `\(markdownCode($0))`" }
            ?? "see the full report with `modsplit diff --format json` (or `--full-output FILE`)"
        return MarkdownComment(head: head, sections: sections).render(limit: limit, fullReport: pointer)
    }
}
