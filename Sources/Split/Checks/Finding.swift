internal import ELFScan
internal import Graph

/// How bad a finding is. `error` fails the check (exit 1); `warning` fails it with `--strict`.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case info, warning, error

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    /// Orders severities info < warning < error.
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// Bytes a module (or a set of modules) adds to a package.
public struct Cost: Sendable, Codable, Hashable {
    /// Bytes as shipped (compressed file sizes).
    public var bytes: UInt64
    /// Bytes uncompressed: what the modules take in memory once loaded.
    public var uncompressedBytes: UInt64
    /// The modules counted, by name.
    public var modules: [String]

    /// The cost of the modules named `modules`, weighing `bytes` shipped and `uncompressedBytes` loaded.
    public init(bytes: UInt64, uncompressedBytes: UInt64, modules: [String]) {
        self.bytes = bytes
        self.uncompressedBytes = uncompressedBytes
        self.modules = modules
    }
}

/// What the analysis found about a split: what breaks, why (the symbols), where to fix it (the rule line)
/// and what it costs. Findings are results, not tool failures; the CLI turns them into exit codes.
public struct Finding: Sendable, Codable, Hashable {
    /// The check's id, e.g. `cross-package`.
    public var kind: String
    /// How bad it is; `error` fails `check`.
    public var severity: Severity
    /// The module the finding is about, by name.
    public var module: String?
    /// That module's path relative to the module directory.
    public var path: String?
    /// The module's package, or the package the finding is about.
    public var package: String?
    /// The module that provides what `module` needs, by name.
    public var provider: String?
    /// The provider's package.
    public var providerPackage: String?
    /// The symbols involved, e.g. the imports a dependency rests on.
    public var symbols: [String]
    /// The symbol namespace involved (`missing-namespace-import`).
    public var namespace: String?
    /// The rule (or list line) that placed `module`.
    public var rule: SourceLocation?
    /// The rule (or list line) that placed `provider`.
    public var providerRule: SourceLocation?
    /// One line saying what is wrong, naming modules, packages and symbols.
    public var message: String
    /// Further lines: how to fix it, what it would cost, what else is involved.
    public var notes: [String]
    /// What fixing it by moving a module would add to a package.
    public var cost: Cost?

    /// A finding of `kind` and `severity` saying `message`; every other field is optional.
    public init(
        kind: String, severity: Severity, module: String? = nil, path: String? = nil, package: String? = nil,
        provider: String? = nil, providerPackage: String? = nil, symbols: [String] = [], namespace: String? = nil,
        rule: SourceLocation? = nil, providerRule: SourceLocation? = nil, message: String, notes: [String] = [],
        cost: Cost? = nil
    ) {
        self.kind = kind
        self.severity = severity
        self.module = module
        self.path = path
        self.package = package
        self.provider = provider
        self.providerPackage = providerPackage
        self.symbols = symbols
        self.namespace = namespace
        self.rule = rule
        self.providerRule = providerRule
        self.message = message
        self.notes = notes
        self.cost = cost
    }

    private enum CodingKeys: String, CodingKey {
        case kind, severity, module, path, package, provider, providerPackage, symbols, namespace, rule, providerRule,
            message, notes, cost
    }

    /// Every documented field is written, absent values as null, so consumers see a fixed shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(severity, forKey: .severity)
        try c.encode(module, forKey: .module)
        try c.encode(path, forKey: .path)
        try c.encode(package, forKey: .package)
        try c.encode(provider, forKey: .provider)
        try c.encode(providerPackage, forKey: .providerPackage)
        try c.encode(symbols, forKey: .symbols)
        try c.encode(namespace, forKey: .namespace)
        try c.encode(rule, forKey: .rule)
        try c.encode(providerRule, forKey: .providerRule)
        try c.encode(message, forKey: .message)
        try c.encode(notes, forKey: .notes)
        try c.encode(cost, forKey: .cost)
    }

    /// Findings in a stable order: most severe first, then by kind, module and message.
    public static func sorted(_ findings: [Finding]) -> [Finding] {
        findings.sorted {
            if $0.severity != $1.severity { return $0.severity > $1.severity }
            if $0.kind != $1.kind { return $0.kind < $1.kind }
            if ($0.path ?? "") != ($1.path ?? "") { return ($0.path ?? "") < ($1.path ?? "") }
            return $0.message < $1.message
        }
    }
}
