public import ELFScan
public import Graph

/// The packages as built (`--package FILE`, repeatable): each file is a package, its modules are what
/// it ships and its dependencies what its own metadata says — Debian's Depends and Pre-Depends
/// (alternatives and versions in dpkg's order), an RPM's Requires against the others' Provides (in
/// rpm's order). No rules file is involved: the question is whether what was built loads.
///
/// A dependency is met by a given package, or not at all: one on a package that was not given is a
/// note, and an error when modules of the package need symbols that no given package exports.
public struct BuiltPackages: SplitDefinition {
    /// What `modsplit rules` names as the language of its finding kinds (`--package`, not a `--rules` format).
    public static let language = "packages"

    /// The packages read, and the tree their modules make together.
    public let packages: PackageScan

    /// The split the built packages in `packages` make.
    public init(_ packages: PackageScan) {
        self.packages = packages
    }

    /// The tree is only what the given packages hold: a softdep none of them provides may be in a
    /// package that was not given.
    public var coversWholeTree: Bool { false }

    /// The one file given, or how many packages were given and, when they share one, the directory.
    public var name: String? {
        let files = packages.packages.map(\.file)
        guard files.count > 1 else { return files.first }
        let directories = Set(files.map { f -> String in f.lastIndex(of: "/").map { String(f[..<$0]) } ?? "." })
        if directories.count == 1, let directory = directories.first {
            return "\(files.count) packages in \(directory)"
        }
        return "\(files.count) packages"
    }

    /// The name each package goes by in the split: its own, or its file's for one unreadable from the start.
    var packageNames: [String] {
        packages.packages.map { $0.name.isEmpty ? fileName($0.file) : $0.name }
    }

