public import ELFScan
public import Graph

/// The smallest core a kernel allows: the set of modules of least cost whose dependency closure meets every
/// requirement of the given machine profiles, plus the modules the caller keeps. Built-in drivers meet
/// requirements at no cost. The closure holds what each module needs by symbols and a provider of each of its
/// soft dependencies (ext4's `crypto-crc32c`: without it a metadata_csum file system does not mount), the
/// cheapest where several provide it. Every module is there for a reason: chosen for a requirement, kept, or
/// needed (the chain says through what) by one of those.
public struct MinimalCore: Sendable {
    /// What "least" measures.
    public enum Objective: String, Sendable, CaseIterable, Codable {
        /// Bytes as shipped (the compressed files): what a package weighs to download and store.
        case bytes
        /// Bytes uncompressed: what the modules take in memory once loaded.
        case uncompressed
        /// The number of modules.
        case modules

        /// What `module` weighs in this objective's unit.
        public func weight(of module: ModuleFacts) -> UInt64 {
            switch self {
            case .bytes: module.fileSize
            case .uncompressed: module.uncompressedSize
            case .modules: 1
            }
        }
    }

    /// How a requirement is met.
    public enum Met: Sendable, Hashable {
        /// By a driver built into the kernel (its name as `modules.builtin` spells it): no cost.
        case builtin(String)
        /// By `module`, which is in the core because of `root`: the module chosen for a requirement (the module
        /// itself when it was chosen for this one) or a kept module, whose closure holds it.
        case module(Int, root: Int)
        /// By nothing: the kernel has no driver for it (only when the caller asked to skip such requirements).
        case lacking
    }

    /// A module that would meet a requirement instead of the one the core uses, and the best core that uses it.
    public struct Alternative: Sendable {
        /// The alternative module (graph index).
        public var module: Int
        /// Cost (in the objective's unit), modules and shipped bytes of the cheapest core that meets the
        /// requirement with this module.
        public var cost: UInt64
        /// The number of modules in that core.
        public var modules: Int
        /// That core's bytes as shipped.
        public var bytes: UInt64
        /// Whether that core is proven the cheapest (false when the time ran out).
        public var optimal: Bool
    }

    /// One requirement, asked for by one or more of the profiles (identical requirements are one), and how the
    /// core meets it.
    public struct Need: Sendable {
        /// The requirement as the profile states it: device modaliases or module names, any of which meets it.
        public var requirement: GuestProfile.Requirement
        /// The profiles that ask for it, in the order given.
        public var profiles: [String]
        /// How the core meets it: by a built-in driver, a module, or not at all.
        public var met: Met
        /// Every module of the tree that meets it (graph indices, ascending).
        public var providers: [Int]
        /// What the core would shed without the module chosen for it (objective's unit, and shipped bytes); zero
        /// when the module came with another choice, was kept, or is built in.
        public var marginalCost: UInt64
        /// The shipped bytes the core would shed without the module chosen for it.
        public var marginalBytes: UInt64
        /// The other modules that meet it, cheapest core first (at most `alternativeLimit` are priced).
        public var alternatives: [Alternative]
        /// Other modules that meet it and were not priced: past `alternativeLimit`, or after the time for
        /// pricing ran out (none when a built-in driver meets it).
        public var unpriced: Int {
            guard case .module = met else { return 0 }
            return providers.count - 1 - alternatives.count
        }
    }

    /// A module of the core and why it is there.
    public struct Member: Sendable {
        /// The module (graph index).
        public var module: Int
        /// Named with `--keep`.
        public var kept: Bool
        /// The needs (indices into `needs`) it was chosen for.
        public var chosenFor: [Int]
        /// When neither chosen nor kept: the chain of dependencies from a chosen or kept module to this one,
        /// both included (the shortest there is); empty otherwise.
        public var chain: [Int]
    }

    /// What adding one more profile to the selection would cost.
    public struct Addition: Sendable {
        /// The profile that would be added.
        public var profile: GuestProfile
        /// Requirements of the profile the kernel has no driver for (then nothing else is priced).
        public var lacking: [String]
        /// The cheapest core for the selection and this profile: its cost, modules and shipped bytes.
        public var cost: UInt64
        /// The number of modules in that core.
        public var modules: Int
        /// That core's bytes as shipped.
        public var bytes: UInt64
        /// Modules it holds that the core does not, and modules of the core it does without (it may choose
        /// differently for a requirement both share).
        public var added: [Int]
        /// Modules of the current core that core does without.
        public var dropped: [Int]
        /// Whether that core is proven the cheapest (false when the time ran out).
        public var optimal: Bool
        /// False when the time for pricing ran out before this profile's turn: then nothing above is known.
        public var priced: Bool = true
    }

