internal import ELFScan
internal import Foundation
internal import Graph
internal import Split

/// `index.html` for several trees: one page with a tree switcher. Each tree's summary, package graph and sizes
/// are rendered as for one tree, in a `.tree-view` the script shows when that tree is chosen (without the
/// script, all of them show, one after another); the findings are the merged ones, each marked with the
/// architectures (or kernels) it occurs on, and dimmed when the chosen tree does not have it; the module table
/// and explorer show the chosen tree. The page is as safe as one tree's: the same escaping, script and policy.
extension HTMLReport {
    /// The page for `data`. Same data, same bytes.
    public static func render(_ data: MatrixReportData) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(data), as: UTF8.self)
        let versions = data.trees.map(\.report.kernelVersion)
        let title = "modsplit report: \(versions.count) kernels" + (data.split.map { " · \(fileName($0))" } ?? "")
        var body = matrixHeader(data)
        body += "<main>\n"
        body += treeSwitch(data)
        for (k, tree) in data.trees.enumerated() {
            let r = tree.report
            body += "<div class=\"tree-view\" data-tree=\"\(k)\">\n"
            body += "<h2 class=\"tree-title\">\(escape(tree.machine)) · Kernel \(escape(r.kernelVersion))</h2>\n"
            // Each tree's sections keep their shape; their ids and the graph's marker ids are made unique.
            var sections = summarySection(r) + packageGraphSection(r) + sizeSection(r)
            for id in ["summary", "packages", "sizes"] {
                sections = sections.replacingOccurrences(of: "id=\"\(id)\"", with: "id=\"\(id)-\(k)\"")
            }
            for marker in ["a-dep", "a-mod", "a-brk"] {
                sections = sections.replacingOccurrences(of: "id=\"\(marker)\"", with: "id=\"t\(k)-\(marker)\"")
                    .replacingOccurrences(of: "url(#\(marker))", with: "url(#t\(k)-\(marker))")
            }
            body += sections + "</div>\n"
        }
        body += matrixFindingsSection(data)
        // The table's frame with the first tree's packages; the script refills it for the tree chosen.
        body += modulesSection(data.trees[0].report)
        body += "</main>\n"
        let packages = data.trees.map(\.report.packages.count).max() ?? 0
        return document(
            title: title, tool: data.tool, schemaVersion: data.schemaVersion, body: body, json: json,
            view: try viewJSON(packages: packages))
    }

    static func matrixHeader(_ data: MatrixReportData) -> String {
        var out = "<header><div class=\"wrap\"><div class=\"brand\">modsplit</div><div class=\"head-text\">"
        out += "<h1>\(plural(data.trees.count, "kernel"))</h1><p>"
        if let split = data.split {
            out += "Split <code title=\"\(escape(split))\">\(escape(fileName(split)))</code> · "
        } else {
            out += "Each tree as one package · "
        }
        out += data.trees.map { "\(escape($0.machine)) \(escape($0.report.kernelVersion))" }.joined(separator: " · ")
        out += "</p></div></div></header>\n"
        return out
    }

    /// One button per tree: its machine, kernel and error count.
    static func treeSwitch(_ data: MatrixReportData) -> String {
        var out = "<nav id=\"tree-switch\" class=\"tree-switch\" aria-label=\"Kernel\">"
        out += "<span class=\"ts-label\">Kernel</span>"
        for (k, tree) in data.trees.enumerated() {
            let s = tree.report.summary
            out += "<button type=\"button\" data-tree=\"\(k)\" aria-pressed=\"\(k == 0)\" "
            out += "title=\"\(escape(tree.report.kernelVersion)): \(plural(s.errors, "error")), "
            out += "\(plural(s.warnings, "warning")), \(plural(s.infos, "note"))\">"
            out += "<b>\(escape(tree.machine))</b>\(escape(tree.report.kernelVersion))"
            if s.errors > 0 { out += "<span class=\"sev error\">\(count(s.errors))</span>" }
            out += "</button>"
        }
        return out + "</nav>\n"
    }

    /// The merged findings by kind, as for one tree, each with the trees it occurs on.
    static func matrixFindingsSection(_ data: MatrixReportData) -> String {
        var out = "<section id=\"findings\" class=\"panel\"><h2>Findings</h2>\n"
        if data.findings.isEmpty {
            return out + "<p class=\"good-text\">No findings on any kernel: every module loads from the packages its "
                + "package installs.</p></section>\n"
        }
        out += "<p class=\"hint\">Each finding once, marked with the kernels it occurs on; those that do not occur on "
        out += "the kernel chosen above are dimmed.</p>\n"
        var kinds: [String] = []
        var groups: [String: [MatrixFinding]] = [:]
        for m in data.findings {
            if groups[m.finding.kind] == nil { kinds.append(m.finding.kind) }
            groups[m.finding.kind, default: []].append(m)
        }
        let versions = data.trees.map(\.report.kernelVersion)
        let names = data.shortNames
        for kind in kinds {
            let group = groups[kind] ?? []
            let worst = group.map(\.finding.severity).max() ?? .info
            out += "<details class=\"group\"\(worst == .error ? " open" : "")><summary>"
            out += "<span class=\"sev \(worst.rawValue)\">\(worst == .info ? "note" : worst.rawValue)</span>"
            out += "<b class=\"kind\">\(escape(kind))</b><span class=\"n\">\(count(group.count))</span>"
            if let check = CheckRegistry.check(id: kind) {
                out += "<span class=\"what\">\(escape(check.description.summary))</span>"
            }
            out += "</summary>\n<ol class=\"findings\">\n"
            for m in group {
                let on = Set(m.trees)
                let indices = versions.indices.filter { on.contains(versions[$0]) }.map(String.init)
                var chips = "<div class=\"trees\">"
                for (k, v) in versions.enumerated() {
                    chips += "<span class=\"arch \(on.contains(v) ? "on" : "off")\" title=\"\(escape(v))\">"
                    chips += "\(escape(names[k]))</span>"
                }
                chips += "</div>\n"
                // One tree's rendering of the finding, with the trees after its message.
                var item = finding(m.finding)
                if let end = item.range(of: "</div>\n") { item.insert(contentsOf: chips, at: end.upperBound) }
                out += "<li data-trees=\"\(indices.joined(separator: " "))\"" + item.dropFirst("<li".count)
            }
            out += "</ol></details>\n"
        }
        return out + "</section>\n"
    }
}
