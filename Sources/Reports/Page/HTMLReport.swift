internal import Foundation
internal import ELFScan
internal import Graph
internal import Split

/// `index.html` of `modsplit report`: one self-contained page (inline CSS, JS and SVG; nothing is fetched).
///
/// What needs no script is rendered here: the summary, the package graph (laid out in Swift, so it is the
/// same on every browser and without JavaScript), the size bars and the findings. The module table and the
/// module neighbourhoods are drawn by the page's script from `ReportData` embedded as JSON, because a static
/// table of 4,000 rows and 4,000 pre-drawn neighbourhoods would make the page slow to open.
///
/// Everything that comes from a module (names, paths, licenses, messages that quote them) is untrusted:
/// whoever built the module wrote its `.modinfo`. Swift escapes it with `escape(_:)`; the script only ever
/// sets `textContent` and attributes, never `innerHTML`; the JSON cannot close its `<script>` element; and a
/// Content-Security-Policy lets only this page's own script (pinned by its SHA-256) run.
public enum HTMLReport {
    /// The page for `data`. Same data, same bytes.
    public static func render(_ data: ReportData) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = scriptSafeJSON(String(decoding: try encoder.encode(data), as: UTF8.self))
        let view = scriptSafeJSON(try viewJSON(data))
        let scriptHash = Data(SHA256.digest(Array(script.utf8))).base64EncodedString()
        let title = "modsplit report: \(data.kernelVersion)" + (data.split.map { " · \(fileName($0))" } ?? "")
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-\(scriptHash)'; \
            style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="\(escape(data.tool))">
            <title>\(escape(title))</title>
            <style>\(style)</style>
            </head>
            <body>