    /// Puts each module in the package that ships it and reports unmet or ambiguous Depends, conflicting files and
    /// unreadable packages as findings; throws when two packages have one name.
    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        let given = packages.packages
        let names = packageNames
        var seen: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            if let j = seen[n] {
                throw RulesError(file: given[i].file, "package \(n) is given twice (also \(given[j].file))")
            }
            seen[n] = i
        }
        var findings: [Finding] = []
        let resolution = resolveDependencies()
        let set = PackageSet(names: names, dependsOn: resolution.dependsOn.map { $0.map { names[$0] } })

        var packageOf = [Int?](repeating: nil, count: graph.modules.count)
        var basis = [PlacementBasis](repeating: .unruled, count: graph.modules.count)
        for (m, module) in graph.modules.enumerated() {
            guard let p = packages.packageOfPath[module.path] else { continue }
            packageOf[m] = p
            let entry = packages.links[module.path]?.entry ?? entryOf(module.path, in: given[p])
            basis[m] = .listed(SourceLocation(file: given[p].file, line: entry))
        }
        let placement = Placement(
            packages: set, packageOf: packageOf, wanted: packageOf, basis: basis,
            failure: Array(repeating: nil, count: graph.modules.count))

        for (p, package) in given.enumerated() {
            if let failure = package.failure {
                let read = package.modules.count + package.problems.count
                findings.append(
                    Finding(
                        kind: "unreadable-package", severity: .error, package: names[p],
                        message: "\(failure.file) cannot be read: \(failure.reason)",
                        notes: read > 0
                            ? ["the \(read) module files read before that are analysed as its contents"]
                            : ["none of its modules are analysed"]))
            }
            for remark in package.remarks {
                let severity: Severity = remark.level == .error ? .error : remark.level == .warning ? .warning : .info
                findings.append(
                    Finding(
                        kind: "package-contents", severity: severity, package: names[p],
                        message: "\(fileName(package.file)): \(remark.message)"))
            }
        }
        for c in packages.conflicts {
            findings.append(
                Finding(
                    kind: "package-conflict", severity: .error, module: moduleName(fromFileName: c.path), path: c.path,
                    package: names[c.other], providerPackage: names[c.kept],
                    message:
                        "\(names[c.kept]) and \(names[c.other]) both ship \(c.path): "
                        + "the package manager will not install both (the copy in \(names[c.kept]) is analysed)"
                ))
        }
        findings += dependencyFindings(resolution, graph: graph, placement: placement, names: names)
        return RulesPlacement(placement: placement, findings: findings)
    }

    /// Where `path` sits in the package's file list.
    private func entryOf(_ path: String, in package: BuiltPackage) -> Int {
        if let i = package.modules.firstIndex(where: { $0.path == path }), i < package.moduleEntries.count {
            return package.moduleEntries[i]
        }
        return 1
    }

    /// Each package's dependencies among the given packages, and what the given packages do not meet.
    struct Resolution {
        var dependsOn: [[Int]]
        /// Per package: the relations (as written) that no given package meets.
        var missing: [[String]]
        /// Per package: relations a given package of that name meets in name only (a wrong version).
        var wrongVersion: [[(relation: String, package: Int)]]
        /// Per package: groups where a later alternative is given too, though apt takes the first.
        var alternatives: [[(relation: String, chosen: Int)]]
    }

    func resolveDependencies() -> Resolution {
        let given = packages.packages
        var r = Resolution(dependsOn: [], missing: [], wrongVersion: [], alternatives: [])
        for (p, package) in given.enumerated() {
            var deps: [Int] = []
            var missing: [String] = []
            var wrong: [(relation: String, package: Int)] = []
            var alternatives: [(relation: String, chosen: Int)] = []
            for group in package.depends {
                // apt installs the first alternative it can; among given packages, the first given.
                var chosen: Int?
                var others = 0
                for alternative in group {
                    if chosen == nil && package.satisfies(alternative) {
                        chosen = p  // the package meets it itself (it provides the name)
                        break
                    }
                    let meets = given.indices.filter { $0 != p && given[$0].satisfies(alternative) }
                    if chosen == nil { chosen = meets.first } else if !meets.isEmpty { others += 1 }
                }
                let written = group.map(\.description).joined(separator: " | ")
                if let chosen {
                    if chosen != p && !deps.contains(chosen) { deps.append(chosen) }
                    if others > 0 { alternatives.append((written, chosen)) }
                    continue
                }
                if let named = given.indices.first(where: { q in q != p && group.contains { given[q].name == $0.name } }
                ) {
                    wrong.append((written, named))
                } else {
                    missing.append(written)
                }
            }
            r.dependsOn.append(deps)
            r.missing.append(missing)
            r.wrongVersion.append(wrong)
            r.alternatives.append(alternatives)
        }
        return r
    }

    private func dependencyFindings(_ r: Resolution, graph: ModuleGraph, placement: Placement, names: [String])
        -> [Finding]
    {
        let given = packages.packages
        var members = Array(repeating: [Int](), count: given.count)
        for (m, p) in placement.packageOf.enumerated() { if let p { members[p].append(m) } }
        var findings: [Finding] = []
        for p in given.indices {
            for (relation, other) in r.wrongVersion[p] {
                findings.append(
                    Finding(
                        kind: "missing-dependency", severity: .warning, package: names[p],
                        message:
                            "\(names[p]) depends on \(relation), which \(names[other]) \(given[other].version) "
                            + "does not meet: the package manager will not install them together"
                    ))
            }
            for (relation, chosen) in r.alternatives[p] {
                findings.append(
                    Finding(
                        kind: "dependency-alternative", severity: .info, package: names[p],
                        message:
                            "\(names[p]) depends on \(relation); \(names[chosen]) is taken for it, "
                            + "as the first alternative given"
                    ))
            }
            // What the package and everything below it leave unmet; a module whose symbols are
            // missing in such a package most likely needs them from what was not given.
            var closure = [p] + placement.packages.belowList[p]
            closure.sort()
            let unmet = closure.flatMap { q in r.missing[q].map { (relation: $0, package: q) } }
            guard !unmet.isEmpty else { continue }
            let needy = members[p].filter { !graph.unresolved[$0].isEmpty }
            let direct = r.missing[p]
            // Each missing relation once, with the packages it is missing through.
            var relations: [String] = []
            var through: [String: [String]] = [:]
            for u in unmet {
                if through[u.relation] == nil { relations.append(u.relation) }
                through[u.relation, default: []].append(u.package == p ? "" : names[u.package])
            }
            let unmetText = relations.map { relation in
                let via = through[relation]!.filter { !$0.isEmpty }
                guard !via.isEmpty else { return relation }
                let direct = through[relation]!.contains("")
                return "\(relation) (\(direct ? "directly and " : "")through \(via.joined(separator: ", ")))"
            }
            if !needy.isEmpty {
                let symbols = needy.flatMap { graph.unresolved[$0].map(\.name) }
                var notes = needy.prefix(10).map { m in
                    "\(graph.modules[m].name) needs \(Display.symbolList(graph.unresolved[m].map(\.name), limit: 5))"
                }
                if needy.count > 10 { notes.append("and \(needy.count - 10) more modules") }
                notes.append(
                    "give the missing package with --package, or check that the symbols are in the kernel's --symvers")
                findings.append(
                    Finding(
                        kind: "missing-dependency", severity: .error, package: names[p],
                        symbols: Array(Set(symbols)).sorted(),
                        message:
                            "\(names[p]) depends on \(unmetText.joined(separator: ", ")), which "
                            + (relations.count == 1 ? "was" : "were") + " not given, and "
                            + (needy.count == 1
                                ? "1 of its modules needs symbols no given package exports: it will not load"
                                : "\(needy.count) of its modules need symbols no given package exports: "
                                    + "they will not load")
                            + " without \(relations.count == 1 ? "it" : "them")",
                        notes: notes))
            } else if !direct.isEmpty {
                let exportsKnown = graph.kernelExportsKnown
                findings.append(
                    Finding(
                        kind: "missing-dependency", severity: .info, package: names[p],
                        message:
                            "\(names[p]) depends on \(direct.joined(separator: ", ")), "
                            + "which \(direct.count == 1 ? "was" : "were") not given"
                            + (exportsKnown
                                ? "; no module of it needs a symbol from there"
                                : "; without --symvers, whether its modules need symbols from there is unknown")))
            }
        }
        return findings
    }

    private func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// How `--package` is read into a split: the packages, read and put together as a tree.
