import ArgumentParser
import ELFScan
import Foundation
import Graph

extension Modsplit {
    struct Deps: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What a module needs (in load order), or with --reverse what needs it.")
        @OptionGroup var source: TreeOptions
        @Argument(help: "Module name, file name or path.") var module: String
        @Flag(help: "List the modules that need MODULE instead.") var reverse = false
        @Flag(help: "Only direct dependencies (or users).") var direct = false
        @Flag(help: "Show the symbols behind each direct edge.") var symbols = false

        func run() throws {
            let scan = try source.scan()
            let graph = ModuleGraph(scan: scan)
            let m = try graph.lookup(module)
            var out = ""
            let list: [Int]
            if reverse {
                list = direct ? graph.users[m] : graph.reverseClosure(of: m)
            } else {
                list = direct ? graph.deps[m].map(\.target).sorted { graph.sortIndex[$0] < graph.sortIndex[$1] }
                    : graph.closure(of: m)
            }
            for d in list {
                out += graph.modules[d].name + "\t" + graph.modules[d].path + "\n"
                if symbols, let e = reverse ? graph.edge(from: d, to: m) : graph.edge(from: m, to: d) {
                    for s in e.symbols { out += "    \(s)\n" }
                }
            }
            try emit(out, to: nil)
        }
    }

    struct Why: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The chain of symbols that makes MODULE need OTHER.")
        @OptionGroup var source: TreeOptions
        @Argument(help: "The module that needs.") var module: String
        @Argument(help: "The module it needs.") var other: String

        func run() throws {
            let scan = try source.scan()
            let graph = ModuleGraph(scan: scan)
            let a = try graph.lookup(module), b = try graph.lookup(other)
            guard let chain = graph.path(from: a, to: b) else {
                try emit("\(graph.modules[a].name) does not need \(graph.modules[b].name)\n", to: nil)
                throw ExitCode(1)
            }
            var out = graph.modules[chain[0]].name + "\n"
            for (x, y) in zip(chain, chain.dropFirst()) {
                let e = graph.edge(from: x, to: y)!
                let shown = e.symbols.prefix(8).joined(separator: ", ")
                let more = e.symbols.count > 8 ? ", … (\(e.symbols.count) symbols)" : ""
                out += "  needs \(graph.modules[y].name) for \(shown)\(more)\n"
            }
            try emit(out, to: nil)
        }
    }

    struct SymbolInfo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "symbol", abstract: "Who exports a symbol (CRC, namespace, GPL-only) and who imports it.")
        @OptionGroup var source: TreeOptions
        @Argument(help: "The symbol name.") var name: String

        func run() throws {
            let scan = try source.scan()
            let graph = ModuleGraph(scan: scan)
            let exporters = graph.index.exporters(of: name)
            let winner = graph.index.resolve(name)
            var out = "symbol \(name)\n"
            if exporters.isEmpty {
                out += graph.kernelExportsKnown ? "  exported by nobody\n"
                    : "  exported by no module (the kernel's exports are unknown: give --symvers)\n"
            }
            for e in exporters {
                var who: String
                switch e.provider {
                case .kernel: who = "vmlinux"
                case .module(let i): who = "\(graph.modules[i].name) (\(graph.modules[i].path))"
                }
                var attrs: [String] = []
                if let gpl = e.gplOnly { attrs.append(gpl ? "GPL-only" : "any license") }
                if let ns = e.namespace { attrs.append("namespace \(ns)") }
                if let crc = e.crc { attrs.append(String(format: "crc 0x%08x", crc)) }
                let mark = e == winner && exporters.count > 1 ? "  <- resolves here" : ""
                out += "  exported by \(who): \(attrs.joined(separator: ", "))\(mark)\n"
            }
            for (i, m) in graph.modules.enumerated() {
                for imp in m.imports where imp.name == name {
                    var attrs: [String] = []
                    if imp.weak { attrs.append("weak") }
                    if let crc = imp.crc { attrs.append(String(format: "expects crc 0x%08x", crc)) }
                    out += "  imported by \(graph.modules[i].name)\(attrs.isEmpty ? "" : ": " + attrs.joined(separator: ", "))\n"
                }
            }
            try emit(out, to: nil)
        }
    }
}
