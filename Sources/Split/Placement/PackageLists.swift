internal import ELFScan
internal import Foundation
public import Graph

/// Package file lists (`--list NAME=FILE`, `--requires NAME:DEPENDENCY`): each file names the modules
/// of one package, one entry a line.
public struct PackageLists: SplitDefinition {
    /// (package, file) in the order given.
    public var lists: [(package: String, file: String)]
    /// (package, dependency): installing the package installs the dependency.
    public var requires: [(package: String, dependency: String)]

    /// The split made of `lists` and the dependencies `requires` declares.
    public init(lists: [(package: String, file: String)], requires: [(package: String, dependency: String)]) {
        self.lists = lists
        self.requires = requires
    }

    /// The lists as given: `package=file` pairs.
    public var name: String? { lists.map { "\($0.package)=\($0.file)" }.joined(separator: " ") }

    /// Reads every list and places each module in the package whose list names it; throws on an unreadable list, an
    /// unknown package, an entry that is no module of the tree, or a module listed twice.
    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        RulesPlacement(placement: try Self.placeFromLists(graph, lists: lists, requires: requires))
    }

    static func placeFromLists(
        _ graph: ModuleGraph, lists: [(package: String, file: String)],
        requires: [(package: String, dependency: String)]
    ) throws(RulesError) -> Placement {
        let names = lists.map(\.package)
        var seen = Set<String>()
        for (name, file) in lists {
            guard !name.isEmpty else { throw RulesError(file: "--list", "=\(file) names no package") }
            guard seen.insert(name).inserted else { throw RulesError(file: "--list", "package \(name) is given twice") }
        }
        for (p, d) in requires {
            guard names.contains(p) else {
                throw RulesError(file: "--requires", "\(p):\(d) names unknown package \(p)")
            }
            guard names.contains(d) else {
                throw RulesError(file: "--requires", "\(p):\(d) names unknown package \(d)")
            }
        }
        var dependsOn = [[String]](repeating: [], count: names.count)
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        for (p, d) in requires { dependsOn[index[p]!].append(d) }
        let packages = PackageSet(names: names, dependsOn: dependsOn)
        for p in names.indices {
            guard let cycle = packages.cycle(through: p) else { continue }
            throw RulesError(
                file: "--requires",
                "cycle in package requirements: \((cycle + [p]).map { names[$0] }.joined(separator: " → "))")
        }
        var packageOf = [Int?](repeating: nil, count: graph.modules.count)
        var basis = [PlacementBasis](repeating: .unruled, count: graph.modules.count)
        let byPath = Dictionary(graph.modules.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
        for (p, (_, file)) in lists.enumerated() {
            for (n, line) in try entries(of: file) {
                guard let m = resolve(line, graph: graph, byPath: byPath) else {
                    // rpm file lists also carry directories and other files; only module entries must resolve.
                    if line.hasSuffix(".ko") || line.contains(".ko.") {
                        throw RulesError(file: file, line: n, "\(Display.sanitized(line)) is not a module of this tree")
                    }
                    continue
                }
                if let other = packageOf[m], other != p {
                    throw RulesError(file: file, line: n, "\(graph.modules[m].name) is also listed in \(names[other])")
                }
                packageOf[m] = p
                basis[m] = .listed(SourceLocation(file: file, line: n))
            }
        }
        return Placement(
            packages: packages, packageOf: packageOf, wanted: packageOf, basis: basis,
            failure: Array(repeating: nil, count: graph.modules.count))
    }

    /// The entries of a list file with their line numbers: lines trimmed of blanks (and of the `\r` of
    /// CRLF line ends), a UTF-8 byte order mark dropped, empty lines and `#` comments skipped. The file
    /// is read bounded (`RulesLimits.maxFileBytes`) and never blocks on a FIFO; a NUL byte or text that
    /// is not UTF-8 means it is no list.
    static func entries(of file: String) throws(RulesError) -> [(line: Int, entry: String)] {
        var bytes: [UInt8]
        do {
            bytes = try FileAccess.read(file, limit: RulesLimits.maxFileBytes)
        } catch {
            throw RulesError(file: file, error.reason)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let nul = bytes.firstIndex(of: 0) {
            let line = bytes[..<nul].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            throw RulesError(file: file, line: line, "a NUL byte: this is not a text list of modules")
        }
        // Lines are split as bytes: in a Swift String "\r\n" is one Character, not a "\n".
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        var out: [(line: Int, entry: String)] = []
        for (n, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard let first = raw.firstIndex(where: { !blank($0) }), let last = raw.lastIndex(where: { !blank($0) })
            else { continue }
            let line = raw[first...last]
            if line.first == UInt8(ascii: "#") { continue }
            guard let entry = String(validating: line, as: UTF8.self) else {
                throw RulesError(file: file, line: n + 1, "not UTF-8 text: this is not a list of modules")
            }
            out.append((n + 1, entry))
        }
        return out
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
