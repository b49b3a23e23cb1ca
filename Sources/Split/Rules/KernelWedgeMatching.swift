internal import ELFScan
internal import Graph

/// The modules and built-ins a kernel-wedge list entry can name, as kernel-wedge 2.106's `preprocess`
/// sees a module directory: module paths relative to it (here sorted by byte order, where
/// kernel-wedge takes readdir's order), the lines of `modules.builtin`, and which directories exist.
struct KernelWedgeInventory {
    /// Every module file, sorted by path: the graph's modules and the files depmod drops because another
    /// has the same module name (kernel-wedge sees those too).
    let paths: [[UInt8]]
    /// For each file, the graph module it stands for (a dropped file stands for the one depmod keeps).
    let modules: [Int]
    let shadowed: [Bool]
    /// Each file's path without its `.ko[.xz|.zst|.gz]` suffix, as written and with `-` as `_`.
    let rawStems: [[UInt8]]
    let stems: [[UInt8]]
    /// Files by the last component of the normalised stem.
    let byBaseName: [[UInt8]: [Int]]
    /// Built-in modules' stems (normalised) and their index by last component.
    let builtinStems: [[UInt8]]
    let builtinByBaseName: [[UInt8]: [Int]]
    /// The module directory on disk, when there is one; else directories are those the module paths imply.
    let moduleDirectory: String?
    let impliedDirectories: Set<String>

    init(graph: ModuleGraph, builtinPaths: [String]?, moduleDirectory: String?) {
        var files = graph.modules.enumerated().map { (path: Array($1.path.utf8), module: $0, shadowed: false) }
        files += graph.shadowed.map { (path: Array($0.dropped.path.utf8), module: $0.kept, shadowed: true) }
        files.sort { $0.path.lexicographicallyPrecedes($1.path) }
        paths = files.map(\.path)
        modules = files.map(\.module)
        shadowed = files.map(\.shadowed)
        rawStems = paths.map { Self.stem($0) ?? $0 }
        stems = rawStems.map(Self.normalised)
        var index: [[UInt8]: [Int]] = [:]
        for (i, s) in stems.enumerated() { index[Self.lastComponent(s), default: []].append(i) }
        byBaseName = index
        // Without the file, the graph's names stand for `kernel/<name>.ko` (every real modules.builtin
        // line lies under kernel/); only entries naming a directory need the real paths.
        let lines = builtinPaths ?? graph.builtin.sorted().map { "kernel/\($0).ko" }
        builtinStems = lines.compactMap { Self.stem(Array($0.utf8)).map(Self.normalised) }
        var builtinIndex: [[UInt8]: [Int]] = [:]
        for (i, s) in builtinStems.enumerated() { builtinIndex[Self.lastComponent(s), default: []].append(i) }
        builtinByBaseName = builtinIndex
        self.moduleDirectory = moduleDirectory
        var dirs = Set<String>()
        for path in paths {
            var p = Substring(String(decoding: path, as: UTF8.self))
            while let slash = p.lastIndex(of: "/") {
                p = p[..<slash]
                if !dirs.insert(String(p)).inserted { break }
            }
        }
        impliedDirectories = dirs
    }

    /// What a non-wildcard entry names: a file (its position), a built-in (found, nothing to copy), or nothing.
    enum NameMatch: Equatable {
        case file(Int)
        case builtin
        case none
    }

    /// kernel-wedge's two tiers: a file under `kernel/`, else a built-in under `kernel/`, else any file,
    /// else any built-in; the first file of a tier wins. `ambiguous` lists the other files of that tier.
    func match(name: String) -> (NameMatch, ambiguous: [Int]) {
        let n = Self.normalised(Array(name.utf8))
        let key = Self.lastComponent(n)
        let candidates = byBaseName[key] ?? []
        let builtins = builtinByBaseName[key] ?? []
        for tier in [true, false] {
            let files = candidates.filter { Self.nameMatches(stems[$0], n, underKernel: tier) }
            if let first = files.first { return (.file(first), Array(files.dropFirst())) }
            if builtins.contains(where: { Self.nameMatches(builtinStems[$0], n, underKernel: tier) }) {
                return (.builtin, [])
            }
        }
        return (.none, [])
    }

