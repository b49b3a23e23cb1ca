public import ELFScan
internal import Graph

extension MinimalCore {
    /// The phases of deriving a core from a tree, in order; the callback hears of each as it ends (for timings and
    /// progress). A comparison with a split runs `SplitAnalysis`'s phases (placement, checks) before `minimize`.
    public enum Phase: String, Sendable, CaseIterable {
        case scan, graph, placement, checks, minimize
    }

    /// What to derive: the profiles, resolved (and the rules file that defines some of them read) before any tree
    /// is scanned, so that a mistake there does not wait for the scan.
    public struct Request: Sendable {
        /// The profiles the core must meet.
        public var profiles: [GuestProfile]
        /// Modules the core must hold, by name, file name or path (`--keep`).
        public var keep: [String]
        /// What to minimise.
        public var objective: Objective
        /// How long the exact search may run.
        public var limits: CoreSearch.Limits
        /// Whether requirements the kernel has no driver for are left out instead of failing.
        public var skipLacking: Bool

        /// Resolves `profiles` (built-in ones, `all-builtin`, or ones the split `rules` names defines, read with
        /// `variants`).
        public init(
            profiles: [String], rules: SplitInput? = nil, variants: [String] = [], keep: [String] = [],
            objective: Objective = .bytes, limits: CoreSearch.Limits = .init(), skipLacking: Bool = false
        ) throws(MinimalCoreError) {
            var defined: [GuestProfile] = []
            if let rules {
                do {
                    defined = try SplitAnalysis.read(rules, options: RulesOptions(variants: variants)).profiles
                } catch {
                    throw MinimalCoreError(error.description)
                }
            }
            self.profiles = try MinimalCore.profiles(named: profiles, defined: defined)
            self.keep = keep
            self.objective = objective
            self.limits = limits
            self.skipLacking = skipLacking
        }
    }

    /// Scans `tree` and derives the minimal core `request` asks for, pricing what each further built-in profile
    /// would add.
    public static func derive(
        _ request: Request, tree: KernelTree, scan options: ScanOptions, phase: (Phase) -> Void = { _ in }
    ) throws(MinimalCoreError) -> MinimalCore {
        let scan: TreeScan
        do {
            scan = try TreeScanner.scan(tree, options: options)
        } catch {
            throw MinimalCoreError(error.message)
        }
        phase(.scan)
        let graph = ModuleGraph(scan: scan)
        phase(.graph)
        var core = try derive(
            graph: graph, builtinModinfo: scan.builtinModinfo, profiles: request.profiles,
            keep: try modules(named: request.keep, in: graph), objective: request.objective, limits: request.limits,
            further: GuestProfile.builtIn, skipLacking: request.skipLacking)
        core.kernelVersion = scan.tree.kernelVersion
        phase(.minimize)
        return core
    }
}

extension CoreComparison {
    /// Analyses the split `request` names and compares its core package with the minimal core for that package's
    /// profiles (`profiles` by name instead, when given). The core package is `core`, else the one package the
    /// split binds profiles to; a split that binds none, or several, needs `core`.
    public init(
        _ request: SplitAnalysis.Request, core: String? = nil, profiles: [String] = [],
        objective: MinimalCore.Objective = .bytes, limits: CoreSearch.Limits = .init(),
        phase: (MinimalCore.Phase) -> Void = { _ in }
    ) throws(MinimalCoreError) {
        let analysis: SplitAnalysis
        do {
            analysis = try SplitAnalysis(request) { phase(MinimalCore.Phase(rawValue: $0.rawValue)!) }
        } catch {
            throw MinimalCoreError(error.message)
        }
        let package: String
        if let core { package = core } else { package = try Self.boundPackage(analysis, request.split) }
        let chosen =
            profiles.isEmpty ? nil : try MinimalCore.profiles(named: profiles, defined: analysis.split.profiles)
        try self.init(analysis: analysis, package: package, profiles: chosen, objective: objective, limits: limits)
        phase(.minimize)
    }

    /// The one package `analysis`'s split binds profiles to (`report --minimal-core`); a split that binds none, or
    /// several, is an error saying to name one.
    public static func boundPackage(of analysis: SplitAnalysis) throws(MinimalCoreError) -> String {
        try boundPackage(analysis, .wholeTree)
    }

    /// The one package the analysed split binds profiles to.
    static func boundPackage(_ analysis: SplitAnalysis, _ input: SplitInput) throws(MinimalCoreError) -> String {
        let names = analysis.placement.packages.names
        var bound: [String] = []
        for b in analysis.context.profileBindings where !bound.contains(names[b.package]) {
            bound.append(names[b.package])
        }
        if bound.count == 1 { return bound[0] }
        var split = analysis.splitName ?? "the split"
        if case .rules(let path, _) = input { split = path }
        throw MinimalCoreError(
            bound.isEmpty
                ? "\(split) binds no profile to a package: name the core with --core and the profiles with --profile"
                : "\(split) binds profiles to \(bound.joined(separator: ", ")): choose one with --core")
    }
}
