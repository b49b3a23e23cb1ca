internal import Split

/// The checks modsplit runs, and what split languages report about the rules themselves (`modsplit rules`).
public enum CheckCatalogue {
    /// Each check's id, severity, summary and rationale (with `examples`, what triggers it and what passes), then
    /// each kind of finding about the rules, with the languages that report it.
    public static func text(examples: Bool) -> String {
        var out = ""
        for c in CheckRegistry.all.map(\.description) {
            out += "\(c.id)  [\(c.severity.rawValue)]\n  \(c.summary)\n  \(c.rationale)\n"
            if examples {
                out += "  triggers: \(c.triggering.summary)\n  passes:   \(c.passing.summary)\n"
            }
        }
        for k in RulesFindingKinds.all {
            out +=
                "\(k.id)  [\(k.severity.rawValue)]  (\(k.languages.joined(separator: ", ")))\n  \(k.summary)\n"
                + "  \(k.rationale)\n"
        }
        return out
    }
}
