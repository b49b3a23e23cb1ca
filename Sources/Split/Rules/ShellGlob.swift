/// A shell wildcard pattern (`*`, `?`, `[…]` with ranges, `!`/`^` negation and `[:class:]`, `\`
/// escapes), compiled once and matched on bytes.
///
/// SUSE's supported.conf patterns are matched as modpost matches them, with `fnmatch(pattern, name, 0)`:
/// `*` and `?` also match `/`. Ubuntu's inclusion-list globs are matched one path component at a time,
/// as bash expands a pathname, where a leading `.` must be matched literally. Runs of `*` collapse into
/// one and the match is the greedy single-backtrack walk, so a pattern costs at most its length times
/// the text's, never the exponential time of a naive recursive matcher; every step is charged to a
/// `MatchBudget` so that a file of hostile patterns stops with an error instead of running for hours.
struct ShellGlob: Sendable {
    enum Token: Sendable, Equatable {
        case byte(UInt8)
        case any
        case set(ByteSet)
        case star
    }

    let tokens: [Token]
    /// The literal bytes before the first wildcard: every match starts with them.
    let literalPrefix: [UInt8]
    /// Bytes a match needs at least (tokens other than `*`).
    let minimumLength: Int
    /// Whether the pattern has a `*`, `?` or `[…]` (else it matches one text only).
    let hasWildcard: Bool

    init(_ pattern: some Collection<UInt8>) {
        let p = Array(pattern)
        var tokens: [Token] = []
        var i = 0
        while i < p.count {
            let c = p[i]
            switch c {
            case UInt8(ascii: "*"):
                if tokens.last != .star { tokens.append(.star) }
                i += 1
            case UInt8(ascii: "?"):
                tokens.append(.any)
                i += 1
            case UInt8(ascii: "["):
                if let (set, next) = Self.bracket(p, at: i) {
                    tokens.append(.set(set))
                    i = next
                } else {
                    tokens.append(.byte(c))
                    i += 1
                }
            case UInt8(ascii: "\\") where i + 1 < p.count:
                tokens.append(.byte(p[i + 1]))
                i += 2
            default:
                tokens.append(.byte(c))
                i += 1
            }
        }
        self.tokens = tokens
        var prefix: [UInt8] = []
        for t in tokens {
            guard case .byte(let b) = t else { break }
            prefix.append(b)
        }
        literalPrefix = prefix
        minimumLength = tokens.count { $0 != .star }
        hasWildcard = prefix.count != tokens.count
    }

