internal import Dispatch
public import ELFScan
public import Graph
internal import Synchronization

/// Where a split comes from, before it is read.
public enum SplitInput: Sendable {
    /// A rules file or directory in one of `SplitFormats`; `format` forces the language.
    case rules(path: String, format: String?)
    /// Package file lists.
    case lists(PackageLists)
    /// Neither: the whole tree is one package.
    case wholeTree
}

/// Input the analysis cannot use (an unreadable tree, a malformed rules file, a profile bound to a
/// package the split lacks): one line for the user, exit status 2. Findings are never errors.
public struct AnalysisError: Error, Sendable, CustomStringConvertible {
    /// What cannot be used, as one line for the user.
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    /// The message itself, as printed.
    public var description: String { message }
}

/// The whole pipeline, once: scan the tree, build the graph, read the split, place every module, bind
/// the profiles, run every check. Commands, reports and tests all start from here.
public struct SplitAnalysis: Sendable {
    /// The phases, in order; the callback hears of each as it ends (for timings and progress).
    public enum Phase: String, Sendable, CaseIterable {
        case scan, graph, placement, checks
    }

    /// What to analyse.
    public struct Request: Sendable {
        /// The kernel tree to analyse.
        public var tree: KernelTree
        /// How to scan it: kernel exports, limits, threads, cache.
        public var scan: ScanOptions
        /// Where the split comes from: a rules file, package lists, built packages, or none.
        public var split: SplitInput
        /// Variants for the rules (`--variant`).
        public var variants: [String]
        /// Profiles bound to packages by the caller: (profile, package).
        public var profiles: [(profile: String, package: String)]
        /// Architecture and flavour for rules languages that have them (`--arch`, `--flavour`).
        public var arch: String?
        /// The flavour for rules languages that have one (`--flavour`).
        public var flavour: String?

        /// A request to check `split` on `tree`; no variants, profiles, architecture or flavour unless given.
        public init(
            tree: KernelTree, scan: ScanOptions, split: SplitInput, variants: [String] = [],
            profiles: [(profile: String, package: String)] = [], arch: String? = nil, flavour: String? = nil
        ) {
            self.tree = tree
            self.scan = scan
            self.split = split
            self.variants = variants
            self.profiles = profiles
            self.arch = arch
            self.flavour = flavour
        }
    }

    /// Every module file read from the tree, with the index files and kernel exports.
    public let scan: TreeScan
    /// The symbol-level dependency graph of the scanned modules.
    public let graph: ModuleGraph
    /// The split as read.
    public let split: any SplitDefinition
    /// Which package each module is in, as the split's own tool would place it.
    public let placement: Placement
    /// The rules variants the split was evaluated with.
    public let variants: [String]
    /// What the checks looked at (graph, placement, profile bindings).
    public let context: CheckContext
    /// Every finding: the split language's own, then every check's, in a stable order.
    public let findings: [Finding]
    /// Module count and bytes per package.
    public let sizes: PackageSizes

    /// The split's name in reports (the rules file or the lists), nil for the whole tree.
    public var splitName: String? { split.name }

    /// Runs the pipeline on a tree. The rules file is read (and its patterns compiled) while the tree is
    /// scanned.
    public init(_ request: Request, phase: (Phase) -> Void = { _ in }) throws(AnalysisError) {
        let parsed = SplitBox()
        let group = DispatchGroup()
        let input = request.split
        let options = RulesOptions(
            variants: request.variants, tree: request.tree, arch: request.arch,
            flavour: request.flavour)
        DispatchQueue.global().async(group: group) {
            let result = Result { () throws(RulesError) -> any SplitDefinition in
                try Self.read(input, options: options)
            }
            parsed.result.withLock { $0 = result }
        }
        let scan: TreeScan
        do {
            scan = try TreeScanner.scan(request.tree, options: request.scan)
        } catch {
            group.wait()
            throw AnalysisError(error.message)
        }
        phase(.scan)
        group.wait()
        let split: any SplitDefinition
        switch parsed.result.withLock({ $0 })! {
        case .success(let s): split = s
        case .failure(let e): throw AnalysisError(e.description)
        }
        try self.init(scan: scan, split: split, variants: request.variants, profiles: request.profiles, phase: phase)
    }