extension BuiltPackages {
    /// Reads the package files (in parallel) and returns the tree they install with the split they form.
    public static func read(_ files: [String], options: ScanOptions, limits: PackageLimits) throws(TreeError)
        -> (scan: TreeScan, split: BuiltPackages)
    {
        let read = try PackageScanner.scan(files, options: options, limits: limits)
        return (read.scan, BuiltPackages(read))
    }
}

extension RulesFindingKind {
    /// What `--package` reports about the packages themselves.
    static let builtPackages: [RulesFindingKind] = [
        RulesFindingKind(
            id: "unreadable-package", severity: .error,
            summary:
                "A package file that cannot be read, or not to its end (truncated, corrupt, not a package, "
                + "past --max-package-mib).",
            rationale:
                "The package manager would refuse it too. The modules read before the failure are analysed as its "
                + "contents; whatever came after is missing, and modules that need it show as unresolved.",
            languages: [BuiltPackages.language]),
        RulesFindingKind(
            id: "package-contents", severity: .error,
            summary: "Something wrong inside a package: a path with '..' or an empty component, an RPM file list the "
                + "payload does not match (errors); a payload size the signature disowns (warning); dependencies not "
                + "followed, such as RPM rich dependencies (info).",
            rationale:
                "A hostile or broken package; its modules would not be installed where their paths say, or at all.",
            languages: [BuiltPackages.language]),
        RulesFindingKind(
            id: "package-conflict", severity: .error,
            summary: "Two packages ship the same module file.",
            rationale: "dpkg and rpm refuse to install the second over the first (without Replaces or a conflict "
                + "resolution); which copy loads depends on the install order. The copy in the package given first is "
                + "analysed.",
            languages: [BuiltPackages.language]),
        RulesFindingKind(
            id: "missing-dependency", severity: .error,
            summary: "A package depends on a package that was not given: an error when modules of the package (or of "
                + "what it depends on) need symbols no given package exports; a warning when a given package has the "
                + "name but not a version that meets the dependency; otherwise info.",
            rationale: "Installed as built, the package pulls in the missing one from the archive: modsplit cannot see "
                + "its modules. Give it with --package, or check that the symbols are the kernel's (--symvers).",
            languages: [BuiltPackages.language]),
        RulesFindingKind(
            id: "dependency-alternative", severity: .info,
            summary: "A dependency with alternatives that several given packages meet; the first given is taken.",
            rationale: "apt installs the first alternative it can; with another one installed the closure differs.",
            languages: [BuiltPackages.language]),
    ]
}
