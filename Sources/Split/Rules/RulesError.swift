internal import ELFScan
internal import Graph

/// A rules file that cannot be used: the reason and where (file:line:column). Exit status 2.
public struct RulesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rules file (or list, or option) at fault.
    public var file: String
    /// The 1-based line, when one is to blame.
    public var line: Int?
    /// The 1-based column, when known.
    public var column: Int?
    /// What is wrong, as a sentence for the user.
    public var reason: String

    /// An error in `file` at `line` and `column` when given, explained by `reason`.
    public init(file: String, line: Int? = nil, column: Int? = nil, _ reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `file:line:column: reason`, the parts that are known.
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(reason)"
    }
}

/// Where a rule, a package or a list entry was written.
public struct SourceLocation: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The file, as the user named it.
    public var file: String
    /// The 1-based line.
    public var line: Int
    /// The 1-based column, when known.
    public var column: Int?

    /// The place at `line` (and `column`) of `file`.
    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line` or `file:line:column`.
    public var description: String { column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)" }

    /// Orders locations by file, then line, then column (none first).
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column ?? 0) < (b.file, b.line, b.column ?? 0)
    }
}

/// The limits modsplit enforces on split inputs (docs/security.md lists them all, and why). Each is far
/// above what any real split needs and far below what would exhaust memory, time or stack. There is no
/// limit on the number of packages (`PackageMask` grows as needed).
public enum RulesLimits {
    /// A rules file or list larger than this is refused: Fedora's whole def_variants.yaml is 20 KiB, a
    /// tree's every module path fits in 1 MiB, and the YAML library needs about 35 bytes of memory per
    /// byte it reads.
    public static let maxFileBytes = 16 << 20
    /// Nodes that YAML aliases may add to a rules file, counting each alias as the whole structure it
    /// stands for. filtermods files use no aliases; a "billion laughs" file (aliases of aliases) stands
    /// for billions of nodes in a few hundred bytes, and the YAML library would build and hash them.
    public static let maxAliasNodes = 100_000
    /// Deepest nesting of YAML collections: Fedora's rules nest 4 deep, modsplit's profiles 6; the YAML
    /// library reads nesting recursively.
    public static let maxYAMLDepth = 32
    /// Rules (pattern keys) in one file: Fedora's have 430; each compiled rule takes about 5 KiB.
    public static let maxRules = 50_000
    /// Deepest nesting of groups in one rule pattern: real rules nest at most 1 deep; glibc's `regcomp`
    /// recurses per group (15,000 nested groups overflow its stack), and so does Python's own parser.
    public static let maxPatternNesting = 32
    /// Nodes one pattern may compile to, counted repetitions copied out (`x{2,5}` is five copies of x,
    /// and nesting multiplies: `(((.{0,255}){0,255}){0,255})` is 16 million nodes, 13 GB in glibc).
    /// Fedora's longest pattern is under 60.
    public static let maxPatternNodes = 4_096
    /// What compiling all patterns of one file may cost, as the sum of each pattern's nodes squared:
    /// glibc's `regcomp` takes time quadratic in the nodes of optional copies (`.{0,4000}` takes 160 ms,
    /// about 10 ns per unit), so this bounds compiling near 0.6 s. Fedora's file costs under 400,000.
    public static let maxPatternCost = 64_000_000
}
