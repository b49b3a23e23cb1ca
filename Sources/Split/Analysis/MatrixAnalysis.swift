internal import Dispatch
public import ELFScan
public import Graph
internal import Synchronization

/// One tree of a matrix: where it is, how to scan it (its own Module.symvers or System.map), and how the
/// user named it (for messages).
public struct MatrixTree: Sendable {
    /// The kernel tree to scan.
    public var tree: KernelTree
    /// How to scan it: its own Module.symvers or System.map, limits, cache.
    public var scan: ScanOptions
    /// The `--tree` argument as given.
    public var label: String

    /// A tree of the matrix; `label` defaults to its module directory.
    public init(tree: KernelTree, scan: ScanOptions, label: String? = nil) {
        self.tree = tree
        self.scan = scan
        self.label = label ?? tree.moduleDirectory
    }
}

/// One split checked against several kernels at once (a rules file governs x86_64, aarch64, s390x… and a
/// change that is fine on one can strand a module on another): every tree scanned, placed and checked as
/// `SplitAnalysis` does it alone, and the findings merged, so that a finding that occurs on several trees is
/// one finding that names them.
///
/// The trees keep the order they were given in; each finding names its trees in that order and reads as the
/// first of them reported it. What makes two trees' findings one is `MatrixFinding.Identity`.
public struct MatrixAnalysis: Sendable {
    /// The phases, in order; the callback hears of each as it ends.
    public enum Phase: String, Sendable, CaseIterable {
        /// Every tree scanned, placed and checked (side by side, so not one phase after another).
        case trees
        /// The findings merged.
        case merge
    }

    /// What to analyse: the trees, and one split, variants and profiles for all of them.
    public struct Request: Sendable {
        /// The trees, in the order findings will name them.
        public var trees: [MatrixTree]
        /// The one split checked against every tree.
        public var split: SplitInput
        /// Variants for the rules (`--variant`), the same on every tree.
        public var variants: [String]
        /// Profiles bound to packages: (profile, package), the same on every tree.
        public var profiles: [(profile: String, package: String)]
        /// The architecture for rules languages that have one (`--arch`); nil lets a language that needs one
        /// derive it from each tree.
        public var arch: String?
        /// The flavour for rules languages that have one (`--flavour`).
        public var flavour: String?
        /// How the trees share the cores (see `Schedule`).
        public var schedule: Schedule

        /// A request over `trees` for `split`; the trees share the cores pipelined unless told otherwise.
        public init(
            trees: [MatrixTree], split: SplitInput, variants: [String] = [],
            profiles: [(profile: String, package: String)] = [], arch: String? = nil, flavour: String? = nil,
            schedule: Schedule = .pipelined
        ) {
            self.trees = trees
            self.split = split
            self.variants = variants
            self.profiles = profiles
            self.arch = arch
            self.flavour = flavour
            self.schedule = schedule
        }
    }

    /// Each tree's own analysis, in the order the trees were given: exactly what a run on that tree alone gives.
    public let analyses: [SplitAnalysis]
    /// Every finding of every tree, merged across trees, in `Finding.sorted`'s order.
    public let findings: [MatrixFinding]

    /// The rules variants the split was evaluated with.
    public var variants: [String] { analyses.first?.variants ?? [] }
    /// The split's name in reports (the rules file or the lists), nil for the whole tree.
    public var splitName: String? { analyses.first?.splitName }
    /// The trees' kernel versions, in order: what findings name their trees by.
    public var kernelVersions: [String] { analyses.map(\.scan.tree.kernelVersion) }

    /// Scans every tree, reads the split once when its language allows (else once per tree), places and checks
    /// each tree, on the cores as `Request.schedule` shares them, and merges the findings.
    public init(_ request: Request, phase: (Phase) -> Void = { _ in }) throws(AnalysisError) {
        let analyses = try Self.run(request, splits: [request.split], phase: phase)
        try self.init(checked: analyses[0], trees: request.trees)
        phase(.merge)
    }

    /// Two splits of the same trees (a rules change), each tree scanned once: the matrix under `before`, and
    /// under the request's split.
    public static func comparing(_ request: Request, before: SplitInput, phase: (Phase) -> Void = { _ in })
        throws(AnalysisError) -> (before: MatrixAnalysis, after: MatrixAnalysis)
    {
        let analyses = try run(request, splits: [before, request.split], phase: phase)
        let pair = (
            try MatrixAnalysis(checked: analyses[0], trees: request.trees),
            try MatrixAnalysis(checked: analyses[1], trees: request.trees)
        )
        phase(.merge)
        return pair
    }

    private init(checked analyses: [SplitAnalysis], trees: [MatrixTree]) throws(AnalysisError) {
        try Self.checkExportsFiles(trees, analyses)
        self.analyses = analyses
        findings = MatrixFinding.merge(analyses.map { ($0.scan.tree.kernelVersion, $0.findings) })
    }