    /// `^kernel/(?:.*/)?NAME` (tier 1) or `(?:^|/)NAME` (tier 2) before the module suffix.
    static func nameMatches(_ stem: [UInt8], _ name: [UInt8], underKernel: Bool) -> Bool {
        var rest = stem[...]
        if underKernel {
            let prefix = Array("kernel/".utf8)
            guard rest.starts(with: prefix) else { return false }
            rest = rest.dropFirst(prefix.count)
        }
        if rest.elementsEqual(name) { return true }
        return rest.count > name.count && rest.suffix(name.count).elementsEqual(name)
            && rest[rest.endIndex - name.count - 1] == UInt8(ascii: "/")
    }

    /// Whether `directory` (relative to the module directory) exists: on disk when the tree is there,
    /// else when some module lies under it. A path with a `..` component never exists: no module path
    /// has one, and modsplit does not probe outside the tree for it.
    func directoryExists(_ directory: String) -> Bool {
        if directory.split(separator: "/", omittingEmptySubsequences: false).contains("..") { return false }
        if let moduleDirectory {
            return FileAccess.kind(moduleDirectory + "/" + directory) == .directory
        }
        let trimmed = directory.split(separator: "/").joined(separator: "/")
        return trimmed.isEmpty || impliedDirectories.contains(trimmed)
    }

    /// The files whose path starts with `prefix` (a literal directory and `/`, or nothing) and whose
    /// rest, without the module suffix, matches `glob`; `budget` is decreased by the work done.
    func modules(withPrefix prefixText: String, matching glob: KernelWedgeGlob, budget: inout Int) -> [Int] {
        let prefix = Array(prefixText.utf8)
        // Sorted paths: the ones under the directory are one run, [prefix, prefix + 0xFF) (no UTF-8 byte is 0xFF).
        func lowerBound(_ key: [UInt8]) -> Int {
            var lo = 0, hi = paths.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if paths[mid].lexicographicallyPrecedes(key) { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        let run = lowerBound(prefix)..<lowerBound(prefix + [0xFF])
        var out: [Int] = []
        for i in run where rawStems[i].count >= prefix.count {
            let rest = rawStems[i][prefix.count...]
            budget -= (glob.tokens.count + 1) * (rest.count + 1)
            if glob.matches(rest) { out.append(i) }
        }
        return out
    }

    /// A path without the module suffix kernel-wedge knows (`.ko`, `.ko.xz`) or modsplit adds
    /// (`.ko.zst`, `.ko.gz`; 2.106's pattern says `.ko.zstd`, which no kernel writes); nil for other files.
    static func stem(_ path: [UInt8]) -> [UInt8]? {
        for suffix in [".ko", ".ko.xz", ".ko.zst", ".ko.gz"] {
            let s = Array(suffix.utf8)
            if path.count > s.count, path.suffix(s.count).elementsEqual(s) { return Array(path.dropLast(s.count)) }
        }
        return nil
    }

    static func normalised(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }
    }

    static func lastComponent(_ bytes: [UInt8]) -> [UInt8] {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return bytes }
        return Array(bytes[(slash + 1)...])
    }
}

/// A kernel-wedge wildcard after its literal leading directory: `**` any run of bytes, `*` a run
/// without `/`, `?` one byte but `/`, `-` and `_` either of them, anything else itself (bytes, as
/// Perl reads the list). Read left to right, so `***` is `**` then `*`.
struct KernelWedgeGlob {
    enum Token: Equatable {
        case byte(UInt8)
        case dashOrUnderscore
        case one
        case star
        case anyRun
    }

    let tokens: [Token]
    /// The bytes any match needs: one per token that is not a run.
    let minimumLength: Int
    /// The literal bytes a match must contain in this order (0 for `-` or `_`): a quick test that
    /// rejects most texts before the exact one runs.
    let literals: [UInt8]

