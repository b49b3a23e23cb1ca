/// A set of packages (their indices in a `PackageSet`), of any size: one bit per package.
///
/// Splits with one module per package exist, so there is no limit on the number of packages. Equal
/// sets are equal values (no trailing zero words are kept), so masks can be compared and hashed.
public struct PackageMask: Sendable, Hashable {
    /// Bit `p % 64` of word `p / 64` is package `p`. Never ends in a zero word.
    private var words: [UInt64]

    /// The empty set.
    public init() { words = [] }

    /// The set of `packages`.
    public init(_ packages: some Sequence<Int>) {
        words = []
        for p in packages { insert(p) }
    }

    /// The set of one package.
    public static func single(_ p: Int) -> PackageMask {
        var m = PackageMask()
        m.insert(p)
        return m
    }

    /// Packages `0..<count`.
    public static func all(_ count: Int) -> PackageMask {
        var m = PackageMask()
        m.words = Array(repeating: ~0, count: count / 64)
        if count % 64 != 0 { m.words.append((1 << UInt64(count % 64)) - 1) }
        return m
    }

    /// Whether the set holds no package.
    public var isEmpty: Bool { words.isEmpty }

    /// The number of packages in the set.
    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The lowest package in the set.
    public var first: Int? {
        for (i, w) in words.enumerated() where w != 0 { return i * 64 + w.trailingZeroBitCount }
        return nil
    }

    /// Whether package `p` is in the set.
    public func contains(_ p: Int) -> Bool {
        let w = p >> 6
        return p >= 0 && w < words.count && words[w] & (1 << UInt64(p & 63)) != 0
    }

    /// Adds package `p` (not negative).
    public mutating func insert(_ p: Int) {
        precondition(p >= 0, "a package index is not negative")
        let w = p >> 6
        if w >= words.count { words += Array(repeating: 0, count: w - words.count + 1) }
        words[w] |= 1 << UInt64(p & 63)
    }

    /// Removes package `p`, if present.
    public mutating func remove(_ p: Int) {
        let w = p >> 6
        guard p >= 0, w < words.count else { return }
        words[w] &= ~(1 << UInt64(p & 63))
        trim()
    }

    /// The packages in the set, in increasing order.
    public var members: [Int] {
        var out: [Int] = []
        forEach { out.append($0) }
        return out
    }

    /// Calls `body` with each package of the set, in increasing order.
    @inline(__always)
    public func forEach(_ body: (Int) -> Void) {
        for (i, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                body(i * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
    }

    /// Adds every package of `other`.
    public mutating func formUnion(_ other: PackageMask) {
        if other.words.count > words.count { words += Array(repeating: 0, count: other.words.count - words.count) }
        for i in other.words.indices { words[i] |= other.words[i] }
    }

    /// Keeps only the packages `other` holds too.
    public mutating func formIntersection(_ other: PackageMask) {
        if words.count > other.words.count { words.removeLast(words.count - other.words.count) }
        for i in words.indices { words[i] &= other.words[i] }
        trim()
    }

    /// Removes every package of `other`.
    public mutating func subtract(_ other: PackageMask) {
        for i in 0..<min(words.count, other.words.count) { words[i] &= ~other.words[i] }
        trim()
    }

    /// The packages in either set.
    public func union(_ other: PackageMask) -> PackageMask {
        var m = self
        m.formUnion(other)
        return m
    }

    /// The packages in both sets.
    public func intersection(_ other: PackageMask) -> PackageMask {
        var m = self
        m.formIntersection(other)
        return m
    }

    /// The packages of this set that `other` lacks.
    public func subtracting(_ other: PackageMask) -> PackageMask {
        var m = self
        m.subtract(other)
        return m
    }

    /// Whether the two sets share a package.
    public func intersects(_ other: PackageMask) -> Bool {
        for i in 0..<min(words.count, other.words.count) where words[i] & other.words[i] != 0 { return true }
        return false
    }

    private mutating func trim() {
        while let last = words.last, last == 0 { words.removeLast() }
    }
}
