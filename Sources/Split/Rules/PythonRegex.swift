/// A Python `re` pattern, read the way Python's own parser (`re._parser`) reads it, and rewritten as a
/// POSIX extended regular expression with the same meaning.
///
/// Filtermods matches a rule with `re.match('[^/]+/' + key, path)`: the key is pasted after the
/// wrapper as text, so a key's top-level `|` leaves the wrapper behind, a leading quantifier applies
/// to the wrapper's `/`, and a stray `)` makes the whole expression invalid. Parsing the pasted text
/// itself, as Python does, gives all three for free.
///
/// What is translated: escapes in and out of `[…]` (`\-`, `\]`, `\\`, `\xhh`, `\uhhhh`, octal,
/// `\d \w \s \D \W \S`), non-capturing and named groups, `{m,n}` (and Python's literal `{` where a
/// brace is no quantifier), lazy quantifiers (whether a match exists does not depend on laziness),
/// `^ $ \A \Z \b \B`, scoped flags `(?i:…)`, `(?x:…)`, `(?s:…)`, `(?m:…)`, `(?a:…)`, comments.
/// What is refused, because a POSIX regular expression cannot say it: back-references, look-ahead and
/// look-behind, atomic groups and possessive quantifiers, conditionals, global flags (which Python
/// itself refuses after the wrapper), and characters outside ASCII inside `[…]` (POSIX brackets match
/// bytes). Whatever Python refuses is refused too.
///
/// Paths are matched as bytes. For ASCII paths (every path Kbuild produces) the meaning is exactly
/// Python's; on a path with other characters `.` and negated classes see bytes, not characters.
/// Paths never hold a newline (filtermods reads them line by line), so `$` is POSIX's `$`.
struct PythonRegex {
    /// A character class restricted to ASCII: bit `c` of `bits` for ASCII code `c` (NUL is never a
    /// member: no path holds one), and whether every non-ASCII character is a member as well.
    struct ByteClass: Equatable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var nonASCII = false

        func contains(_ c: UInt8) -> Bool {
            c < 64 ? low & (1 << UInt64(c)) != 0 : c < 128 && high & (1 << UInt64(c - 64)) != 0
        }

        mutating func insert(_ c: UInt8) {
            guard c != 0 && c < 128 else { return }
            if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
        }

        mutating func formUnion(_ other: ByteClass) {
            low |= other.low
            high |= other.high
            nonASCII = nonASCII || other.nonASCII
        }

        /// Every character but NUL that is not in the class.
        var inverted: ByteClass { ByteClass(low: ~low & ~1, high: ~high, nonASCII: !nonASCII) }

        var isEmpty: Bool { low == 0 && high == 0 && !nonASCII }
        var members: [UInt8] { (1..<128).map(UInt8.init).filter(contains) }

        /// Both cases of every ASCII letter in the class.
        var caseClosed: ByteClass {
            var c = self
            for m in members {
                if m >= 0x41 && m <= 0x5A { c.insert(m + 0x20) }
                if m >= 0x61 && m <= 0x7A { c.insert(m - 0x20) }
            }
            return c
        }

        static func of(_ chars: String) -> ByteClass {
            var c = ByteClass()
            for u in chars.utf8 { c.insert(u) }
            return c
        }

