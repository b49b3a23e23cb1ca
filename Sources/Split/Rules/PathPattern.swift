internal import ELFScan
internal import Graph

/// One rule's regular expression, matched exactly as filtermods matches it: Python's
/// `re.match('[^/]+/' + pattern, path)` on a module path relative to the module directory (e.g.
/// `kernel/drivers/net/tun.ko.xz`): its first component skipped, anchored at the start only.
///
/// `PythonRegex` reads the pattern as Python does and rewrites it as a POSIX extended regular
/// expression, which glibc's `regcomp`/`regexec` run (`POSIXRegex`): they match in time polynomial in
/// the input (no backtracking blow-up on hostile patterns) and far faster than a Swift `Regex` per rule. What
/// POSIX cannot express is refused with the reason; so is what Python refuses. Nesting and counted
/// repetition are bounded before `regcomp` sees the pattern (`RulesLimits`).
public final class PathPattern: Sendable {
    /// The pattern as the rules file writes it (Python syntax, without filtermods' wrapper).
    public let source: String
    /// The POSIX extended regular expression that decides, nil when the pattern can match no path.
    let posix: String?
    /// Nodes the compiled form has, counted repetitions copied out (see `RulesLimits.maxPatternNodes`).
    let expandedSize: Int
    /// Whether a match must begin with the first path component and its `/` (no top-level `|`, no
    /// quantifier on the wrapper's `/`): then `literalPrefix` and `requiredLiterals` apply to the rest.
    let needsFirstComponent: Bool
    /// Literal text every match has right after the first component: a cheap pre-filter.
    let literalPrefix: [UInt8]
    /// What follows `literalPrefix` can always match the empty string: the prefix decides, no regex runs.
    private let prefixOnly: Bool
    /// Literal runs every match must contain (after the first path component): most paths lack one
    /// of a pattern such as `.*kunit.*`, and then the regex need not run.
    let requiredLiterals: [[UInt8]]
    /// `posix` compiled.
    private let regex: POSIXRegex?

    /// Whether the pattern can match no path at all (a `^` or `\A` after filtermods' `[^/]+/`, a NUL).
    public var matchesNothing: Bool { posix == nil }

    /// The directory the pattern's literal prefix names (`drivers/net/` for `drivers/net/tun.*`),
    /// empty when it names none.
    public var literalDirectory: String {
        guard needsFirstComponent, let slash = literalPrefix.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(decoding: literalPrefix[...slash], as: UTF8.self)
    }

    /// Filtermods' wrapper, pasted before every pattern as text.
    static let wrapper = "[^/]+/"

    /// Compiles `source` as filtermods would use it; throws what Python or POSIX cannot take, or what exceeds
    /// `RulesLimits`.
    public init(_ source: String) throws(PatternError) {
        self.source = source
        let offset = Self.wrapper.unicodeScalars.count
        var alternatives: [[PythonRegex.Node]]
        do {
            alternatives = try PythonRegex.parse(
                Self.wrapper + source, limits: .init(depth: RulesLimits.maxPatternNesting))
        } catch {
            throw PatternError(message: error.message, position: max(0, error.position - offset))
        }
        alternatives[0] = PythonRegex.startAnchorsFail(alternatives[0])
        let simplified = PythonRegex.simplify(alternatives)
        expandedSize = PythonRegex.expandedSize(simplified)
        if expandedSize > RulesLimits.maxPatternNodes {
            throw PatternError(
                message:
                    "expands to more than \(RulesLimits.maxPatternNodes) regular expression nodes (modsplit's limit: "
                    + "RulesLimits.maxPatternNodes); counted repetitions multiply when nested")
        }
        // Only the first alternative starts with the wrapper: with any other, nothing is anchored after it.
        let first = alternatives.count == 1 && simplified.count == 1 ? simplified[0] : []
        needsFirstComponent = first.count >= 2 && first[1] == .char([UInt8(ascii: "/")])
        var prefix: [UInt8] = []
        var rest = needsFirstComponent ? first[2...] : []
        while case .char(let bytes)? = rest.first {
            prefix += bytes
            rest = rest.dropFirst()
        }
        literalPrefix = prefix
        prefixOnly = needsFirstComponent && rest.allSatisfy(PythonRegex.alwaysMatchesEmpty)
        var runs: [[UInt8]] = []
        var run: [UInt8] = []
        for n in rest {
            if case .char(let bytes) = n {
                run += bytes
            } else if !run.isEmpty {
                runs.append(run)
                run = []
            }
        }
        if !run.isEmpty { runs.append(run) }
        requiredLiterals = needsFirstComponent ? runs : []
        guard !simplified.isEmpty else {
            posix = nil
            regex = nil
            return
        }
        let pattern = PythonRegex.posix(simplified)
        posix = pattern
        do {
            regex = try POSIXRegex(pattern)
        } catch {
            throw PatternError(message: "the C library refuses its translation \(pattern): \(error.message)")
        }
    }

