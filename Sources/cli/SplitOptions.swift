import ArgumentParser
import ELFScan
import Foundation
import Graph

/// Where the split comes from: a filtermods rules file, package lists, or neither (one package).
struct SplitOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A split rules file in filtermods' YAML format.", valueName: "file"))
    var rules: String?

    @Option(name: .long, help: "A variant for if_variant_in (repeatable).")
    var variant: [String] = []

    @Option(name: .long, help: ArgumentHelp("A package's file list (repeatable): paths or module names, one a line.", valueName: "name=file"))
    var list: [String] = []

    @Option(name: .long, help: ArgumentHelp("A package dependency between lists (repeatable).", valueName: "name:dependency"))
    var requires: [String] = []

    @Option(name: .long, help: ArgumentHelp("Bind a machine profile to a package (repeatable).", valueName: "profile=package"))
    var profile: [String] = []

    func validate() throws {
        if rules != nil && !list.isEmpty { throw ValidationError("--rules and --list exclude each other") }
        for l in list where !l.contains("=") { throw ValidationError("--list takes NAME=FILE, not '\(l)'") }
        for r in requires where !r.contains(":") { throw ValidationError("--requires takes NAME:DEPENDENCY, not '\(r)'") }
        for p in profile where !p.contains("=") { throw ValidationError("--profile takes PROFILE=PACKAGE, not '\(p)'") }
        if !requires.isEmpty && list.isEmpty { throw ValidationError("--requires needs --list") }
    }

    func loadRules() throws -> SplitRules? {
        guard let rules else { return nil }
        do {
            return try SplitRules.load(path: rules, variants: variant)
        } catch {
            throw UsageFailure(error.description)
        }
    }

    var source: (SplitSource, String?) {
        get throws {
            if let r = try loadRules() { return (.rules(r), rules) }
            if !list.isEmpty {
                let lists = list.map { l -> (package: String, file: String) in
                    let parts = l.split(separator: "=", maxSplits: 1)
                    return (String(parts[0]), String(parts[1]))
                }
                let reqs = requires.map { r -> (package: String, dependency: String) in
                    let parts = r.split(separator: ":", maxSplits: 1)
                    return (String(parts[0]), String(parts[1]))
                }
                return (.lists(lists, requires: reqs), lists.map { "\($0.package)=\($0.file)" }.joined(separator: " "))
            }
            return (.wholeTree, nil)
        }
    }
}

/// A placed split of a scanned tree, with every check run.
struct AnalysedSplit {
    var scan: TreeScan
    var graph: ModuleGraph
    var placement: Placement
    var rules: SplitRules?
    var splitName: String?
    var findings: [Finding]
    var context: CheckContext
    var variants: [String]

    init(tree: TreeOptions, split: SplitOptions) throws {
        // The rules file parses (and its patterns compile) while the tree is scanned.
        let parsed = SourceBox()
        let group = DispatchGroup()
        let options = split
        DispatchQueue.global().async(group: group) { parsed.result = Result { try options.source } }
        Timings.mark("start-up")
        scan = try tree.scan()
        Timings.mark("scan")
        group.wait()
        let (source, name) = try parsed.result!.get()
        graph = ModuleGraph(scan: scan)
        Timings.mark("graph")
        do {
            placement = try SplitBuilder.place(graph, source: source)
        } catch {
            throw UsageFailure(error.description)
        }
        Timings.mark("placement")
        if case .rules(let r) = source { rules = r }
        variants = split.variant
        splitName = name
        var bindings: [(profile: GuestProfile, package: Int, location: SourceLocation?)] = []
        let known = (rules?.profiles ?? []) + GuestProfile.builtIn
        for p in rules?.packages ?? [] {
            for name in p.profiles {
                if let profile = known.first(where: { $0.name == name }), let i = placement.packages.index(of: p.name) {
                    bindings.append((profile, i, p.location))
                }
            }
        }
        for b in split.profile {
            let parts = b.split(separator: "=", maxSplits: 1).map(String.init)
            guard let profile = known.first(where: { $0.name == parts[0] }) else {
                throw UsageFailure("--profile: unknown profile \(parts[0]) (known: \(known.map(\.name).joined(separator: ", ")))")
            }
            guard let i = placement.packages.index(of: parts[1]) else {
                throw UsageFailure("--profile: unknown package \(parts[1])")
            }
            bindings.append((profile, i, nil))
        }
        context = CheckContext(graph: graph, placement: placement, problems: scan.problems,
                               builtinModinfo: scan.builtinModinfo, profileBindings: bindings, rules: rules)
        findings = CheckRegistry.run(context)
        Timings.mark("checks")
    }

    func report() -> CheckReport {
        CheckReport(tool: "modsplit \(Modsplit.version)", kernelVersion: scan.tree.kernelVersion,
                    moduleDirectory: scan.tree.moduleDirectory, split: splitName, variants: variants,
                    graph: graph, placement: placement, findings: findings)
    }
}

/// Output options of commands that report findings.
struct ReportOptions: ParsableArguments {
    @Option(help: "Output format: text, json, sarif or markdown.")
    var format: FindingFormat = .text

    @Flag(help: "Warnings fail the run too (exit status 1).")
    var strict = false

    @Option(help: "File to write the report to (default: standard output).")
    var output: String?

    /// Reports an analysed split and ends the command with the exit status its findings call for.
    func finish(_ analysed: AnalysedSplit) throws {
        let report = analysed.report()
        let status = try deliver(report)
        Timings.mark("report")
        buryAtExit(analysed, report)
        if status != 0 { throw ExitCode(status) }
    }

    /// Renders, writes, and returns the exit status the findings call for.
    func deliver(_ report: CheckReport) throws -> Int32 {
        let colour = format == .text && output == nil && isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        try emit(try format.format.reporter(colour: colour).render(report), to: output)
        if report.counts.error > 0 || (strict && report.counts.warning > 0) { return 1 }
        return 0
    }
}

/// `--format` of commands that report findings.
enum FindingFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, sarif, markdown
    var format: ReportFormat { ReportFormat(rawValue: rawValue)! }
}

/// Carries the parsed split from the thread that parses it to the one that waits for it.
private final class SourceBox: @unchecked Sendable {
    var result: Result<(SplitSource, String?), any Error>?
}
