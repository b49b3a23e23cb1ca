internal import ELFScan
internal import Foundation
internal import Graph
internal import Split

/// The sections of the page that need no script: header, summary cards, the package graph, the size bars, the
/// findings, and the frame of the module table the script fills.
extension HTMLReport {
    static func header(_ data: ReportData) -> String {
        var out = "<header><div class=\"wrap\"><div class=\"brand\">modsplit</div><div class=\"head-text\">"
        out += "<h1>Kernel \(escape(data.kernelVersion))</h1><p>"
        if let split = data.split {
            out += "Split <code title=\"\(escape(split))\">\(escape(fileName(split)))</code> · "
        } else {
            out += "The whole tree as one package · "
        }
        out +=
            "\(plural(data.packages.count, "package")) · "
            + "\(plural(data.summary.modules, "module"))</p></div></div></header>\n"
        return out
    }

    static func summarySection(_ data: ReportData) -> String {
        let s = data.summary
        func card(_ label: String, _ value: String, _ detail: String, _ cls: String = "") -> String {
            "<div class=\"card \(cls)\"><div class=\"label\">\(label)</div><div class=\"value\">\(value)</div>"
                + "<div class=\"detail\">\(detail)</div></div>"
        }
        let unplaced = data.modules.count { $0.package < 0 }
        var out = "<section id=\"summary\" class=\"cards\">\n"
        out += card(
            "Modules", count(s.modules),
            unplaced > 0
                ? "\(count(unplaced)) not placed in any package"
                : "in \(plural(data.packages.count, "package"))")
        out += card("Shipped", bytes(s.bytes), "\(bytes(s.uncompressedBytes)) uncompressed")
        out += card(
            "Errors", count(s.errors), s.errors == 0 ? "the split loads" : "the split breaks",
            s.errors > 0 ? "bad" : "good")
        out += card("Warnings", count(s.warnings), "fail with --strict", s.warnings > 0 ? "warn" : "")
        out += card("Notes", count(s.infos), "for information", "")
        out += "</section>\n"
        if let root = data.packages.first(where: { $0.dependsOn.isEmpty }), s.bytes > 0, data.packages.count > 1 {
            out += "<p class=\"lede\">Installing only <b>\(escape(root.name))</b> ships \(count(root.modules)) of "
            out += "\(count(s.modules)) modules and \(bytes(root.installBytes)) of \(bytes(s.bytes)): it saves "
            out += "\(count(s.modules - root.modules)) modules and \(bytes(s.bytes - root.installBytes)) "
            out += "(\(percent(s.bytes - root.installBytes, of: s.bytes))).</p>\n"
        }
        return out
    }

    static func packageGraphSection(_ data: ReportData) -> String {
        var out = "<section id=\"packages\" class=\"panel\"><h2>Package graph</h2>\n"
        out += "<p class=\"hint\">Packages in layers by depends-on depth: a package needs the ones above it. "
        out += "Arrows carry the module-to-module edges between two packages and the symbols behind them; "
        out += "<span class=\"red\">red arrows are broken</span>: modules that need a package their package does "
        out += "not depend on. Click a package to list its modules.</p>\n"
        if data.packages.isEmpty {
            return out + "<p>No packages.</p></section>\n"
        }
        out += "<div class=\"graph-scroll\">" + PackageGraphDrawing(data).svg() + "</div>\n"
        out += "<div class=\"legend\"><span><i class=\"ln solid\"></i>depends on, with module edges</span>"
        out += "<span><i class=\"ln dashed\"></i>depends on, no module edges</span>"
        out += "<span><i class=\"ln brk\"></i>broken: module edges without depends-on</span></div>\n"
        return out + "</section>\n"
    }

