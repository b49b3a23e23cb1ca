internal import ELFScan
public import Graph

/// SUSE's `supported.conf`, read the way SUSE's kernel build reads it, and the split its build makes.
///
/// Four steps of the build give the file its meaning, and modsplit follows each: `rpm/guards` reads
/// the lines (a `#` at the start or after a blank starts a comment; a final `\` joins the next line;
/// tokens starting with `+` or `-` are markers that apply to the patterns after them on the line);
/// the spec's awk turns the markers, left to right, into a support tag (`+external`: external; any
/// `-…`: no; `+<cpu_arch>`: back to yes); modpost tags each module by the first line that matches it
/// (plain patterns compare only the last path component, wildcards are fnmatch'ed with `*` crossing
/// `/`, `-` equals `_` in the last component); `split-modules` builds the packages.
///
/// Packages, with `--flavour F` (default `default`): `kernel-F-base` is the `+base` names closed over
/// their dependencies, as split-modules computes it (since SLE 15 the kernel-default-base that SUSE
/// ships is built from a separate module list, `kernel-default-base.spec.txt`, which modsplit does not
/// model); `kernel-F` holds the supported modules and everything they need; `<name>-kmp-F` the modules
/// of each `+<name>-kmp` marker; `kernel-F-extra` the rest, or with `--variant optional` (Leap's split)
/// only the rest marked `-`, and `kernel-F-optional` what is left. For checking, each package depends
/// on the one before (base ← kernel-F ← extra ← optional; KMPs on kernel-F).
public struct SuseSupported: SplitDefinition {
    /// One pattern of the file with the markers written before it on its logical line.
    public struct Entry: Sendable, Hashable {
        /// The pattern: a module name, or a path wildcard.
        public var pattern: String
        /// The `+`/`-` markers before it on its logical line, in order (`+base`, `-`, `+external`, …).
        public var markers: [String]
        /// Where the pattern is written.
        public var location: SourceLocation

        /// The markers and the pattern as the file writes them.
        public var text: String { (markers + [pattern]).joined(separator: " ") }
    }

    /// The file as the user named it.
    public var file: String
    /// Every pattern of the file with its markers, in file order.
    public var entries: [Entry]
    /// The flavour in the package names (`kernel-<flavour>-base`, …).
    public var flavour: String
    /// Leap's split of the unsupported modules into -extra and -optional.
    public var optionalSplit: Bool
    /// The architecture the file is read for (Debian's name), nil for the tree's own.
    public var arch: String?
    /// The line of a final `\` that made guards drop the tokens pending before it.
    public var lostAtEnd: SourceLocation?

    /// The most entries a file may hold: SUSE's own has about 4,300.
    public static let maxEntries = 100_000
    /// The most `+<name>-kmp` packages a file may name: SUSE's own names six.
    public static let maxKMPs = 256

    /// The file as the user named it.
    public var name: String? { file }

    /// Reads a supported.conf; a NUL byte, bytes that are not UTF-8 or too many entries are `RulesError`s.
    public static func load(path: String, options: RulesOptions) throws(RulesError) -> SuseSupported {
        let bytes: [UInt8]
        do {
            bytes = try FileAccess.read(path, limit: RulesLimits.maxFileBytes)
        } catch {
            throw RulesError(file: path, error.reason)
        }
        return try parse(bytes, file: path, options: options)
    }

    /// Parses supported.conf bytes for the flavour, variants and architecture in `options`.
    public static func parse(_ bytes: [UInt8], file: String, options: RulesOptions = RulesOptions()) throws(RulesError)
        -> SuseSupported
    {
        try DistroText.checkText(bytes, file: file)
        var entries: [Entry] = []
        var pending: [(token: [UInt8], line: Int)] = []
        let lines = DistroText.lines(bytes)
        for (index, raw) in lines.enumerated() {
            var text = Array(raw)
            // guards: `(^|\s+)#.*` is cut first, then a final `\` joins the next line.
            if let hash = text.indices.first(where: {
                text[$0] == UInt8(ascii: "#") && ($0 == 0 || DistroText.isBlank(text[$0 - 1]))
            }) {
                var cut = hash
                while cut > 0 && DistroText.isBlank(text[cut - 1]) { cut -= 1 }
                text.removeSubrange(cut...)
            }
            let continued = text.last == UInt8(ascii: "\\")
            if continued { text[text.count - 1] = UInt8(ascii: " ") }
            for token in text.split(whereSeparator: DistroText.isBlank) { pending.append((Array(token), index + 1)) }
            if continued { continue }
            var markers: [String] = []
            for (token, line) in pending {
                let s = String(decoding: token, as: UTF8.self)
                if token[0] == UInt8(ascii: "+") || token[0] == UInt8(ascii: "-") {
                    markers.append(s)
                } else {
                    entries.append(
                        Entry(pattern: s, markers: markers, location: SourceLocation(file: file, line: line)))
                }
            }
            pending = []
            if entries.count > maxEntries {
                throw RulesError(
                    file: file, line: index + 1, "more than \(maxEntries) entries (SUSE's own file has about 4,300)")
            }
        }
        let lost = pending.isEmpty ? nil : SourceLocation(file: file, line: lines.count)
        return SuseSupported(
            file: file, entries: entries, flavour: options.flavour ?? "default",
            optionalSplit: options.variants.contains("optional"), arch: options.arch, lostAtEnd: lost)
    }

