internal import Glibc

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
    private let literalPrefix: [UInt8]
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
    }

    deinit { regfree(&compiled) }

    /// Whether the rule matches `path` (relative to the module directory, e.g. `kernel/drivers/net/tun.ko.xz`).
    public func matches(_ path: String) -> Bool { matches(ModulePath(path)) }

    /// The same, on a path prepared once for many patterns.
    public func matches(_ path: ModulePath) -> Bool {
        if !literalPrefix.isEmpty {
            guard let rest = path.afterFirstComponent, rest.count >= literalPrefix.count else { return false }
            let start = rest.startIndex
            for i in 0..<literalPrefix.count where rest[start + i] != literalPrefix[i] { return false }
        }
        return path.cString.withUnsafeBufferPointer { regexec(&compiled, $0.baseAddress!, 0, nil, 0) == 0 }
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
    let cString: [CChar]
    let afterFirstComponent: ArraySlice<UInt8>?

    public init(_ path: String) {
        cString = path.utf8CString.map { $0 }
        let bytes = Array(path.utf8)
        if let slash = bytes.firstIndex(of: UInt8(ascii: "/")), slash != 0 {
            afterFirstComponent = bytes[(slash + 1)...]
        } else {
            afterFirstComponent = nil
        }
    }
}
