import ArgumentParser
import ELFScan
import Foundation
import Graph
import Reports
import Split

/// Where the split comes from: a rules file, package lists, or neither (one package).
struct SplitOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A split: filtermods' YAML, a kernel-wedge debian/installer directory (or a source tree holding one), "
                + "SUSE's supported.conf or an Ubuntu *.inclusion-list; the format is recognised.",
            valueName: "path"))
    var rules: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The language of --rules, when its name does not tell: "
                + "\(SplitFormats.all.map { $0.name }.joined(separator: ", ")).",
            valueName: "format"))
    var rulesFormat: String?

    @Option(name: .long, help: "A variant: filtermods' if_variant_in names, or SUSE's optional (repeatable).")
    var variant: [String] = []

    @Option(name: .long, help: "The architecture the rules are for, in Debian's names (default: the tree's).")
    var arch: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The kernel flavour the rules are for (kernel-wedge: default from the tree's kernel release; "
                + "SUSE: default 'default')."))
    var flavour: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A package's file list (repeatable): paths or module names, one a line.", valueName: "name=file"))
    var list: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp("A package dependency between lists (repeatable).", valueName: "name:dependency"))
    var requires: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A built package (repeatable): a .deb, .udeb or .rpm whose modules and dependencies are read from the "
                + "file. The packages given are the tree and the split (no --tree, --rules or --list).",
            valueName: "file"))
    var package: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Refuse a package whose payload inflates past this many MiB, entries skipped included.",
            valueName: "mib"))
    var maxPackageMib: UInt64 = PackageLimits.defaultPayloadMiB

    @Option(
        name: .long,
        help: ArgumentHelp("Bind a machine profile to a package (repeatable).", valueName: "profile=package"))
    var profile: [String] = []

    func validate() throws {
        if rules != nil && !list.isEmpty { throw ValidationError("--rules and --list exclude each other") }
        if !package.isEmpty && (rules != nil || !list.isEmpty) {
            throw ValidationError(
                "--package and \(rules != nil ? "--rules" : "--list") exclude each other: the packages are the split")
        }
        if !ScanLimits.mebibyteRange.contains(maxPackageMib) {
            let range = ScanLimits.mebibyteRange
            throw ValidationError("--max-package-mib must be from \(range.lowerBound) to \(range.upperBound)")
        }
        if rulesFormat != nil && rules == nil { throw ValidationError("--rules-format needs --rules") }
        try Self.validate(format: rulesFormat)
        var names = Set<String>()
        for l in list {
            let (name, _) = try Self.pair(l, "=", option: "--list", shape: "NAME=FILE")
            guard names.insert(name).inserted else { throw ValidationError("--list: package \(name) is given twice") }
        }
        for r in requires { _ = try Self.pair(r, ":", option: "--requires", shape: "NAME:DEPENDENCY") }
        for p in profile { _ = try Self.pair(p, "=", option: "--profile", shape: "PROFILE=PACKAGE") }
        if !requires.isEmpty && list.isEmpty { throw ValidationError("--requires needs --list") }
    }

    /// A `--rules-format` must name one of `SplitFormats`.
    static func validate(format: String?) throws {
        guard let format, SplitFormats.named(format) == nil else { return }
        let known = SplitFormats.all.map { $0.name }.joined(separator: ", ")
        throw ValidationError("--rules-format: unknown format '\(format)' (known: \(known))")
    }

    /// `value` split at its first `separator`, both sides non-empty, or a usage error naming the option.
    static func pair(_ value: String, _ separator: Character, option: String, shape: String) throws -> (String, String)
    {
        guard let at = value.firstIndex(of: separator) else {
            throw ValidationError("\(option) takes \(shape), not '\(Display.sanitized(value))'")
        }
        let left = String(value[..<at]), right = String(value[value.index(after: at)...])
        guard !left.isEmpty, !right.isEmpty else {
            throw ValidationError(
                "\(option) takes \(shape), not '\(Display.sanitized(value))': both sides must be given")
        }
        return (left, right)
    }

    /// The split these options name.
    func input() throws -> SplitInput {
        if let rules { return .rules(path: rules, format: rulesFormat) }
        if list.isEmpty { return .wholeTree }
        let lists = try list.map { try Self.pair($0, "=", option: "--list", shape: "NAME=FILE") }
        let reqs = try requires.map { try Self.pair($0, ":", option: "--requires", shape: "NAME:DEPENDENCY") }
        return .lists(PackageLists(lists: lists.map { ($0.0, $0.1) }, requires: reqs.map { ($0.0, $0.1) }))
    }

    /// `--profile` bindings: (profile, package).
    func profileBindings() throws -> [(profile: String, package: String)] {
        try profile.map { try Self.pair($0, "=", option: "--profile", shape: "PROFILE=PACKAGE") }
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
    func finish(_ analysis: SplitAnalysis) throws {
        let report = CheckReport(tool: "modsplit \(Modsplit.version)", analysis: analysis)
        let status = try deliver(report)
        Timings.mark("report")
        buryAtExit(analysis, report)
        if status != 0 { throw ExitCode(status) }
    }

    /// Whether text goes to a terminal in colour (`NO_COLOR` unset).
    var colour: Bool {
        format == .text && output == nil && StandardStream.output.isTerminal
            && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Renders, writes, and returns the exit status the findings call for.
    func deliver(_ report: CheckReport) throws -> Int32 {
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
