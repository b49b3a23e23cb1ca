import ArgumentParser
import ELFScan
import Foundation
import Graph
import Reports
import Split

extension Modsplit {
    struct Minimize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The smallest core that boots: the modules of least cost whose closure meets machine profiles.",
            discussion: """
                The core holds, for every requirement of every --profile, a module that meets it (a driver built \
                into the kernel meets it at no cost), every --keep module, and the dependency closure of all of \
                them, at the least cost: shipped bytes, uncompressed bytes or modules (--objective). The search is \
                exact (branch and bound over each requirement's alternatives); if it needs longer than \
                --time-limit it reports the best core found and the gap to what any core must cost.

                The text output explains each requirement (the module chosen, what it adds, what each \
                alternative would cost instead), each module (what it is for, or the chain that needs it) and \
                what each further built-in profile would add. --out writes the core's list for --list core=FILE; \
                --format rules writes a filtermods rules file (packages core and rest, an exact_pkg rule for \
                each core module, default: rest).

                --format json (schema 1) is described in docs/output-formats.md.

                --compare-with RULES puts a split's core package (--core) beside the minimal core for the \
                profiles bound to it: what the package installs beyond that floor, by rule and by module, with \
                the chain that pulls each module in (--format text or markdown).
                """)

        @OptionGroup var source: TreeOptions

        @Option(
            name: .long,
            help: ArgumentHelp(
                "A machine profile the core must meet (repeatable): a built-in one, one --rules defines, "
                    + "or all-builtin.",
                valueName: "name"))
        var profile: [String] = []

        @Option(help: ArgumentHelp("A module the core must hold, with its closure (repeatable).", valueName: "module"))
        var keep: [String] = []

        @Option(help: "What to minimise: bytes (shipped), uncompressed (bytes), or modules.")
        var objective: ObjectiveOption = .bytes

        @Option(help: "Output: text, json, list or rules; with --compare-with, text or markdown.")
        var format: MinimizeOutput = .text

        @Option(help: ArgumentHelp("File to write the output to (default: standard output).", valueName: "file"))
        var output: String?

        @Option(help: ArgumentHelp("Also write the core's module list, for --list core=FILE.", valueName: "file"))
        var out: String?

        @Option(help: ArgumentHelp("A rules file whose profiles --profile may name.", valueName: "path"))
        var rules: String?

        @Option(
            help: ArgumentHelp(
                "The language of --rules and --compare-with, when the name does not tell: "
                    + SplitFormats.all.map { $0.name }.joined(separator: ", ") + ".",
                valueName: "format"))
        var rulesFormat: String?

        @Option(help: "A variant for if_variant_in in --rules or --compare-with (repeatable).")
        var variant: [String] = []

        @Option(
            help: """
                Seconds the exact search may run before it settles for its best core and states the gap; pricing \
                the alternatives and further profiles may take as long again.
                """)
        var timeLimit: Double = 10

        @Flag(help: "Leave out requirements the kernel has no driver for, instead of failing.")
        var skipLacking = false

        @Option(
            help: ArgumentHelp(
                "A split's rules: compare its core package with the minimal core for that package's profiles.",
                valueName: "path"))
        var compareWith: String?

        @Option(
            help: ArgumentHelp(
                "The core package of --compare-with (default: the one package profiles are bound to).",
                valueName: "package"))
        var core: String?

        func validate() throws {
            if profile.isEmpty && compareWith == nil {
                throw ValidationError("minimize needs --profile (or --compare-with a split whose core has profiles)")
            }
            if compareWith != nil && ![.text, .markdown].contains(format) {
                throw ValidationError("--compare-with writes text or markdown, not \(format.rawValue)")
            }
            if compareWith == nil && format == .markdown {
                throw ValidationError("--format markdown needs --compare-with")
            }
            if compareWith == nil && core != nil { throw ValidationError("--core needs --compare-with") }
            if !(timeLimit >= 0 && timeLimit <= 86400) {
                throw ValidationError("--time-limit takes 0 to 86400 seconds")
            }
            try SplitOptions.validate(format: rulesFormat)
        }

        var limits: CoreSearch.Limits { CoreSearch.Limits(seconds: timeLimit) }

        func run() throws {
            if let compareWith { return try compare(compareWith) }
            let request = try usable { _ throws(MinimalCoreError) in
                try MinimalCore.Request(
                    profiles: profile, rules: rules.map { .rules(path: $0, format: rulesFormat) }, variants: variant,
                    keep: keep, objective: objective.objective, limits: limits, skipLacking: skipLacking)
            }
            let (tree, options, progress) = try source.located()
            let result = try usable(progress) { phase throws(MinimalCoreError) in
                try MinimalCore.derive(request, tree: tree, scan: options, phase: phase)
            }
            let tool = "modsplit \(Modsplit.version)"
            let rendered: String
            switch format {
            case .text: rendered = result.text()
            case .json: rendered = try result.json(tool: tool)
            case .list: rendered = result.list()
            case .rules: rendered = result.rules(tool: tool)
            case .markdown: rendered = ""  // refused by validate()
            }
            try emit(rendered, to: output)
            if let out { try emit(result.list(), to: out) }
            if format != .text {
                FileHandle.standardError.write(Data(result.summaryLine().utf8))
            }
            Timings.mark("report")
            buryAtExit(result)
        }

        /// A split's core package beside the minimal core for its profiles.
        func compare(_ rulesPath: String) throws {
            let (tree, options, progress) = try source.located()
            let request = SplitAnalysis.Request(
                tree: tree, scan: options, split: .rules(path: rulesPath, format: rulesFormat), variants: variant)
            let comparison = try usable(progress) { phase throws(MinimalCoreError) in
                try CoreComparison(
                    request, core: core, profiles: profile, objective: objective.objective, limits: limits,
                    phase: phase)
            }
            try emit(format == .markdown ? comparison.markdown() : comparison.text(), to: output)
            if let out { try emit(comparison.floor.list(), to: out) }
            Timings.mark("report")
            buryAtExit(comparison)
        }

        /// The result of `body`, or its error as unusable input (exit status 2); `body`'s phases are timed, and the
        /// progress meter ends with the scan.
        func usable<T>(
            _ progress: Progress? = nil, _ body: ((MinimalCore.Phase) -> Void) throws(MinimalCoreError) -> T
        ) throws -> T {
            do {
                return try body { phase in
                    if phase == .scan { progress?.finish() }
                    Timings.mark(phase.rawValue)
                }
            } catch {
                progress?.finish()
                let hint = error.kernelLacksDriver ? " (--skip-lacking leaves it out)" : ""
                throw UsageFailure(error.message + hint)
            }
        }
    }
}

/// `--objective` of minimize.
enum ObjectiveOption: String, CaseIterable, ExpressibleByArgument {
    case bytes, uncompressed, modules
    var objective: MinimalCore.Objective { MinimalCore.Objective(rawValue: rawValue)! }
}

/// `--format` of minimize.
enum MinimizeOutput: String, CaseIterable, ExpressibleByArgument {
    case text, json, list, rules, markdown
}