    /// Each split's analyses of every tree (`[split][tree]`), each tree scanned once.
    private static func run(_ request: Request, splits: [SplitInput], phase: (Phase) -> Void)
        throws(AnalysisError) -> [[SplitAnalysis]]
    {
        try validate(request.trees.map { ($0.label, $0.tree) })
        let trees = request.trees
        let options = { @Sendable (tree: KernelTree?) in
            RulesOptions(variants: request.variants, tree: tree, arch: request.arch, flavour: request.flavour)
        }
        // A split whose reading looks at the tree (kernel-wedge picks its lists by the tree's architecture)
        // is read once per tree; any other is read once, while the trees are scanned, and shared.
        let perTree = splits.map(readsTree)
        let sharing = perTree.contains(false)
        let work = MatrixWork(trees: trees.count, splits: splits.count)
        let sharedRead = DispatchGroup()
        @Sendable func readShared() {
            for (k, split) in splits.enumerated() where !perTree[k] {
                work.shared.set(
                    k,
                    Result { () throws(RulesError) -> any SplitDefinition in
                        try SplitAnalysis.read(split, options: options(nil))
                    })
            }
            sharedRead.leave()
        }
        @Sendable func scan(_ t: Int) -> TreeScan? {
            do {
                return try TreeScanner.scan(trees[t].tree, options: trees[t].scan)
            } catch {
                work.fail(t, AnalysisError("\(trees[t].label): \(error.message)"))
                return nil
            }
        }
        @Sendable func analyse(_ t: Int) {
            if let scanned = scan(t) { place(t, scanned) }
        }
        @Sendable func place(_ t: Int, _ scan: TreeScan) {
            let item = trees[t]
            for (k, input) in splits.enumerated() {
                let split: any SplitDefinition
                if perTree[k] {
                    do throws(RulesError) {
                        split = try SplitAnalysis.read(input, options: options(item.tree))
                    } catch {
                        work.fail(t, AnalysisError("\(error.description) (for \(item.tree.kernelVersion))"))
                        return
                    }
                } else {
                    sharedRead.wait()
                    // A split that could not be read is reported once, below.
                    guard case .success(let s)? = work.shared[k] else { return }
                    split = s
                }
                do throws(AnalysisError) {
                    work.store(
                        t, k,
                        try SplitAnalysis(
                            scan: scan, split: split, variants: request.variants,
                            profiles: request.profiles))
                } catch {
                    work.fail(t, AnalysisError("\(item.tree.kernelVersion): \(error.message)"))
                    return
                }
            }
        }
        if sharing { sharedRead.enter() }
        switch request.schedule.bounded(trees: trees.count) {
        case .oneAtATime:
            // Each scan on every core; the split is read beside the first scan.
            if sharing { DispatchQueue.global().async { readShared() } }
            for t in trees.indices { analyse(t) }
        case .pipelined:
            // Scans one after another on this thread, each on every core (a nested concurrentPerform would get
            // one core); each tree is placed and checked on another thread while the next is scanned.
            if sharing { DispatchQueue.global().async { readShared() } }
            let placing = DispatchGroup()
            for t in trees.indices {
                guard let scanned = scan(t) else { continue }
                DispatchQueue.global().async(group: placing) { place(t, scanned) }
            }
            placing.wait()
        case .sideBySide(let width):
            // Ticket 0 reads the shared splits, ticket k > 0 analyses tree k-1: the splits are read by a
            // running worker, never queued behind the workers that wait for them.
            let first = sharing ? 0 : 1
            work.next.store(first, ordering: .relaxed)
            DispatchQueue.concurrentPerform(iterations: width + 1 - first) { _ in
                while true {
                    let ticket = work.next.add(1, ordering: .relaxed).oldValue
                    if ticket == 0 {
                        readShared()
                    } else if ticket <= trees.count {
                        analyse(ticket - 1)
                    } else {
                        return
                    }
                }
            }
        }
        if sharing { sharedRead.wait() }
        phase(.trees)
        // A rules error is the same for every tree: it is reported once, as a single-tree run reports it.
        for case .failure(let e)? in work.shared.values { throw AnalysisError(e.description) }
        // Otherwise the first tree that failed, in the order given.
        if let failure = work.failures.compactMap({ $0 }).first { throw failure }
        return splits.indices.map { k in trees.indices.map { t in work.result(tree: t, split: k)! } }
    }

    /// The matrix of trees already analysed (in memory, or by a caller that ran them), merged.
    public init(analyses: [SplitAnalysis]) throws(AnalysisError) {
        try Self.validate(analyses.map { ($0.scan.tree.moduleDirectory, $0.scan.tree) })
        try self.init(checked: analyses, trees: [])
    }

