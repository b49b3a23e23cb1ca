internal import Glibc
internal import ELFScan
internal import Graph

/// One rule's regular expression, matched as filtermods matches it: against a module path with its
/// first component (`kernel/`, `updates/`, …) skipped, anchored at the start only (a prefix match).
///
/// POSIX extended regular expressions (glibc's `regcomp`/`regexec`) run it: the syntax split rules
/// use (`.`, `*`, `+`, `?`, `[^/]`, `(a|b)`) means the same there as in Python's `re`, they match in
/// time polynomial in the input (no backtracking blow-up on hostile patterns), and they are far
/// faster than building a Swift `Regex` per rule. Python-only escapes (`\d`, `\w`, `\s`) are
/// translated; constructs POSIX lacks (`(?…)`, lazy quantifiers, back-references) are refused with
/// the position of the rule.
public final class PathPattern: @unchecked Sendable {
    public let source: String
    /// Literal text every match must start with (after the first path component): a cheap pre-filter.
    let literalPrefix: [UInt8]
    /// The pattern is `literalPrefix` alone or followed by `.*`: the prefix decides, no regex runs.
    private let prefixOnly: Bool
    /// Literal runs every match must contain (after the first path component): most paths lack one
    /// of a pattern such as `.*kunit.*`, and then the regex need not run.
    private let requiredLiterals: [[UInt8]]
    private var compiled = regex_t()

    public init(_ source: String) throws(PatternError) {
        self.source = source
        let translated = try Self.translate(source)
        // Group the whole key so that a top-level `a|b` stays anchored on both sides, as re.match does.
        let pattern = "^[^/]+/(" + translated + ")"
        let rc = regcomp(&compiled, pattern, REG_EXTENDED | REG_NOSUB)
        if rc != 0 {
            var buf = [CChar](repeating: 0, count: 256)
            regerror(rc, &compiled, &buf, buf.count)
            let message = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PatternError(message: message)
        }
        literalPrefix = Self.literalPrefix(of: source)
        prefixOnly = source.utf8.elementsEqual(literalPrefix) || source.utf8.elementsEqual(literalPrefix + Array(".*".utf8))
        requiredLiterals = Self.requiredLiterals(of: source).filter { !$0.isEmpty }
    }

    deinit { regfree(&compiled) }

    /// Whether the rule matches `path` (relative to the module directory, e.g. `kernel/drivers/net/tun.ko.xz`).
    public func matches(_ path: String) -> Bool { matches(ModulePath(path)) }

    /// The same, on a path prepared once for many patterns.
    public func matches(_ path: ModulePath) -> Bool {
        // `^[^/]+/` cannot match a path without a first component.
        guard let restStart = path.restStart else { return false }
        return path.bytes.withUnsafeBufferPointer { all in
            let rest = UnsafeBufferPointer(rebasing: all[restStart..<(all.count - 1)])
            if !literalPrefix.isEmpty {
                guard rest.count >= literalPrefix.count,
                      literalPrefix.withUnsafeBytes({ memcmp(rest.baseAddress!, $0.baseAddress!, $0.count) }) == 0
                else { return false }
            }
            if prefixOnly { return true }
            for literal in requiredLiterals where !Self.occurs(literal, in: rest) { return false }
            return all.withMemoryRebound(to: CChar.self) { regexec(&compiled, $0.baseAddress!, 0, nil, 0) == 0 }
        }
    }

    /// `matches` without its short cuts: the regular expression alone decides (for tests).
    func matchesByRegex(_ path: ModulePath) -> Bool {
        path.bytes.withUnsafeBufferPointer { all in
            all.withMemoryRebound(to: CChar.self) { regexec(&compiled, $0.baseAddress!, 0, nil, 0) == 0 }
        }
    }

    /// Whether `needle` (not empty) occurs in `haystack`.
    private static func occurs(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        return needle.withUnsafeBytes { n in
            var i = 0
            while i <= haystack.count - n.count {
                if haystack[i] == first && memcmp(haystack.baseAddress! + i, n.baseAddress!, n.count) == 0 { return true }
                i += 1
            }
            return false
        }
    }

    public struct PatternError: Error, Sendable {
        public var message: String
    }

    /// Python `re` → POSIX ERE for the common escapes; refuses what POSIX cannot express.
    static func translate(_ source: String) throws(PatternError) -> String {
        var out = ""
        var chars = Array(source)
        var i = 0
        var inBracket = false
        chars.append("\0")
        while i < chars.count - 1 {
            let c = chars[i]
            if c == "\\" {
                let n = chars[i + 1]
                switch n {
                case "d": out += inBracket ? "0-9" : "[0-9]"
                case "w": out += inBracket ? "A-Za-z0-9_" : "[A-Za-z0-9_]"
                case "s": out += inBracket ? "[:space:]" : "[[:space:]]"
                case "\0": throw PatternError(message: "trailing backslash")
                default:
                    if n.isNumber { throw PatternError(message: "back-references (\\\(n)) are not supported") }
                    if n.isLetter { throw PatternError(message: "escape \\\(n) is not supported") }
                    out += inBracket ? String(n) : "\\" + String(n)
                }
                i += 2
                continue
            }
            if !inBracket {
                if c == "[" {
                    inBracket = true
                    out.append(c)
                    // A ] right after [ or [^ is a literal member.
                    if chars[i + 1] == "^" { out.append("^"); i += 1 }
                    if chars[i + 1] == "]" { out.append("]"); i += 1 }
                    i += 1
                    continue
                }
                if c == "(" && chars[i + 1] == "?" {
                    throw PatternError(message: "(?…) groups are not supported")
                }
                if (c == "*" || c == "+" || c == "?" || c == "}") && chars[i + 1] == "?" {
                    throw PatternError(message: "lazy quantifiers are not supported")
                }
            } else if c == "]" {
                inBracket = false
            }
            out.append(c)
            i += 1
        }
        if inBracket { throw PatternError(message: "unterminated [") }
        return out
    }

