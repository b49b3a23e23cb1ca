internal import ELFScan
internal import Graph
/// The packages of a split and their `depends-on` relation, as bit sets (at most 64 packages).
///
/// "Below" a package are the packages it depends on, transitively: installing a package installs
/// everything below it, so a module may use modules of its own package and of packages below it.
public struct PackageSet: Sendable {
    public typealias Mask = UInt64

    public let names: [String]
    public let dependsOn: [[Int]]
    /// Transitive depends-on, excluding the package itself.
    public let below: [Mask]
    /// Packages that depend on the package, transitively, excluding itself.
    public let above: [Mask]
    /// `below` in breadth-first order, direct dependencies first (filtermods' "nearest below").
    public let belowList: [[Int]]
    private let index: [String: Int]

    public static let maxPackages = 64

    /// `packages` must be in definition order with dependencies defined first (as `FiltermodsRules` guarantees).
    public init(names: [String], dependsOn: [[String]]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() { index[n] = i }
        self.index = index
        let deps = dependsOn.map { $0.compactMap { index[$0] } }
        self.dependsOn = deps
        var below = [Mask](repeating: 0, count: names.count)
        var lists: [[Int]] = []
        for p in names.indices {
            var list: [Int] = []
            var seen: Mask = 0
            var frontier = deps[p]
            while !frontier.isEmpty {
                var next: [Int] = []
                for q in frontier where seen & (1 << q) == 0 {
                    seen |= 1 << q
                    list.append(q)
                    next += deps[q]
                }
                frontier = next
            }
            below[p] = seen & ~(1 << p)
            lists.append(list.filter { $0 != p })
        }
        self.below = below
        belowList = lists
        var above = [Mask](repeating: 0, count: names.count)
        for p in names.indices {
            for q in names.indices where below[q] & (1 << p) != 0 { above[p] |= 1 << q }
        }
        self.above = above
    }

    public init(_ rules: FiltermodsRules) {
        self.init(names: rules.packages.map(\.name), dependsOn: rules.packages.map(\.dependsOn))
    }

    public func index(of name: String) -> Int? { index[name] }

    /// The install set of a package: itself and everything below it.
    public func closure(_ p: Int) -> Mask { below[p] | (1 << p) }
    public func selfAndAbove(_ p: Int) -> Mask { above[p] | (1 << p) }

    /// Whether a module in package `user` may use a module in package `provider`.
    public func reaches(_ user: Int, _ provider: Int) -> Bool { closure(user) & (1 << provider) != 0 }

    public var all: Mask { names.count == 64 ? ~0 : (1 << Mask(names.count)) - 1 }

    public func members(_ mask: Mask) -> [Int] { names.indices.filter { mask & (1 << $0) != 0 } }

    /// Whether `name` can name a file `<name>.list` inside an output directory: not empty, no `/`, not
    /// `.` or `..`, no control characters, not hidden.
    public static func isSafeFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/")
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } && name.utf8.count <= 200
    }
}