    init(_ pattern: Substring) {
        let bytes = Array(pattern.utf8)
        var out: [Token] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var token: Token
            switch b {
            case UInt8(ascii: "*") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                token = .anyRun
                i += 1
            case UInt8(ascii: "*"): token = .star
            case UInt8(ascii: "?"): token = .one
            case UInt8(ascii: "-"), UInt8(ascii: "_"): token = .dashOrUnderscore
            default: token = .byte(b)
            }
            i += 1
            // Adjacent runs are one run: any `**` among them makes it `**`, else it is `*`.
            if token == .star || token == .anyRun, let last = out.last, last == .star || last == .anyRun {
                if token == .anyRun { out[out.count - 1] = .anyRun }
                continue
            }
            out.append(token)
        }
        tokens = out
        minimumLength = out.filter { $0 != .star && $0 != .anyRun }.count
        literals = out.compactMap {
            switch $0 {
            case .byte(let b): b
            case .dashOrUnderscore: 0
            default: nil
            }
        }
    }

    /// Whether `t` holds `literals` in order (a necessary condition for a match).
    func mayMatch(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        literals.withUnsafeBufferPointer { lit in
            var k = 0
            for p in 0..<t.count where k < lit.count {
                let c = t[p], want = lit[k]
                if c == want || (want == 0 && (c == UInt8(ascii: "-") || c == UInt8(ascii: "_"))) { k += 1 }
            }
            return k == lit.count
        }
    }

    /// Whether the whole of `text` matches: the positions reachable after each token, token by token
    /// (no backtracking, so no pattern makes it slow).
    func matches(_ text: ArraySlice<UInt8>) -> Bool {
        let n = text.count
        guard n >= minimumLength else { return false }
        return text.withUnsafeBufferPointer { t in
            guard mayMatch(t) else { return false }
            return withUnsafeTemporaryAllocation(of: Bool.self, capacity: 2 * (n + 1)) { buffer in
                var reach = UnsafeMutableBufferPointer(rebasing: buffer[0...n])
                var next = UnsafeMutableBufferPointer(rebasing: buffer[(n + 1)...])
                reach.initialize(repeating: false)
                next.initialize(repeating: false)
                reach[0] = true
                var first = 0  // the lowest reachable position
                for token in tokens {
                    var lowest = -1
                    switch token {
                    case .star:
                        var on = false
                        for p in first...n {
                            if reach[p] { on = true }
                            next[p] = on
                            if on && lowest < 0 { lowest = p }
                            if p < n && t[p] == UInt8(ascii: "/") { on = false }
                        }
                    case .anyRun:
                        for p in first...n { next[p] = true }
                        lowest = first
                    default:
                        for p in first..<n where reach[p] {
                            let c = t[p]
                            let ok: Bool
                            switch token {
                            case .byte(let b): ok = c == b
                            case .dashOrUnderscore: ok = c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
                            default: ok = c != UInt8(ascii: "/")
                            }
                            if ok {
                                next[p + 1] = true
                                if lowest < 0 { lowest = p + 1 }
                            }
                        }
                    }
                    guard lowest >= 0 else { return false }
                    for p in first...n { reach[p] = false }
                    swap(&reach, &next)
                    first = lowest
                }
                return reach[n]
            }
        }
    }
}

