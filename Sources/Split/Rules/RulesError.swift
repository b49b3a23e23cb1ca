internal import ELFScan
internal import Graph
/// A rules file that cannot be used: the reason and where (file:line:column). Exit status 2.
public struct RulesError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var reason: String

    public init(file: String, line: Int? = nil, column: Int? = nil, _ reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var where_ = file
        if let line { where_ += ":\(line)" }
        if let column { where_ += ":\(column)" }
        return "\(where_): \(reason)"
    }
}

/// Where a rule, a package or a list entry was written.
public struct SourceLocation: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int?

    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column ?? 0) < (b.file, b.line, b.column ?? 0)
    }
}

/// The limits modsplit enforces on split inputs (docs/security.md lists them all, and why).
public enum RulesLimits {
    /// A rules file or list larger than this is refused: Fedora's whole def_variants.yaml is 20 KiB.
    public static let maxFileBytes = 64 << 20
}