    static func sizeSection(_ data: ReportData) -> String {
        let total = max(data.summary.bytes, data.packages.map(\.installBytes).max() ?? 0, 1)
        var out = "<section id=\"sizes\" class=\"panel\"><h2>Package sizes</h2>\n"
        out += "<p class=\"hint\">Solid: the package's own modules as shipped. Light: what installing it "
        out +=
            "installs (itself and every package it depends on). Scale: all modules, \(bytes(data.summary.bytes)).</p>\n"
        out += "<div class=\"bars\">\n"
        for (i, p) in data.packages.enumerated() {
            let own = Double(p.bytes) * 100 / Double(total), inst = Double(p.installBytes) * 100 / Double(total)
            out += "<div class=\"bar-row\"><a class=\"bar-name\" href=\"\(escape(fragment("package", p.name)))\">"
            out += "<i class=\"sw\" style=\"background:\(colour(i))\"></i>\(escape(p.name))</a>"
            out += "<div class=\"track\" title=\"\(escape(p.name)): \(bytes(p.bytes)) shipped, "
            out += "\(bytes(p.uncompressedBytes)) uncompressed, installs \(bytes(p.installBytes))\">"
            out +=
                "<div class=\"fill inst\" "
                + "style=\"width:\(String(format: "%.2f", inst))%;background:\(colour(i))\"></div>"
            out +=
                "<div class=\"fill own\" "
                + "style=\"width:\(String(format: "%.2f", own))%;background:\(colour(i))\"></div></div>"
            out += "<div class=\"bar-num\"><b>\(bytes(p.bytes))</b> own · \(bytes(p.installBytes)) installed "
            out += "(\(percent(p.installBytes, of: data.summary.bytes)))</div>"
            out += "<div class=\"bar-sub\">\(plural(p.modules, "module")) · \(bytes(p.uncompressedBytes)) uncompressed"
            if !p.dependsOn.isEmpty { out += " · depends on \(p.dependsOn.map(escape).joined(separator: ", "))" }
            if !p.profiles.isEmpty { out += " · profiles: \(p.profiles.map(escape).joined(separator: ", "))" }
            out += "</div></div>\n"
        }
        return out + "</div></section>\n"
    }

    static func findingsSection(_ data: ReportData) -> String {
        var out = "<section id=\"findings\" class=\"panel\"><h2>Findings</h2>\n"
        if data.findings.isEmpty {
            return out + "<p class=\"good-text\">No findings: every module loads from the packages its package "
                + "installs.</p></section>\n"
        }
        var kinds: [String] = []
        var groups: [String: [Finding]] = [:]
        for f in data.findings {
            if groups[f.kind] == nil { kinds.append(f.kind) }
            groups[f.kind, default: []].append(f)
        }
        for kind in kinds {
            let group = groups[kind] ?? []
            let worst = group.map(\.severity).max() ?? .info
            out += "<details class=\"group\"\(worst == .error ? " open" : "")><summary>"
            out += "<span class=\"sev \(worst.rawValue)\">\(worst == .info ? "note" : worst.rawValue)</span>"
            out += "<b class=\"kind\">\(escape(kind))</b><span class=\"n\">\(count(group.count))</span>"
            if let check = CheckRegistry.check(id: kind) {
                out += "<span class=\"what\">\(escape(check.description.summary))</span>"
            }
            out += "</summary>\n<ol class=\"findings\">\n"
            for f in group { out += finding(f) }
            out += "</ol></details>\n"
        }
        return out + "</section>\n"
    }

