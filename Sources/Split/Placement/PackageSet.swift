internal import ELFScan
internal import Graph

/// The packages of a split and their `depends-on` relation, as package sets of any size.
///
/// "Below" a package are the packages it depends on, transitively: installing a package installs
/// everything below it, so a module may use modules of its own package and of packages below it.
public struct PackageSet: Sendable {
    /// Shorthand for `PackageMask` in placement code.
    public typealias Mask = PackageMask

    /// The package names, in the split's order; indices into this are package numbers.
    public let names: [String]
    /// Each package's direct dependencies (package indices), as declared.
    public let dependsOn: [[Int]]
    /// Transitive depends-on, excluding the package itself (even when it lies on a cycle).
    public let below: [PackageMask]
    /// Packages that depend on the package, transitively, excluding itself.
    public let above: [PackageMask]
    /// `below` in breadth-first order, direct dependencies first (filtermods' "nearest below").
    public let belowList: [[Int]]
    /// Packages that depend on themselves through others (only lists' `--requires` can say so).
    private let onCycle: PackageMask
    private let index: [String: Int]

    /// `dependsOn[p]` names the packages `names[p]` requires; unknown names are ignored (readers
    /// refuse them with their location first). Cycles are allowed here: readers name them as errors.
    public init(names: [String], dependsOn: [[String]]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
        self.index = index
        let deps = dependsOn.map { $0.compactMap { index[$0] } }
        self.dependsOn = deps
        var below = [PackageMask](repeating: PackageMask(), count: names.count)
        var above = [PackageMask](repeating: PackageMask(), count: names.count)
        var lists: [[Int]] = []
        var onCycle = PackageMask()
        for p in names.indices {
            var list: [Int] = []
            var seen = PackageMask()
            var frontier = deps[p]
            while !frontier.isEmpty {
                var next: [Int] = []
                for q in frontier where !seen.contains(q) {
                    seen.insert(q)
                    list.append(q)
                    next += deps[q]
                }
                frontier = next
            }
            if seen.contains(p) {
                onCycle.insert(p)
                seen.remove(p)
                list.removeAll { $0 == p }
            }
            seen.forEach { above[$0].insert(p) }
            below[p] = seen
            lists.append(list)
        }
        self.below = below
        self.above = above
        belowList = lists
        self.onCycle = onCycle
    }

    /// The packages of a filtermods rules file, with their `depends-on`.
    public init(_ rules: FiltermodsRules) {
        self.init(names: rules.packages.map(\.name), dependsOn: rules.packages.map(\.dependsOn))
    }

    /// The index of the package called `name`, if there is one.
    public func index(of name: String) -> Int? { index[name] }

    /// The install set of a package: itself and everything below it.
    public func closure(_ p: Int) -> PackageMask {
        var m = below[p]
        m.insert(p)
        return m
    }

    /// The package and every package above it: where the users of a module in it may be placed.
    public func selfAndAbove(_ p: Int) -> PackageMask {
        var m = above[p]
        m.insert(p)
        return m
    }

    /// Whether a module in package `user` may use a module in package `provider`.
    public func reaches(_ user: Int, _ provider: Int) -> Bool { user == provider || below[user].contains(provider) }

    /// Whether `lower` is below `upper` (installing `upper` installs it), `upper` itself excluded.
    public func isBelow(_ lower: Int, _ upper: Int) -> Bool { below[upper].contains(lower) }

    /// Every package.
    public var all: PackageMask { PackageMask.all(names.count) }

    /// The packages of `mask`, in increasing order.
    public func members(_ mask: PackageMask) -> [Int] { mask.members }

    /// A dependency cycle through `p` (`p`, …, the package that depends on `p`), nil when there is none.
    public func cycle(through p: Int) -> [Int]? {
        guard onCycle.contains(p) else { return nil }
        // Breadth-first from p's dependencies back to p: the shortest cycle.
        var parent: [Int: Int] = [:]
        var frontier = [p]
        while !frontier.isEmpty {
            var next: [Int] = []
            for q in frontier {
                for d in dependsOn[q] where parent[d] == nil {
                    parent[d] = q
                    if d == p {
                        var path = [q]
                        while path.last != p, let up = parent[path.last!] { path.append(up) }
                        return path.reversed()
                    }
                    next.append(d)
                }
            }
            frontier = next
        }
        return nil
    }

    /// Whether `name` can name a file `<name>.list` inside an output directory: not empty, no `/`, not
    /// `.` or `..`, no control characters (C0, DEL or C1), not hidden.
    public static func isSafeFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/")
            && !name.unicodeScalars.contains(where: Display.isControl) && name.utf8.count <= 200
    }
}