        static let digit = ByteClass.of("0123456789")
        static let word = ByteClass.of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
        /// Python's `\s` on ASCII (str.isspace): \t \n \v \f \r, the separators \x1c-\x1f, space.
        static let space = ByteClass.of("\t\n\u{0B}\u{0C}\r\u{1C}\u{1D}\u{1E}\u{1F} ")
    }

    enum Assertion: Equatable {
        case start, end, wordBoundary, notWordBoundary
    }

    indirect enum Node: Equatable {
        /// One character, as its UTF-8 bytes.
        case char([UInt8])
        case set(ByteClass)
        /// `.`
        case any
        /// Alternatives, each a sequence.
        case group([[Node]])
        case repeated(Node, min: Int, max: Int?)
        case assertion(Assertion)
        /// Matches nothing (a NUL, or `^` after the wrapper): simplified away before translation.
        case never
    }

    struct SyntaxError: Error {
        var message: String
        /// Index of the offending character in the pattern (Unicode scalars, as Python counts).
        var position: Int
    }

    struct Limits {
        /// Deepest group nesting accepted.
        var depth: Int
    }

    // MARK: - Parsing

    private let chars: [Unicode.Scalar]
    private var i = 0
    private let limits: Limits
    private var groupNames = Set<String>()

    private struct Flags {
        var ignoreCase = false
        var verbose = false
    }

    private init(_ pattern: String, limits: Limits) {
        chars = Array(pattern.unicodeScalars)
        self.limits = limits
    }

    /// The top-level alternatives of `pattern`.
    static func parse(_ pattern: String, limits: Limits) throws(SyntaxError) -> [[Node]] {
        var p = PythonRegex(pattern, limits: limits)
        let alternatives = try p.alternation(Flags(), depth: 0)
        if p.i < p.chars.count { throw SyntaxError(message: "unbalanced parenthesis", position: p.i) }
        return alternatives
    }

    private var next: Unicode.Scalar? { i < chars.count ? chars[i] : nil }

    private func peek(_ offset: Int) -> Unicode.Scalar? { i + offset < chars.count ? chars[i + offset] : nil }

    private func error(_ message: String, at position: Int? = nil) -> SyntaxError {
        SyntaxError(message: message, position: position ?? i)
    }

    private mutating func alternation(_ flags: Flags, depth: Int) throws(SyntaxError) -> [[Node]] {
        var alternatives = [try sequence(flags, depth: depth)]
        while next == "|" {
            i += 1
            alternatives.append(try sequence(flags, depth: depth))
        }
        return alternatives
    }

    private static let whitespace: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]

    private mutating func sequence(_ flags: Flags, depth: Int) throws(SyntaxError) -> [Node] {
        var items: [Node] = []
        // Whether the last item came from a quantifier (Python: "multiple repeat" on another one).
        var lastRepeated = false
        while let c = next, c != "|", c != ")" {
            let start = i
            i += 1
            if flags.verbose {
                if Self.whitespace.contains(c) { continue }
                if c == "#" {
                    while let n = next, n != "\n" { i += 1 }
                    continue
                }
            }
            switch c {
            case "\\":
                items.append(try escape(flags))
                lastRepeated = false
            case "[":
                items.append(try characterClass(flags))
                lastRepeated = false
            case "*", "+", "?", "{":
                var low = 0
                var high: Int?
                switch c {
                case "*": break
                case "+": low = 1
                case "?": high = 1
                default:
                    guard let bounds = try braces() else {
                        items.append(literal(c, flags))
                        lastRepeated = false
                        continue
                    }
                    (low, high) = bounds
                }
                guard let last = items.last, !Self.isAssertion(last) else {
                    throw error("nothing to repeat", at: start)
                }
                if lastRepeated { throw error("multiple repeat", at: start) }
                if next == "?" {
                    // Lazy: it changes which match is found, never whether one exists.
                    i += 1
                } else if next == "+" {
                    throw error(
                        "possessive quantifiers are not supported (POSIX regular expressions cannot express them)",
                        at: start)
                }
                items[items.count - 1] = .repeated(last, min: low, max: high)
                lastRepeated = true
            case ".":
                items.append(.any)
                lastRepeated = false
            case "(":
                if let group = try group(flags, depth: depth, start: start) {
                    items.append(group)
                    lastRepeated = false
                }
            case "^":
                items.append(.assertion(.start))
                lastRepeated = false
            case "$":
                items.append(.assertion(.end))
                lastRepeated = false
            default:
                items.append(literal(c, flags))
                lastRepeated = false
            }
        }
        return items
    }

    private static func isAssertion(_ n: Node) -> Bool {
        if case .assertion = n { return true }
        return false
    }

    /// After a `{`: the bounds of a quantifier, or nil (and the position back after the `{`) when
    /// Python reads the brace as a literal.
    private mutating func braces() throws(SyntaxError) -> (Int, Int?)? {
        let here = i
        if next == "}" { return nil }
        var lo = ""
        var hi = ""
        while let d = next, ("0"..."9").contains(d) {
            lo.unicodeScalars.append(d)
            i += 1
        }
        if next == "," {
            i += 1
            while let d = next, ("0"..."9").contains(d) {
                hi.unicodeScalars.append(d)
                i += 1
            }
        } else {
            hi = lo
        }
        guard next == "}" else {
            i = here
            return nil
        }
        i += 1
        // Python refuses counts from 2^32 - 1 on; they are far beyond modsplit's own limit anyway.
        let cap = 4_294_967_295
        let low = lo.isEmpty ? 0 : (Int(lo.prefix(10)).map { lo.count > 10 ? cap : $0 } ?? cap)
        let high = hi.isEmpty ? nil : (Int(hi.prefix(10)).map { hi.count > 10 ? cap : $0 } ?? cap)
        if low >= cap || (high ?? 0) >= cap { throw error("the repetition number is too large", at: here - 1) }
        if let high, high < low { throw error("min repeat greater than max repeat", at: here - 1) }
        return (low, high)
    }

    private func literal(_ c: Unicode.Scalar, _ flags: Flags) -> Node {
        if flags.ignoreCase && c.isASCII && c.properties.isAlphabetic {
            var set = ByteClass()
            set.insert(UInt8(c.value))
            return .set(set.caseClosed)
        }
        return .char(Array(String(c).utf8))
    }

    /// After `\` outside a class.
    private mutating func escape(_ flags: Flags) throws(SyntaxError) -> Node {
        let start = i - 1
        guard let c = next else { throw error("bad escape (end of pattern)", at: start) }
        i += 1
        switch c {
        case "A": return .assertion(.start)
        case "Z": return .assertion(.end)
        case "b": return .assertion(.wordBoundary)
        case "B": return .assertion(.notWordBoundary)
        case "d": return .set(.digit)
        case "D": return .set(ByteClass.digit.inverted)
        case "w": return .set(.word)
        case "W": return .set(ByteClass.word.inverted)
        case "s": return .set(.space)
        case "S": return .set(ByteClass.space.inverted)
        case "0":
            // Octal: up to two more octal digits.
            var value: UInt32 = 0
            for _ in 0..<2 {
                guard let d = next, ("0"..."7").contains(d) else { break }
                value = value * 8 + d.value - 48
                i += 1
            }
            return codePoint(value, flags)
        case "1"..."9":
            if let d2 = next, ("0"..."9").contains(d2) {
                if ("0"..."7").contains(c) && ("0"..."7").contains(d2), let d3 = peek(1), ("0"..."7").contains(d3) {
                    i += 2
                    let value = (c.value - 48) * 64 + (d2.value - 48) * 8 + (d3.value - 48)
                    if value > 0o377 { throw error("octal escape value outside of range 0-0o377", at: start) }
                    return codePoint(value, flags)
                }
            }
            throw error("back-references are not supported (POSIX extended regular expressions have none)", at: start)
        default:
            if let value = try commonEscape(c, start: start) { return codePoint(value, flags) }
            return literal(c, flags)
        }
    }

    /// The escapes that mean the same inside and outside a class: control characters and `\x`, `\u`,
    /// `\U`; nil for an escaped non-letter (itself); an error for any other ASCII letter.
    private mutating func commonEscape(_ c: Unicode.Scalar, start: Int) throws(SyntaxError) -> UInt32? {
        switch c {
        case "a": return 7
        case "f": return 12
        case "n": return 10
        case "r": return 13
        case "t": return 9
        case "v": return 11
        case "x", "u", "U":
            let digits = c == "x" ? 2 : c == "u" ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let d = next, let v = hexValue(d) else { throw error("incomplete escape \\\(c)", at: start) }
                value = value &* 16 &+ v
                i += 1
            }
            if value > 0x10FFFF { throw error("bad escape \\\(c)", at: start) }
            return value
        case "N":
            // \N{NAME} needs Unicode's name table.
            throw error("\\N{…} escapes are not supported", at: start)
        default:
            if c.isASCII && c.properties.isAlphabetic { throw error("bad escape \\\(c)", at: start) }
            return nil
        }
    }

    private func hexValue(_ d: Unicode.Scalar) -> UInt32? {
        switch d {
        case "0"..."9": d.value - 48
        case "a"..."f": d.value - 87
        case "A"..."F": d.value - 55
        default: nil
        }
    }

    /// A character given by its code point.
    private func codePoint(_ value: UInt32, _ flags: Flags) -> Node {
        // NUL never occurs in a path; neither do surrogates in UTF-8.
        guard value != 0, let scalar = Unicode.Scalar(value) else { return .never }
        return literal(scalar, flags)
    }

    /// After `[`.
    private mutating func characterClass(_ flags: Flags) throws(SyntaxError) -> Node {
        let start = i - 1
        var set = ByteClass()
        var empty = true
        let negate = next == "^"
        if negate { i += 1 }
        while true {
            guard let c = next else { throw error("unterminated character set", at: start) }
            let itemStart = i
            i += 1
            if c == "]" && !empty { break }
            empty = false
            let first = try classItem(c, start: itemStart)
            if next == "-" {
                i += 1
                guard let c2 = next else { throw error("unterminated character set", at: start) }
                let secondStart = i
                i += 1
                if c2 == "]" {
                    try add(first, to: &set, at: itemStart)
                    set.insert(UInt8(ascii: "-"))
                    break
                }
                let second = try classItem(c2, start: secondStart)
                guard case .char(let lo) = first, case .char(let hi) = second else {
                    throw error("bad character range", at: itemStart)
                }
                if hi < lo { throw error("bad character range", at: itemStart) }
                if hi >= 128 { throw error(Self.nonASCIIInClass, at: itemStart) }
                for u in lo...hi where u > 0 { set.insert(UInt8(u)) }
            } else {
                try add(first, to: &set, at: itemStart)
            }
        }
        if flags.ignoreCase { set = set.caseClosed }
        if negate { set = set.inverted }
        return .set(set)
    }

    static let nonASCIIInClass = "characters outside ASCII inside […] are not supported (POSIX brackets match bytes)"

    private enum ClassItem {
        case char(UInt32)
        case category(ByteClass)
    }

    private func add(_ item: ClassItem, to set: inout ByteClass, at position: Int) throws(SyntaxError) {
        switch item {
        case .char(let u):
            if u >= 128 { throw error(Self.nonASCIIInClass, at: position) }
            set.insert(UInt8(u))
        case .category(let c): set.formUnion(c)
        }
    }

    private mutating func classItem(_ c: Unicode.Scalar, start: Int) throws(SyntaxError) -> ClassItem {
        guard c == "\\" else { return .char(c.value) }
        guard let e = next else { throw error("bad escape (end of pattern)", at: start) }
        i += 1
        switch e {
        case "d": return .category(.digit)
        case "D": return .category(ByteClass.digit.inverted)
        case "w": return .category(.word)
        case "W": return .category(ByteClass.word.inverted)
        case "s": return .category(.space)
        case "S": return .category(ByteClass.space.inverted)
        case "b": return .char(8)
        case "0"..."7":
            var value = e.value - 48
            for _ in 0..<2 {
                guard let d = next, ("0"..."7").contains(d) else { break }
                value = value * 8 + d.value - 48
                i += 1
            }
            if value > 0o377 { throw error("octal escape value outside of range 0-0o377", at: start) }
            return .char(value)
        case "8", "9": throw error("bad escape \\\(e)", at: start)
        default:
            if let value = try commonEscape(e, start: start) { return .char(value) }
            return .char(e.value)
        }
    }

    /// After `(`: the group, or nil for a comment.
    private mutating func group(_ outer: Flags, depth: Int, start: Int) throws(SyntaxError) -> Node? {
        if depth + 1 > limits.depth {
            throw error(
                "groups nested more than \(limits.depth) deep (modsplit's limit: RulesLimits.maxPatternNesting)",
                at: start)
        }
        var flags = outer
        if next == "?" {
            i += 1
            guard let c = next else { throw error("unexpected end of pattern") }
            i += 1
            switch c {
            case "P":
                if next == "<" {
                    i += 1
                    let name = try groupName(until: ">")
                    guard groupNames.insert(name).inserted else {
                        throw error("redefinition of group name '\(name)'", at: start)
                    }
                } else if next == "=" {
                    throw error(
                        "back-references are not supported (POSIX extended regular expressions have none)", at: start)
                } else {
                    throw error("unknown extension ?P\(next.map { String($0) } ?? "")", at: start)
                }
            case ":": break
            case "#":
                while let n = next, n != ")" { i += 1 }
                guard next == ")" else { throw error("missing ), unterminated comment", at: start) }
                i += 1
                return nil
            case "=", "!":
                throw error(
                    "look-ahead assertions are not supported (POSIX regular expressions cannot express them)", at: start
                )
            case "<":
                if next == "=" || next == "!" {
                    throw error(
                        "look-behind assertions are not supported (POSIX regular expressions cannot express them)",
                        at: start)
                }
                throw error("unknown extension ?<\(next.map { String($0) } ?? "")", at: start)
            case "(":
                throw error(
                    "conditional groups are not supported (POSIX regular expressions cannot express them)", at: start)
            case ">":
                throw error(
                    "atomic groups are not supported (POSIX regular expressions cannot express them)", at: start)
            case "a", "i", "L", "m", "s", "x", "u", "-":
                i -= 1
                flags = try scopedFlags(outer, start: start)
            default:
                throw error("unknown extension ?\(c)", at: start)
            }
        }
        let alternatives = try alternation(flags, depth: depth + 1)
        guard next == ")" else { throw error("missing ), unterminated subpattern", at: start) }
        i += 1
        return .group(alternatives)
    }

    private mutating func groupName(until terminator: Unicode.Scalar) throws(SyntaxError) -> String {
        var name = ""
        while let c = next, c != terminator {
            name.unicodeScalars.append(c)
            i += 1
        }
        guard next == terminator else { throw error("missing \(terminator), unterminated name") }
        i += 1
        guard let first = name.unicodeScalars.first,
            first == "_" || first.properties.isXIDStart,
            name.unicodeScalars.dropFirst().allSatisfy({ $0.properties.isXIDContinue })
        else { throw error("bad character in group name '\(name)'") }
        return name
    }

    /// `(?flags:` or `(?flags-flags:`; `(?flags)` alone is a global flag, which Python accepts only at
    /// the very start of the expression, and filtermods' wrapper always comes first.
    private mutating func scopedFlags(_ outer: Flags, start: Int) throws(SyntaxError) -> Flags {
        var flags = outer
        var added = Set<Unicode.Scalar>()
        var removed = Set<Unicode.Scalar>()
        var turningOff = false
        while let c = next, c != ":" && c != ")" {
            i += 1
            if c == "-" {
                if turningOff { throw error("unknown flag") }
                turningOff = true
                continue
            }
            guard "aiLmsxu".unicodeScalars.contains(c) else {
                throw error(c.properties.isAlphabetic ? "unknown flag" : "missing -, : or )")
            }
            if c == "L" { throw error("bad inline flags: cannot use 'L' flag with a str pattern") }
            if turningOff {
                if c == "a" || c == "u" { throw error("bad inline flags: cannot turn off flags 'a', 'u' and 'L'") }
                removed.insert(c)
            } else {
                added.insert(c)
            }
        }
        guard let end = next else { throw error("missing -, : or )") }
        i += 1
        if end == ")" {
            throw error(
                "global flags not at the start of the expression (filtermods puts [^/]+/ before every rule)", at: start)
        }
        if turningOff && removed.isEmpty { throw error("missing flag") }
        if added.contains("a") && added.contains("u") {
            throw error("bad inline flags: flags 'a', 'u' and 'L' are incompatible")
        }
        if !added.isDisjoint(with: removed) { throw error("bad inline flags: flag turned on and off") }
        if added.contains("i") { flags.ignoreCase = true }
        if removed.contains("i") { flags.ignoreCase = false }
        if added.contains("x") { flags.verbose = true }
        if removed.contains("x") { flags.verbose = false }
        // `s` (dot matches newline) and `m` (anchors at newlines) change nothing on paths without a
        // newline; `a` and `u` change nothing on ASCII.
        return flags
    }
}
