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
            if split.rules == nil { throw ValidationError("place needs --rules") }
        }

        func run() throws {
            if source.isMatrix { return try runMatrix() }
            let analysis = try source.analyse(split)
            let lists = analysis.placement.lists(analysis.graph)
            // Package names come from the rules file: one that is not a plain file name would write
            // outside --out.
            for (package, _) in lists where !PackageSet.isSafeFileName(package) {
                throw UsageFailure("package name '\(Display.sanitized(package))' cannot name a file in \(out)")
            }
            try makeDirectory(out)
            for (package, paths) in lists {
                try emit(paths.map { $0 + "\n" }.joined(), to: out + "/" + package + ".list")
            }
            Timings.mark("lists")
            try output.finish(analysis)
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

        func run() throws {
            var out = ""
            for c in CheckRegistry.all.map(\.description) {
                out += "\(c.id)  [\(c.severity.rawValue)]\n  \(c.summary)\n  \(c.rationale)\n"
                if examples {
                    out += "  triggers: \(c.triggering.summary)\n  passes:   \(c.passing.summary)\n"
                }
            }
            // What split languages report about the rules themselves.
            for k in RulesFindingKinds.all {
                out +=
                    "\(k.id)  [\(k.severity.rawValue)]  (\(k.languages.joined(separator: ", ")))\n  \(k.summary)\n"
                    + "  \(k.rationale)\n"
            }
            try emit(out, to: nil)
        }
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