    /// Tags every module as modpost would and builds the packages as split-modules would, with findings for what the
    /// build pulls in, leaves unsupported or never matches.
    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        var run = try SuseRun(rules: self, graph: graph)
        try run.placeAll()
        return RulesPlacement(placement: run.placement(), findings: run.findings())
    }
}

/// supported.conf in `--rules` (by its name or its first lines) and `--rules-format suse`.
public enum SuseSupportedFormat: SplitFormat {
    /// `suse`, as `--rules-format` takes it.
    public static let name = "suse"

    /// A file named `…supported.conf`, or one whose first lines carry `+base` or `+external` markers.
    public static func recognizes(path: String, isDirectory: Bool, head: [UInt8]) -> Bool {
        guard !isDirectory else { return false }
        if path.hasSuffix("supported.conf") { return true }
        let text = String(decoding: head, as: UTF8.self)
        return text.contains("\n+base") || text.contains("\n+external") || text.contains("+base\t")
    }

    /// Reads supported.conf for the requested flavour and variants.
    public static func load(path: String, options: RulesOptions) throws(RulesError) -> any SplitDefinition {
        try SuseSupported.load(path: path, options: options)
    }
}

/// What the build makes of one entry's markers.
private struct EntryMeaning {
    enum Tag: Equatable { case yes, external, no }
    var tag: Tag
    var inBase: Bool
    /// The `<name>-kmp` lists that select the entry.
    var kmps: [String]
    /// Leap's Module.optional mark: the last `-…` marker, reset by `+<cpu_arch>`.
    var optionalMark: String?

    var supported: Bool { tag != .no }

    /// guards' selection of a line for `symbol` with `--default=0`: excluded unless the first marker is
    /// a `-` one, then each marker that applies (`±symbol` or a bare `±`; `±!x` for any other x) decides.
    static func selects(_ markers: [String], _ symbol: String) -> Bool {
        guard let first = markers.first else { return false }
        var selected = first.hasPrefix("-")
        for m in markers {
            var rest = m.dropFirst()
            let negated = rest.hasPrefix("!")
            if negated { rest = rest.dropFirst() }
            if negated ? rest != symbol : (rest.isEmpty || rest == symbol) { selected = m.hasPrefix("+") }
        }
        return selected
    }

    /// The KMP a marker names (`+x-kmp`, `-!x-kmp` → `x-kmp`).
    static func kmpName(_ marker: String) -> String? {
        guard marker.hasSuffix("-kmp") else { return nil }
        if marker.hasPrefix("+") && !marker.hasPrefix("+!") { return String(marker.dropFirst()) }
        if marker.hasPrefix("-!") { return String(marker.dropFirst(2)) }
        return nil
    }

    init(_ markers: [String], cpu: String, kmpNames: [String], otherKMPsSelected: Bool) {
        var tag = Tag.yes
        var mark: String?
        for m in markers {
            if m == "+external" {
                tag = .external
            } else if m == "+" + cpu {
                (tag, mark) = (.yes, nil)
            } else if m.hasPrefix("-") {
                (tag, mark) = (.no, m)
            }
        }
        self.tag = tag
        optionalMark = mark
        inBase = Self.selects(markers, "base")
        // Only the KMPs a line names can be selected differently from any other symbol.
        let named = Set(
            markers.compactMap { m -> String? in
                let s = m.drop { $0 == "+" || $0 == "-" || $0 == "!" }
                return s.hasSuffix("-kmp") ? String(s) : nil
            })
        kmps = kmpNames.filter { named.contains($0) ? Self.selects(markers, $0) : otherKMPsSelected }
    }
}

