internal import ELFScan
internal import Graph
internal import Split

/// The report page's section for `report --minimal-core`: the split's core package beside the smallest core that
/// meets the same profiles — the totals, the rules that bring in what lies beyond that floor, and each extra
/// module with the chain that pulls it in. Everything from a module or a rules file is escaped.
extension HTMLReport {
    static func coreComparisonSection(_ c: CoreComparison) -> String {
        let profiles = c.floor.profiles.map { "<code>\(escape($0.name))</code>" }.joined(separator: ", ")
        var out = "<section id=\"minimal-core\" class=\"panel\"><h2>\(escape(c.package)) beside the minimal core</h2>\n"
        out += "<p class=\"hint\">The minimal core is the smallest set of modules (by shipped bytes) whose "
        out += "dependencies and soft dependencies meet every requirement of the profiles bound to "
        out += "<b>\(escape(c.package))</b>: \(profiles). \(escape(c.floor.searchSentence(timed: false)))</p>\n"
        out += sizeTable(
            first: "", rows: c.totals.map { (escape($0.label), $0.modules, $0.bytes, $0.uncompressed) })
        out += "<p class=\"lede\">\(escape(c.extraShare)) of \(escape(c.package))'s shipped bytes lie beyond the "
        out += "minimal core.</p>\n"
        for need in c.floor.lacking {
            out += "<p>The kernel has no driver for \(escape(need.requirement.what)): the minimal core leaves it "
            out += "out.</p>\n"
        }
        if !c.missing.isEmpty {
            out += "<p>Modules of the minimal core the package does not install: "
            let names = c.missing.map { m in
                "<code>\(escape(c.name(m.module)))</code> (in \(escape(m.package ?? "no package")))"
            }
            out += names.joined(separator: ", ")
            out += ".</p>\n"
        }
        guard !c.byRule.isEmpty else { return out + "</section>\n" }
        out += "<h3>By the rule that brings them in</h3>\n"
        out += sizeTable(
            first: "rule",
            rows: c.byRule.map { ("<code>\(escape(c.label($0)))</code>", $0.modules, $0.bytes, $0.uncompressedBytes) })
        out += "<details><summary>Modules beyond the minimal core (\(count(c.extras.count)))</summary>\n"
        out += "<table><thead><tr><th>module</th><th class=\"num\">shipped</th><th>how it gets in</th></tr></thead>"
        out += "<tbody>\n"
        for e in c.extras {
            let m = c.floor.graph.modules[e.module]
            out += "<tr><td><code>\(escape(m.path))</code></td><td class=\"num\">\(bytes(m.fileSize))</td>"
            out += "<td>\(escape(c.origin(e)))</td></tr>\n"
        }
        out += "</tbody></table></details>\n</section>\n"
        return out
    }

    /// A table of sizes: a first column headed `first` (cells already HTML), then modules, shipped and
    /// uncompressed bytes.
    static func sizeTable(first: String, rows: [(cell: String, modules: Int, bytes: UInt64, uncompressed: UInt64)])
        -> String
    {
        var out = "<table><thead><tr><th>\(first)</th><th class=\"num\">modules</th><th class=\"num\">shipped</th>"
        out += "<th class=\"num\">uncompressed</th></tr></thead><tbody>\n"
        for r in rows {
            out += "<tr><td>\(r.cell)</td><td class=\"num\">\(count(r.modules))</td>"
            out += "<td class=\"num\">\(bytes(r.bytes))</td><td class=\"num\">\(bytes(r.uncompressed))</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }
}
