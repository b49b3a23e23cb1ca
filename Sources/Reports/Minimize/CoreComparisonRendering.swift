internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// A split's core beside the minimal core: text for a terminal, Markdown for a pull request or summary.
extension CoreComparison {
    func name(_ m: Int) -> String { Display.sanitized(floor.graph.modules[m].name) }

    /// The totals, as lines of (label, modules, shipped, uncompressed).
    var totals: [(label: String, modules: Int, bytes: UInt64, uncompressed: UInt64)] {
        [
            ("\(package) installs", installed.count, bytes, uncompressedBytes),
            ("the minimal core", floor.members.count, floor.bytes, floor.uncompressedBytes),
            ("beyond the minimal core", extras.count, extraBytes, extraUncompressedBytes),
        ]
    }

    /// How a module got into the core: its own rule, or the chain from a module a rule placed there.
    func origin(_ e: Extra) -> String {
        let rule = e.rule.map { "\($0)" } ?? "no rule"
        if let from = e.movedFrom {
            var line = "moved down from \(Display.sanitized(from)) (asked for by \(Display.sanitized(rule)))"
            if !e.neededBy.isEmpty {
                line +=
                    ": needed by "
                    + e.neededBy.prefix(4).map { u in
                        "\(name(u.module)) (\(Display.sanitized(u.package ?? "no package")))"
                    }.joined(separator: ", ") + (e.neededBy.count > 4 ? " and \(e.neededBy.count - 4) more" : "")
            }
            return line
        }
        if e.chain.count == 1 { return "placed by \(Display.sanitized(rule))" }
        return "pulled in: " + e.chain.map(name).joined(separator: " → ")
            + " (\(name(e.chain[0])) placed by \(Display.sanitized(rule)))"
    }

    /// How a share of the extra bytes is labelled: the rule and its pattern, and the package it asks for when the
    /// split's tool moved the modules down.
    func label(_ r: RuleShare) -> String {
        var s = r.rule.map { "\($0)" } ?? "no rule"
        if let p = r.pattern { s += "  \(p)" }
        if let from = r.movedFrom { s += "  (asks for \(from); moved down: other packages need them)" }
        return Display.sanitized(s)
    }

    /// The share of the package's bytes that lie beyond the floor.
    var extraShare: String { MinimizeFormat.percent(extraBytes, of: bytes) }

    /// The comparison for a terminal: totals, the floor's modules the package lacks, the extra bytes by rule and the
    /// `limit` largest extra modules.
    public func text(limit: Int = 50) -> String {
        let pkg = Display.sanitized(package)
        var out =
            "\(pkg)\(split.map { " of \(Display.sanitized($0))" } ?? "") beside the minimal core for "
            + floor.profiles.map { Display.sanitized($0.name) }.joined(separator: ", ") + "\n\n"
        let width = totals.map(\.label.count).max() ?? 0
        for t in totals {
            out +=
                "  " + t.label + String(repeating: " ", count: width - t.label.count)
                + "  \(t.modules) modules, \(MinimizeFormat.size(t.bytes)) shipped, "
                + "\(MinimizeFormat.size(t.uncompressed)) uncompressed\n"
        }
        out += "\n\(extraShare) of \(pkg)'s shipped bytes lie beyond the minimal core. " + floor.searchSentence() + "\n"
        for need in floor.lacking {
            out +=
                "The kernel has no driver for \(Display.sanitized(need.requirement.what)) ("
                + need.profiles.map(Display.sanitized).joined(separator: ", ") + "): the minimal core leaves it out.\n"
        }
        if missing.isEmpty {
            out += "\(pkg) installs every module of the minimal core.\n"
        } else {
            out +=
                "\nModules of the minimal core \(pkg) does not install "
                + "(it meets those requirements otherwise, or not):\n"
            for (m, p) in missing { out += "  \(name(m)) (in \(p.map(Display.sanitized) ?? "no package"))\n" }
        }
        if !byRule.isEmpty {
            out += "\nBeyond the minimal core, by the rule that brings the modules in:\n"
            for r in byRule {
                let size = MinimizeFormat.size(r.bytes)
                out +=
                    "  " + String(repeating: " ", count: max(0, 10 - size.count)) + size
                    + String(format: " %5d modules  ", r.modules) + label(r) + "\n"
            }
            out +=
                "\nBeyond the minimal core, by module (largest first"
                + (extras.count > limit ? "; \(limit) of \(extras.count)" : "") + "):\n"
            for e in extras.prefix(limit) {
                let m = floor.graph.modules[e.module]
                let size = Display.kib(m.fileSize)
                out +=
                    "  " + String(repeating: " ", count: max(0, 9 - size.count)) + size + "  "
                    + Display.sanitized(m.path) + "  " + origin(e) + "\n"
            }
        }
        return out
    }

    /// Code in a table cell: a `|` would end the cell even inside a code span, unless escaped.
    static func cell(_ s: String) -> String { markdownCode(s).replacingOccurrences(of: "|", with: "\\|") }

    /// The comparison as Markdown: totals and the rules in tables, every extra module in a folded table; with
    /// `timed`, how long the search took (summary.md leaves it out, to be the same bytes every time).
    public func markdown(timed: Bool = true) -> String {
        var out = "### \(markdownEscape(package)) beside the minimal core\n\n"
        if let split { out += "Split `\(markdownCode(split))`; " }
        out += "profiles " + floor.profiles.map { "`\(markdownCode($0.name))`" }.joined(separator: ", ") + ".\n\n"
        out += "| | modules | shipped | uncompressed |\n| --- | ---: | ---: | ---: |\n"
        for t in totals {
            out +=
                "| \(markdownEscape(t.label)) | \(t.modules) | \(MinimizeFormat.size(t.bytes)) | "
                + "\(MinimizeFormat.size(t.uncompressed)) |\n"
        }
        out +=
            "\n\(extraShare) of the package's shipped bytes lie beyond the minimal core. "
            + markdownEscape(floor.searchSentence(timed: timed)) + "\n"
        for need in floor.lacking {
            out +=
                "\nThe kernel has no driver for \(markdownEscape(need.requirement.what)): "
                + "the minimal core leaves it out.\n"
        }
        if !missing.isEmpty {
            out +=
                "\nModules of the minimal core the package does not install: "
                + missing.map { m in
                    "`\(markdownCode(floor.graph.modules[m.module].name))` "
                        + "(in \(markdownEscape(m.package ?? "no package")))"
                }.joined(separator: ", ") + ".\n"
        }
        if !byRule.isEmpty {
            out += "\n| rule | pattern | modules | shipped | uncompressed |\n| --- | --- | ---: | ---: | ---: |\n"
            for r in byRule {
                out +=
                    "| `\(Self.cell(r.rule.map { "\($0)" } ?? "no rule"))` | "
                    + (r.pattern.map { "`\(Self.cell($0))`" } ?? "")
                    + (r.movedFrom.map { " (asks for \(markdownEscape($0)); moved down: other packages need them)" }
                        ?? "")
                    + " | \(r.modules) | "
                    + "\(MinimizeFormat.size(r.bytes)) | \(MinimizeFormat.size(r.uncompressedBytes)) |\n"
            }
            out += "\n<details><summary><b>modules beyond the minimal core</b> (\(extras.count))</summary>\n\n"
            out += "| module | shipped | how it gets in |\n| --- | ---: | --- |\n"
            for e in extras {
                let m = floor.graph.modules[e.module]
                out += "| `\(Self.cell(m.path))` | \(Display.kib(m.fileSize)) | \(markdownEscape(origin(e))) |\n"
            }
            out += "\n</details>\n"
        }
        return out
    }
}
