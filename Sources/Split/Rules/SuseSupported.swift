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
struct EntryMeaning {
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
struct SuseRun {
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
