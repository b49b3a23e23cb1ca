internal import Foundation
internal import ELFScan
public import Graph

/// Package file lists (`--list NAME=FILE`, `--requires NAME:DEPENDENCY`): each file names the modules
/// of one package, one entry a line.
public struct PackageLists: SplitDefinition {
    /// (package, file) in the order given.
    public var lists: [(package: String, file: String)]
    /// (package, dependency): installing the package installs the dependency.
    public var requires: [(package: String, dependency: String)]

    public init(lists: [(package: String, file: String)], requires: [(package: String, dependency: String)]) {
        self.lists = lists
        self.requires = requires
    }

    public var name: String? { lists.map { "\($0.package)=\($0.file)" }.joined(separator: " ") }

    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        RulesPlacement(placement: try Self.placeFromLists(graph, lists: lists, requires: requires))
    }

    static func placeFromLists(_ graph: ModuleGraph, lists: [(package: String, file: String)],
                               requires: [(package: String, dependency: String)]) throws(RulesError) -> Placement {
        let names = lists.map(\.package)
        for (p, d) in requires {
            guard names.contains(p) else { throw RulesError(file: "--requires", "\(p):\(d) names unknown package \(p)") }
            guard names.contains(d) else { throw RulesError(file: "--requires", "\(p):\(d) names unknown package \(d)") }
        }
        let packages = PackageSet(names: names, dependsOn: names.map { n in requires.filter { $0.package == n }.map(\.dependency) })
        for p in names.indices {
            guard let cycle = packages.cycle(through: p) else { continue }
            throw RulesError(file: "--requires", "cycle in package requirements: \((cycle + [p]).map { names[$0] }.joined(separator: " → "))")
        }
        var packageOf = [Int?](repeating: nil, count: graph.modules.count)
        var basis = [PlacementBasis](repeating: .unruled, count: graph.modules.count)
        let byPath = Dictionary(graph.modules.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
        for (p, (_, file)) in lists.enumerated() {
            guard let data = FileManager.default.contents(atPath: file) else { throw RulesError(file: file, "cannot read the list") }
            let text = String(decoding: data, as: UTF8.self)
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let m = resolve(line, graph: graph, byPath: byPath) else {
                    // rpm file lists also carry directories and other files; only module entries must resolve.
                    if line.hasSuffix(".ko") || line.contains(".ko.") {
                        throw RulesError(file: file, line: n + 1, "\(line) is not a module of this tree")
                    }
                    continue
                }
                if let other = packageOf[m], other != p {
                    throw RulesError(file: file, line: n + 1, "\(graph.modules[m].name) is also listed in \(names[other])")
                }
                packageOf[m] = p
                basis[m] = .listed(SourceLocation(file: file, line: n + 1))
            }
        }
        return Placement(packages: packages, packageOf: packageOf, wanted: packageOf, basis: basis,
                         failure: Array(repeating: nil, count: graph.modules.count))
    }

    /// A list entry: an installed path (`/lib/modules/<v>/kernel/…`), a path relative to the module
    /// directory, or a module name.
    static func resolve(_ entry: String, graph: ModuleGraph, byPath: [String: Int]) -> Int? {
        var e = Substring(entry)
        if e.hasPrefix("/") {
            for marker in ["/lib/modules/"] {
                guard let r = e.range(of: marker) else { continue }
                let rest = e[r.upperBound...]
                guard let slash = rest.firstIndex(of: "/") else { return nil }
                e = rest[rest.index(after: slash)...]
            }
        }
        if let m = byPath[String(e)] { return m }
        if !e.contains("/") { return graph.module(named: String(e)) }
        return nil
    }
}
