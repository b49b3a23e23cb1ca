/// A kind of finding that a split language reports about the split as written (a rule that matches
/// nothing, a module its tool moves on its own), as opposed to the checks over the placed split in
/// `CheckRegistry`. Described here so that `modsplit rules`, reports and tests know every kind.
public struct RulesFindingKind: Sendable {
    /// The finding's `kind`, e.g. `rule-matches-nothing`; unique across these and the checks' ids.
    public var id: String
    /// The severity it has unless the description says when it is lower.
    public var severity: Severity
    /// One line: what it finds.
    public var summary: String
    /// Why it matters.
    public var rationale: String
    /// The split languages (`SplitFormat.name`) that report it.
    public var languages: [String]

    public init(id: String, severity: Severity, summary: String, rationale: String, languages: [String]) {
        self.id = id
        self.severity = severity
        self.summary = summary
        self.rationale = rationale
        self.languages = languages
    }
}

/// Every kind of finding a split language reports itself. A language that adds one defines it as a
/// `RulesFindingKind` static (next to its reader, or below) and appends it here.
public enum RulesFindingKinds {
    public static let all: [RulesFindingKind] = [
        .ruleMatchesNothing,
    ]

    public static func kind(id: String) -> RulesFindingKind? { all.first { $0.id == id } }
}

extension RulesFindingKind {
    /// Filtermods: a rule whose pattern matches no module path of the tree.
    public static let ruleMatchesNothing = RulesFindingKind(
        id: "rule-matches-nothing", severity: .warning,
        summary: "A rule's pattern matches no module of the tree (info), or can never match any path (warning).",
        rationale: "filtermods matches each rule as re.match('[^/]+/' + pattern, path): a leading ^ then never holds, "
            + "and the rule silently places nothing. A rule for another architecture or configuration also matches "
            + "nothing on this tree, which is normal; the note says whether the tree has modules under the rule's directory.",
        languages: ["filtermods"])
}
