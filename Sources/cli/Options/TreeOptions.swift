import ArgumentParser
import ELFScan
import Foundation
import Graph
import Split

/// Which tree to read and where the kernel's own exports come from.
struct TreeOptions: ParsableArguments {
    @Option(
        name: .customLong("tree"),
        help: ArgumentHelp(
            """
            A module directory (lib/modules/<version>) or a root holding one; default: the running kernel's. \
            check, place, report and diff take several (repeat --tree): one split checked on every tree.
            """,
            valueName: "path"))
    var trees: [String] = []

    /// The tree of a command that reads one (the last --tree given; several are refused in `located`).
    var tree: String? {
        get { trees.last }
        set { trees = newValue.map { [$0] } ?? [] }
    }

    @Option(name: .long, help: "Which kernel under --tree, when the root holds several.")
    var kernelVersion: String?

    @Option(
        name: .customLong("symvers"),
        help: ArgumentHelp(
            """
            Module.symvers (plain, .gz, .xz or .zst) for the kernel's exports; with several trees, one per tree \
            as KERNELVERSION=FILE or TREE=FILE (repeatable).
            """,
            valueName: "file"))
    var symversFiles: [String] = []

    @Option(
        name: .customLong("system-map"),
        help: ArgumentHelp(
            "System.map for the kernel's exports, when there is no Module.symvers (per tree as for --symvers).",
            valueName: "file"))
    var systemMaps: [String] = []

    /// The one --symvers of a command that reads one tree.
    var symvers: String? {
        get { symversFiles.last }
        set { symversFiles = newValue.map { [$0] } ?? [] }
    }

    /// The one --system-map of a command that reads one tree.
    var systemMap: String? {
        get { systemMaps.last }
        set { systemMaps = newValue.map { [$0] } ?? [] }
    }

    @Option(name: .long, help: "Worker threads for reading modules (default: one per core).")
    var jobs: Int?

    /// The scan's own bound (more threads only cost their start: a scan is bound by inflating and the disk).
    static let maxJobs = ScanOptions.maxThreads

    @Option(name: .long, help: "Refuse modules that inflate past this many MiB.")
    var maxModuleMib: UInt64 = 512

    @Flag(help: "Read every module, bypassing (and not updating) the scan cache.")
    var noCache = false

    func validate() throws {
        if trees.count <= 1 && symvers != nil && systemMap != nil {
            throw ValidationError("--symvers and --system-map exclude each other")
        }
        try validateMatrix()
        if let jobs, !(1...TreeOptions.maxJobs).contains(jobs) {
            throw ValidationError("--jobs must be from 1 to \(TreeOptions.maxJobs)")
        }
        if ScanLimits(maxUncompressedMiB: maxModuleMib) == nil {
            let range = ScanLimits.mebibyteRange
            throw ValidationError("--max-module-mib must be from \(range.lowerBound) to \(range.upperBound) (1 TiB)")
        }
    }

    /// The tree located, and how to scan it; unusable input becomes a `UsageFailure`.
    func located() throws -> (tree: KernelTree, options: ScanOptions, progress: Progress?) {
        try requireOneTree()
        let located: KernelTree
        do {
            located = try KernelTree.locate(path: tree, kernelVersion: kernelVersion)
        } catch {
            throw UsageFailure(error.message)
        }
        let (symvers, systemMaps) = try exportsFiles(for: [(tree, located)])
        let progress = Progress.forTerminal(label: "reading modules")
        let options = try scanOptions(symvers: symvers[0], systemMap: systemMaps[0], progress: progress?.update)
        return (located, options, progress)
    }

    /// How to scan with these options and `symvers` or `systemMap`, which must be readable.
    func scanOptions(symvers: String?, systemMap: String?, progress: (@Sendable (Int, Int) -> Void)?) throws
        -> ScanOptions
    {
        try requireReadable([symvers, systemMap].compactMap { $0 })
        return ScanOptions(
            symvers: symvers, systemMap: systemMap, limits: ScanLimits(maxUncompressedMiB: maxModuleMib) ?? .default,
            threads: jobs, progress: progress, cache: noCache ? nil : ScanCache(toolVersion: Modsplit.cacheVersion))
    }

    /// Locates and scans the tree.
    func scan() throws -> TreeScan {
        let (tree, options, progress) = try located()
        defer { progress?.finish() }
        do {
            return try TreeScanner.scan(tree, options: options)
        } catch {
            throw UsageFailure(error.message)
        }
    }

    /// Scans the tree (or reads `--package`) and runs the whole split analysis on it, timing each phase.
    func analyse(_ split: SplitOptions) throws -> SplitAnalysis {
        if !split.package.isEmpty {
            if tree != nil || kernelVersion != nil {
                throw UsageFailure(
                    "--package and --\(tree != nil ? "tree" : "kernel-version") exclude each other: "
                        + "the packages' modules are the tree")
            }
            try requireReadable(split.package)
            let progress = Progress.forTerminal(label: "reading packages")
            let options = try scanOptions(symvers: symvers, systemMap: systemMap, progress: progress?.update)
            let request = SplitAnalysis.Packages(
                files: split.package, scan: options,
                limits: PackageLimits(modules: options.limits, maxPayloadBytes: split.maxPackageMib << 20),
                variants: split.variant, profiles: try split.profileBindings())
            return try analysed(progress) { phase throws(AnalysisError) in try SplitAnalysis(request, phase: phase) }
        }
        let (tree, options, progress) = try located()
        let request = SplitAnalysis.Request(
            tree: tree, scan: options, split: try split.input(), variants: split.variant,
            profiles: try split.profileBindings(), arch: split.arch, flavour: split.flavour)
        return try analysed(progress) { phase throws(AnalysisError) in try SplitAnalysis(request, phase: phase) }
    }

    /// What `body` analyses, its phases timed, the progress meter ended with the scan.
    private func analysed(
        _ progress: Progress?, _ body: ((SplitAnalysis.Phase) -> Void) throws(AnalysisError) -> SplitAnalysis
    ) throws -> SplitAnalysis {
        Timings.mark("start-up")
        do {
            return try body { phase in
                if phase == .scan { progress?.finish() }
                Timings.mark(phase.rawValue)
            }
        } catch {
            progress?.finish()
            throw UsageFailure(error.message)
        }
    }
}

/// Each of `files` must be readable; the message says why one is not.
func requireReadable(_ files: [String]) throws {
    for file in files where !FileManager.default.isReadableFile(atPath: file) {
        switch FileAccess.kind(file) {
        case .missing: throw UsageFailure("\(file): cannot read: no such file")
        case .directory: throw UsageFailure("\(file): cannot read: a directory, not a file")
        case .regular, .other: throw UsageFailure("\(file): cannot read: permission denied")
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
