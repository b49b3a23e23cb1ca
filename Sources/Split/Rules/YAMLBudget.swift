// Yams 6 has no public event API, so the pre-scan reads libyaml's events itself through CYaml, the
// libyaml that Yams vendors and composes with: the same parser, so the same reading of the file.
internal import CYaml

/// Bounds what a YAML file stands for before the YAML library builds anything from it.
///
/// YAML aliases let a few hundred bytes stand for billions of nodes ("billion laughs": each anchor a
/// list of aliases to the one before). Yams builds such a file cheaply (an alias shares its node) but
/// then hashes mapping keys in full, so one alias used as a key hangs it for hours, and any reader
/// walking the values walks them all. Deep nesting overflows Yams' recursive composer. This scan
/// counts, from libyaml's events, the nodes every alias stands for and the nesting depth, and stops
/// at the first event over `RulesLimits.maxAliasNodes` or `RulesLimits.maxYAMLDepth`.
enum YAMLBudget {
    /// Throws at the alias or collection that crosses a limit. Syntax errors are left to the YAML
    /// library, which reports them with its own words.
    static func check(_ text: String, file: String) throws(RulesError) {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return }
        let problem: RulesError? = bytes.withUnsafeMutableBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return RulesError(file: file, "cannot start the YAML reader")
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return scan(&parser, file: file)
        }
        if let problem { throw problem }
    }

    private struct Open {
        var anchor: String?
        /// Nodes so far: the collection itself and its items, aliases counted in full.
        var nodes: Int
    }

    private static func scan(_ parser: inout yaml_parser_t, file: String) -> RulesError? {
        var open: [Open] = []
        var anchored: [String: Int] = [:]
        var aliasNodes = 0
        func error(_ event: yaml_event_t, _ reason: String) -> RulesError {
            RulesError(
                file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1, reason)
        }
        func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            anchor.map { String(cString: $0) }
        }
        func add(_ nodes: Int) {
            if !open.isEmpty {
                open[open.count - 1].nodes = open[open.count - 1].nodes.addingReportingOverflow(nodes).partialValue
            }
        }
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                if let a = name(event.data.scalar.anchor) { anchored[a] = 1 }
                add(1)
            case YAML_ALIAS_EVENT:
                // An alias to an anchor not yet complete (its own collection) is the library's error to report.
                let nodes = name(event.data.alias.anchor).flatMap { anchored[$0] } ?? 1
                aliasNodes = min(aliasNodes + nodes, Int.max / 2)
                if aliasNodes > RulesLimits.maxAliasNodes {
                    return error(
                        event,
                        "YAML aliases here stand for more than \(RulesLimits.maxAliasNodes) nodes "
                            + "(modsplit's limit: RulesLimits.maxAliasNodes)")
                }
                add(nodes)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                if open.count >= RulesLimits.maxYAMLDepth {
                    return error(
                        event,
                        "YAML nested more than \(RulesLimits.maxYAMLDepth) deep (modsplit's limit: "
                            + "RulesLimits.maxYAMLDepth)"
                    )
                }
                let anchor =
                    event.type == YAML_SEQUENCE_START_EVENT
                    ? name(event.data.sequence_start.anchor) : name(event.data.mapping_start.anchor)
                open.append(Open(anchor: anchor, nodes: 1))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return nil }
                if let a = closed.anchor { anchored[a] = closed.nodes }
                add(closed.nodes)
            default:
                break
            }
        }
    }
}
