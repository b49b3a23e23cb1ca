import ArgumentParser
import ELFScan
import Foundation
import Graph
import Split
import Synchronization

/// Several `--tree`s: one split checked on a matrix of kernels (`MatrixAnalysis`), each tree with its own
/// `--symvers` or `--system-map` (`MatrixTree.files`).
extension TreeOptions {
    /// Checks what can be checked before any tree is located.
    func validateMatrix() throws {
        guard trees.count > 1 else { return }
        if kernelVersion != nil {
            throw ValidationError(
                "--kernel-version picks a kernel under one --tree; with several trees, name each module directory")
        }
        var seen = Set<String>()
        for t in trees where !seen.insert(t).inserted {
            throw ValidationError("--tree \(Display.sanitized(t)) is given twice")
        }
    }

    /// Commands that read one tree refuse several.
    func requireOneTree() throws {
        guard trees.count > 1 else { return }
        throw UsageFailure(
            "this command reads one tree, but --tree is given \(trees.count) times "
                + "(check, place, report and diff take several)")
    }

    /// Whether the command was given several trees.
    var isMatrix: Bool { trees.count > 1 }

    /// The --symvers and --system-map of each tree (`MatrixTree.files`).
    func exportsFiles(for trees: [(argument: String?, tree: KernelTree)]) throws -> (
        symvers: [String?], systemMaps: [String?]
    ) {
        do {
            return (
                try MatrixTree.files(symversFiles, option: "--symvers", trees: trees),
                try MatrixTree.files(systemMaps, option: "--system-map", trees: trees)
            )
        } catch {
            throw UsageFailure(error.message)
        }
    }

    /// Every tree located, each with how to scan it (its own --symvers or --system-map, or what it holds).
    func locatedTrees(progress: Progress?) throws -> [MatrixTree] {
        var located: [(argument: String?, tree: KernelTree)] = []
        for argument in trees {
            do {
                located.append((argument, try KernelTree.locate(path: argument, kernelVersion: nil)))
            } catch {
                throw UsageFailure(error.message)
            }
        }
        let (symvers, maps) = try exportsFiles(for: located)
        let meter = progress.map { MatrixProgress(trees: located.count, progress: $0) }
        var result: [MatrixTree] = []
        for (i, (argument, tree)) in located.enumerated() {
            if symvers[i] != nil && maps[i] != nil {
                throw UsageFailure("\(argument ?? tree.moduleDirectory): --symvers and --system-map exclude each other")
            }
            var update: (@Sendable (Int, Int) -> Void)?
            if let meter { update = { done, total in meter.update(tree: i, done, total) } }
            let options = try scanOptions(symvers: symvers[i], systemMap: maps[i], progress: update)
            result.append(MatrixTree(tree: tree, scan: options, label: argument ?? tree.moduleDirectory))
        }
        return result
    }

    /// Built packages are a tree of their own; sets of them per tree are not taken (yet).
    func refusePackages(_ split: SplitOptions) throws {
        guard !split.package.isEmpty else { return }
        throw UsageFailure("--package and --tree exclude each other: the packages' modules are the tree")
    }

    /// Scans every tree and analyses the split on each; merges the findings.
    func analyseMatrix(_ split: SplitOptions) throws -> MatrixAnalysis {
        try matrix(split) { request, phase throws(AnalysisError) in try MatrixAnalysis(request, phase: phase) }
    }

    /// Scans every tree once and analyses it under two splits (`diff --old-rules`).
    func analyseMatrixPair(before: SplitOptions, after: SplitOptions) throws -> (MatrixAnalysis, MatrixAnalysis) {
        let old = try before.input()
        return try matrix(after) { request, phase throws(AnalysisError) in
            try MatrixAnalysis.comparing(request, before: old, phase: phase)
        }
    }

    /// What `body` makes of the matrix request `split` and the trees make, its phases timed.
    private func matrix<T>(
        _ split: SplitOptions,
        _ body: (MatrixAnalysis.Request, (MatrixAnalysis.Phase) -> Void) throws(AnalysisError) -> T
    ) throws -> T {
        try refusePackages(split)
        let progress = Progress.forTerminal(label: "reading modules")
        defer { progress?.finish() }
        let request = MatrixAnalysis.Request(
            trees: try locatedTrees(progress: progress), split: try split.input(), variants: split.variant,
            profiles: try split.profileBindings(), arch: split.arch, flavour: split.flavour, schedule: Self.schedule)
        Timings.mark("start-up")
        do {
            return try body(request) { phase in
                if phase == .trees { progress?.finish() }
                Timings.mark(phase.rawValue)
            }
        } catch {
            throw UsageFailure(error.message)
        }
    }

    /// `MODSPLIT_MATRIX_SCHEDULE`, for measurements: `one` (a tree at a time), `pipeline` (the default), or a
    /// number of trees side by side.
    static var schedule: MatrixAnalysis.Schedule {
        switch ProcessInfo.processInfo.environment["MODSPLIT_MATRIX_SCHEDULE"] {
        case "one": .oneAtATime
        case let n? where Int(n) != nil: .sideBySide(Int(n)!)
        default: .pipelined
        }
    }
}

/// One progress meter for every tree: modules read of all trees' modules.
final class MatrixProgress: Sendable {
    private let counts: Mutex<[(done: Int, total: Int)]>
    private let progress: Progress

    init(trees: Int, progress: Progress) {
        counts = Mutex(Array(repeating: (0, 0), count: trees))
        self.progress = progress
    }

    func update(tree: Int, _ done: Int, _ total: Int) {
        let (d, t) = counts.withLock { c -> (Int, Int) in
            c[tree] = (done, total)
            return c.reduce((0, 0)) { ($0.0 + $1.done, $0.1 + $1.total) }
        }
        progress.update(d, t)
    }
}
