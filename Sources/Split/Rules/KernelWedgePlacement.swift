internal import ELFScan
internal import Graph

// The build of one target, as kernel-wedge runs it: preprocess each list, copy-modules (with the dependency
// repair), then find-dups and check.

extension KernelWedgeRun {
    /// The whole build: lists in dependency order, each list's modules plus what they need that no
    /// package it depends on ships (copy-modules), then the checks kernel-wedge runs afterwards.
    mutating func place() throws(RulesError) -> RulesPlacement {
        let names = try listNames()
        let lists = Set(names)
        var control: [String: [String]] = [:]  // package → Depends as the udeb has them (list names)
        var repairDeps: [String: [String]] = [:]  // package → what copy-modules repairs against
        var dependsLine: [String: SourceLocation] = [:]
        for stanza in rules.stanzas {
            guard let name = stanza.field("Package", arch: arch, flavour: flavour)?.value, lists.contains(name),
                repairDeps[name] == nil
            else { continue }
            let field = stanza.field("Depends", arch: arch, flavour: flavour)
            let at = SourceLocation(file: rules.packageListPath, line: field?.line ?? stanza.line)
            dependsLine[name] = at
            var entries = field?.value.components(separatedBy: ", ") ?? []
            while entries.last == "" { entries.removeLast() }
            var kept: [String] = []
            var repair: [String] = []
            for e in entries {
                if lists.contains(e) {
                    kept.append(e)
                    repair.append(e)
                } else if e.hasSuffix("!") {
                    kept.append(String(e.dropLast()))
                } else if !e.isEmpty {
                    findings.append(
                        Finding(
                            kind: "dropped-dependency", severity: .info, package: name, rule: at,
                            message:
                                "\(Display.sanitized(name)) Depends on \(Display.sanitized(e)), "
                                + "which has no list for \(Display.sanitized(arch)) \(Display.sanitized(flavour)): "
                                + "kernel-wedge drops it"
                        ))
                }
            }
            repairDeps[name] = repair
            if !rules.excluded.contains(udeb(name)) { control[name] = kept }
        }

        // Dependencies first; a cycle is an error (kernel-wedge's tsort only warns).
        var visit: [String] = []
        var state: [String: Bool] = [:]  // false while visiting, true when done
        var chain: [String] = []
        func walk(_ p: String) throws(RulesError) {
            if let done = state[p] {
                if done { return }
                let cycle = (chain.drop { $0 != p } + [p]).map(Display.sanitized).joined(separator: " → ")
                throw RulesError(
                    file: rules.packageListPath, line: dependsLine[p]?.line, "package dependency cycle: \(cycle)")
            }
            state[p] = false
            chain.append(p)
            for d in control[p] ?? repairDeps[p] ?? [] where lists.contains(d) { try walk(d) }
            chain.removeLast()
            state[p] = true
            visit.append(p)
        }
        for p in names { try walk(p) }

        let inventory = KernelWedgeInventory(
            graph: graph, builtinPaths: rules.builtinPaths, moduleDirectory: rules.moduleDirectory)
        var reported = Set<SourceLocation>()
        var below: [String: Set<String>] = [:]
        var final: [String: Set<Int>] = [:]
        var listed: [String: [Int: SourceLocation]] = [:]
        var copies: [String: [Int: [Int]]] = [:]  // package → copied module → the listed modules that need it
        var closures: [Int: [Int]] = [:]
        for p in visit {
            var under = Set<String>()
            for d in repairDeps[p] ?? [] { under.insert(d); under.formUnion(below[d] ?? []) }
            below[p] = under
            var shipped = Set<Int>()
            for q in under { shipped.formUnion(final[q] ?? []) }
            let l = try preprocess(listDirectory + "/" + p, inventory: inventory, reported: &reported)
            var f = Set(l.keys)
            var pulled: [Int: [Int]] = [:]
            for m in l.keys.sorted() {
                if closures[m] == nil { closures[m] = graph.closure(of: m) }
                for d in closures[m]! where l[d] == nil && !shipped.contains(d) {
                    f.insert(d)
                    pulled[d, default: []].append(m)
                }
            }
            final[p] = f
            listed[p] = l
            copies[p] = pulled
        }
        return placement(
            visit.filter { control[$0] != nil }, control: control, final: final, listed: listed, copies: copies)
    }