    /// Whether any byte of `pattern` makes it a wildcard pattern in modpost's sense (`[`, `]`, `*`, `?`).
    static func looksWild(_ pattern: some Sequence<UInt8>) -> Bool {
        pattern.contains {
            $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]")
        }
    }

    /// Whether the whole of `text` matches. With `protectLeadingDot`, a wildcard does not match a `.` that
    /// starts the text (bash's pathname expansion without dotglob).
    func matches(_ t: [UInt8], protectLeadingDot: Bool = false, budget: inout MatchBudget) -> Bool {
        guard t.count >= minimumLength else { return false }
        if protectLeadingDot, t.first == UInt8(ascii: "."), tokens.first != .byte(UInt8(ascii: ".")) { return false }
        if !hasWildcard { return t.elementsEqual(literalPrefix) }
        var p = 0, s = 0
        var starAt = -1, resumeAt = 0
        while s < t.count {
            guard budget.spend() else { return false }
            if p < tokens.count {
                if tokens[p] == .star {
                    starAt = p
                    resumeAt = s
                    p += 1
                    continue
                }
                if Self.accepts(tokens[p], t[s]) {
                    p += 1
                    s += 1
                    continue
                }
            }
            guard starAt >= 0 else { return false }
            // Let the last `*` take one more byte and try the rest again from there.
            p = starAt + 1
            resumeAt += 1
            s = resumeAt
        }
        while p < tokens.count && tokens[p] == .star { p += 1 }
        return p == tokens.count
    }

    static func accepts(_ token: Token, _ b: UInt8) -> Bool {
        switch token {
        case .byte(let x): x == b
        case .any: true
        case .set(let set): set.contains(b)
        case .star: true
        }
    }

    /// The longest bracket expression read, `[` to `]`: a longer one is not one, and its `[` is an ordinary
    /// byte. Real ones are a few bytes (`[a-z0-9]`); without a bound, every `[` of a line without `]` would
    /// scan to its end, and a few kilobytes of `[[:` would take minutes.
    static let maxBracketBytes = 256
    /// The longest `[:class:]` name looked for (`xdigit` is 6); past it, `[:` is two ordinary bytes.
    static let maxClassNameBytes = 16

    /// The bracket expression starting at `p[start]` (`[`) and the index after its `]`; nil when it is not
    /// closed within `maxBracketBytes`, and then the `[` is an ordinary byte (as in fnmatch and bash when it
    /// is not closed at all).
    static func bracket(_ p: [UInt8], at start: Int) -> (ByteSet, Int)? {
        let p = p[..<min(p.count, start + maxBracketBytes)]
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == UInt8(ascii: "!") || p[i] == UInt8(ascii: "^") {
            negate = true
            i += 1
        }
        var set = ByteSet()
        var first = true
        while i < p.count {
            var c = p[i]
            if c == UInt8(ascii: "]") && !first {
                return (negate ? set.inverted : set, i + 1)
            }
            first = false
            if c == UInt8(ascii: "["), i + 1 < p.count, p[i + 1] == UInt8(ascii: ":") {
                // [:class:]: find the closing ":]".
                var j = i + 2
                let limit = min(p.count, i + 2 + maxClassNameBytes + 2)
                while j + 1 < limit, !(p[j] == UInt8(ascii: ":") && p[j + 1] == UInt8(ascii: "]")) { j += 1 }
                if j + 1 < limit {
                    set.formUnion(ByteSet(className: p[(i + 2)..<j]))
                    i = j + 2
                    continue
                }
            }
            if c == UInt8(ascii: "\\"), i + 1 < p.count {
                i += 1
                c = p[i]
            }
            if i + 2 < p.count, p[i + 1] == UInt8(ascii: "-"), p[i + 2] != UInt8(ascii: "]") {
                var end = p[i + 2]
                var next = i + 3
                if end == UInt8(ascii: "\\"), i + 3 < p.count {
                    end = p[i + 3]
                    next = i + 4
                }
                if c <= end { for b in c...end { set.insert(b) } }
                i = next
                continue
            }
            set.insert(c)
            i += 1
        }
        return nil
    }
}

/// 256 bits: the bytes a bracket expression accepts.
struct ByteSet: Sendable, Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}

    /// A POSIX character class over ASCII (`alpha`, `digit`, …); an unknown name accepts nothing.
    init(className: some Sequence<UInt8>) {
        let name = String(decoding: Array(className), as: UTF8.self)
        for b in UInt8(0)...UInt8(127) {
            let c = Character(Unicode.Scalar(b))
            let member: Bool
            switch name {
            case "alpha": member = c.isLetter
            case "digit": member = c.isNumber
            case "alnum": member = c.isLetter || c.isNumber
            case "lower": member = c.isLowercase
            case "upper": member = c.isUppercase
            case "space": member = b == 32 || (9...13).contains(b)
            case "blank": member = b == 32 || b == 9
            case "punct": member = (33...126).contains(b) && !c.isLetter && !c.isNumber
            case "xdigit": member = c.isHexDigit
            case "cntrl": member = b < 32 || b == 127
            case "print": member = (32...126).contains(b)
            case "graph": member = (33...126).contains(b)
            default: member = false
            }
            if member { insert(b) }
        }
    }

    func contains(_ b: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    mutating func insert(_ b: UInt8) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    mutating func formUnion(_ other: ByteSet) {
        words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
    }

    var inverted: ByteSet {
        var s = ByteSet()
        s.words = (~words.0, ~words.1, ~words.2, ~words.3)
        return s
    }

    static func == (a: ByteSet, b: ByteSet) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }
}

/// Matching steps a rules file may spend on one tree. SUSE's supported.conf spends about 45,000 on a
/// 4,000-module tree; a file written to be slow hits the limit and is refused (`RulesError`).
struct MatchBudget {
    static let standard = 400_000_000
    private(set) var remaining: Int

    init(_ steps: Int = MatchBudget.standard) { remaining = steps }

    var exhausted: Bool { remaining <= 0 }

    /// Takes one step; false once the budget is gone.
    @inline(__always)
    mutating func spend() -> Bool {
        remaining -= 1
        return remaining > 0
    }
}
