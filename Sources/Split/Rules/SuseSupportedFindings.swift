internal import ELFScan
internal import Graph

// What a SUSE run reports: modules the build pulls into a package through its closures, and entries that
// match nothing, never decide a module, or carry markers without a meaning.

extension SuseRun {
    func findings() -> [Finding] {
        var out = closureFindings() + entryFindings()
        if let lost = rules.lostAtEnd {
            out.append(
                Finding(
                    kind: "entry-lost", severity: .warning, rule: lost,
                    message:
                        "the last line ends in \\: guards waits for a line that never comes and drops the entries it "
                        + "was joining"
                ))
        }
        return out
    }

    func location(_ m: Int) -> SourceLocation? {
        if case .pulled(_, let l) = basis[m] { return l }
        if case .listed(let l) = basis[m] { return l }
        return nil
    }

    func module(
        _ kind: String, _ severity: Severity, _ m: Int, provider: Int? = nil, symbols: [String] = [],
        message: String, notes: [String] = []
    ) -> Finding {
        Finding(
            kind: kind, severity: severity, module: names[m], path: graph.modules[m].path,
            package: packages.names[packageOf[m]], provider: provider.map { names[$0] },
            providerPackage: provider.map { packages.names[packageOf[$0]] }, symbols: symbols,
            rule: location(m), providerRule: provider.flatMap { location($0) }, message: message, notes: notes)
    }

    /// How supported.conf treats a module the build pulled in, for messages.
    func standing(_ m: Int) -> String {
        guard let e = tagEntry[m] else { return "which supported.conf does not list" }
        if let (k, _) = kmpOf[m] { return "which supported.conf puts in \(k)-\(rules.flavour)" }
        let location = rules.entries[e].location
        return meaning[e].supported
            ? "(tagged supported by line \(location.line))" : "which line \(location.line) marks unsupported"
    }

    func closureFindings() -> [Finding] {
        var out: [Finding] = []
        let baseName = packages.names[basePackage]
        for m in base.sorted() where baseRequested[m] == nil {
            let users = graph.users[m].filter { base.contains($0) }.sorted { names[$0] < names[$1] }
            var symbols = Set<String>()
            var notes: [String] = []
            for u in users {
                let s = graph.edge(from: u, to: m)?.symbols ?? []
                symbols.formUnion(s)
                notes.append("\(names[u]) needs it for \(Display.symbolList(s, limit: 4))")
            }
            let tagNote = tag(m).map { $0 == .no ? " (\(standing(m)))" : "" } ?? " (supported.conf does not list it)"
            out.append(
                module(
                    "pulled-into-base", .info, m, symbols: symbols.sorted(),
                    message:
                        "\(names[m]) is in \(baseName) only because base modules need it: "
                        + "\(users.prefix(4).map { names[$0] }.joined(separator: ", "))"
                        + "\(users.count > 4 ? ", …" : "")\(tagNote)",
                    notes: notes))
        }
        // "The following unsupported modules are used by supported modules", edge by edge with symbols.
        for n in supportedAll.subtracting(supportedMain).sorted() {
            for u in graph.users[n].sorted() where supportedAll.contains(u) {
                let symbols = graph.edge(from: u, to: n)?.symbols ?? []
                let who = supportedMain.contains(u) ? names[u] : "\(names[u]) (itself pulled in)"
                out.append(
                    module(
                        "needs-unsupported", .warning, u, provider: n, symbols: symbols,
                        message:
                            "\(who) in \(packages.names[packageOf[u]]) needs \(names[n]), \(standing(n)); "
                            + "SUSE's build pulls it into \(packages.names[packageOf[n]]) "
                            + "and prints \"unsupported modules are used by supported modules\"",
                        notes: ["symbols: \(Display.symbolList(symbols, limit: 8))"]))
            }
        }
        // "The following optional modules are used by extra modules."
        if let optional = optionalPackage {
            for u in graph.modules.indices where packageOf[u] != optional {
                for e in graph.deps[u] where packageOf[e.target] == optional {
                    out.append(
                        module(
                            "needs-optional", .warning, u, provider: e.target, symbols: e.symbols,
                            message:
                                "\(names[u]) in \(packages.names[packageOf[u]]) needs \(names[e.target]), "
                                + "which the optional split puts in \(packages.names[optional]); "
                                + "SUSE's build prints \"optional modules are used by extra modules\"",
                            notes: ["symbols: \(Display.symbolList(e.symbols, limit: 8))"]))
                }
            }
        }
        return out
    }

