internal import ELFScan
public import Graph

/// How a module came to be placed.
public enum PlacementBasis: Sendable, Hashable {
    /// An `exact_pkg: true` rule pins it.
    case needs(SourceLocation)
    /// The first matching rule asks for a package (the module may end below it).
    case wants(SourceLocation)
    /// No rule matched; the `default:` rule's package applies.
    case defaulted(SourceLocation)
    /// No rule matched and there is no default.
    case unruled
    /// A package file list names it.
    case listed(SourceLocation)
    /// Neither rules nor lists: the whole tree is one package.
    case wholeTree
    /// The split's own tool put it there because other modules need it (kernel-wedge's dependency
    /// repair, SUSE's base closure, Ubuntu's dependency passes): `by` names them, `location` is the
    /// entry that placed the first of them.
    case pulled(by: [String], location: SourceLocation?)
    /// No entry of the rules names it; the language's own fallback package holds it (SUSE's unlisted
    /// modules, Ubuntu's linux-modules-extra).
    case unlisted
}

/// Where every module of the graph ends up.
public struct Placement: Sendable {
    /// The split's packages and their dependencies.
    public let packages: PackageSet
    /// The final package of each module (index into `packages`), nil when it could not be placed.
    public var packageOf: [Int?]
    /// The package the rules or lists ask for (nil for unruled modules).
    public var wanted: [Int?]
    /// How each module came to be placed: the rule, list line or tool behaviour behind it.
    public var basis: [PlacementBasis]
    /// For modules the rules could not place (filtermods leaves them out of every list): why, naming the
    /// neighbours whose constraints emptied its choices. Such a module keeps the package its rule asks for
    /// in `packageOf`, so the conflicting edge is reported where it is.
    public var failure: [String?]

    /// A placement from its parallel per-module arrays.
    public init(packages: PackageSet, packageOf: [Int?], wanted: [Int?], basis: [PlacementBasis], failure: [String?]) {
        self.packages = packages
        self.packageOf = packageOf
        self.wanted = wanted
        self.basis = basis
        self.failure = failure
    }

    /// The rule or list line that placed a module, if any.
    public func location(of module: Int) -> SourceLocation? {
        switch basis[module] {
        case .needs(let l), .wants(let l), .defaulted(let l), .listed(let l): l
        case .pulled(_, let l): l
        case .unruled, .wholeTree, .unlisted: nil
        }
    }

    /// Everything in one package: the split of a tree with neither rules nor lists.
    public static func wholeTree(_ graph: ModuleGraph, name: String = "all") -> Placement {
        let n = graph.modules.count
        return Placement(
            packages: PackageSet(names: [name], dependsOn: [[]]), packageOf: Array(repeating: 0, count: n),
            wanted: Array(repeating: 0, count: n), basis: Array(repeating: .wholeTree, count: n),
            failure: Array(repeating: nil, count: n))
    }

    /// Modules per package, each list sorted by path.
    public func members(_ graph: ModuleGraph) -> [[Int]] {
        var out = Array(repeating: [Int](), count: packages.names.count)
        for (m, p) in packageOf.enumerated() { if let p { out[p].append(m) } }
        return out.map { $0.sorted { graph.modules[$0].path < graph.modules[$1].path } }
    }
}

/// Neither rules nor lists: the whole tree is one package, and every load-rule check still runs.
public struct WholeTree: SplitDefinition {
    /// The split of a tree with neither rules nor lists.
    public init() {}
    /// Always nil: there is no rules file to name.
    public var name: String? { nil }
    /// Puts every module in one package, `all`.
    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        RulesPlacement(placement: .wholeTree(graph))
    }
}

extension Placement {
    /// Each package's list as filtermods writes it: paths as in modules.dep, in byte order, without the
    /// modules the rules could not place.
    public func lists(_ graph: ModuleGraph) -> [(package: String, paths: [String])] {
        let members = members(graph)
        return packages.names.enumerated().map { p, name in
            let paths = members[p].filter { failure[$0] == nil }.map { graph.modules[$0].path }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return (name, paths)
        }
    }
}
