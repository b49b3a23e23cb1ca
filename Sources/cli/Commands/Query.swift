import ArgumentParser
import ELFScan
import Foundation
import Graph
import Reports

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
            let graph = ModuleGraph(scan: try source.scan())
            let m = try lookup(module, in: graph)
            try emit(ModuleQueries.deps(graph, module: m, reverse: reverse, direct: direct, symbols: symbols), to: nil)
        }
    }

    struct Why: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The chain of symbols that makes MODULE need OTHER.")
        @OptionGroup var source: TreeOptions
        @Argument(help: "The module that needs.") var module: String
        @Argument(help: "The module it needs.") var other: String

        func run() throws {
            let graph = ModuleGraph(scan: try source.scan())
            let a = try lookup(module, in: graph), b = try lookup(other, in: graph)
            guard let chain = graph.path(from: a, to: b) else {
                let names = (Display.sanitized(graph.modules[a].name), Display.sanitized(graph.modules[b].name))
                try emit("\(names.0) does not need \(names.1)\n", to: nil)
                throw ExitCode(1)
            }
            try emit(ModuleQueries.why(graph, chain: chain), to: nil)
        }
    }

    struct SymbolInfo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "symbol", abstract: "Who exports a symbol (CRC, namespace, GPL-only) and who imports it.")
        @OptionGroup var source: TreeOptions
        @Argument(help: "The symbol name.") var name: String

        func validate() throws {
            if name.isEmpty { throw ValidationError("symbol needs a symbol name, not an empty one") }
        }

        func run() throws {
            try emit(ModuleQueries.symbol(ModuleGraph(scan: try source.scan()), name: name), to: nil)
        }
    }
}