    /// Built packages to analyse: the modules they install are the tree, and the packages are the split.
    public struct Packages: Sendable {
        /// The package files (.deb, .udeb, .rpm).
        public var files: [String]
        /// How to read their modules: kernel exports, limits, threads, progress, cache. The kernel's own symbols
        /// are not looked for beside the modules (there is no tree to look in).
        public var scan: ScanOptions
        /// How far a package's payload may inflate.
        public var limits: PackageLimits
        /// Variants for the rules (`--variant`).
        public var variants: [String]
        /// Profiles bound to packages by the caller: (profile, package).
        public var profiles: [(profile: String, package: String)]

        /// A request to read `files` (in parallel) and check them as the split of the tree they install.
        public init(
            files: [String], scan: ScanOptions, limits: PackageLimits, variants: [String] = [],
            profiles: [(profile: String, package: String)] = []
        ) {
            self.files = files
            self.scan = scan
            self.limits = limits
            self.variants = variants
            self.profiles = profiles
        }
    }

    /// Runs the pipeline on built packages: reading them is the scan phase.
    public init(_ request: Packages, phase: (Phase) -> Void = { _ in }) throws(AnalysisError) {
        var options = request.scan
        options.discoverKernelSymbols = false
        let read: (scan: TreeScan, split: BuiltPackages)
        do {
            read = try BuiltPackages.read(request.files, options: options, limits: request.limits)
        } catch {
            throw AnalysisError(error.message)
        }
        phase(.scan)
        try self.init(
            scan: read.scan, split: read.split, variants: request.variants, profiles: request.profiles, phase: phase)
    }

    /// Runs the pipeline from placement on, on a tree already scanned.
    public init(
        scan: TreeScan, split: any SplitDefinition, variants: [String] = [],
        profiles: [(profile: String, package: String)] = [],
        phase: (Phase) -> Void = { _ in }
    ) throws(AnalysisError) {
        self.scan = scan
        self.split = split
        self.variants = variants
        graph = ModuleGraph(scan: scan)
        phase(.graph)
        let placed: RulesPlacement
        do {
            placed = try split.place(graph)
        } catch {
            throw AnalysisError(error.description)
        }
        placement = placed.placement
        phase(.placement)
        let bindings = try Self.bind(split: split, explicit: profiles, packages: placement.packages)
        context = CheckContext(
            graph: graph, placement: placement, problems: scan.problems,
            builtinModinfo: scan.builtinModinfo, profileBindings: bindings, rules: split,
            scanNotes: scan.kernelExportNotes)
        findings = Finding.sorted(placed.findings + CheckRegistry.run(context))
        sizes = PackageSizes(graph: graph, placement: placement)
        phase(.checks)
    }

    /// Reads the split an input names.
    public static func read(_ input: SplitInput, options: RulesOptions) throws(RulesError) -> any SplitDefinition {
        switch input {
        case .rules(let path, let format): try SplitFormats.load(path: path, format: format, options: options)
        case .lists(let lists): lists
        case .wholeTree: WholeTree()
        }
    }

    /// The split's own profile bindings, then the caller's; every name must exist.
    static func bind(
        split: any SplitDefinition, explicit: [(profile: String, package: String)],
        packages: PackageSet
    ) throws(AnalysisError)
        -> [(profile: GuestProfile, package: Int, location: SourceLocation?)]
    {
        let known = split.profiles + GuestProfile.builtIn
        var bindings: [(profile: GuestProfile, package: Int, location: SourceLocation?)] = []
        for b in split.profileBindings {
            if let profile = known.first(where: { $0.name == b.profile }), let i = packages.index(of: b.package) {
                bindings.append((profile, i, b.location))
            }
        }
        for b in explicit {
            guard let profile = known.first(where: { $0.name == b.profile }) else {
                throw AnalysisError(
                    "--profile: unknown profile \(b.profile) (known: \(known.map(\.name).joined(separator: ", ")))")
            }
            guard let i = packages.index(of: b.package) else {
                throw AnalysisError("--profile: unknown package \(b.package)")
            }
            bindings.append((profile, i, nil))
        }
        return bindings
    }
}

/// Carries the read split from the thread that reads it to the one that waits for it (after `wait`).
private final class SplitBox: Sendable {
    let result = Mutex<Result<any SplitDefinition, RulesError>?>(nil)
}
