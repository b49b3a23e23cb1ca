import ArgumentParser
import ELFScan
import Foundation
import Graph
import Reports
import Split

extension Modsplit {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check a split against the kernel's load rules: every finding with its symbols, rule line and cost.")
        @OptionGroup var source: TreeOptions
        @OptionGroup var split: SplitOptions
        @OptionGroup var output: ReportOptions

        func run() throws {
            if source.isMatrix { return try output.finish(try source.analyseMatrix(split)) }
            try output.finish(try source.analyse(split))
        }
    }

    struct Place: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Place modules as the split's own tool does and write one <package>.list per package (with several \
                trees, <kernel version>/<package>.list); report every move.
                """)
        @OptionGroup var source: TreeOptions
        @OptionGroup var split: SplitOptions
        @OptionGroup var output: ReportOptions
        @Option(help: "Directory for the <package>.list files (created if missing).") var out: String

        func validate() throws {
            if !split.package.isEmpty {
                throw ValidationError(
                    "place writes the lists a split's rules give; built packages (--package) are lists already: "
                        + "check them with check --package")
            }
            if split.rules == nil { throw ValidationError("place needs --rules") }
        }

        func run() throws {
            if source.isMatrix {
                let matrix = try source.analyseMatrix(split)
                try write { () throws(PackageListFiles.UnsafeName) in try PackageListFiles.render(matrix) }
                return try output.finish(matrix)
            }
            let analysis = try source.analyse(split)
            try write { () throws(PackageListFiles.UnsafeName) in try PackageListFiles.render(analysis) }
            try output.finish(analysis)
        }

        /// Writes the lists `render` gives under --out.
        func write(_ render: () throws(PackageListFiles.UnsafeName) -> [PackageListFiles.Directory]) throws {
            let directories: [PackageListFiles.Directory]
            do {
                directories = try render()
            } catch {
                throw UsageFailure(error.message(directory: out))
            }
            for d in directories {
                let directory = d.subdirectory.map { out + "/" + $0 } ?? out
                try makeDirectory(directory)
                for file in d.files { try emit(file.contents, to: directory + "/" + file.name) }
            }
            Timings.mark("lists")
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where a module lands and why: the rule, what it needs and who needs it, across packages.")
        @OptionGroup var source: TreeOptions
        @OptionGroup var split: SplitOptions
        @Argument(help: "Module name, file name or path.") var module: String

        func run() throws {
            let analysis = try source.analyse(split)
            let m = try lookup(module, in: analysis.graph)
            try emit(ModuleQueries.explain(analysis, module: m), to: nil)
        }
    }

    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The checks modsplit runs: id, severity, rationale.")
        @Flag(help: "Show each check's examples too.") var examples = false

        func run() throws { try emit(CheckCatalogue.text(examples: examples), to: nil) }
    }
}

/// The module a user named, or a usage failure saying why there is none.
func lookup(_ name: String, in graph: ModuleGraph) throws -> Int {
    do {
        return try graph.lookup(name)
    } catch {
        throw UsageFailure(error.description)
    }
}