    /// Whether the rule matches `path` (relative to the module directory, e.g. `kernel/drivers/net/tun.ko.xz`).
    public func matches(_ path: String) -> Bool { matches(ModulePath(path)) }

    /// The same, on a path prepared once for many patterns.
    public func matches(_ path: ModulePath) -> Bool {
        guard let regex else { return false }
        guard needsFirstComponent else { return matchesByRegex(path) }
        // `[^/]+/` cannot match a path without a first component.
        guard let restStart = path.restStart else { return false }
        return path.bytes.withUnsafeBufferPointer { all in
            let rest = UnsafeBufferPointer(rebasing: all[restStart..<(all.count - 1)])
            if !literalPrefix.isEmpty {
                guard rest.count >= literalPrefix.count, Self.equal(literalPrefix, rest, at: 0) else { return false }
            }
            if prefixOnly { return true }
            for literal in requiredLiterals where !Self.occurs(literal, in: rest) { return false }
            return regex.matches(nulTerminated: all)
        }
    }

    /// `matches` without its short cuts: the regular expression alone decides (for tests).
    func matchesByRegex(_ path: ModulePath) -> Bool {
        guard let regex else { return false }
        return path.bytes.withUnsafeBufferPointer { regex.matches(nulTerminated: $0) }
    }

    /// Whether `needle` (not empty) occurs in `haystack`.
    private static func occurs(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first && equal(needle, haystack, at: i) { return true }
            i += 1
        }
        return false
    }

    /// Whether `haystack` holds `needle` at `offset` (which leaves room for all of it).
    private static func equal(_ needle: [UInt8], _ haystack: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        needle.withUnsafeBufferPointer { n in
            for k in 0..<n.count where n[k] != haystack[offset + k] { return false }
            return true
        }
    }

    /// A pattern modsplit refuses: what is wrong and where.
    public struct PatternError: Error, Sendable {
        /// What is wrong, as a sentence for the user.
        public var message: String
        /// Where in the pattern (0-based, in characters as Python counts), when one place is to blame.
        public var position: Int?

        /// An error saying `message`, at `position` in the pattern when given.
        public init(message: String, position: Int? = nil) {
            self.message = message
            self.position = position
        }
    }
}

/// A module path as patterns read it: its NUL-terminated bytes and where the part after the first
/// component starts. Built once per module, matched against every rule.
public struct ModulePath: Sendable {
    /// The path's UTF-8 bytes and a terminating NUL.
    let bytes: [UInt8]
    /// Where the part after the first component starts; nil when there is no first component.
    let restStart: Int?

    /// The bytes after the first component and its `/` (empty when there is no first component).
    var rest: ArraySlice<UInt8> { restStart.map { bytes[$0..<(bytes.count - 1)] } ?? [] }

    /// The path `path`, relative to the module directory.
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

    /// The set of `patterns`, tried in the order given.
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
        guard let restStart = path.restStart else {
            // Only a pattern with a top-level `|` (or a quantified wrapper `/`) can match such a path.
            return patterns.indices.first { !patterns[$0].needsFirstComponent && patterns[$0].matches(path) }
        }
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
