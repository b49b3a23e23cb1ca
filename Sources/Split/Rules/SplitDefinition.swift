public import ELFScan
public import Graph

/// A split as its language writes it, read and ready to place a tree's modules into packages.
///
/// Every split language modsplit reads (filtermods' YAML, package lists, the whole tree as one
/// package, and the distro formats to come) is one type conforming to this protocol, so that the
/// pipeline (`SplitAnalysis`), the checks and the reports never know which language a split is in.
public protocol SplitDefinition: Sendable {
    /// What the split is called in reports: the rules file, or the lists given (nil for the whole tree).
    var name: String? { get }
    /// Profiles the split defines itself, beside the built-in ones.
    var profiles: [GuestProfile] { get }
    /// Profiles bound to packages by the split itself: (profile, package, where the binding is written).
    var profileBindings: [(profile: String, package: String, location: SourceLocation)] { get }
    /// Places every module of `graph`. Problems of the input that make placement meaningless are
    /// `RulesError`s; what placement discovers about the split (a module pulled into another package,
    /// a rule that matches nothing) is returned as findings.
    func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement
    /// Whether the tree is a whole kernel's modules (a module directory), so that what no module of it
    /// provides no package could; false when the tree is only what some built packages hold.
    var coversWholeTree: Bool { get }
}

extension SplitDefinition {
    /// True unless the split says otherwise: a tree is a whole kernel's modules.
    public var coversWholeTree: Bool { true }
    /// None unless the split defines its own.
    public var profiles: [GuestProfile] { [] }
    /// None unless the split binds profiles itself.
    public var profileBindings: [(profile: String, package: String, location: SourceLocation)] { [] }
}

/// A placement, and the findings its split language reports about the rules themselves.
public struct RulesPlacement: Sendable {
    /// Where every module landed.
    public var placement: Placement
    /// What the split language reports about the rules themselves (rules matching nothing, modules its tool moves).
    public var findings: [Finding]

    /// A placement and the language's findings about it.
    public init(placement: Placement, findings: [Finding] = []) {
        self.placement = placement
        self.findings = findings
    }
}

/// What a rules file is read with: the variants to select, and the tree it will place (some languages
/// choose their lists by the tree's architecture and flavour).
public struct RulesOptions: Sendable {
    /// Variants selected with `--variant` (filtermods' `if_variant_in`).
    public var variants: [String]
    /// The tree the rules will place, when known.
    public var tree: KernelTree?
    /// The architecture (`--arch`, Debian's names: amd64, arm64, …) and flavour (`--flavour`) the
    /// rules are for, when the language distinguishes them; nil lets the reader derive them.
    public var arch: String?
    /// The flavour (`--flavour`: `amd64`, `cloud-amd64`, `default`, …), nil to derive it.
    public var flavour: String?

    /// Options for reading a rules file; all default to none, to be derived from the tree where needed.
    public init(variants: [String] = [], tree: KernelTree? = nil, arch: String? = nil, flavour: String? = nil) {
        self.variants = variants
        self.tree = tree
        self.arch = arch
        self.flavour = flavour
    }
}

/// A split language: how to recognise its files and read them.
public protocol SplitFormat: Sendable {
    /// The name `--rules-format` takes, e.g. `filtermods`.
    static var name: String { get }
    /// Whether `path` is written in this language, judged by its name, whether it is a directory, and
    /// the first bytes of a file.
    static func recognizes(path: String, isDirectory: Bool, head: [UInt8]) -> Bool
    /// Reads a split; every problem is a `RulesError` at file:line:column.
    static func load(path: String, options: RulesOptions) throws(RulesError) -> any SplitDefinition
    /// Whether `load` looks at `RulesOptions.tree`: a matrix of trees then reads the split once per tree.
    static var readsTree: Bool { get }
}

extension SplitFormat {
    /// False unless the format says otherwise: the split is read once for all trees.
    public static var readsTree: Bool { false }
}

/// Every split language modsplit reads, and how `--rules` picks one.
public enum SplitFormats {
    /// The languages in the order they are tried; filtermods is the fallback for any other file.
    public static let all: [any SplitFormat.Type] = [
        FiltermodsFormat.self, KernelWedgeFormat.self, SuseSupportedFormat.self, UbuntuInclusionListFormat.self,
    ]

    /// The format named `name` (for `--rules-format`), or nil.
    public static func named(_ name: String) -> (any SplitFormat.Type)? {
        all.first { $0.name == name }
    }

    /// Reads `path` in the language `format` names, or the one its name and contents show.
    public static func load(path: String, format: String? = nil, options: RulesOptions) throws(RulesError)
        -> any SplitDefinition
    {
        guard let chosen = chosen(path: path, format: format) else {
            throw RulesError(
                file: path,
                "unknown rules format '\(format ?? "")' (known: \(all.map { $0.name }.joined(separator: ", ")))")
        }
        return try chosen.load(path: path, options: options)
    }

    /// The language `load` reads `path` in: the one `format` names (nil when it names none), else the one
    /// its name and contents show, else filtermods.
    public static func chosen(path: String, format: String? = nil) -> (any SplitFormat.Type)? {
        if let format { return named(format) }
        let isDirectory = FileAccess.kind(path) == .directory
        let head = isDirectory ? [] : FileAccess.head(path)
        return all.first { $0.recognizes(path: path, isDirectory: isDirectory, head: head) } ?? FiltermodsFormat.self
    }
}

/// Filtermods' YAML (Fedora, RHEL): the format of `FiltermodsRules`.
public enum FiltermodsFormat: SplitFormat {
    /// `filtermods`, as `--rules-format` takes it.
    public static let name = "filtermods"

    /// A file ending in `.yaml` or `.yml`, or named like filtermods' `def_variants`.
    public static func recognizes(path: String, isDirectory: Bool, head: [UInt8]) -> Bool {
        !isDirectory && (path.hasSuffix(".yaml") || path.hasSuffix(".yml") || path.contains("def_variants"))
    }

    /// Reads the rules file with the requested variants.
    public static func load(path: String, options: RulesOptions) throws(RulesError) -> any SplitDefinition {
        try FiltermodsRules.load(path: path, variants: options.variants)
    }
}
