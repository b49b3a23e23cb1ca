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

    /// A kind with its id, default severity, summary, rationale and the languages that report it.
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
    /// Every split-language finding kind, each id once.
    public static let all: [RulesFindingKind] = {
        var seen = Set<String>()
        // A kind several languages share (entry-matches-nothing) is listed once.
        return
            ([.ruleMatchesNothing] + RulesFindingKind.kernelWedge + RulesFindingKind.suse + RulesFindingKind.ubuntu
            + RulesFindingKind.builtPackages)
            .filter { seen.insert($0.id).inserted }
    }()

    /// The kind whose id is `id`, if a split language reports one.
    public static func kind(id: String) -> RulesFindingKind? { all.first { $0.id == id } }
}

extension RulesFindingKind {
    /// Filtermods: a rule whose pattern matches no module path of the tree.
    public static let ruleMatchesNothing = RulesFindingKind(
        id: "rule-matches-nothing", severity: .warning,
        summary: "A rule's pattern matches no module of the tree (info), or can never match any path (warning).",
        rationale: "filtermods matches each rule as re.match('[^/]+/' + pattern, path): a leading ^ then never holds, "
            + "and the rule silently places nothing. A rule for another architecture or configuration also matches "
            + "nothing on this tree, which is normal; the note says whether the tree has modules under the rule's "
            + "directory.",
        languages: ["filtermods"])
}

extension RulesFindingKind {
    /// SUSE's and Ubuntu's readers: an entry that names no module of the tree.
    static let entryMatchesNothing = RulesFindingKind(
        id: "entry-matches-nothing", severity: .warning,
        summary: "An entry (or one word of an Ubuntu glob line) that names no module of the tree; info when the module "
            + "is built in, not reported for another architecture's arch/ path.",
        rationale: "The build ignores it silently: a renamed driver (xhci for xhci-hcd) then stays out of the package "
            + "that should boot the machine. The note says what the entry's directory holds, or where a module of "
            + "that name lives now.",
        languages: ["suse", "ubuntu"])

    /// What the SUSE reader reports about supported.conf itself.
    static let suse: [RulesFindingKind] = [
        RulesFindingKind(
            id: "pulled-into-base", severity: .info,
            summary: "A module in kernel-<F>-base only because a +base module needs it.",
            rationale: "split-modules adds such modules silently; base grows, and a change elsewhere changes it again.",
            languages: ["suse"]),
        RulesFindingKind(
            id: "needs-unsupported", severity: .warning,
            summary: "A supported module needs one that supported.conf leaves unsupported or unlisted.",
            rationale: "The build pulls the dependency into kernel-<F> anyway and prints only the names; support "
                + "covers a module whose dependency nobody supports.",
            languages: ["suse"]),
        RulesFindingKind(
            id: "needs-optional", severity: .warning,
            summary: "With the optional split, a module of -extra needs one of -optional.",
            rationale: "Installing -extra without -optional leaves the module unloadable.",
            languages: ["suse"]),
        .entryMatchesNothing,
        RulesFindingKind(
            id: "entry-shadowed", severity: .warning,
            summary: "An entry whose every match an earlier line tags first.",
            rationale: "The first matching line wins, so the entry has no effect: usually a duplicate or a mistake.",
            languages: ["suse"]),
        RulesFindingKind(
            id: "base-wildcard", severity: .warning,
            summary: "A +base wildcard, which adds nothing to base.",
            rationale: "The base list keeps only an entry's last component, so a wildcard there names nothing.",
            languages: ["suse"]),
        RulesFindingKind(
            id: "unknown-marker", severity: .warning,
            summary: "A marker SUSE's build accepts silently but gives no meaning (a typo such as +extrnal).",
            rationale: "The entry is then tagged as if the marker were absent.",
            languages: ["suse"]),
        RulesFindingKind(
            id: "entry-lost", severity: .warning,
            summary: "A \\ on the last line: guards drops the tokens it was joining.",
            rationale: "Those entries silently never apply.",
            languages: ["suse"]),
    ]

    /// What the Ubuntu reader reports about an inclusion list itself.
    static let ubuntu: [RulesFindingKind] = [
        RulesFindingKind(
            id: "dependency-pass", severity: .info,
            summary:
                "A module in linux-modules because a listed module needs it (module-inclusion's dependency passes).",
            rationale: "The list does not name it; it ships in linux-modules only while its user does.",
            languages: ["ubuntu"]),
        RulesFindingKind(
            id: "beyond-pass-limit", severity: .warning,
            summary: "A module more than 19 dependency steps from every listed module.",
            rationale: "module-inclusion stops after 19 passes and leaves it in linux-modules-extra; the build's "
                + "depmod check then fails.",
            languages: ["ubuntu"]),
        .entryMatchesNothing,
        RulesFindingKind(
            id: "unsupported-entry", severity: .warning,
            summary: "A line modsplit does not interpret: a ! command, other shell syntax in a glob line, a brace "
                + "expansion too large.",
            rationale: "The real build runs ! lines as shell commands; modsplit never executes input, so what the "
                + "command selects is unknown and linux-modules may be larger in the real package.",
            languages: ["ubuntu"]),
        RulesFindingKind(
            id: "duplicate-entry", severity: .info,
            summary: "The same line written twice.",
            rationale: "Harmless, but a sign of a merge gone wrong.",
            languages: ["ubuntu"]),
        RulesFindingKind(
            id: "unterminated-last-line", severity: .warning,
            summary: "A last line without a newline, which module-inclusion's while read never reads.",
            rationale: "Its entry silently never applies in the real build.",
            languages: ["ubuntu"]),
    ]
}

/// Every kind of finding modsplit reports, from the checks and from the split languages: what
/// `modsplit rules` prints and SARIF's rule table lists.
public enum FindingKinds {
    /// One kind: its id, default severity, one-line summary and rationale.
    public struct Description: Sendable {
        /// The finding's `kind`.
        public var id: String
        /// Its default severity.
        public var severity: Severity
        /// One line: what it finds.
        public var summary: String
        /// Why it matters.
        public var rationale: String
    }

    /// The checks' kinds in their order, then the split languages' kinds.
    public static let all: [Description] =
        CheckRegistry.all.map {
            Description(
                id: $0.description.id, severity: $0.description.severity, summary: $0.description.summary,
                rationale: $0.description.rationale)
        }
        + RulesFindingKinds.all.map {
            Description(id: $0.id, severity: $0.severity, summary: $0.summary, rationale: $0.rationale)
        }

    /// The description of `id`, nil for a kind nobody describes (a bug the tests catch).
    public static func describe(_ id: String) -> Description? { all.first { $0.id == id } }
}