            """
        page += header(data)
        page += "<main>\n"
        page += summarySection(data)
        page += packageGraphSection(data)
        page += sizeSection(data)
        page += findingsSection(data)
        page += modulesSection(data)
        page += "</main>\n"
        page += "<footer>Written by \(escape(data.tool)). Data schema \(data.schemaVersion); the page's data is the "
        page += "JSON in <code>#modsplit-data</code>.</footer>\n"
        page += "<script type=\"application/json\" id=\"modsplit-data\">\(json)</script>\n"
        page += "<script type=\"application/json\" id=\"modsplit-view\">\(view)</script>\n"
        page += "<script>\(script)</script>\n</body>\n</html>\n"
        return page
    }

    /// Text made safe for HTML and SVG text and for double- or single-quoted attribute values. C0 control
    /// characters other than tab and newline (which HTML cannot carry) become U+FFFD.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(u)
            case "\r": out += "\n"
            case _ where u.value < 0x20 || u.value == 0x7F: out += "\u{FFFD}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` become `\u003c`,
    /// `\u003e`, `\u0026` (so neither `</script>` nor `<!--` can end or confuse the element), and U+2028/U+2029
    /// are escaped too. All of these occur only inside JSON strings, where the escapes mean the same text.
    public static func scriptSafeJSON(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count)
        for u in json.unicodeScalars {
            switch u {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A link target that selects a module (or filters the table to a package) in the page's script.
    static func fragment(_ key: String, _ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.")
        return "#\(key)=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }

    // MARK: - Colours and numbers

    /// Package colours, by package index: distinct in hue and readable as text on white.
    static let palette = ["#2f6db5", "#d9782d", "#2e9457", "#8b5ac4", "#c23f77", "#16929f", "#9c8318", "#5f7186",
                          "#b3502d", "#4f7f26", "#3f51b5", "#a3468f"]
    static let unplacedColour = "#8a8f98"

    static func colour(_ package: Int) -> String { package < 0 ? unplacedColour : palette[package % palette.count] }

    /// What the script needs beside the data: the package colours.
    static func viewJSON(_ data: ReportData) throws -> String {
        struct View: Encodable { var colours: [String]; var unplacedColour: String }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let view = View(colours: data.packages.indices.map(colour), unplacedColour: unplacedColour)
        return String(decoding: try encoder.encode(view), as: UTF8.self)
    }

    /// 1.5 MiB, 320.0 KiB, 12 B: binary units, one decimal, the same as the page's script prints.
    static func bytes(_ n: UInt64) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var v = Double(n) / 1024, u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return String(format: "%.1f", v) + " " + units[u]
    }

    /// 4,230.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func percent(_ part: UInt64, of whole: UInt64) -> String {
        whole == 0 ? "0%" : String(format: "%.0f%%", Double(part) * 100 / Double(whole))
    }

    static func plural(_ n: Int, _ word: String, _ words: String? = nil) -> String {
        "\(count(n)) \(n == 1 ? word : words ?? word + "s")"
    }

    static func fileName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }

    // MARK: - Sections

    static func header(_ data: ReportData) -> String {
        var out = "<header><div class=\"wrap\"><div class=\"brand\">modsplit</div><div class=\"head-text\">"
        out += "<h1>Kernel \(escape(data.kernelVersion))</h1><p>"
        if let split = data.split {
            out += "Split <code title=\"\(escape(split))\">\(escape(fileName(split)))</code> · "
        } else {
            out += "The whole tree as one package · "
        }
        out += "\(plural(data.packages.count, "package")) · \(plural(data.summary.modules, "module"))</p></div></div></header>\n"
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
        out += card("Modules", count(s.modules), unplaced > 0 ? "\(count(unplaced)) not placed in any package"
                                                                 : "in \(plural(data.packages.count, "package"))")
        out += card("Shipped", bytes(s.bytes), "\(bytes(s.uncompressedBytes)) uncompressed")
        out += card("Errors", count(s.errors), s.errors == 0 ? "the split loads" : "the split breaks",
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
        out += "installs (itself and every package it depends on). Scale: all modules, \(bytes(data.summary.bytes)).</p>\n"
        out += "<div class=\"bars\">\n"
        for (i, p) in data.packages.enumerated() {
            let own = Double(p.bytes) * 100 / Double(total), inst = Double(p.installBytes) * 100 / Double(total)
            out += "<div class=\"bar-row\"><a class=\"bar-name\" href=\"\(escape(fragment("package", p.name)))\">"
            out += "<i class=\"sw\" style=\"background:\(colour(i))\"></i>\(escape(p.name))</a>"
            out += "<div class=\"track\" title=\"\(escape(p.name)): \(bytes(p.bytes)) shipped, "
            out += "\(bytes(p.uncompressedBytes)) uncompressed, installs \(bytes(p.installBytes))\">"
            out += "<div class=\"fill inst\" style=\"width:\(String(format: "%.2f", inst))%;background:\(colour(i))\"></div>"
            out += "<div class=\"fill own\" style=\"width:\(String(format: "%.2f", own))%;background:\(colour(i))\"></div></div>"
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
            meta.append("cost <b>\(bytes(c.bytes))</b> (\(bytes(c.uncompressedBytes)) uncompressed, "
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
            out += "<div class=\"costmods\">moves: " + c.modules.map {
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
        for (key, label, cls) in [("name", "module", ""), ("package", "package", ""), ("bytes", "size", "num"),
                                  ("deps", "deps", "num"), ("users", "rdeps", "num"), ("rule", "rule", "")] {
            out += "<button type=\"button\" role=\"columnheader\" class=\"\(cls)\" data-key=\"\(key)\">\(label)</button>"
        }
        out += "</div><div class=\"spacer\" id=\"spacer\"></div></div>\n"
        out += "<div class=\"explorer\" id=\"explorer\"><div id=\"detail\" class=\"detail\"><p class=\"hint\">"
        out += "Pick a module in the table, search for one, or click a module name in a finding: its neighbourhood "
        out += "shows here, what needs it on the left and what it needs on the right.</p></div>"
        out += "<div id=\"hood\" class=\"hood\"></div></div></div>\n"
        return out + "</section>\n"
    }
}

// MARK: - Package graph layout

/// The package graph, laid out in layers for reading (Sugiyama-style, small enough to do exactly): a
/// package's layer is its depends-on depth, edges longer than one layer pass through placeholder slots so
/// they never cross a package box, and each layer is ordered by the barycentre of its neighbours.
struct PackageGraphDrawing {
    /// A depends-on relation and/or the module edges from one package to another.
    struct Arrow {
        var from: Int
        var to: Int
        var dependsOn = false
        var edges = 0
        var symbols = 0
        var broken = false
        /// Slots from `from` to `to`, through placeholders in the layers between.
        var chain: [Int] = []
    }

    /// A package box, or a placeholder an arrow passes through.
    struct Slot {
        var package: Int?
        var layer: Int
        var order: Double
        var x = 0.0
        var width: Double { package == nil ? 18 : PackageGraphDrawing.boxWidth }
    }

    static let boxWidth = 232.0, boxHeight = 76.0, layerGap = 118.0, slotGap = 44.0, margin = 24.0

    let data: ReportData
    var slots: [Slot] = []
    var arrows: [Arrow] = []
    var layers: [[Int]] = []
    var width = 0.0, height = 0.0

    init(_ data: ReportData) {
        self.data = data
        let names = data.packages.map(\.name)
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
        let deps = data.packages.map { $0.dependsOn.compactMap { index[$0] } }
        var depth = [Int?](repeating: nil, count: names.count)
        func depthOf(_ p: Int, _ seen: Set<Int>) -> Int {
            if let d = depth[p] { return d }
            let d = deps[p].filter { !seen.contains($0) }.map { depthOf($0, seen.union([p])) + 1 }.max() ?? 0
            depth[p] = d
            return d
        }
        for p in names.indices { _ = depthOf(p, []) }
        let layerOf = names.indices.map { depth[$0] ?? 0 }

        var arrowAt: [Int: Int] = [:]  // from * n + to → index in arrows
        func arrow(_ a: Int, _ b: Int) -> Int {
            let key = a * names.count + b
            if let i = arrowAt[key] { return i }
            arrows.append(Arrow(from: a, to: b))
            arrowAt[key] = arrows.count - 1
            return arrows.count - 1
        }
        for (p, ds) in deps.enumerated() {
            for d in ds where d != p { arrows[arrow(p, d)].dependsOn = true }
        }
        for e in data.packageEdges {
            guard let a = index[e.from], let b = index[e.to], a != b else { continue }
            let i = arrow(a, b)
            arrows[i].edges += e.edges
            arrows[i].symbols += e.symbols
            arrows[i].broken = arrows[i].broken || e.broken
        }
        arrows.sort { ($0.from, $0.to) < ($1.from, $1.to) }

        layers = Array(repeating: [], count: (layerOf.max() ?? 0) + 1)
        for p in names.indices {
            slots.append(Slot(package: p, layer: layerOf[p], order: Double(p)))
            layers[layerOf[p]].append(p)
        }
        for i in arrows.indices {
            let a = layerOf[arrows[i].from], b = layerOf[arrows[i].to]
            var chain = [arrows[i].from]
            let step = a > b ? -1 : 1
            if abs(a - b) > 1 {
                for l in stride(from: a + step, to: b, by: step) {
                    slots.append(Slot(package: nil, layer: l, order: Double(names.count + i)))
                    layers[l].append(slots.count - 1)
                    chain.append(slots.count - 1)
                }
            }
            chain.append(arrows[i].to)
            arrows[i].chain = chain
        }
        order()
        place()
    }

    /// Barycentre sweeps, down then up, a few times; ties keep the rules file's order.
    mutating func order() {
        var neighbours = [[Int]](repeating: [], count: slots.count)
        for a in arrows {
            for (u, v) in zip(a.chain, a.chain.dropFirst()) where u != v {
                neighbours[u].append(v)
                neighbours[v].append(u)
            }
        }
        func renumber(_ l: Int) {
            layers[l].sort { (slots[$0].order, $0) < (slots[$1].order, $1) }
            for (i, s) in layers[l].enumerated() { slots[s].order = Double(i) }
        }
        for l in layers.indices { renumber(l) }
        guard layers.count > 1 else { return }
        for _ in 0..<4 {
            for sweep in [Array(1..<layers.count), Array((0..<layers.count - 1).reversed())] {
                for l in sweep {
                    let adjacent = sweep.first == 1 ? l - 1 : l + 1
                    for s in layers[l] {
                        let ns = neighbours[s].filter { slots[$0].layer == adjacent }
                        if !ns.isEmpty {
                            slots[s].order = ns.map { slots[$0].order }.reduce(0, +) / Double(ns.count) - 0.001
                        }
                    }
                    renumber(l)
                }
            }
        }
    }

    mutating func place() {
        let widths = layers.map { l in l.map { slots[$0].width }.reduce(0, +) + Double(max(l.count - 1, 0)) * Self.slotGap }
        let widest = widths.max() ?? 0
        width = widest + 2 * Self.margin
        for (l, members) in layers.enumerated() {
            var x = Self.margin + (widest - widths[l]) / 2
            for s in members {
                slots[s].x = x
                x += slots[s].width + Self.slotGap
            }
        }
        // Room below the last layer for arcs between packages of one layer.
        let sameLayer = arrows.contains { slots[$0.from].layer == slots[$0.to].layer }
        height = 2 * Self.margin + Double(layers.count) * Self.boxHeight + Double(layers.count - 1) * Self.layerGap
            + (sameLayer ? 70 : 0)
    }

    func top(_ layer: Int) -> Double { Self.margin + Double(layer) * (Self.boxHeight + Self.layerGap) }
    func centre(_ s: Int) -> Double { slots[s].x + slots[s].width / 2 }

    func svg() -> String {
        typealias E = HTMLReport
        // Where each arrow leaves and enters a box: spread along the box's edge, ordered by where the
        // arrow goes next, so arrows do not start on top of each other.
        enum Side: Hashable { case top, bottom }
        struct End: Hashable { var slot: Int; var side: Side }
        var ends: [End: [(arrow: Int, towards: Double)]] = [:]
        func sides(_ a: Arrow) -> (Side, Side) {
            let la = slots[a.from].layer, lb = slots[a.to].layer
            return la == lb ? (.bottom, .bottom) : la > lb ? (.top, .bottom) : (.bottom, .top)
        }
        for (i, a) in arrows.enumerated() {
            let (fs, ts) = sides(a)
            ends[End(slot: a.from, side: fs), default: []].append((i, centre(a.chain[1])))
            ends[End(slot: a.to, side: ts), default: []].append((i, centre(a.chain[a.chain.count - 2])))
        }
        var attach: [End: [Int: Double]] = [:]
        for (end, list) in ends {
            let sorted = list.sorted { ($0.towards, $0.arrow) < ($1.towards, $1.arrow) }
            let spacing = min(26, Self.boxWidth * 0.7 / Double(max(sorted.count - 1, 1)))
            for (k, item) in sorted.enumerated() {
                attach[end, default: [:]][item.arrow] = centre(end.slot) + (Double(k) - Double(sorted.count - 1) / 2) * spacing
            }
        }

        var out = "<svg class=\"pkg-graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(width)) \(n(height))\" "
        out += "width=\"\(n(width))\" height=\"\(n(height))\" role=\"img\" aria-label=\"Package graph\">\n<defs>"
        for (id, cls) in [("a-dep", "arr-dep"), ("a-mod", "arr-mod"), ("a-brk", "arr-brk")] {
            out += "<marker id=\"\(id)\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"10\" "
            out += "markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path class=\"\(cls)\" d=\"M0,0 L10,5 L0,10 z\"/></marker>"
        }
        out += "</defs>\n"

        var labels: [(x: Double, y: Double, w: Double, text: String, broken: Bool, title: String)] = []
        var paths = ""
        let maxEdges = Double(arrows.map(\.edges).max() ?? 1)
        for (i, a) in arrows.enumerated() {
            let (fs, ts) = sides(a)
            var points: [(Double, Double)] = []
            let fromY = fs == .top ? top(slots[a.from].layer) : top(slots[a.from].layer) + Self.boxHeight
            points.append((attach[End(slot: a.from, side: fs)]?[i] ?? centre(a.from), fromY))
            for s in a.chain.dropFirst().dropLast() {
                let y = top(slots[s].layer)
                let (first, second) = fs == .top ? (y + Self.boxHeight, y) : (y, y + Self.boxHeight)
                points.append((centre(s), first))
                points.append((centre(s), second))
            }
            let toY = ts == .top ? top(slots[a.to].layer) : top(slots[a.to].layer) + Self.boxHeight
            points.append((attach[End(slot: a.to, side: ts)]?[i] ?? centre(a.to), toY))

            var d = "M\(n(points[0].0)),\(n(points[0].1))"
            var labelAt = (0.0, 0.0)
            if slots[a.from].layer == slots[a.to].layer {
                let (x0, y0) = points[0], (x1, y1) = points[points.count - 1]
                let dip = y0 + 60
                d += " C\(n(x0)),\(n(dip)) \(n(x1)),\(n(dip)) \(n(x1)),\(n(y1))"
                labelAt = ((x0 + x1) / 2, y0 + 45)
            } else {
                var k = 0
                while k + 1 < points.count {
                    let (x0, y0) = points[k], (x1, y1) = points[k + 1]
                    if x0 == x1 && k > 0 && k % 2 == 1 {
                        d += " L\(n(x1)),\(n(y1))"  // straight through a placeholder slot
                    } else {
                        let ym = (y0 + y1) / 2
                        d += " C\(n(x0)),\(n(ym)) \(n(x1)),\(n(ym)) \(n(x1)),\(n(y1))"
                        if k == 0 { labelAt = ((x0 + x1) / 2, ym) }
                    }
                    k += 1
                }
            }
            let cls = a.broken ? "brk" : a.edges > 0 ? "mod" : "dep"
            let stroke = a.edges > 0 ? 1.4 + 3.2 * log(1 + Double(a.edges)) / log(1 + maxEdges) : 1.4
            let from = data.packages[a.from].name, to = data.packages[a.to].name
            var title = "\(from) → \(to): "
            if a.edges > 0 {
                title += "\(E.plural(a.edges, "module edge")), \(E.plural(a.symbols, "symbol"))"
                title += a.broken ? " — broken: \(from) does not depend on \(to)" : a.dependsOn ? "" : " (through its dependencies)"
            } else {
                title += "depends on it, no module edges"
            }
            paths += "<path class=\"e \(cls)\" d=\"\(d)\" stroke-width=\"\(String(format: "%.1f", stroke))\" "
            paths += "marker-end=\"url(#a-\(cls))\"><title>\(E.escape(title))</title></path>\n"
            if a.edges > 0 {
                let text = (a.broken ? "\(E.count(a.edges)) broken" : E.plural(a.edges, "edge")) + " · \(E.count(a.symbols)) sym"
                labels.append((labelAt.0, labelAt.1, Double(text.count) * 6.4 + 14, text, a.broken, title))
            }
        }
        out += paths

        // Labels: nudged apart where two would overlap.
        var placed: [(x: Double, y: Double, w: Double)] = []
        for var l in labels {
            var tries = 0
            while tries < 12, placed.contains(where: { abs($0.x - l.x) < ($0.w + l.w) / 2 + 4 && abs($0.y - l.y) < 20 }) {
                l.y += tries % 2 == 0 ? 21 * Double(tries / 2 + 1) : -21 * Double(tries / 2 + 1)
                tries += 1
            }
            placed.append((l.x, l.y, l.w))
            out += "<g class=\"lbl\(l.broken ? " brk" : "")\"><title>\(E.escape(l.title))</title>"
            out += "<rect x=\"\(n(l.x - l.w / 2))\" y=\"\(n(l.y - 10))\" width=\"\(n(l.w))\" height=\"20\" rx=\"10\"/>"
            out += "<text x=\"\(n(l.x))\" y=\"\(n(l.y + 4))\">\(E.escape(l.text))</text></g>\n"
        }

        for (p, pkg) in data.packages.enumerated() {
            let x = slots[p].x, y = top(slots[p].layer)
            let name = pkg.name.count > 26 ? String(pkg.name.prefix(25)) + "…" : pkg.name
            out += "<a href=\"\(E.escape(E.fragment("package", pkg.name)))\" class=\"node\">"
            out += "<title>\(E.escape(pkg.name)): \(E.plural(pkg.modules, "module")), \(E.bytes(pkg.bytes)) shipped, "
            out += "\(E.bytes(pkg.uncompressedBytes)) uncompressed; installing it installs \(E.bytes(pkg.installBytes))"
            if !pkg.dependsOn.isEmpty { out += "; depends on \(E.escape(pkg.dependsOn.joined(separator: ", ")))" }
            if !pkg.profiles.isEmpty { out += "; profiles: \(E.escape(pkg.profiles.joined(separator: ", ")))" }
            out += "</title>"
            out += "<rect class=\"box\" x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(Self.boxWidth))\" height=\"\(n(Self.boxHeight))\" "
            out += "rx=\"9\" style=\"stroke:\(E.colour(p))\"/>"
            out += "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"7\" height=\"\(n(Self.boxHeight))\" rx=\"3\" "
            out += "style=\"fill:\(E.colour(p))\"/>"
            out += "<text class=\"t1\" x=\"\(n(x + 18))\" y=\"\(n(y + 25))\">\(E.escape(name))</text>"
            out += "<text class=\"t2\" x=\"\(n(x + 18))\" y=\"\(n(y + 45))\">\(E.plural(pkg.modules, "module")) · "
            out += "\(E.bytes(pkg.bytes))</text>"
            out += "<text class=\"t3\" x=\"\(n(x + 18))\" y=\"\(n(y + 63))\">installs \(E.bytes(pkg.installBytes))"
            if !pkg.profiles.isEmpty { out += " · \(E.plural(pkg.profiles.count, "profile"))" }
            out += "</text></a>\n"
        }
        return out + "</svg>"
    }

    /// Coordinates with at most one decimal, so the same layout prints the same bytes.
    func n(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }
}

// MARK: - SHA-256, for the Content-Security-Policy hash of the page's script

/// FIPS 180-4 SHA-256. Foundation on Linux has no digest API, and the package takes no crypto dependency
/// for one hash of one script per report.
enum SHA256 {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func digest(_ message: [UInt8]) -> [UInt8] {
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var m = message
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        let bits = UInt64(message.count) &* 8
        for i in (0..<8).reversed() { m.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: m.count, by: 64) {
            for i in 0..<16 {
                let b = chunk + 4 * i
                w[i] = UInt32(m[b]) << 24 | UInt32(m[b + 1]) << 16 | UInt32(m[b + 2]) << 8 | UInt32(m[b + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for i in 0..<64 {
                let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
        }
        return h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) } }
    }
}

// MARK: - The page's style and script

extension HTMLReport {
    static let style = #"""
:root{--bg:#f3f4f7;--card:#fff;--ink:#1b2130;--muted:#5b6475;--line:#dce0e7;--soft:#eef0f4;--sel:#e2ecfa;
--red:#c62828;--amber:#a86400;--green:#2e7d32;--blue:#2f6db5;--edge:#7f8898;--edge2:#aeb5c0;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#13161c;--card:#1b1f27;--ink:#e3e6eb;--muted:#98a1b0;--line:#313745;
--soft:#252a34;--sel:#243650;--red:#f06a6a;--amber:#e0a33a;--green:#5cbf68;--blue:#6aa5ef;--edge:#8e97a6;--edge2:#5d6573}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","DejaVu Sans",Arial,sans-serif}
header{background:#1a2030;color:#fff}
header .wrap{max-width:1380px;margin:0 auto;padding:16px 24px;display:flex;gap:16px;align-items:center}
.brand{font-weight:700;letter-spacing:.02em;background:#2f6db5;border-radius:6px;padding:5px 10px;font-size:13px}
header h1{margin:0;font-size:20px;font-weight:600}
header p{margin:1px 0 0;color:#b9c1d0;font-size:13px}
header code{color:#fff;background:rgba(255,255,255,.12)}
main{max-width:1380px;margin:0 auto;padding:18px 24px 36px}
.cards{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:11px 16px}
.card .label{font-size:11.5px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600}
.card .value{font-size:26px;font-weight:650;margin-top:1px;font-variant-numeric:tabular-nums}
.card .detail{font-size:12.5px;color:var(--muted)}
.card.bad{box-shadow:inset 4px 0 0 var(--red)} .card.bad .value{color:var(--red)}
.card.good .value{color:var(--green)} .card.warn .value{color:var(--amber)}
.lede{margin:14px 2px 0;font-size:15px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin-top:18px}
h2{margin:0 0 4px;font-size:17px}
.hint{color:var(--muted);margin:0 0 12px;font-size:13px}
.red{color:var(--red);font-weight:600}
.good-text{color:var(--green)}
code{font-family:var(--mono);font-size:12px;background:var(--soft);border-radius:4px;padding:1px 5px}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","DejaVu Sans",Arial,sans-serif}
.graph-scroll{overflow-x:auto;text-align:center}
.pkg-graph{max-width:100%;height:auto}
.pkg-graph .box{fill:var(--card);stroke-width:1.6}
.pkg-graph .node:hover .box{fill:var(--soft)}
.pkg-graph .t1{font-weight:650;font-size:15px;fill:var(--ink)}
.pkg-graph .t2{font-size:12.5px;fill:var(--ink)}
.pkg-graph .t3{font-size:12px;fill:var(--muted)}
.e{fill:none} .e.mod{stroke:var(--edge)} .e.dep{stroke:var(--edge2);stroke-dasharray:5 4} .e.brk{stroke:var(--red)}
.arr-mod{fill:var(--edge)} .arr-dep{fill:var(--edge2)} .arr-brk{fill:var(--red)}
.lbl rect{fill:var(--card);stroke:var(--line)}
.lbl text{font-size:11.5px;text-anchor:middle;fill:var(--muted)}
.lbl.brk rect{stroke:var(--red)} .lbl.brk text{fill:var(--red);font-weight:650}
.legend{display:flex;gap:22px;font-size:12.5px;color:var(--muted);margin-top:6px;flex-wrap:wrap;justify-content:center}
.ln{display:inline-block;width:28px;height:0;border-top:2px solid var(--edge);vertical-align:middle;margin-right:6px}
.ln.dashed{border-top:2px dashed var(--edge2)} .ln.brk{border-color:var(--red)}
.bar-row{display:grid;grid-template-columns:200px minmax(0,1fr) 320px;column-gap:16px;row-gap:1px;align-items:center;
padding:7px 0;border-top:1px solid var(--soft)}
.bar-name{font-weight:600;color:var(--ink);text-decoration:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar-name:hover{text-decoration:underline}
.track{height:16px;background:var(--soft);border-radius:4px;position:relative;overflow:hidden}
.fill{position:absolute;left:0;top:0;bottom:0;border-radius:4px} .fill.inst{opacity:.27}
.bar-num{font-size:13px;font-variant-numeric:tabular-nums}
.bar-sub{grid-column:2/4;font-size:12px;color:var(--muted)}
.sw{display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:7px;flex:none}
details.group{border:1px solid var(--line);border-radius:8px;margin:8px 0}
details.group>summary{cursor:pointer;padding:9px 12px;display:flex;gap:10px;align-items:baseline;list-style:none}
details.group>summary::-webkit-details-marker{display:none}
details.group>summary::before{content:"\25B8";color:var(--muted);width:10px}
details.group[open]>summary::before{content:"\25BE"}
details.group>summary:hover{background:var(--soft)}
.kind{font-family:var(--mono);font-size:13.5px}
.n{background:var(--soft);border-radius:10px;padding:0 8px;font-size:12px;font-variant-numeric:tabular-nums}
.what{color:var(--muted);font-size:13px}
.sev{display:inline-block;font-size:10.5px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;border-radius:4px;
padding:1px 6px;margin-right:8px;vertical-align:1px}
details.group .sev{margin-right:0}
.sev.error{background:#fde7e7;color:#b3261e} .sev.warning{background:#fff1d2;color:#855000} .sev.info{background:#e5edfa;color:#26508e}
ol.findings{list-style:none;margin:0;padding:0 14px 8px 34px}
ol.findings>li{padding:9px 0;border-top:1px solid var(--soft)}
.msg{font-weight:500}
.meta,.costmods{font-size:12.5px;color:var(--muted);margin-top:3px}
.syms{margin-top:5px;line-height:1.9}
.notes{margin:5px 0 0;padding-left:20px;font-size:13px;color:var(--muted)}
details.more{display:inline} details.more>summary{display:inline;cursor:pointer;color:var(--blue);font-size:12px}
a.mod{color:var(--blue);text-decoration:none;font-family:var(--mono);font-size:12.5px} a.mod:hover{text-decoration:underline}
.toolbar{display:flex;gap:10px;align-items:center;margin:6px 0 12px}
#q{flex:1;max-width:560px;font:inherit;padding:7px 12px;border:1px solid var(--line);border-radius:7px;background:var(--card);
color:var(--ink)}
#q:focus,select:focus,.tbody:focus-visible{outline:2px solid var(--blue);outline-offset:-1px}
select{font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:7px;background:var(--card);color:var(--ink)}
.count{color:var(--muted);font-size:13px;margin-left:auto;font-variant-numeric:tabular-nums}
.mod-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.12fr);gap:16px;align-items:start}
@media (max-width:1150px){.mod-grid{grid-template-columns:minmax(0,1fr)}.cards{grid-template-columns:repeat(3,minmax(0,1fr))}}
.tbody{height:660px;overflow:auto;border:1px solid var(--line);border-radius:8px;contain:content}
.thead,.tr{display:grid;grid-template-columns:minmax(110px,1fr) 116px 72px 42px 48px minmax(90px,.8fr);column-gap:8px;
padding:0 10px;align-items:center}
.thead{position:sticky;top:0;z-index:2;background:var(--soft);border-bottom:1px solid var(--line);height:32px}
.thead button{all:unset;cursor:pointer;font-size:11.5px;font-weight:650;color:var(--muted);text-transform:uppercase;
letter-spacing:.04em;white-space:nowrap}
.thead button:focus-visible{outline:2px solid var(--blue)}
.thead button.num{text-align:right}
.thead button.asc::after{content:" \25B2";font-size:9px} .thead button.desc::after{content:" \25BC";font-size:9px}
.spacer{position:relative}
.tr{position:absolute;left:0;right:0;top:0;height:30px;cursor:pointer;border-bottom:1px solid var(--soft);font-size:13px}
.tr[hidden]{display:none}
.tr:hover{background:var(--soft)} .tr.sel{background:var(--sel);box-shadow:inset 3px 0 0 var(--blue)}
.td{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.td.num{text-align:right;font-variant-numeric:tabular-nums}
.td.nm{font-family:var(--mono);font-size:12.5px}
.td.pk{display:flex;align-items:center}
.td.rule{font-family:var(--mono);font-size:11.5px;color:var(--muted)}
.explorer{position:sticky;top:10px;border:1px solid var(--line);border-radius:8px;padding:12px 14px;min-height:320px}
.detail h3{margin:0;font-family:var(--mono);font-size:18px;word-break:break-all}
.d-head{display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.chip{display:inline-flex;align-items:center;border-radius:12px;padding:1px 9px;font-size:12px;border:1px solid var(--line)}
.d-path{font-family:var(--mono);font-size:12px;color:var(--muted);margin:3px 0 8px;word-break:break-all}
.facts{display:grid;grid-template-columns:auto minmax(0,1fr);gap:2px 14px;font-size:13px;margin:0}
.facts dt{color:var(--muted)} .facts dd{margin:0}
.d-finds{margin:8px 0 0;padding:0;list-style:none;font-size:12.5px} .d-finds li{margin:3px 0}
.hood{margin-top:10px;max-height:680px;overflow:auto;border-top:1px solid var(--soft);padding-top:6px}
.hood svg{width:100%;height:auto;display:block}
.hn{cursor:pointer} .hn .hb{stroke-width:1.3} .hn:hover .hb,.hn:focus .hb{stroke-width:2.6} .hn:focus{outline:none}
.hn.centre{cursor:default} .hn.centre .hb{stroke-width:2.6}
.hn .n1{font-family:var(--mono);font-size:13.5px;font-weight:600;fill:var(--ink)} .hn .n2{font-size:12px;fill:var(--muted)}
.hn.more-n .hb{fill:var(--soft);stroke:var(--edge2);stroke-dasharray:4 3} .hn.more-n .n1{font-family:inherit;fill:var(--blue)}
.he{fill:none;stroke:var(--edge);stroke-width:1.3} .he.brk{stroke:var(--red);stroke-width:2}
.ha{fill:var(--edge)} .ha.brk{fill:var(--red)}
.hl rect{fill:var(--card);stroke:var(--line)} .hl text{font-size:11.5px;text-anchor:middle;fill:var(--muted)}
.hl.brk rect{stroke:var(--red)} .hl.brk text{fill:var(--red);font-weight:650}
.colh{font-size:12px;font-weight:650;letter-spacing:.06em;text-transform:uppercase;fill:var(--muted)}
.none{font-size:12px;fill:var(--muted);font-style:italic}
footer{max-width:1380px;margin:0 auto;padding:0 24px 28px;color:var(--muted);font-size:12px}
#script-error{background:var(--red);color:#fff;padding:8px 24px;font-weight:600}
"""#

    /// Reads `#modsplit-data`; builds every node with createElement/createElementNS and text with textContent,
    /// so no module string is ever parsed as markup.
    static let script = #"""
(function () {
'use strict';
const root = document.documentElement;
function fail(message) {
  root.setAttribute('data-script-error', String(message));
  let bar = document.getElementById('script-error');
  if (!bar) {
    bar = document.createElement('div');
    bar.id = 'script-error';
    document.body.insertBefore(bar, document.body.firstChild);
  }
  bar.textContent = 'The report\u2019s script failed: ' + message;
}
window.addEventListener('error', (e) => fail(e.message || 'unknown error'));

const $ = (id) => document.getElementById(id);
const D = JSON.parse($('modsplit-data').textContent);
const V = JSON.parse($('modsplit-view').textContent);
const M = D.modules, P = D.packages, N = M.length;
const SVGNS = 'http://www.w3.org/2000/svg';

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  for (const c of kids) e.append(c);
  return e;
}
function s(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  for (const c of kids) e.append(c);
  return e;
}
const norm = (x) => x.toLowerCase().replace(/-/g, '_');
const num = (n) => n.toLocaleString('en-US');
function bytes(n) {
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return v.toFixed(1) + ' ' + units[u];
}
const plural = (n, w) => num(n) + ' ' + (n === 1 ? w : w + 's');
const clip = (t, n) => t.length > n ? t.slice(0, n - 1) + '\u2026' : t;
const colour = (p) => p < 0 ? V.unplacedColour : V.colours[p];
const pkgName = (p) => p < 0 ? 'not placed' : P[p].name;

const pkgIndex = new Map();
P.forEach((p, i) => { if (!pkgIndex.has(p.name)) pkgIndex.set(p.name, i); });
const closures = [];
function closure(p) {
  if (closures[p]) return closures[p];
  const set = new Set([p]);
  closures[p] = set;
  for (const d of P[p].dependsOn) {
    const j = pkgIndex.get(d);
    if (j !== undefined) for (const x of closure(j)) set.add(x);
  }
  return set;
}
const broken = (user, provider) => {
  const a = M[user].package, b = M[provider].package;
  return a >= 0 && b >= 0 && !closure(a).has(b);
};
const byName = new Map();
const hay = new Array(N);
for (let i = 0; i < N; i++) {
  const k = norm(M[i].name);
  if (!byName.has(k)) byName.set(k, i);
  hay[i] = k + '\u0001' + norm(M[i].path);
}
const findingsOf = new Map();
for (const f of D.findings) {
  for (const who of [f.module, f.provider]) {
    if (who == null) continue;
    if (!findingsOf.has(who)) findingsOf.set(who, []);
    const list = findingsOf.get(who);
    if (list[list.length - 1] !== f) list.push(f);
  }
}
function symbolsBetween(user, provider) {
  const k = M[user].deps.indexOf(provider);
  return k < 0 ? 0 : M[user].depSymbols[k];
}

// Rules all come from one file: the table shows their lines, the tooltip and the explorer the whole location.
const rulesFile = D.split ? D.split.split('/').pop() + ':' : null;
const shortRule = (r) => rulesFile ? r.split(rulesFile).join('line ') : r;

// The module table: only the rows in view exist, so 4,000 modules scroll and filter at once.
const ROW = 30;
const st = { q: '', pkg: 'all', key: 'name', dir: 1, rows: [], sel: -1, openUsers: false, openNeeds: false };
const tbody = $('tbody'), spacer = $('spacer');
const byStr = (x, y) => x < y ? -1 : x > y ? 1 : 0;
const cmp = {
  name: (a, b) => byStr(M[a].name, M[b].name) || a - b,
  package: (a, b) => (M[a].package - M[b].package) || cmp.name(a, b),
  bytes: (a, b) => (M[a].bytes - M[b].bytes) || cmp.name(a, b),
  deps: (a, b) => (M[a].deps.length - M[b].deps.length) || cmp.name(a, b),
  users: (a, b) => (M[a].users.length - M[b].users.length) || cmp.name(a, b),
  rule: (a, b) => byStr(M[a].rule, M[b].rule) || cmp.name(a, b),
};
function refilter() {
  const q = norm(st.q.trim());
  const only = st.pkg === 'all' ? null : st.pkg === '-' ? -1 : pkgIndex.get(st.pkg);
  const rows = [];
  for (let i = 0; i < N; i++) {
    if (only !== null && M[i].package !== only) continue;
    if (q && hay[i].indexOf(q) < 0) continue;
    rows.push(i);
  }
  const c = cmp[st.key], dir = st.dir;
  rows.sort((a, b) => dir * c(a, b));
  if (q && byName.has(q)) {
    const k = rows.indexOf(byName.get(q));
    if (k > 0) { rows.splice(k, 1); rows.unshift(byName.get(q)); }
  }
  st.rows = rows;
  spacer.style.height = rows.length * ROW + 'px';
  $('count').textContent = rows.length === N ? plural(N, 'module') : num(rows.length) + ' of ' + plural(N, 'module');
  tbody.scrollTop = 0;
  for (const b of $('thead').children) {
    const on = b.dataset.key === st.key;
    b.classList.toggle('asc', on && st.dir > 0);
    b.classList.toggle('desc', on && st.dir < 0);
    if (on) b.setAttribute('aria-sort', st.dir > 0 ? 'ascending' : 'descending'); else b.removeAttribute('aria-sort');
  }
  paint();
}
const pool = [];
function makeRow() {
  const r = h('div', { class: 'tr', role: 'row' },
    h('div', { class: 'td nm', role: 'cell' }),
    h('div', { class: 'td pk', role: 'cell' }, h('i', { class: 'sw' }), h('span', { class: 'td' })),
    h('div', { class: 'td num', role: 'cell' }),
    h('div', { class: 'td num', role: 'cell' }),
    h('div', { class: 'td num', role: 'cell' }),
    h('div', { class: 'td rule', role: 'cell' }));
  r.addEventListener('click', () => open(Number(r.dataset.m)));
  return r;
}
function paint() {
  const top = tbody.scrollTop - spacer.offsetTop;
  const first = Math.max(0, Math.floor(top / ROW) - 6);
  const last = Math.min(st.rows.length, first + Math.ceil(tbody.clientHeight / ROW) + 12);
  while (pool.length < last - first) { const r = makeRow(); pool.push(r); spacer.append(r); }
  for (let k = 0; k < pool.length; k++) {
    const r = pool[k], i = first + k;
    if (i >= last) { r.hidden = true; continue; }
    const m = st.rows[i], mod = M[m], c = r.children;
    r.hidden = false;
    r.style.transform = 'translateY(' + i * ROW + 'px)';
    r.dataset.m = m;
    r.classList.toggle('sel', m === st.sel);
    c[0].textContent = mod.name; c[0].title = mod.path;
    c[1].firstChild.style.background = colour(mod.package);
    c[1].lastChild.textContent = pkgName(mod.package);
    c[2].textContent = bytes(mod.bytes); c[2].title = bytes(mod.uncompressedBytes) + ' uncompressed';
    c[3].textContent = mod.deps.length;
    c[4].textContent = mod.users.length;
    c[5].textContent = shortRule(mod.rule); c[5].title = mod.rule;
  }
}
let painting = false;
tbody.addEventListener('scroll', () => {
  if (painting) return;
  painting = true;
  requestAnimationFrame(() => { painting = false; paint(); });
});
let filtering = false;
$('q').addEventListener('input', () => {
  st.q = $('q').value;
  if (filtering) return;
  filtering = true;
  requestAnimationFrame(() => { filtering = false; refilter(); });
});
$('q').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  st.q = $('q').value;
  refilter();
  if (st.rows.length) open(st.rows[0]);
});
$('pkg').addEventListener('change', () => { st.pkg = $('pkg').value; refilter(); });
for (const b of $('thead').children) {
  b.addEventListener('click', () => {
    const key = b.dataset.key;
    if (st.key === key) st.dir = -st.dir;
    else { st.key = key; st.dir = b.classList.contains('num') ? -1 : 1; }
    refilter();
  });
}
tbody.addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  e.preventDefault();
  const k = st.rows.indexOf(st.sel) + (e.key === 'ArrowDown' ? 1 : -1);
  if (k >= 0 && k < st.rows.length) open(st.rows[k]);
});
function reveal(m) {
  const k = st.rows.indexOf(m);
  if (k < 0) return;
  const y = k * ROW, head = spacer.offsetTop, view = tbody.clientHeight - head;
  // Out of view, the row comes to the middle; in view, it stays where it is.
  if (y < tbody.scrollTop || y + ROW > tbody.scrollTop + view) tbody.scrollTop = y - (view - ROW) / 2;
  paint();
}

// The explorer: one module, what needs it and what it needs.
function open(m) {
  const hash = '#module=' + encodeURIComponent(M[m].name);
  if (location.hash !== hash) location.hash = hash; else show(m);
}
function show(m) {
  if (st.sel !== m) { st.openUsers = false; st.openNeeds = false; }
  st.sel = m;
  paint();
  detail(m);
  hood(m);
}
function chip(p) {
  return h('span', { class: 'chip' }, Object.assign(h('i', { class: 'sw' }), {}), pkgName(p));
}
function detail(m) {
  const mod = M[m];
  const c = chip(mod.package);
  c.firstChild.style.background = colour(mod.package);
  const facts = h('dl', { class: 'facts' });
  const fact = (k, v) => facts.append(h('dt', {}, k), h('dd', {}, v));
  fact('placed by', mod.rule);
  fact('size', bytes(mod.bytes) + ' shipped \u00b7 ' + bytes(mod.uncompressedBytes) + ' uncompressed');
  fact('license', mod.license || '\u2014');
  fact('binds', mod.binds.length ? mod.binds.join(', ') : '\u2014');
  fact('needs', plural(mod.deps.length, 'module'));
  fact('needed by', plural(mod.users.length, 'module'));
  const box = $('detail');
  box.replaceChildren(h('div', { class: 'd-head' }, h('h3', {}, mod.name), c), h('div', { class: 'd-path' }, mod.path), facts);
  const fs = findingsOf.get(mod.name) || [];
  if (fs.length) {
    const list = h('ul', { class: 'd-finds' });
    for (const f of fs.slice(0, 8)) {
      list.append(h('li', {}, h('span', { class: 'sev ' + f.severity }, f.severity === 'info' ? 'note' : f.severity), f.message));
    }
    if (fs.length > 8) list.append(h('li', {}, '+' + (fs.length - 8) + ' more in Findings'));
    box.append(list);
  }
}
function missing(name) {
  $('detail').replaceChildren(h('p', { class: 'hint' }, 'No module named \u201c' + name + '\u201d in this tree.'));
  $('hood').replaceChildren();
}
const CAP = 10, W = 760, NW = 196, NH = 42, GAP = 10, TOP = 30;
const bySymbols = (a, b) => (b.sym - a.sym) || byStr(M[a.m].name, M[b.m].name);
function hood(m) {
  const mod = M[m];
  const needs = mod.deps.map((d, k) => ({ m: d, sym: mod.depSymbols[k] })).sort(bySymbols);
  const users = mod.users.map((u) => ({ m: u, sym: symbolsBetween(u, m) })).sort(bySymbols);
  const left = st.openUsers ? users : users.slice(0, CAP), right = st.openNeeds ? needs : needs.slice(0, CAP);
  const lRows = left.length + (users.length > CAP ? 1 : 0), rRows = right.length + (needs.length > CAP ? 1 : 0);
  const rows = Math.max(lRows, rRows, 1), step = NH + GAP;
  const H = TOP + rows * step + 6;
  const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' });
  svg.setAttribute('aria-label', 'Neighbourhood of ' + mod.name);
  const defs = s('defs', {});
  for (const [id, cls] of [['h-arr', 'ha'], ['h-brk', 'ha brk']]) {
    defs.append(s('marker', { id: id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
      s('path', { class: cls, d: 'M0,0 L10,5 L0,10 z' })));
    defs.lastChild.setAttribute('markerUnits', 'userSpaceOnUse');
  }
  svg.append(defs);
  const lx = 8, rx = W - NW - 8, cx = (W - NW) / 2;
  const cy = TOP + (rows * step - GAP) / 2 - NH / 2;
  const yOf = (k, n) => TOP + (rows - n) * step / 2 + k * step;
  svg.append(s('text', { class: 'colh', x: lx, y: 16 }, 'needed by (' + num(users.length) + ')'));
  svg.append(s('text', { class: 'colh', x: rx, y: 16 }, 'needs (' + num(needs.length) + ')'));
  const edges = s('g', {}), nodes = s('g', {});
  svg.append(edges, nodes);
  function edge(x0, y0, x1, y1, sym, bad, labelT, title) {
    const xm = (x0 + x1) / 2;
    const p = s('path', { class: 'he' + (bad ? ' brk' : ''), d: `M${x0},${y0} C${xm},${y0} ${xm},${y1} ${x1},${y1}`,
      'marker-end': bad ? 'url(#h-brk)' : 'url(#h-arr)' }, s('title', {}, title));
    edges.append(p);
    const t = labelT, u = 1 - t;
    const bx = u * u * u * x0 + 3 * u * u * t * xm + 3 * u * t * t * xm + t * t * t * x1;
    const by = u * u * u * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t * t * t * y1;
    const text = String(sym), w = text.length * 7 + 14;
    edges.append(s('g', { class: 'hl' + (bad ? ' brk' : '') }, s('title', {}, title),
      s('rect', { x: bx - w / 2, y: by - 9, width: w, height: 18, rx: 9 }),
      s('text', { x: bx, y: by + 4 }, text)));
  }
  function node(i, x, y, centre) {
    const p = M[i].package, col = colour(p);
    const g = s('g', { class: 'hn' + (centre ? ' centre' : ''), transform: `translate(${x},${y})` });
    g.append(s('title', {}, M[i].name + ' \u2014 ' + pkgName(p) + ', ' + bytes(M[i].bytes) +
      ', needs ' + M[i].deps.length + ', needed by ' + M[i].users.length));
    g.append(s('rect', { class: 'hb', width: NW, height: NH, rx: 7, fill: col, 'fill-opacity': centre ? 0.2 : 0.08, stroke: col }));
    g.append(s('rect', { width: 6, height: NH, rx: 3, fill: col }));
    g.append(s('text', { class: 'n1', x: 14, y: 18 }, clip(M[i].name, 21)));
    g.append(s('text', { class: 'n2', x: 14, y: 34 }, clip(pkgName(p), 16) + ' \u00b7 ' + bytes(M[i].bytes)));
    if (!centre) {
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'link');
      g.addEventListener('click', () => open(i));
      g.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(i); });
    }
    nodes.append(g);
  }
  function more(x, y, hidden, isOpen, toggle) {
    const g = s('g', { class: 'hn more-n', transform: `translate(${x},${y})`, tabindex: 0, role: 'button' });
    g.append(s('rect', { class: 'hb', width: NW, height: NH, rx: 7 }));
    g.append(s('text', { class: 'n1', x: NW / 2, y: NH / 2 + 4, 'text-anchor': 'middle' }, isOpen ? 'show fewer' : '+' + num(hidden) + ' more'));
    g.addEventListener('click', toggle);
    g.addEventListener('keydown', (e) => { if (e.key === 'Enter') toggle(); });
    nodes.append(g);
  }
  left.forEach((e, k) => {
    const y = yOf(k, lRows);
    edge(lx + NW, y + NH / 2, cx, cy + NH / 2, e.sym, broken(e.m, m), 0.18,
      M[e.m].name + ' needs ' + plural(e.sym, 'symbol') + ' from ' + mod.name);
    node(e.m, lx, y, false);
  });
  right.forEach((e, k) => {
    const y = yOf(k, rRows);
    edge(cx + NW, cy + NH / 2, rx, y + NH / 2, e.sym, broken(m, e.m), 0.82,
      mod.name + ' needs ' + plural(e.sym, 'symbol') + ' from ' + M[e.m].name);
    node(e.m, rx, y, false);
  });
  if (users.length > CAP) more(lx, yOf(left.length, lRows), users.length - CAP, st.openUsers, () => { st.openUsers = !st.openUsers; hood(m); });
  if (needs.length > CAP) more(rx, yOf(right.length, rRows), needs.length - CAP, st.openNeeds, () => { st.openNeeds = !st.openNeeds; hood(m); });
  if (!users.length) nodes.append(s('text', { class: 'none', x: lx + 4, y: cy + NH / 2 + 4 }, 'no module needs it'));
  if (!needs.length) nodes.append(s('text', { class: 'none', x: rx + 4, y: cy + NH / 2 + 4 }, 'needs only the kernel'));
  node(m, cx, cy, true);
  $('hood').replaceChildren(svg);
}

// Links: #module=NAME selects a module, #package=NAME lists a package's modules.
function route(initial) {
  const r = /^#(module|package)=(.*)$/.exec(location.hash);
  if (!r) return;
  let v;
  try { v = decodeURIComponent(r[2]); } catch (e) { return; }
  if (r[1] === 'module') {
    const m = byName.get(norm(v));
    if (m === undefined) { missing(v); return; }
    show(m);
    reveal(m);
    if (initial) $('modules').scrollIntoView({ block: 'start' });
    else $('explorer').scrollIntoView({ block: 'nearest' });
  } else if (pkgIndex.has(v) || v === '-') {
    st.pkg = v; $('pkg').value = v;
    st.q = ''; $('q').value = '';
    refilter();
    $('modules').scrollIntoView({ block: 'start' });
  }
}
window.addEventListener('hashchange', () => route(false));
refilter();
route(true);
root.setAttribute('data-ready', 'true');
})();
"""#
}