    /// How the search went.
    public struct Search: Sendable {
        /// True when no core of smaller cost exists.
        public var optimal: Bool
        /// The least cost any core can have, as far as the search got (the cost itself when optimal).
        public var lowerBound: UInt64
        /// Branch-and-bound nodes visited.
        public var nodes: Int
        /// Wall-clock seconds the search took.
        public var seconds: Double
        /// The limits it ran under.
        public var limits: CoreSearch.Limits
    }

    /// The graph the indices refer to.
    public let graph: ModuleGraph
    /// What the search minimised: shipped bytes, uncompressed bytes or module count.
    public let objective: Objective
    /// The profiles asked for, in order, and the modules kept.
    public let profiles: [GuestProfile]
    /// Modules named with `--keep` (graph indices), in the order given.
    public let keep: [Int]
    /// Each distinct requirement of the profiles, in the order they first appear.
    public let needs: [Need]
    /// The core, sorted by path (byte order).
    public let members: [Member]
    /// The core's cost in the objective's unit, and its shipped and uncompressed bytes.
    public let cost: UInt64
    /// The core's bytes as shipped.
    public let bytes: UInt64
    /// The core's bytes uncompressed.
    public let uncompressedBytes: UInt64
    /// The whole tree: modules, shipped bytes, uncompressed bytes.
    public let treeModules: Int
    /// The whole tree's bytes as shipped.
    public let treeBytes: UInt64
    /// The whole tree's bytes uncompressed.
    public let treeUncompressedBytes: UInt64
    /// How the search went: whether the core is proven optimal, and what it cost to find.
    public let search: Search
    /// What each further profile would add.
    public let additions: [Addition]
    /// The kernel release, for reports (set by the caller).
    public var kernelVersion: String?

    /// Alternatives priced per requirement: each costs one more search.
    public static let alternativeLimit = 8

    /// The modules of the core (graph indices) in path order.
    public var modules: [Int] { members.map(\.module) }

