import ArgumentParser
import ELFScan
import Foundation
import Graph

extension Modsplit {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the graph: depmod's text files, JSON or Graphviz DOT.",
            subcommands: [Depmod.self, JSON.self, Dot.self])

        struct Depmod: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "depmod",
                abstract: "Write modules.dep, .alias, .softdep, .weakdep, .symbols and .devname in depmod's formats.")
            @OptionGroup var source: TreeOptions
            @Option(help: "Directory to write the files into (created if missing).") var out: String

            func run() throws {
                Timings.mark("start-up")
                let scan = try source.scan()
                Timings.mark("scan")
                let graph = ModuleGraph(scan: scan)
                Timings.mark("graph")
                // The process ends with this command: freeing ~200k strings and arrays one by one would
                // take ~10 ms, for nothing (LLVM's BuryPointer and clang's -disable-free do the same).
                defer { buryAtExit(scan, graph) }
                do {
                    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                } catch {
                    throw UsageFailure("\(out): cannot create directory")
                }
                for (name, contents) in DepmodFiles.render(graph) { try emit(contents, to: out + "/" + name) }
                Timings.mark("write")
                reportProblems(scan)
            }
        }

        struct JSON: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "json", abstract: "The whole graph as JSON: modules with their facts, edges with their symbols.")
            @OptionGroup var source: TreeOptions
            @Option(help: "File to write (default: standard output).") var out: String?

            func run() throws {
                let scan = try source.scan()
                let doc = GraphDocument(graph: ModuleGraph(scan: scan), kernelVersion: scan.tree.kernelVersion,
                                        kernelExports: scan.kernelExports, problems: scan.problems)
                try emit(doc.encoded(), to: out)
            }
        }

        struct Dot: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "dot", abstract: "The module graph in Graphviz DOT, edges labelled with symbol counts.")
            @OptionGroup var source: TreeOptions
            @Option(help: "File to write (default: standard output).") var out: String?

            func run() throws {
                let scan = try source.scan()
                try emit(DotGraph.render(ModuleGraph(scan: scan)), to: out)
                reportProblems(scan)
            }
        }
    }
}

/// Files that could not be read are named on stderr; the rest of the output is still complete.
func reportProblems(_ scan: TreeScan) {
    for p in scan.problems { FileHandle.standardError.write(Data("modsplit: unreadable: \(p)\n".utf8)) }
}

/// Keeps `values` alive until the process exits, so that nothing in them is freed piece by piece.
/// Only for the results of a command that ends the process. They stay reachable from a global, so
/// leak checkers (valgrind) see them as still reachable, not lost.
func buryAtExit(_ values: Any...) {
    buried.append(contentsOf: values)
}

/// Touched only by `buryAtExit`, on the main thread at the end of a command.
nonisolated(unsafe) private var buried: [Any] = []