extension KernelWedgeRun {
    /// What one list gives (kernel-wedge's `preprocess LIST MODDIR`): each module with the entry that
    /// added it. Built-ins satisfy an entry and add nothing; a removal takes out what is in the set at
    /// that point and cancels a pending missing error for the very same spelling.
    mutating func preprocess(
        _ path: String, inventory: KernelWedgeInventory,
        reported: inout Set<SourceLocation>
    ) throws(RulesError) -> [Int: SourceLocation] {
        var set: [Int: SourceLocation] = [:]
        var missing: [String: SourceLocation] = [:]
        var missingOrder: [String] = []
        for (kind, pattern, at) in try entries(of: path) {
            let (found, matched) = try find(
                pattern, optional: kind != .required, at: at, inventory: inventory, reported: &reported)
            if kind == .removal {
                missing.removeValue(forKey: pattern)
                for m in found { set.removeValue(forKey: m) }
                continue
            }
            for m in found where set[m] == nil { set[m] = at }
            if kind == .required, !matched, !Self.isWild(pattern), missing[pattern] == nil {
                missing[pattern] = at
                missingOrder.append(pattern)
            }
        }
        for pattern in missingOrder {
            guard let at = missing[pattern] else { continue }
            findings.append(
                Finding(
                    kind: "missing-module", severity: .error, rule: at,
                    message:
                        "missing module \(Display.sanitized(pattern)): "
                        + "no module of the tree and no built-in has that name (kernel-wedge fails the build)"
                ))
        }
        return set
    }

    static func isWild(_ pattern: String) -> Bool {
        pattern.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }
    }

    /// The modules an entry names, and whether it named anything (a built-in counts).
    mutating func find(
        _ pattern: String, optional: Bool, at: SourceLocation, inventory: KernelWedgeInventory,
        reported: inout Set<SourceLocation>
    ) throws(RulesError) -> (modules: [Int], matched: Bool) {
        guard Self.isWild(pattern) else {
            let (match, others) = inventory.match(name: pattern)
            switch match {
            case .file(let i):
                if !others.isEmpty, reported.insert(at).inserted {
                    let paths = ([i] + others).map { String(decoding: inventory.paths[$0], as: UTF8.self) }
                    findings.append(
                        Finding(
                            kind: "ambiguous-entry", severity: .warning,
                            module: graph.modules[inventory.modules[i]].name, rule: at,
                            message:
                                "\(Display.sanitized(pattern)) names \(paths.count) files; "
                                + "kernel-wedge takes whichever the directory lists first, "
                                + "modsplit \(Display.sanitized(paths[0]))",
                            notes: paths.dropFirst().prefix(5).map { "also \(Display.sanitized($0))" }))
                }
                return (usable([i], pattern: pattern, at: at, inventory: inventory, reported: &reported), true)
            case .builtin: return ([], true)
            case .none: return ([], false)
            }
        }
        // A literal directory before the first wildcard is looked up as written, then under kernel/.
        let bytes = Array(pattern.utf8)
        let firstWild = bytes.firstIndex { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }!
        var prefix = ""
        var rest = bytes[...]
        if let slash = bytes[..<firstWild].lastIndex(of: UInt8(ascii: "/")) {
            var directory = String(decoding: bytes[..<slash], as: UTF8.self)
            rest = bytes[(slash + 1)...]
            if !inventory.directoryExists(directory) {
                if inventory.directoryExists("kernel/" + directory) {
                    directory = "kernel/" + directory
                } else if optional {
                    return ([], false)
                } else if reported.insert(at).inserted {
                    findings.append(
                        Finding(
                            kind: "missing-directory", severity: .error, rule: at,
                            message:
                                "pattern \(Display.sanitized(pattern)) "
                                + "refers to nonexistent subdirectory \(Display.sanitized(directory)) "
                                + "(kernel-wedge fails the build)"
                        ))
                }
            }
            prefix = directory + "/"
        }
        let glob = KernelWedgeGlob(Substring(String(decoding: rest, as: UTF8.self)))
        let found = inventory.modules(withPrefix: prefix, matching: glob, budget: &matchingLeft)
        guard matchingLeft >= 0 else {
            throw RulesError(
                file: at.file, line: at.line, "the lists' wildcards ask for more matching than modsplit allows")
        }
        return (usable(found, pattern: pattern, at: at, inventory: inventory, reported: &reported), !found.isEmpty)
    }

    /// The graph modules the matched files stand for. A file depmod drops (another has the same module
    /// name) is shipped by kernel-wedge but never loaded: said once per entry, and the module depmod
    /// keeps is placed instead.
    mutating func usable(
        _ files: [Int], pattern: String, at: SourceLocation, inventory: KernelWedgeInventory,
        reported: inout Set<SourceLocation>
    ) -> [Int] {
        var out: [Int] = []
        var seen = Set<Int>()
        for i in files {
            let m = inventory.modules[i]
            if inventory.shadowed[i], reported.insert(at).inserted {
                let file = Display.sanitized(String(decoding: inventory.paths[i], as: UTF8.self))
                let kept = Display.sanitized(graph.modules[m].path)
                findings.append(
                    Finding(
                        kind: "ambiguous-entry", severity: .warning, module: graph.modules[m].name, rule: at,
                        message:
                            "\(Display.sanitized(pattern)) names \(file), which depmod ignores for \(kept) "
                            + "(same module name); kernel-wedge ships the file it matched, "
                            + "modsplit places the one that loads"
                    ))
            }
            if seen.insert(m).inserted { out.append(m) }
        }
        return out
    }
}