    /// How the trees share the cores. Measured on five distro trees, 2 cores (docs/kernel-matrix.md):
    /// `pipelined` 0.38 s warm, 3.1 s cold; `sideBySide` 0.36 s warm but 5.1 s cold (the xz tree's scan
    /// gets one core); `oneAtATime` 0.46 s warm, 3.2 s cold.
    public enum Schedule: Sendable, Equatable {
        /// One tree after another: scan (on every core), place, check.
        case oneAtATime
        /// Scans one after another, each on every core; each tree placed and checked beside the next scans.
        case pipelined
        /// This many trees at once, each scanned, placed and checked on its own (a scan inside gets a core
        /// or so: Dispatch divides the cores among nested concurrent loops).
        case sideBySide(Int)

        /// The schedule for `trees` trees: side by side no wider than there are trees.
        func bounded(trees: Int) -> Schedule {
            guard case .sideBySide(let n) = self else { return self }
            let width = min(n, trees)
            return width <= 1 ? .oneAtATime : .sideBySide(width)
        }
    }

    /// A matrix needs at least one tree, and one tree per kernel version (findings name trees by it).
    static func validate(_ trees: [(label: String, tree: KernelTree)]) throws(AnalysisError) {
        guard !trees.isEmpty else { throw AnalysisError("no tree to analyse") }
        var seen: [String: String] = [:]
        for (label, tree) in trees {
            if let other = seen[tree.kernelVersion] {
                let what =
                    other == label
                    ? "\(label) is given twice" : "\(other) and \(label) are both kernel \(tree.kernelVersion)"
                throw AnalysisError("\(what): a matrix needs one tree per kernel version")
            }
            seen[tree.kernelVersion] = label
        }
    }

    /// One Module.symvers (or System.map) read for trees of different architectures cannot be right for all
    /// of them: its CRCs and symbols are one build's.
    static func checkExportsFiles(_ trees: [MatrixTree], _ analyses: [SplitAnalysis]) throws(AnalysisError) {
        var byFile: [String: [Int]] = [:]
        var files: [String] = []
        for (i, t) in trees.enumerated() {
            guard let file = t.scan.symvers ?? t.scan.systemMap else { continue }
            if byFile[file] == nil { files.append(file) }
            byFile[file, default: []].append(i)
        }
        for file in files {
            let users = byFile[file] ?? []
            let machines = users.map { MatrixAnalysis.machine(of: analyses[$0].graph) }
            guard Set(machines).count > 1 else { continue }
            let named = zip(users, machines).map { "\(trees[$0].label) (\($1))" }.joined(separator: ", ")
            throw AnalysisError(
                "\(file) is given for trees of different architectures: \(named); give each tree its own, "
                    + "labelled with its kernel version (KERNELVERSION=FILE)")
        }
    }

    /// The ELF machine most of a tree's modules are built for (`x86_64`, `aarch64`, …), `unknown` without modules.
    public static func machine(of graph: ModuleGraph) -> String {
        // The whole identity: the machine's name depends on its word size and byte order too (mips, mipsel).
        var counts: [ELFIdentity: Int] = [:]
        // By index: iterating the modules would copy each one's facts.
        for i in graph.modules.indices { counts[graph.modules[i].identity, default: 0] += 1 }
        let order = { (a: ELFIdentity) in (a.machine, a.bits, a.bigEndian ? 1 : 0) }
        guard
            let top = counts.max(by: { a, b in
                a.value != b.value ? a.value < b.value : order(a.key) > order(b.key)
            })
        else { return "unknown" }
        return top.key.machineName
    }

    /// Whether reading `input` depends on the tree it will place.
    static func readsTree(_ input: SplitInput) -> Bool {
        guard case .rules(let path, let format) = input else { return false }
        return SplitFormats.chosen(path: path, format: format)?.readsTree ?? false
    }
}

/// The trees' results: each slot is written once, by the worker that reads the split or analyses the tree,
/// and read after that worker is joined (ResultSlots, not a Mutex: ThreadSanitizer cannot see a futex).
private final class MatrixWork: Sendable {
    let next = Atomic<Int>(0)
    /// Each split read once for all trees (nil for those read per tree); written by one worker before the
    /// others wait for it.
    let shared: ResultSlots<Result<any SplitDefinition, RulesError>>
    private let analyses: ResultSlots<SplitAnalysis>
    private let failed: ResultSlots<AnalysisError>
    private let splits: Int

    init(trees: Int, splits: Int) {
        self.splits = splits
        shared = ResultSlots(count: splits)
        analyses = ResultSlots(count: trees * splits)
        failed = ResultSlots(count: trees)
    }

    func store(_ tree: Int, _ split: Int, _ analysis: SplitAnalysis) {
        analyses.set(tree * splits + split, analysis)
    }

    func fail(_ tree: Int, _ error: AnalysisError) {
        failed.set(tree, error)
    }

    var failures: [AnalysisError?] { failed.values }

    func result(tree: Int, split: Int) -> SplitAnalysis? { analyses[tree * splits + split] }
}
