internal import Foundation

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
        let widths = layers.map { l in
            l.map { slots[$0].width }.reduce(0, +) + Double(max(l.count - 1, 0)) * Self.slotGap
        }
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
        height =
            2 * Self.margin + Double(layers.count) * Self.boxHeight + Double(layers.count - 1) * Self.layerGap
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
                attach[end, default: [:]][item.arrow] =
                    centre(end.slot) + (Double(k) - Double(sorted.count - 1) / 2) * spacing
            }
        }

        var out =
            "<svg class=\"pkg-graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(width)) \(n(height))\" "
        out += "width=\"\(n(width))\" height=\"\(n(height))\" role=\"img\" aria-label=\"Package graph\">\n<defs>"
        for (id, cls) in [("a-dep", "arr-dep"), ("a-mod", "arr-mod"), ("a-brk", "arr-brk")] {
            out += "<marker id=\"\(id)\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"10\" "
            out +=
                "markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path class=\"\(cls)\" d=\"M0,0 "
                + "L10,5 L0,10 z\"/></marker>"
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
                title +=
                    a.broken
                    ? " — broken: \(from) does not depend on \(to)" : a.dependsOn ? "" : " (through its dependencies)"
            } else {
                title += "depends on it, no module edges"
            }
            paths += "<path class=\"e \(cls)\" d=\"\(d)\" stroke-width=\"\(String(format: "%.1f", stroke))\" "
            paths += "marker-end=\"url(#a-\(cls))\"><title>\(E.escape(title))</title></path>\n"
            if a.edges > 0 {
                let text =
                    (a.broken ? "\(E.count(a.edges)) broken" : E.plural(a.edges, "edge"))
                    + " · \(E.count(a.symbols)) sym"
                labels.append((labelAt.0, labelAt.1, Double(text.count) * 6.4 + 14, text, a.broken, title))
            }
        }
        out += paths

        // Labels: nudged apart where two would overlap.
        var placed: [(x: Double, y: Double, w: Double)] = []
        for var l in labels {
            var tries = 0
            while tries < 12, placed.contains(where: { abs($0.x - l.x) < ($0.w + l.w) / 2 + 4 && abs($0.y - l.y) < 20 })
            {
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
            out +=
                "<rect class=\"box\" x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(Self.boxWidth))\" "
                + "height=\"\(n(Self.boxHeight))\" "
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
