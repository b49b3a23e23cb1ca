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
                abstract: "Write modules.dep, .alias, .softdep, .weakdep, .symbols and .devname in depmod's formats.",
                discussion:
                    "A tree whose modules need each other in a cycle is refused as depmod refuses it: "
                    + "each cycle is named on standard error, nothing is written, and the exit status is 1."
            )
            @OptionGroup var source: TreeOptions
            @Option(help: "Directory to write the files into (created if missing).") var out: String

            func run() throws {
                Timings.mark("start-up")
                let scan = try source.scan()
                Timings.mark("scan")
                let graph = ModuleGraph(scan: scan)
                Timings.mark("graph")
                defer { buryAtExit(scan, graph) }
                let files: [(name: String, contents: String)]
                do {
                    files = try DepmodFiles.render(graph)
                } catch {
                    // As depmod does: each cycle named, nothing written, exit status 1.
                    reportProblems(scan.problems)
                    var message = ""
                    for line in error.lines { message += "modsplit: \(line)\n" }
                    message +=
                        "modsplit: no depmod files written to \(out): depmod refuses a tree with dependency cycles\n"
                    FileHandle.standardError.write(Data(message.utf8))
                    throw ExitCode(1)
                }
                try makeDirectory(out)
                for (name, contents) in files { try emit(contents, to: out + "/" + name) }
                Timings.mark("write")
                reportProblems(scan.problems)
            }
        }

        struct JSON: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "json",
                abstract: "The whole graph as JSON: modules with their facts, edges with their symbols.")
            @OptionGroup var source: TreeOptions
            @Option(help: "File to write (default: standard output).") var out: String?

            func run() throws {
                let scan = try source.scan()
                let doc = GraphDocument(
                    graph: ModuleGraph(scan: scan), kernelVersion: scan.tree.kernelVersion,
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
                reportProblems(scan.problems)
            }
        }
    }
}