    mutating func placement(
        _ names: [String], control: [String: [String]], final: [String: Set<Int>],
        listed: [String: [Int: SourceLocation]], copies: [String: [Int: [Int]]]
    ) -> RulesPlacement {
        let n = graph.modules.count
        func name(_ m: Int) -> String { Display.sanitized(graph.modules[m].name) }
        func location(_ p: String, _ pullers: [Int]) -> SourceLocation? { pullers.compactMap { listed[p]?[$0] }.min() }
        // Where each module ends: the first package (dependencies first) that lists it, else the first
        // that copies it; any other is a duplicate.
        var holders = [[Int]](repeating: [], count: n)
        for (i, p) in names.enumerated() { for m in final[p]! { holders[m].append(i) } }
        var packageOf = [Int?](repeating: nil, count: n)
        var basis = [PlacementBasis](repeating: .unlisted, count: n)
        for m in 0..<n where !holders[m].isEmpty {
            let chosen = holders[m].first { listed[names[$0]]![m] != nil } ?? holders[m][0]
            let p = names[chosen]
            packageOf[m] = chosen
            if let at = listed[p]![m] {
                basis[m] = .listed(at)
            } else {
                let pullers = copies[p]![m]!
                basis[m] = .pulled(by: pullers.map { graph.modules[$0].name }.sorted(), location: location(p, pullers))
            }
            guard holders[m].count > 1 else { continue }
            let notes = holders[m].map { i -> String in
                let q = names[i]
                if let at = listed[q]![m] { return "listed in \(q) at \(at)" }
                return "copied into \(q) for \(copies[q]![m]!.prefix(3).map(name).joined(separator: ", "))"
            }
            findings.append(
                Finding(
                    kind: "module-in-two-packages", severity: rules.ignoreDuplicates ? .warning : .error,
                    module: graph.modules[m].name,
                    path: graph.modules[m].path, package: p, rule: listed[p]![m] ?? location(p, copies[p]![m] ?? []),
                    message:
                        "\(name(m)) is in \(holders[m].count) packages: "
                        + "\(holders[m].map { udeb(names[$0]) }.joined(separator: ", ")) (find-dups fails the build)",
                    notes: notes))
        }
        for p in names {
            for (d, pullers) in copies[p]!.sorted(by: { graph.modules[$0.key].path < graph.modules[$1.key].path }) {
                findings.append(copyFinding(d, into: p, pullers: pullers, members: final[p]!, listed: listed[p]!))
            }
            if final[p]!.isEmpty && p != "kernel-image" {
                findings.append(
                    Finding(
                        kind: "empty-package", severity: .error, package: p,
                        rule: SourceLocation(file: listDirectory + "/" + p, line: 1),
                        message: "\(udeb(p)) will be empty: its list gives no module (kernel-wedge check fails)"))
            }
        }
        let odd = names.flatMap { final[$0]! }.filter {
            graph.modules[$0].path.hasSuffix(".ko.zst") || graph.modules[$0].path.hasSuffix(".ko.gz")
        }
        if let example = odd.min() {
            findings.append(
                Finding(
                    kind: "module-suffix", severity: .warning, module: graph.modules[example].name,
                    path: graph.modules[example].path,
                    message:
                        "\(odd.count) listed modules end in .ko.zst or .ko.gz, "
                        + "which kernel-wedge 2.106 does not see (it looks for .ko, .ko.xz and .ko.zstd): "
                        + "the real build would find them missing"
                ))
        }
        var packageNames = names
        var dependsOn = names.map { p in control[p]!.filter { names.contains($0) } }
        if packageOf.contains(nil) {
            // The rest of the kernel: in the full kernel package, which holds every module.
            packageNames.append(rules.release.map { "linux-image-\($0)" } ?? "linux-image")
            dependsOn.append(names)
            for m in 0..<n where packageOf[m] == nil { packageOf[m] = names.count }
        }
        let set = PackageSet(names: packageNames, dependsOn: dependsOn)
        let placement = Placement(
            packages: set, packageOf: packageOf, wanted: packageOf, basis: basis,
            failure: [String?](repeating: nil, count: n))
        return RulesPlacement(placement: placement, findings: findings)
    }

    /// A module copy-modules puts into `p` unasked: who needs it, by which symbols, at what cost.
    func copyFinding(_ d: Int, into p: String, pullers: [Int], members: Set<Int>, listed: [Int: SourceLocation])
        -> Finding
    {
        func name(_ m: Int) -> String { Display.sanitized(graph.modules[m].name) }
        let direct = graph.users[d].filter { members.contains($0) }
        var symbols: [String] = []
        var notes: [String] = []
        for u in direct {
            let s = graph.edge(from: u, to: d)?.symbols ?? []
            for x in s where !symbols.contains(x) { symbols.append(x) }
            if notes.count < 4 {
                let how = listed[u].map { "listed at \($0)" } ?? "copied too"
                notes.append(
                    "needed by \(name(u)) (\(how)) for \(Display.symbolList(s.map(Display.sanitized), limit: 4))")
            }
        }
        for r in pullers where !direct.contains(r) && notes.count < 7 {
            guard let chain = graph.path(from: r, to: d) else { continue }
            notes.append(
                "listed \(name(r)) (\(listed[r].map { "\($0)" } ?? "?")) "
                    + "needs it through \(chain.map(name).joined(separator: " → "))"
            )
        }
        let f = graph.modules[d]
        let who =
            pullers.prefix(3).map(name).joined(separator: ", ")
            + (pullers.count > 3 ? " and \(pullers.count - 3) more" : "")
        let needs = pullers.count == 1 ? "needs" : "need"
        return Finding(
            kind: "forced-move", severity: .info, module: f.name, path: f.path, package: p, symbols: symbols,
            rule: pullers.compactMap { listed[$0] }.min(),
            message:
                "kernel-wedge copies \(name(d)) into \(udeb(p)): listed \(who) \(needs) it and no package \(p) "
                + "depends on ships it (\(Display.kib(f.fileSize)) added)",
            notes: notes, cost: Cost(bytes: f.fileSize, uncompressedBytes: f.uncompressedSize, modules: [f.name]))
    }
}
