internal import ELFScan
internal import Foundation
public import Graph
public import Split

/// The answers of `deps`, `why`, `symbol` and `explain` as text. Every string that comes from a module
/// is shown through `Display.sanitized`: a module name must not reach a terminal as an escape sequence.
public enum ModuleQueries {
    /// What `module` needs in load order, or (`reverse`) what needs it; `direct` keeps one step;
    /// `symbols` lists the symbols behind each direct edge.
    public static func deps(_ graph: ModuleGraph, module m: Int, reverse: Bool, direct: Bool, symbols: Bool) -> String {
        let list: [Int]
        if reverse {
            list = direct ? graph.users[m] : graph.reverseClosure(of: m)
        } else {
            list =
                direct
                ? graph.deps[m].map(\.target).sorted { graph.sortIndex[$0] < graph.sortIndex[$1] }
                : graph.closure(of: m)
        }
        var out = ""
        for d in list {
            out += Display.sanitized(graph.modules[d].name) + "\t" + Display.sanitized(graph.modules[d].path) + "\n"
            if symbols, let e = reverse ? graph.edge(from: d, to: m) : graph.edge(from: m, to: d) {
                for s in e.symbols { out += "    \(Display.sanitized(s))\n" }
            }
        }
        return out
    }

    /// The chain of modules and symbols from the first module of `chain` to the last.
    public static func why(_ graph: ModuleGraph, chain: [Int]) -> String {
        var out = Display.sanitized(graph.modules[chain[0]].name) + "\n"
        for (x, y) in zip(chain, chain.dropFirst()) {
            guard let e = graph.edge(from: x, to: y) else { continue }
            let shown = e.symbols.prefix(8).map(Display.sanitized).joined(separator: ", ")
            let more = e.symbols.count > 8 ? ", … (\(e.symbols.count) symbols)" : ""
            out += "  needs \(Display.sanitized(graph.modules[y].name)) for \(shown)\(more)\n"
        }
        return out
    }

    /// Who exports `name` (GPL-only, namespace, CRC; which export wins) and who imports it.
    public static func symbol(_ graph: ModuleGraph, name: String) -> String {
        let exporters = graph.index.exporters(of: name)
        let winner = graph.index.resolve(name)
        var out = "symbol \(Display.sanitized(name))\n"
        if exporters.isEmpty {
            out +=
                graph.kernelExportsKnown
                ? "  exported by nobody\n"
                : "  exported by no module (the kernel's exports are unknown: give --symvers)\n"
        }
        for e in exporters {
            let who: String
            switch e.provider {
            case .kernel: who = "vmlinux"
            case .module(let i):
                who = "\(Display.sanitized(graph.modules[i].name)) (\(Display.sanitized(graph.modules[i].path)))"
            }
            var attrs: [String] = []
            if let gpl = e.gplOnly { attrs.append(gpl ? "GPL-only" : "any license") }
            if let ns = e.namespace { attrs.append("namespace \(Display.sanitized(ns))") }
            if let crc = e.crc { attrs.append(String(format: "crc 0x%08x", crc)) }
            let mark = e == winner && exporters.count > 1 ? "  <- resolves here" : ""
            out += "  exported by \(who): \(attrs.joined(separator: ", "))\(mark)\n"
        }
        for (i, m) in graph.modules.enumerated() {
            for imp in m.imports where imp.name == name {
                var attrs: [String] = []
                if imp.weak { attrs.append("weak") }
                if let crc = imp.crc { attrs.append(String(format: "expects crc 0x%08x", crc)) }
                out +=
                    "  imported by \(Display.sanitized(graph.modules[i].name))"
                    + (attrs.isEmpty ? "" : ": " + attrs.joined(separator: ", ")) + "\n"
            }
        }
        return out
    }

    /// Where module `m` lands in an analysed split and why: its rule, what it needs and who needs it,
    /// across packages, and its findings.
    public static func explain(_ analysis: SplitAnalysis, module m: Int) -> String {
        let g = analysis.graph, p = analysis.placement
        func show(_ s: String) -> String { Display.sanitized(s) }
        func pkg(_ i: Int) -> String { p.packageOf[i].map { show(p.packages.names[$0]) } ?? "no package" }
        var out = "\(show(g.modules[m].name))  \(show(g.modules[m].path))\n"
        out += "  package   \(pkg(m))"
        if let w = p.wanted[m], w != p.packageOf[m] { out += " (its rule asks for \(show(p.packages.names[w])))" }
        out += "\n"
        switch p.basis[m] {
        case .needs(let l): out += "  placed by \(show(l.description)) (exact_pkg)\n"
        case .wants(let l): out += "  placed by \(show(l.description)) (first matching rule)\n"
        case .defaulted(let l): out += "  placed by the default rule at \(show(l.description)) (no rule matches)\n"
        case .listed(let l): out += "  listed at \(show(l.description))\n"
        case .unruled: out += "  no rule matches and there is no default\n"
        case .wholeTree: out += "  the whole tree is one package\n"
        case .pulled(let by, let l):
            out +=
                "  pulled in by \(by.map(show).joined(separator: ", "))"
                + (l.map { " (placed by \(show($0.description)))" } ?? "") + "\n"
        case .unlisted: out += "  no entry names it; the split's fallback package holds it\n"
        }
        if let f = p.failure[m] { out += "  the rules cannot place it: \(show(f))\n" }
        out += "  size      \(g.modules[m].fileSize) bytes (\(g.modules[m].uncompressedSize) uncompressed)\n"
        out += "needs:\n"
        for e in g.deps[m] {
            let cross =
                p.packageOf[m].flatMap { pm in p.packageOf[e.target].map { !p.packages.reaches(pm, $0) } } ?? false
            out +=
                "  \(show(g.modules[e.target].name)) "
                + "(\(pkg(e.target)))\(cross ? "  ← outside \(pkg(m))'s closure" : "")\n"
            out +=
                "    \(e.symbols.prefix(10).map(show).joined(separator: ", "))"
                + (e.symbols.count > 10 ? ", … (\(e.symbols.count))" : "") + "\n"
        }
        out += "needed by:\n"
        for u in g.users[m] {
            let symbols = g.edge(from: u, to: m)?.symbols ?? []
            out +=
                "  \(show(g.modules[u].name)) (\(pkg(u))) for \(symbols.prefix(5).map(show).joined(separator: ", "))"
                + (symbols.count > 5 ? ", …" : "") + "\n"
        }
        let mine = analysis.findings.filter { $0.module == g.modules[m].name }
        if !mine.isEmpty {
            out += "findings:\n"
            for f in mine { out += "  \(f.severity.rawValue) \(f.kind): \(show(f.message))\n" }
        }
        return out
    }
}