/// One placement of one tree by one supported.conf.
private struct SuseRun {
    let rules: SuseSupported
    let graph: ModuleGraph
    let names: [String]
    /// Each module's name as modpost sees it: the path under kernel/, suffixes cut, `-` folded in the last part.
    let modpostNames: [[UInt8]]
    let meaning: [EntryMeaning]
    let kmpNames: [String]
    let cpu: String
    let archDirectory: String?
    var packages: PackageSet
    let basePackage = 0, mainPackage = 1, extraPackage = 2
    var optionalPackage: Int? { rules.optionalSplit ? 3 : nil }

    /// The entry that tags each module (modpost's first match), and every module each entry matches.
    var tagEntry: [Int?]
    var hits: [[Int]]
    var packageOf: [Int]
    var basis: [PlacementBasis]
    var base = Set<Int>(), baseRequested: [Int: Int] = [:]
    var supportedMain = Set<Int>(), supportedAll = Set<Int>()
    var kmpOf: [Int: (kmp: String, entry: Int)] = [:]

    init(rules: SuseSupported, graph: ModuleGraph) throws(RulesError) {
        self.rules = rules
        self.graph = graph
        let arch =
            rules.arch.flatMap(KernelArchitecture.init(debian:))
            ?? graph.modules.first.flatMap { KernelArchitecture(identity: $0.identity) }
        cpu = arch?.suse ?? "x86_64"
        archDirectory = arch?.directory
        names = graph.modules.map { moduleName(fromFileName: $0.path) }
        modpostNames = graph.modules.map { m in
            var p = Substring(uncompressedPath(m.path))
            if p.hasPrefix("kernel/") { p = p.dropFirst(7) }
            if p.hasSuffix(".ko") { p = p.dropLast(3) }
            return SuseRun.foldLast(Array(p.utf8))
        }
        var kmps: [String] = []
        for e in rules.entries {
            for m in e.markers { if let k = EntryMeaning.kmpName(m), !kmps.contains(k) { kmps.append(k) } }
            if kmps.count > SuseSupported.maxKMPs {
                throw RulesError(
                    file: e.location.file, line: e.location.line,
                    "more than \(SuseSupported.maxKMPs) KMP names (SUSE's own file has six)")
            }
        }
        let kmpNames = kmps.sorted()
        self.kmpNames = kmpNames
        let cpu = self.cpu
        meaning = rules.entries.map {
            EntryMeaning(
                $0.markers, cpu: cpu, kmpNames: kmpNames, otherKMPsSelected: EntryMeaning.selects($0.markers, "\u{0}"))
        }
        let f = rules.flavour
        var packageNames = ["kernel-\(f)-base", "kernel-\(f)", "kernel-\(f)-extra"]
        var depends: [[String]] = [[], [packageNames[0]], [packageNames[1]]]
        if rules.optionalSplit {
            packageNames.append("kernel-\(f)-optional")
            depends.append([packageNames[2]])
        }
        for k in kmpNames {
            packageNames.append("\(k)-\(f)")
            depends.append([packageNames[1]])
        }
        // KMPs that use each other get their Requires in placeAll().
        packages = PackageSet(names: packageNames, dependsOn: depends)
        let n = graph.modules.count
        tagEntry = Array(repeating: nil, count: n)
        hits = Array(repeating: [], count: rules.entries.count)
        packageOf = Array(repeating: 2, count: n)
        basis = Array(repeating: .unlisted, count: n)
        try match()
    }

