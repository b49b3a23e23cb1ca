// PythonRegex, after parsing: what a parsed pattern can match, its size, and its POSIX translation.

extension PythonRegex {
    /// `alternatives` with everything that cannot match removed: a sequence with a required `never`
    /// goes, `x{0,…}` of a `never` matches the empty string. Empty when nothing can match.
    static func simplify(_ alternatives: [[Node]]) -> [[Node]] {
        alternatives.compactMap(simplify)
    }

    private static func simplify(_ sequence: [Node]) -> [Node]? {
        var out: [Node] = []
        for n in sequence {
            guard let s = simplify(n) else { return nil }
            if let s { out.append(s) }
        }
        return out
    }

    /// nil: cannot match; .some(nil): matches only the empty string and can be dropped.
    private static func simplify(_ node: Node) -> Node?? {
        switch node {
        case .never: return nil
        case .set(let c) where c.isEmpty: return nil
        case .group(let alternatives):
            let kept = simplify(alternatives)
            return kept.isEmpty ? nil : .some(.group(kept))
        case .repeated(let inner, let low, let high):
            guard let s = simplify(inner) else { return low == 0 ? .some(nil) : nil }
            guard let s else { return .some(nil) }
            if high == 0 { return .some(nil) }
            return .some(.repeated(s, min: low, max: high))
        default: return .some(node)
        }
    }

    /// Replaces `^` and `\A` with `never` throughout: for the first alternative, where filtermods'
    /// `[^/]+/` has always consumed at least two characters, a start anchor can never hold.
    static func startAnchorsFail(_ sequence: [Node]) -> [Node] {
        sequence.map { n in
            switch n {
            case .assertion(.start): .never
            case .group(let alternatives): .group(alternatives.map(startAnchorsFail))
            case .repeated(let inner, let low, let high): .repeated(startAnchorsFail([inner])[0], min: low, max: high)
            default: n
            }
        }
    }

    /// How many nodes glibc's compiled form has, roughly: counted repetitions are copied out
    /// (`x{2,5}` is five copies of x), so nesting multiplies. Saturates at `Int.max`.
    static func expandedSize(_ alternatives: [[Node]]) -> Int {
        var total = alternatives.count
        for seq in alternatives {
            for n in seq { total = add(total, expandedSize(n)) }
        }
        return total
    }

    private static func add(_ a: Int, _ b: Int) -> Int {
        let (s, o) = a.addingReportingOverflow(b)
        return o ? .max : s
    }

    private static func expandedSize(_ node: Node) -> Int {
        switch node {
        case .char(let bytes): return bytes.count
        case .set, .any, .assertion, .never: return 1
        case .group(let alternatives): return add(expandedSize(alternatives), 1)
        case .repeated(let inner, let low, let high):
            let copies = max(1, high ?? add(low, 1))
            let (product, overflow) = expandedSize(inner).multipliedReportingOverflow(by: copies)
            return overflow ? .max : add(product, 1)
        }
    }

    /// Whether `node` matches the empty string wherever it stands (no anchor involved).
    static func alwaysMatchesEmpty(_ node: Node) -> Bool {
        switch node {
        case .repeated(_, let low, _): low == 0
        case .group(let alternatives): alternatives.contains { $0.allSatisfy(alwaysMatchesEmpty) }
        default: false
        }
    }

    /// The POSIX extended regular expression for `alternatives` (already simplified, not empty),
    /// anchored at the start of the path as `re.match` is.
    static func posix(_ alternatives: [[Node]]) -> String {
        if alternatives.count == 1 { return "^" + posix(sequence: alternatives[0]) }
        return "^(" + alternatives.map(posix(sequence:)).joined(separator: "|") + ")"
    }

    private static func posix(sequence: [Node]) -> String { sequence.map(posix).joined() }

    private static func posix(_ node: Node) -> String {
        switch node {
        case .char(let bytes):
            if bytes.count == 1 { return literal(bytes[0]) }
            return String(decoding: bytes, as: UTF8.self)
        case .set(let c): return bracket(c)
        case .any: return "."
        case .group(let alternatives): return "(" + alternatives.map(posix(sequence:)).joined(separator: "|") + ")"
        case .repeated(let inner, let low, let high):
            var atom = posix(inner)
            if case .char(let bytes) = inner, bytes.count > 1 { atom = "(" + atom + ")" }
            switch (low, high) {
            case (0, nil): return atom + "*"
            case (1, nil): return atom + "+"
            case (0, 1): return atom + "?"
            case (_, nil): return atom + "{\(low),}"
            case (_, let high?) where high == low: return atom + "{\(low)}"
            case (_, let high?): return atom + "{\(low),\(high)}"
            }
        case .assertion(.start): return "^"
        case .assertion(.end): return "$"
        case .assertion(.wordBoundary): return "\\b"
        case .assertion(.notWordBoundary): return "\\B"
        case .never: return "$."  // the end, then a character: never (simplify removes these first)
        }
    }

    /// One byte as a POSIX ERE literal.
    private static func literal(_ b: UInt8) -> String {
        let s = String(UnicodeScalar(b))
        return ".[()*+?{|^$\\".utf8.contains(b) ? "\\" + s : s
    }

    /// A class as a POSIX bracket expression. Members are listed one by one, never as ranges, so that
    /// no locale's collation order can change them; `]` first, `[` never before `.`, `:` or `=`, `^`
    /// never first, `-` last.
    private static func bracket(_ c: ByteClass) -> String {
        let negate = c.nonASCII
        let members = negate ? c.inverted.members : c.members
        if negate && members.isEmpty { return "." }
        if !negate && members.count == 1 { return literal(members[0]) }
        let special: Set<UInt8> = [UInt8(ascii: "]"), UInt8(ascii: "["), UInt8(ascii: "^"), UInt8(ascii: "-")]
        var ordered: [UInt8] = members.contains(UInt8(ascii: "]")) ? [UInt8(ascii: "]")] : []
        ordered += members.filter { !special.contains($0) }
        for s in ["[", "^", "-"] where members.contains(UInt8(ascii: Unicode.Scalar(s)!)) {
            ordered.append(UInt8(ascii: Unicode.Scalar(s)!))
        }
        if !negate && ordered.first == UInt8(ascii: "^") { ordered.swapAt(0, 1) }
        return (negate ? "[^" : "[") + String(decoding: ordered, as: UTF8.self) + "]"
    }
}