extension RulesFindingKind {
    /// What the kernel-wedge reader reports about the installer configuration itself (a module kernel-wedge
    /// copies is a `forced-move`, described by its check).
    static let kernelWedge: [RulesFindingKind] = [
        RulesFindingKind(
            id: "missing-module", severity: .error,
            summary: "A required list entry names no module of the tree and no built-in.",
            rationale: "kernel-wedge's preprocess fails with 'missing module', and with it the whole installer build.",
            languages: ["kernel-wedge"]),
        RulesFindingKind(
            id: "missing-directory", severity: .error,
            summary:
                "A required wildcard entry's leading directory exists neither under the module directory nor under "
                + "kernel/.",
            rationale:
                "preprocess fails with 'refers to nonexistent subdirectory'; "
                + "the entry is probably stale (the drivers moved).",
            languages: ["kernel-wedge"]),
        RulesFindingKind(
            id: "module-in-two-packages", severity: .error,
            summary: "A module ends in two packages of the installer.",
            rationale:
                "find-dups fails the build (unless ignore-dups exists, then a warning): "
                + "dpkg cannot install two udebs that ship one file.",
            languages: ["kernel-wedge"]),
        RulesFindingKind(
            id: "empty-package", severity: .error,
            summary: "A package of package-list has a list for this architecture that gives no module.",
            rationale: "kernel-wedge check fails: the udeb would be empty.",
            languages: ["kernel-wedge"]),
        RulesFindingKind(
            id: "ambiguous-entry", severity: .warning,
            summary:
                "A list entry names several files of one tier, or a file depmod ignores for another of the same module "
                + "name.",
            rationale:
                "kernel-wedge takes whichever file the directory lists first (readdir order on the build machine) "
                + "and ships files depmod never loads; modsplit takes the first by path and places the module that "
                + "loads.",
            languages: ["kernel-wedge"]),
        RulesFindingKind(
            id: "module-suffix", severity: .warning,
            summary: "Listed modules are compressed as .ko.zst or .ko.gz, which kernel-wedge 2.106 does not recognise.",
            rationale:
                "2.106 looks for .ko, .ko.xz and .ko.zstd (sic): on such a tree every entry naming them is a missing "
                + "module for the real tool.",
            languages: ["kernel-wedge"]),
        RulesFindingKind(
            id: "unknown-flavour", severity: .warning,
            summary: "kernel-versions has no line for the architecture and flavour of the tree.",
            rationale:
                "Debian builds no installer for that flavour; the lists of the architecture are used, "
                + "and may not fit the tree.",
            languages: ["kernel-wedge"]),
        RulesFindingKind(
            id: "dropped-dependency", severity: .info,
            summary:
                "A package-list Depends entry names a package with no list for this architecture; "
                + "kernel-wedge drops it.",
            rationale:
                "The udeb is built without that dependency, and copy-modules repairs against the packages that remain.",
            languages: ["kernel-wedge"]),
    ]
}