    static func finding(_ f: Finding) -> String {
        var out = "<li><div class=\"msg\"><span class=\"sev \(f.severity.rawValue)\">"
        out += "\(f.severity == .info ? "note" : f.severity.rawValue)</span>\(escape(f.message))</div>\n"
        var meta: [String] = []
        if let m = f.module {
            var s = "module <a class=\"mod\" href=\"\(escape(fragment("module", m)))\">\(escape(m))</a>"
            if let p = f.package { s += " in <b>\(escape(p))</b>" }
            if let r = f.rule { s += " (<code>\(escape(r.description))</code>)" }
            meta.append(s)
        }
        if let m = f.provider {
            var s = "provider <a class=\"mod\" href=\"\(escape(fragment("module", m)))\">\(escape(m))</a>"
            if let p = f.providerPackage { s += " in <b>\(escape(p))</b>" }
            if let r = f.providerRule { s += " (<code>\(escape(r.description))</code>)" }
            meta.append(s)
        }
        if f.module == nil, let r = f.rule { meta.append("rule <code>\(escape(r.description))</code>") }
        if let ns = f.namespace { meta.append("namespace <code>\(escape(ns))</code>") }
        if let c = f.cost {
            meta.append(
                "cost <b>\(bytes(c.bytes))</b> (\(bytes(c.uncompressedBytes)) uncompressed, "
                    + "\(plural(c.modules.count, "module")))")
        }
        if !meta.isEmpty { out += "<div class=\"meta\">\(meta.joined(separator: " · "))</div>\n" }
        if !f.symbols.isEmpty {
            let shown = 12
            out += "<div class=\"syms\">"
            out += f.symbols.prefix(shown).map { "<code>\(escape($0))</code>" }.joined(separator: " ")
            if f.symbols.count > shown {
                out += " <details class=\"more\"><summary>+\(count(f.symbols.count - shown)) more</summary>"
                out += f.symbols.dropFirst(shown).map { "<code>\(escape($0))</code>" }.joined(separator: " ")
                out += "</details>"
            }
            out += "</div>\n"
        }
        if let c = f.cost, c.modules.count > 1 {
            out +=
                "<div class=\"costmods\">moves: "
                + c.modules.map {
                    "<a class=\"mod\" href=\"\(escape(fragment("module", $0)))\">\(escape($0))</a>"
                }.joined(separator: ", ") + "</div>\n"
        }
        if !f.notes.isEmpty {
            out += "<ul class=\"notes\">" + f.notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
        }
        return out + "</li>\n"
    }

    /// The table and the explorer are filled by the script; without it, the section says so.
    static func modulesSection(_ data: ReportData) -> String {
        var out = "<section id=\"modules\" class=\"panel\"><h2>Modules</h2>\n"
        out += "<noscript><p>The module table and the module explorer need JavaScript; everything above is "
        out += "complete without it, and the data is in <code>#modsplit-data</code>.</p></noscript>\n"
        out += "<div class=\"toolbar\"><input id=\"q\" type=\"search\" placeholder=\"Search modules by name or path "
        out += "(Enter opens the first)\" autocomplete=\"off\" spellcheck=\"false\" aria-label=\"Search modules\">"
        out += "<select id=\"pkg\" aria-label=\"Package\"><option value=\"all\">all packages</option>"
        for p in data.packages {
            out += "<option value=\"\(escape(p.name))\">\(escape(p.name))</option>"
        }
        if data.modules.contains(where: { $0.package < 0 }) { out += "<option value=\"-\">not placed</option>" }
        out += "</select><span id=\"count\" class=\"count\"></span></div>\n"
        out += "<div class=\"mod-grid\"><div class=\"tbody\" id=\"tbody\" role=\"table\" aria-label=\"Modules\" "
        out += "tabindex=\"0\"><div class=\"thead\" role=\"row\" id=\"thead\">"
        for (key, label, cls) in [
            ("name", "module", ""), ("package", "package", ""), ("bytes", "size", "num"),
            ("deps", "deps", "num"), ("users", "rdeps", "num"), ("rule", "rule", ""),
        ] {
            out +=
                "<button type=\"button\" role=\"columnheader\" class=\"\(cls)\" data-key=\"\(key)\">\(label)</button>"
        }
        out += "</div><div class=\"spacer\" id=\"spacer\"></div></div>\n"
        out += "<div class=\"explorer\" id=\"explorer\"><div id=\"detail\" class=\"detail\"><p class=\"hint\">"
        out += "Pick a module in the table, search for one, or click a module name in a finding: its neighbourhood "
        out += "shows here, what needs it on the left and what it needs on the right.</p></div>"
        out += "<div id=\"hood\" class=\"hood\"></div></div></div>\n"
        return out + "</section>\n"
    }
}