    /// The core's paths relative to the module directory, in byte order: a list for `--list core=FILE`.
    public var paths: [String] {
        members.map { graph.modules[$0.module].path }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Requirements of the profiles the kernel has no driver for (only when asked to skip them).
    public var lacking: [Need] { needs.filter { $0.met == .lacking } }

    /// Derives the minimal core of `graph` for `profiles` and the modules `keep`, pricing the alternatives of
    /// every requirement and what adding each of `further` would cost. A requirement that no module of the tree
    /// and no built-in driver meets is an error, unless `skipLacking` (then it is listed as lacking).
    public static func derive(
        graph: ModuleGraph, builtinModinfo: [String: [ModinfoEntry]], profiles: [GuestProfile],
        keep: [Int] = [], objective: Objective = .bytes, limits: CoreSearch.Limits = .init(),
        further: [GuestProfile] = [], skipLacking: Bool = false
    ) throws(MinimalCoreError)
        -> MinimalCore
    {
        var keep = keep
        keep = keep.indices.filter { !keep[..<$0].contains(keep[$0]) }.map { keep[$0] }
        let builtin = builtinModinfo.mapValues { $0.map { (key: $0.key, value: $0.value) } }
        var found: [GuestProfile.Requirement: (modules: [Int], builtin: String?)] = [:]
        func providers(_ r: GuestProfile.Requirement) -> (modules: [Int], builtin: String?) {
            if let known = found[r] { return known }
            let p = GuestProfile.providers(of: r, in: graph, candidates: graph.modules.indices, builtinModinfo: builtin)
            found[r] = p
            return p
        }
        // Distinct requirements, with the profiles that ask for each.
        var needs: [Need] = []
        for profile in profiles {
            for r in profile.requirements {
                if let i = needs.firstIndex(where: { $0.requirement == r }) {
                    if !needs[i].profiles.contains(profile.name) { needs[i].profiles.append(profile.name) }
                    continue
                }
                let p = providers(r)
                let met: Met
                if let b = p.builtin {
                    met = .builtin(b)
                } else if p.modules.isEmpty {
                    guard skipLacking else { throw MinimalCoreError.lacking(r, profile: profile.name) }
                    met = .lacking
                } else {
                    met = .lacking  // decided below
                }
                needs.append(
                    Need(
                        requirement: r, profiles: [profile.name], met: met, providers: p.modules,
                        marginalCost: 0, marginalBytes: 0, alternatives: []))
            }
        }
        let selected = Set(profiles.map(\.name))
        let others = further.filter { !selected.contains($0.name) }
        var candidates = Set(keep)
        for n in needs { candidates.formUnion(n.providers) }
        for p in others { for r in p.requirements { candidates.formUnion(providers(r).modules) } }
        let weight = { (m: Int) in objective.weight(of: graph.modules[m]) }
        let search = CoreSearch(
            graph: graph, candidates: candidates,
            companions: CoreSearch.softdepCompanions(graph: graph, builtinModinfo: builtinModinfo, weight: weight),
            weight: weight)

        let modular = needs.indices.filter { needs[$0].met == .lacking && !needs[$0].providers.isEmpty }
        let result = search.solve(needs: modular.map { needs[$0].providers }, keep: keep, limits: limits)
        // Later searches (alternatives, additions) share one more budget of the same length; once it is spent,
        // nothing more is priced (each search costs at least its set-up, which grows with the requirements).
        var budget = limits.seconds
        func solve(_ alternatives: [[Int]]) -> CoreSearch.Result? {
            guard budget > 0 else { return nil }
            let r = search.solve(
                needs: alternatives, keep: keep,
                limits: CoreSearch.Limits(seconds: budget, nodes: limits.nodes))
            budget -= r.seconds
            return r
        }

        // Which chosen module meets each requirement: the search returns a set; the roots are recovered from it.
        let core = Set(result.modules)
        let keptClosure = Set(search.closure(of: keep))
        var roots: [Int] = []
        var covered = keptClosure
        let byAlternatives = modular.sorted { needs[$0].providers.count < needs[$1].providers.count }
        for i in byAlternatives where needs[i].providers.allSatisfy({ !covered.contains($0) }) {
            let inCore = needs[i].providers.filter(core.contains)
            // The one that brings the most of the core along; the search's set holds at least one.
            let pick = (inCore.isEmpty ? needs[i].providers : inCore).max { a, b in
                let (ca, cb) = (search.closureCost(of: a), search.closureCost(of: b))
                return ca != cb ? ca < cb : a > b
            }!
            roots.append(pick)
            covered.formUnion(search.closure(of: [pick]))
        }
        // A root another root's closure holds is no root of its own.
        for a in roots.reversed() where Set(search.closure(of: roots.filter { $0 != a } + keep)).contains(a) {
            roots.removeAll { $0 == a }
        }
        let final = Set(search.closure(of: roots + keep))
        let closures = Dictionary(uniqueKeysWithValues: (roots + keep).map { ($0, Set(search.closure(of: [$0]))) })
        let total = search.cost(of: final)
        for i in modular {
            let providers = needs[i].providers
            let provider =
                providers.first(where: roots.contains)
                ?? providers.first(where: { p in roots.contains { closures[$0]!.contains(p) } })
                ?? providers.first(where: keptClosure.contains)!
            let root =
                roots.contains(provider)
                ? provider
                : (roots + keep).first { closures[$0]!.contains(provider) }!
            needs[i].met = .module(provider, root: root)
            if root == provider && roots.contains(provider) {
                let without = search.closure(of: roots.filter { $0 != provider } + keep)
                needs[i].marginalCost = total - search.cost(of: without)
                let rest = Set(without)
                needs[i].marginalBytes = final.subtracting(rest).reduce(0) { $0 + graph.modules[$1].fileSize }
            }
        }
        // Each alternative priced by the best core that uses it for this requirement.
        let baseline = modular.map { needs[$0].providers }
        for (k, i) in modular.enumerated() {
            guard case .module(let provider, _) = needs[i].met else { continue }
            let others = needs[i].providers.filter { $0 != provider }
                .sorted { search.closureCost(of: $0) < search.closureCost(of: $1) }
                .prefix(alternativeLimit)
            var priced: [Alternative] = []
            for b in others {
                var forced = baseline
                forced[k] = [b]
                guard let r = solve(forced) else { break }
                priced.append(
                    Alternative(
                        module: b, cost: r.cost, modules: r.modules.count,
                        bytes: r.modules.reduce(0) { $0 + graph.modules[$1].fileSize },
                        optimal: r.optimal))
            }
            needs[i].alternatives = priced.sorted { $0.cost != $1.cost ? $0.cost < $1.cost : $0.module < $1.module }
        }
        // Why each module is there: one search from every root and kept module gives each other module its
        // shortest chain (from the earliest of them among equally short ones).
        let chains = search.chains(from: roots + keep)
        var members: [Member] = []
        for m in final {
            let chosenFor = needs.indices.filter { i in
                if case .module(let p, let root) = needs[i].met { return p == m && root == m }
                return false
            }
            var chain: [Int] = []
            if !roots.contains(m) && !keep.contains(m) {
                chain = chains[m] ?? []
            }
            members.append(Member(module: m, kept: keep.contains(m), chosenFor: chosenFor, chain: chain))
        }
        members.sort {
            graph.modules[$0.module].path.utf8.lexicographicallyPrecedes(graph.modules[$1.module].path.utf8)
        }
        // What each further profile would add.
        var additions: [Addition] = []
        for p in others {
            let lacking = p.requirements.filter { r in
                let f = providers(r)
                return f.builtin == nil && f.modules.isEmpty
            }
            let theirs = p.requirements.map(providers).filter { $0.builtin == nil && !$0.modules.isEmpty }
                .map(\.modules)
            guard lacking.isEmpty else {
                additions.append(
                    Addition(
                        profile: p, lacking: lacking.map(\.what), cost: 0, modules: 0, bytes: 0,
                        added: [], dropped: [], optimal: true))
                continue
            }
            guard let r = solve(baseline + theirs) else {
                additions.append(
                    Addition(
                        profile: p, lacking: [], cost: 0, modules: 0, bytes: 0, added: [], dropped: [], optimal: false,
                        priced: false))
                continue
            }
            let set = Set(r.modules)
            additions.append(
                Addition(
                    profile: p, lacking: [], cost: r.cost, modules: r.modules.count,
                    bytes: r.modules.reduce(0) { $0 + graph.modules[$1].fileSize },
                    added: set.subtracting(final).sorted(), dropped: final.subtracting(set).sorted(),
                    optimal: r.optimal))
        }
        let stats = Search(
            optimal: result.optimal, lowerBound: min(result.lowerBound, total), nodes: result.nodes,
            seconds: result.seconds, limits: limits)
        return MinimalCore(
            graph: graph, objective: objective, profiles: profiles, keep: keep, needs: needs,
            members: members, cost: total,
            bytes: final.reduce(0) { $0 + graph.modules[$1].fileSize },
            uncompressedBytes: final.reduce(0) { $0 + graph.modules[$1].uncompressedSize },
            treeModules: graph.modules.count, treeBytes: graph.modules.reduce(0) { $0 + $1.fileSize },
            treeUncompressedBytes: graph.modules.reduce(0) { $0 + $1.uncompressedSize },
            search: stats, additions: additions, kernelVersion: nil)
    }

    /// The profiles `names` name, among the built-in ones and `defined` (a rules file's); `all-builtin` names every
    /// built-in profile. Each name once, in the order given.
    public static func profiles(named names: [String], defined: [GuestProfile] = []) throws(MinimalCoreError)
        -> [GuestProfile]
    {
        let known = defined + GuestProfile.builtIn.filter { b in !defined.contains { $0.name == b.name } }
        var out: [GuestProfile] = []
        for name in names {
            let matched = name == "all-builtin" ? GuestProfile.builtIn : known.filter { $0.name == name }
            guard !matched.isEmpty else {
                throw MinimalCoreError(
                    "unknown profile \(Display.sanitized(name)) (known: "
                        + known.map(\.name).joined(separator: ", ") + ", all-builtin)")
            }
            for p in matched where !out.contains(where: { $0.name == p.name }) { out.append(p) }
        }
        return out
    }

    /// The modules `names` name (by name, file name or path), for `--keep`.
    public static func modules(named names: [String], in graph: ModuleGraph) throws(MinimalCoreError) -> [Int] {
        var out: [Int] = []
        for name in names {
            do {
                let m = try graph.lookup(name)
                if !out.contains(m) { out.append(m) }
            } catch {
                throw MinimalCoreError("--keep: \(error.description)")
            }
        }
        return out
    }
}

/// A minimal core that cannot be derived: an unknown profile or module, or a requirement the kernel cannot meet.
/// One line for the user; exit status 2.
public struct MinimalCoreError: Error, Sendable, CustomStringConvertible {
    /// What cannot be derived, as one line for the user.
    public var message: String
    /// True when a requirement has no driver in the kernel (a flag can leave such requirements out).
    public var kernelLacksDriver: Bool
    /// An error saying `message`; `kernelLacksDriver` when the kernel has no driver for a requirement.
    public init(_ message: String, kernelLacksDriver: Bool = false) {
        self.message = message
        self.kernelLacksDriver = kernelLacksDriver
    }
    /// The message itself, as printed.
    public var description: String { message }

    /// No module of the tree and no built-in driver meets `requirement` of `profile`.
    static func lacking(_ requirement: GuestProfile.Requirement, profile: String) -> MinimalCoreError {
        let options = requirement.modules.compactMap { m in
            GuestProfile.kernelOption(building: m).map { "\($0) (\(m))" }
        }
        var message =
            "\(profile) needs \(requirement.what), which this kernel lacks: no module of the tree meets it"
            + " and no built-in driver does"
        if !options.isEmpty {
            message += "; a kernel built with " + options.joined(separator: " or ") + " would have one"
        }
        return MinimalCoreError(message, kernelLacksDriver: true)
    }
}