    /// `-` → `_` in the last path component, leaving `[…]` alone (modpost's `underscores()`).
    static func foldLast(_ p: [UInt8]) -> [UInt8] {
        var out = p
        var i = (p.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
        while i < p.count {
            if p[i] == UInt8(ascii: "[") {
                i = (p[(i + 1)...].firstIndex(of: UInt8(ascii: "]")) ?? p.count - 1) + 1
                continue
            }
            if p[i] == UInt8(ascii: "-") { out[i] = UInt8(ascii: "_") }
            i += 1
        }
        return out
    }

    static func lastComponent(_ p: [UInt8]) -> ArraySlice<UInt8> {
        p[((p.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1)...]
    }

    /// modpost's matching, every entry against every module it could match: plain entries through a table
    /// of last components, wildcards only against the modules that start with their literal prefix.
    mutating func match() throws(RulesError) {
        var byLast: [ArraySlice<UInt8>: [Int]] = [:]
        for (m, name) in modpostNames.enumerated() { byLast[Self.lastComponent(name), default: []].append(m) }
        let sorted = modpostNames.indices.sorted { modpostNames[$0].lexicographicallyPrecedes(modpostNames[$1]) }
        var budget = MatchBudget()
        for (i, entry) in rules.entries.enumerated() {
            var pattern = Array(entry.pattern.utf8)
            if pattern.count > 3 && pattern.suffix(3).elementsEqual(".ko".utf8) { pattern.removeLast(3) }
            pattern = Self.foldLast(pattern)
            if !ShellGlob.looksWild(pattern) {
                hits[i] = byLast[Self.lastComponent(pattern)] ?? []
            } else {
                let glob = ShellGlob(pattern)
                let prefix = glob.literalPrefix
                var lo = 0, hi = sorted.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if modpostNames[sorted[mid]].lexicographicallyPrecedes(prefix) { lo = mid + 1 } else { hi = mid }
                }
                var found: [Int] = []
                for k in lo..<sorted.count {
                    let m = sorted[k]
                    guard modpostNames[m].starts(with: prefix), budget.spend() else { break }
                    if glob.matches(modpostNames[m], budget: &budget) { found.append(m) }
                }
                if budget.exhausted {
                    throw RulesError(
                        file: entry.location.file, line: entry.location.line,
                        "matching the patterns against this tree takes more than \(MatchBudget.standard) steps; "
                            + "the file is refused (SUSE's own takes about 45,000)"
                    )
                }
                hits[i] = found.sorted()
            }
            for m in hits[i] where tagEntry[m] == nil { tagEntry[m] = i }
        }
    }

    func tag(_ m: Int) -> EntryMeaning.Tag? { tagEntry[m].map { meaning[$0].tag } }

    /// split-modules, step by step: base, KMPs, the supported closure, then extra and optional.
    mutating func placeAll() throws(RulesError) {
        let n = graph.modules.count
        let byName = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        // Module.base and Module.<kmp>: base names only; a wildcard's last component names nothing.
        for (i, e) in rules.entries.enumerated() where meaning[i].inBase || !meaning[i].kmps.isEmpty {
            var last = Substring(e.pattern.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
            if last.hasSuffix(".ko") { last = last.dropLast(3) }
            guard let m = byName[normalizedModuleName(last)] else { continue }
            if meaning[i].inBase, baseRequested[m] == nil { baseRequested[m] = i }
            for k in meaning[i].kmps where kmpOf[m] == nil { kmpOf[m] = (k, i) }
        }
        base = graph.closure(ofSet: baseRequested.keys)
        supportedMain = Set((0..<n).filter { (tag($0).map { $0 != .no } ?? false) && kmpOf[$0] == nil })
        supportedAll = graph.closure(ofSet: supportedMain)
        let basePullers = pullers(from: Set(baseRequested.keys), within: base)
        let mainPullers = pullers(from: supportedMain, within: supportedAll)
        let leap = rules.optionalSplit ? optionalTables() : nil
        var budget = MatchBudget()
        for m in 0..<n {
            if base.contains(m) {
                packageOf[m] = basePackage
                basis[m] =
                    baseRequested[m].map { .listed(rules.entries[$0].location) }
                    ?? pulledBasis(m, basePullers, within: base)
            } else if supportedAll.contains(m) {
                packageOf[m] = mainPackage
                basis[m] =
                    supportedMain.contains(m)
                    ? .listed(rules.entries[tagEntry[m]!].location) : pulledBasis(m, mainPullers, within: supportedAll)
            } else if let (k, entry) = kmpOf[m] {
                packageOf[m] = packages.index(of: "\(k)-\(rules.flavour)")!
                basis[m] = .listed(rules.entries[entry].location)
            } else {
                let (package, entry) = unsupportedPackage(m, leap, budget: &budget)
                if budget.exhausted {
                    throw RulesError(
                        file: rules.file,
                        "matching the optional split's wildcards against this tree takes more than "
                            + "\(MatchBudget.standard) steps; the file is refused"
                    )
                }
                packageOf[m] = package
                basis[m] = entry.map { .listed(rules.entries[$0].location) } ?? .unlisted
            }
        }
        // The build gives a KMP a Requires on each KMP holding a module its modules depend on (it maps
        // modinfo `depends` to KMP names); everything else it assumes in kernel-<F>.
        let kmpPackages = Set(kmpOf.keys.map { packageOf[$0] })
        var depends = packages.dependsOn.map { $0.map { packages.names[$0] } }
        for m in kmpOf.keys.sorted() where kmpPackages.contains(packageOf[m]) {
            for e in graph.deps[m]
            where kmpPackages.contains(packageOf[e.target]) && packageOf[e.target] != packageOf[m] {
                let needed = packages.names[packageOf[e.target]]
                if !depends[packageOf[m]].contains(needed) { depends[packageOf[m]].append(needed) }
            }
        }
        packages = PackageSet(names: packages.names, dependsOn: depends)
    }

    /// -extra or -optional, and the entry that decides: without the optional split every unsupported
    /// module is in -extra (placed by its tag line, if any); with it, Leap's table of base names (later lines
    /// win, names not folded), then the wildcards in file order, else -optional.
    func unsupportedPackage(
        _ m: Int, _ leap: (stems: [String: Int], globs: [(Int, ShellGlob)])?,
        budget: inout MatchBudget
    ) -> (Int, Int?) {
        guard let optional = optionalPackage, let leap else { return (extraPackage, tagEntry[m]) }
        var rel = Substring(uncompressedPath(graph.modules[m].path))
        if rel.hasPrefix("kernel/") { rel = rel.dropFirst(7) }
        if rel.hasSuffix(".ko") { rel = rel.dropLast(3) }
        var decided = leap.stems[String(rel.split(separator: "/").last ?? "")]
        if decided == nil {
            // The shell's `case` in split-modules: `*` crosses `/`.
            let text = Array(rel.utf8)
            decided = leap.globs.first { budget.spend() && $0.1.matches(text, budget: &budget) }?.0
        }
        guard let d = decided else { return (optional, nil) }
        return (meaning[d].optionalMark == "-" ? extraPackage : optional, d)
    }

    /// Leap's Module.optional: each marked pattern's last component (`.ko` and compression cut, not
    /// folded; later lines overwrite earlier ones), and the marked wildcards in file order.
    func optionalTables() -> (stems: [String: Int], globs: [(Int, ShellGlob)]) {
        var stems: [String: Int] = [:]
        var globs: [(Int, ShellGlob)] = []
        for (i, e) in rules.entries.enumerated() where meaning[i].optionalMark != nil {
            var p = Substring(e.pattern)
            for suffix in [".ko.xz", ".ko.gz", ".ko.zst", ".ko"] where p.hasSuffix(suffix) {
                p = p.dropLast(suffix.count)
                break
            }
            stems[String(p.split(separator: "/", omittingEmptySubsequences: false).last ?? "")] = i
            if ShellGlob.looksWild(p.utf8) { globs.append((i, ShellGlob(p.utf8))) }
        }
        return (stems, globs)
    }

    /// For each module a closure added: the module that first needed it, breadth first from `roots`.
    func pullers(from roots: Set<Int>, within set: Set<Int>) -> [Int: Int] {
        var parent: [Int: Int] = [:]
        var queue = roots.sorted()
        var seen = roots
        var head = 0
        while head < queue.count {
            let m = queue[head]
            head += 1
            for e in graph.deps[m] where set.contains(e.target) && seen.insert(e.target).inserted {
                parent[e.target] = m
                queue.append(e.target)
            }
        }
        return parent
    }

    /// `.pulled`: the direct users within the set, and the entry that placed the module the chain starts from.
    func pulledBasis(_ m: Int, _ parent: [Int: Int], within set: Set<Int>) -> PlacementBasis {
        var root = m
        // Breadth-first parents form a tree: the walk ends at a root.
        while let p = parent[root] { root = p }
        let entry = baseRequested[root].flatMap { base.contains(m) ? $0 : nil } ?? tagEntry[root]
        let users = graph.users[m].filter { set.contains($0) }.map { names[$0] }.sorted()
        return .pulled(by: users, location: entry.map { rules.entries[$0].location })
    }

    func placement() -> Placement {
        Placement(
            packages: packages, packageOf: packageOf.map { Optional($0) }, wanted: packageOf.map { Optional($0) },
            basis: basis,
            failure: Array(repeating: nil, count: graph.modules.count))
    }
}

// MARK: Findings

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
                                + "SUSE's build prints \"optional modules are used by extra modules\""
                        ))
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
