import ArgumentParser
import ELFScan
import Foundation
import Graph

extension Modsplit {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a split against the kernel's load rules: every finding with its symbols, rule line and cost.")
        @OptionGroup var source: TreeOptions
        @OptionGroup var split: SplitOptions
        @OptionGroup var output: ReportOptions

        func run() throws {
            try output.finish(try AnalysedSplit(tree: source, split: split))
        }
    }

    struct Place: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place modules as filtermods' sort does and write one <package>.list per package; report every move.")
        @OptionGroup var source: TreeOptions
        @OptionGroup var split: SplitOptions
        @OptionGroup var output: ReportOptions
        @Option(help: "Directory for the <package>.list files (created if missing).") var out: String

        func validate() throws {
            if split.rules == nil { throw ValidationError("place needs --rules") }
        }

        func run() throws {
            let analysed = try AnalysedSplit(tree: source, split: split)
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw UsageFailure("\(out): cannot create directory")
            }
            let members = analysed.placement.members(analysed.graph)
            for (p, name) in analysed.placement.packages.names.enumerated() {
                // As filtermods: paths as in modules.dep, byte order, modules the rules cannot place left out.
                let paths = members[p].filter { analysed.placement.failure[$0] == nil }.map { analysed.graph.modules[$0].path }.sorted {
                    $0.utf8.lexicographicallyPrecedes($1.utf8)
                }
                try emit(paths.map { $0 + "\n" }.joined(), to: out + "/" + name + ".list")
            }
            Timings.mark("lists")
            try output.finish(analysed)
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where a module lands and why: the rule, what it needs and who needs it, across packages.")
        @OptionGroup var source: TreeOptions
        @OptionGroup var split: SplitOptions
        @Argument(help: "Module name, file name or path.") var module: String

        func run() throws {
            let a = try AnalysedSplit(tree: source, split: split)
            let m = try a.graph.lookup(module)
            let g = a.graph, p = a.placement
            func pkg(_ i: Int) -> String { p.packageOf[i].map { p.packages.names[$0] } ?? "no package" }
            var out = "\(g.modules[m].name)  \(g.modules[m].path)\n"
            out += "  package   \(pkg(m))"
            if let w = p.wanted[m], w != p.packageOf[m] { out += " (its rule asks for \(p.packages.names[w]))" }
            out += "\n"
            switch p.basis[m] {
            case .needs(let l): out += "  placed by \(l) (exact_pkg)\n"
            case .wants(let l): out += "  placed by \(l) (first matching rule)\n"
            case .defaulted(let l): out += "  placed by the default rule at \(l) (no rule matches)\n"
            case .listed(let l): out += "  listed at \(l)\n"
            case .unruled: out += "  no rule matches and there is no default\n"
            case .wholeTree: out += "  the whole tree is one package\n"
            }
            if let f = p.failure[m] { out += "  the rules cannot place it: \(f)\n" }
            out += "  size      \(g.modules[m].fileSize) bytes (\(g.modules[m].uncompressedSize) uncompressed)\n"
            out += "needs:\n"
            for e in g.deps[m] {
                let cross = a.context.placement.packageOf[m].flatMap { pm in p.packageOf[e.target].map { !p.packages.reaches(pm, $0) } } ?? false
                out += "  \(g.modules[e.target].name) (\(pkg(e.target)))\(cross ? "  ← outside \(pkg(m))'s closure" : "")\n"
                out += "    \(e.symbols.prefix(10).joined(separator: ", "))\(e.symbols.count > 10 ? ", … (\(e.symbols.count))" : "")\n"
            }
            out += "needed by:\n"
            for u in g.users[m] {
                let symbols = g.edge(from: u, to: m)?.symbols ?? []
                out += "  \(g.modules[u].name) (\(pkg(u))) for \(symbols.prefix(5).joined(separator: ", "))\(symbols.count > 5 ? ", …" : "")\n"
            }
            let mine = a.findings.filter { $0.module == g.modules[m].name }
            if !mine.isEmpty {
                out += "findings:\n"
                for f in mine { out += "  \(f.severity.rawValue) \(f.kind): \(f.message)\n" }
            }
            try emit(out, to: nil)
        }
    }

    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The checks modsplit runs: id, severity, rationale.")
        @Flag(help: "Show each check's examples too.") var examples = false

        func run() throws {
            var out = ""
            for c in CheckRegistry.all.map(\.description) {
                out += "\(c.id)  [\(c.severity.rawValue)]\n  \(c.summary)\n  \(c.rationale)\n"
                if examples {
                    out += "  triggers: \(c.triggering.summary)\n  passes:   \(c.passing.summary)\n"
                }
            }
            try emit(out, to: nil)
        }
    }
}