    /// Entries that match nothing, entries every match of which an earlier line takes, +base wildcards,
    /// markers without a meaning.
    func entryFindings() -> [Finding] {
        var out: [Finding] = []
        var winners = [Int](repeating: 0, count: rules.entries.count)
        for e in tagEntry { if let e { winners[e] += 1 } }
        // Modules by directory, and how many sit anywhere below each directory.
        var byDirectory: [Substring: [Int]] = [:], below: [Substring: Int] = [:]
        for (m, name) in modpostNames.enumerated() {
            let s = String(decoding: name, as: UTF8.self)
            byDirectory[s[..<(s.lastIndex(of: "/") ?? s.startIndex)], default: []].append(m)
            for slash in s.indices where s[slash] == "/" { below[s[..<slash], default: 0] += 1 }
        }
        let known: Set<String> = ["+base", "+external", "-", "-!optional"]
        var reported = Set<String>()
        for (i, e) in rules.entries.enumerated() {
            let shown = "`\(DistroText.short(e.text))`"
            for marker in e.markers
            where !known.contains(marker) && EntryMeaning.kmpName(marker) == nil
                && !KernelArchitecture.suseNames.contains(String(marker.dropFirst()))
                && reported.insert("\(e.location.line) \(marker)").inserted
            {
                let effect =
                    marker.hasPrefix("-")
                    ? "it makes the entry unsupported, as `-` does" : "the entry's support is unchanged"
                out.append(
                    Finding(
                        kind: "unknown-marker", severity: .warning, rule: e.location,
                        message:
                            "\(shown): SUSE's build gives the marker \(DistroText.short(marker)) no meaning; \(effect)")
                )
            }
            if meaning[i].inBase && ShellGlob.looksWild(Self.lastComponent(Array(e.pattern.utf8))) {
                let matched = hits[i].map { names[$0] }.sorted()
                out.append(
                    Finding(
                        kind: "base-wildcard", severity: .warning, rule: e.location,
                        message:
                            "\(shown): a +base wildcard adds nothing to \(packages.names[basePackage]) "
                            + "(split-modules keeps only its last component, which names no module)",
                        notes: matched.isEmpty
                            ? []
                            : [
                                "it matches \(matched.count) modules here: "
                                    + "\(matched.prefix(6).joined(separator: ", "))\(matched.count > 6 ? ", …" : "")"
                            ]))
            }
            if hits[i].isEmpty {
                if let finding = unmatched(i, shown: shown, byDirectory: byDirectory, below: below) {
                    out.append(finding)
                }
            } else if winners[i] == 0 {
                let takers = Set(hits[i].compactMap { tagEntry[$0] }).sorted()
                let by = takers.prefix(3).map {
                    "line \(rules.entries[$0].location.line) (`\(DistroText.short(rules.entries[$0].pattern))`)"
                }
                var notes: [String] = []
                if meaning[i].inBase {
                    notes.append("its +base still counts: the base list ignores which line tags a module")
                }
                out.append(
                    Finding(
                        kind: "entry-shadowed", severity: .warning, rule: e.location,
                        message:
                            "\(shown) never decides a module's support: "
                            + "\(hits[i].prefix(3).map { names[$0] }.joined(separator: ", ")) "
                            + "\(hits[i].count == 1 ? "is" : "are") tagged first by \(by.joined(separator: ", "))",
                        notes: notes))
            }
        }
        return out
    }

    func unmatched(_ i: Int, shown: String, byDirectory: [Substring: [Int]], below: [Substring: Int]) -> Finding? {
        let e = rules.entries[i]
        let parts = e.pattern.split(separator: "/", omittingEmptySubsequences: false)
        // Another architecture's arch/ directory: the file serves every architecture.
        if parts.count > 2, parts[0] == "arch", let own = archDirectory, parts[1] != own,
            !ShellGlob.looksWild(parts[1].utf8)
        {
            return nil
        }
        var last = Self.lastComponent(Self.foldLast(Array(e.pattern.utf8)))
        if last.count > 3 && last.suffix(3).elementsEqual(".ko".utf8) { last = last.dropLast(3) }
        let lastName = String(decoding: last, as: UTF8.self)
        if !ShellGlob.looksWild(last), graph.builtin.contains(lastName) {
            return Finding(
                kind: "entry-matches-nothing", severity: .info, rule: e.location,
                message: "\(shown) matches no module: \(lastName) is built into this kernel")
        }
        var message = "\(shown) matches no module of this tree"
        if meaning[i].inBase { message += ": \(packages.names[basePackage]) will not have it" }
        // What the entry's directory (its literal part) holds: a near name, other modules, or nothing.
        let dir = parts.dropLast().prefix { !ShellGlob.looksWild($0.utf8) }.joined(separator: "/")
        let near =
            ShellGlob.looksWild(last)
            ? [] : (byDirectory[Substring(dir)] ?? []).map { names[$0] }.filter { $0.hasPrefix(lastName) }.sorted()
        var notes: [String] = []
        if !near.isEmpty {
            notes.append("\(dir)/ has \(near.prefix(5).joined(separator: ", "))\(near.count > 5 ? ", …" : "")")
        } else if !dir.isEmpty {
            let count = below[Substring(dir)] ?? 0
            let none = ShellGlob.looksWild(last) ? "the pattern matches none" : "none anywhere is named \(lastName)"
            notes.append(
                count == 0
                    ? "no module of this tree is under \(dir)/ (not configured, or built in)"
                    : "\(dir)/ holds \(count) module\(count == 1 ? "" : "s") of this tree; \(none) (not configured, "
                        + "renamed or dropped)"
            )
        }
        return Finding(
            kind: "entry-matches-nothing", severity: .warning, rule: e.location, message: message, notes: notes)
    }
}