    /// Runs of literal characters every match contains, in order; empty when the pattern has a `|`.
    /// Conservative: a run ends at anything that is not a plain character, a character made optional
    /// by `*`, `?` or `{` is dropped, and nothing after the first group is looked at.
    static func requiredLiterals(of source: String) -> [[UInt8]] {
        if source.contains("|") { return [] }
        var runs: [[UInt8]] = []
        var run: [UInt8] = []
        let bytes = Array(source.utf8)
        var i = 0
        while i < bytes.count {
            let u = bytes[i]
            switch u {
            case UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "{"):
                if !run.isEmpty { run.removeLast() }
                runs.append(run)
                run = []
                if u == UInt8(ascii: "{") {
                    while i < bytes.count && bytes[i] != UInt8(ascii: "}") { i += 1 }
                }
            case UInt8(ascii: "["):
                runs.append(run)
                run = []
                // Skip the bracket expression; a ']' right after '[' or '[^' is a member.
                i += 1
                if i < bytes.count && bytes[i] == UInt8(ascii: "^") { i += 1 }
                if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1 }
                while i < bytes.count && bytes[i] != UInt8(ascii: "]") { i += 1 }
            case UInt8(ascii: "("), UInt8(ascii: ")"):
                runs.append(run)
                return runs
            case UInt8(ascii: "\\"):
                runs.append(run)
                run = []
                i += 1
            case UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                // `x+` still needs one x: the run keeps it and ends.
                runs.append(run)
                run = []
            default:
                run.append(u)
            }
            i += 1
        }
        runs.append(run)
        return runs
    }

    /// The literal characters a match must begin with; empty when the pattern has a top-level `|`.
    static func literalPrefix(of source: String) -> [UInt8] {
        if source.contains("|") { return [] }
        var prefix: [UInt8] = []
        for u in source.utf8 {
            switch u {
            case UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "{"):
                // The quantifier may drop the character before it.
                if !prefix.isEmpty { prefix.removeLast() }
                return prefix
            case UInt8(ascii: "."), UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: "\\"), UInt8(ascii: "^"),
                 UInt8(ascii: "$"), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                return prefix
            case UInt8(ascii: "+"):
                // x+ still needs one x.
                return prefix
            default:
                prefix.append(u)
            }
        }
        return prefix
    }
}

/// A module path as patterns read it: its NUL-terminated bytes and where the part after the first
/// component starts. Built once per module, matched against every rule.
public struct ModulePath: Sendable {
    /// The path's UTF-8 bytes and a terminating NUL.
    let bytes: [UInt8]
    /// Where the part after the first component starts; nil when there is no first component.
    let restStart: Int?

    public init(_ path: String) {
        bytes = Array(path.utf8) + [0]
        if let slash = bytes.firstIndex(of: UInt8(ascii: "/")), slash != 0 {
            restStart = slash + 1
        } else {
            restStart = nil
        }
    }
}

/// Patterns tried in order against many paths, the first match winning, as filtermods applies its
/// rules. A trie of the patterns' literal prefixes narrows each path to the few patterns that can
/// match it (a distro's rules are hundreds of `drivers/…/.*` lines); only those are tried.
public struct PatternSet: Sendable {
    private let patterns: [PathPattern]
    /// Trie nodes: each one's children by byte, and the patterns whose literal prefix ends there.
    private var children: [[(byte: UInt8, node: Int32)]] = [[]]
    private var ending: [[Int32]] = [[]]

    public init(_ patterns: [PathPattern]) {
        self.patterns = patterns
        for (k, p) in patterns.enumerated() {
            var node = 0
            for b in p.literalPrefix {
                if let next = children[node].first(where: { $0.byte == b }) {
                    node = Int(next.node)
                } else {
                    children.append([])
                    ending.append([])
                    children[node].append((b, Int32(children.count - 1)))
                    node = children.count - 1
                }
            }
            ending[node].append(Int32(k))
        }
    }

    /// The index of the first pattern that matches `path`, nil when none does.
    public func firstMatch(_ path: ModulePath) -> Int? {
        guard let restStart = path.restStart else { return nil }
        var candidates: [Int32] = ending[0]
        var node = 0
        for i in restStart..<(path.bytes.count - 1) {
            let b = path.bytes[i]
            guard let next = children[node].first(where: { $0.byte == b }) else { break }
            node = Int(next.node)
            candidates += ending[node]
        }
        candidates.sort()
        for k in candidates where patterns[Int(k)].matches(path) { return Int(k) }
        return nil
    }
}
