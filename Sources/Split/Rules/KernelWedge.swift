internal import ELFScan
internal import Foundation
internal import Glibc
public import Graph

/// Debian's installer split: a `debian/installer` directory (kernel-versions, package-list, modules/)
/// as kernel-wedge 2.106 reads it, or a source tree that contains one.
public enum KernelWedgeFormat: SplitFormat {
    /// `kernel-wedge`, as `--rules-format` takes it.
    public static let name = "kernel-wedge"
    /// Its lists are chosen by the tree's architecture and flavour, and its release names the packages.
    public static let readsTree = true

    /// A directory with a kernel-wedge configuration in it or in its `debian/installer`.
    public static func recognizes(path: String, isDirectory: Bool, head: [UInt8]) -> Bool {
        isDirectory && KernelWedgeRules.installerDirectory(path) != nil
    }

    /// Reads the configuration for the tree's (or the given) architecture and flavour.
    public static func load(path: String, options: RulesOptions) throws(RulesError) -> any SplitDefinition {
        try KernelWedgeRules.load(path: path, options: options)
    }
}

/// A kernel-wedge configuration, read; `place` does what kernel-wedge's `preprocess`, `copy-modules`,
/// `find-dups` and `check` do for one architecture and flavour, and reports what they would do silently
/// (copies) or fail on (missing modules, duplicates, empty packages) as findings with file:line.
///
/// Packages are the lists kernel-wedge builds, named by list (`nic-modules`; the udeb is
/// `nic-modules-<abi>-<flavour>-di`). Modules no list ships go to one fallback package,
/// `linux-image-<release>` (the full kernel package), which depends on every installer package.
/// Where modsplit differs from 2.106, on purpose: `.ko.zst` and `.ko.gz` are modules (2.106 knows
/// `.ko.xz` and `.ko.zstd`); an include must stay inside the configuration directory; a wildcard's
/// directory with a `..` component never exists; every problem is reported, where kernel-wedge stops
/// at the first; lines longer than 4 KiB, more than 200,000 entries or runaway wildcard matching are refused.
public struct KernelWedgeRules: SplitDefinition {
    /// The configuration directory (`debian/installer`).
    public let directory: String
    let kernelVersions: [KernelVersionsLine]
    let stanzas: [Stanza]
    let packageListPath: String
    /// Udeb names `exclude-packages` removes from debian/control.
    let excluded: Set<String>
    /// `ignore-dups` exists: duplicates are warnings.
    let ignoreDuplicates: Bool
    let arch: String?
    let flavour: String?
    let release: String?
    let moduleDirectory: String?
    let builtinPaths: [String]?

    /// The configuration directory.
    public var name: String? { directory }

    struct KernelVersionsLine {
        var arch, version, flavour, installedName: String
        var line: Int
    }

    struct Field {
        var value: String
        var line: Int
    }

    struct Stanza {
        var fields: [String: Field]
        var line: Int

        /// kernel-wedge's lookup: `F_<flavour>`, `F_<arch>_<flavour>`, `F_<arch>`, then `F`.
        func field(_ name: String, arch: String, flavour: String) -> Field? {
            fields["\(name)_\(flavour)"] ?? fields["\(name)_\(arch)_\(flavour)"] ?? fields["\(name)_\(arch)"]
                ?? fields[name]
        }
    }

    enum Limits {
        static let lineBytes = 4096
        static let entries = 200_000
        static let includeDepth = 64
        static let matchingWork = 2_000_000_000
        static let lists = 10_000
    }

    /// `path` itself when it holds kernel-versions, package-list and modules/, else its `debian/installer`.
    static func installerDirectory(_ path: String) -> String? {
        var base = path
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        for candidate in [base, base + "/debian/installer"] {
            if FileAccess.kind(candidate + "/kernel-versions") == .regular,
                FileAccess.kind(candidate + "/package-list") == .regular,
                FileAccess.kind(candidate + "/modules") == .directory
            {
                return candidate
            }
        }
        return nil
    }

    /// Reads kernel-versions, package-list and the optional exclude-packages; lists are read by `place`,
    /// once the architecture is known.
    public static func load(path: String, options: RulesOptions) throws(RulesError) -> KernelWedgeRules {
        guard let dir = installerDirectory(path) else {
            throw RulesError(
                file: path,
                "not a kernel-wedge configuration: expected kernel-versions, "
                    + "package-list and modules/ in it or in its debian/installer"
            )
        }
        let kernelVersions = try readKernelVersions(dir + "/kernel-versions")
        let packageList = dir + "/package-list"
        let stanzas = try readPackageList(packageList)
        var excluded = Set<String>()
        if FileAccess.kind(dir + "/exclude-packages") != .missing {
            excluded = Set(
                try readLines(dir + "/exclude-packages").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                    .filter { !$0.isEmpty })
        }
        var builtin: [String]?
        if let md = options.tree?.moduleDirectory, FileAccess.kind(md + "/modules.builtin") == .regular {
            builtin = try readLines(md + "/modules.builtin").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        let md = options.tree.map(\.moduleDirectory).flatMap { FileAccess.kind($0) == .directory ? $0 : nil }
        return KernelWedgeRules(
            directory: dir, kernelVersions: kernelVersions, stanzas: stanzas, packageListPath: packageList,
            excluded: excluded, ignoreDuplicates: FileAccess.kind(dir + "/ignore-dups") != .missing,
            arch: options.arch, flavour: options.flavour, release: options.tree?.kernelVersion, moduleDirectory: md,
            builtinPaths: builtin)
    }

    static func read(_ path: String) throws(RulesError) -> [UInt8] {
        do {
            return try FileAccess.read(path, limit: RulesLimits.maxFileBytes)
        } catch {
            throw RulesError(file: path, error.reason)
        }
    }

    /// A file's lines, split at LF bytes as Perl splits them (a CR stays in its line; a Swift String
    /// would keep CRLF together as one character).
    static func readLines(_ path: String) throws(RulesError) -> [String] {
        try read(path).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// `arch version flavour installedname suffix build-depends`, whitespace-separated; `#` lines and
    /// blank lines skipped.
    static func readKernelVersions(_ path: String) throws(RulesError) -> [KernelVersionsLine] {
        var out: [KernelVersionsLine] = []
        for (n, raw) in try readLines(path).enumerated() {
            if raw.hasPrefix("#") { continue }
            let f = raw.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            if f.isEmpty { continue }
            guard f.count >= 3 else {
                throw RulesError(
                    file: path, line: n + 1, "expected: arch version flavour [installedname suffix build-depends]")
            }
            out.append(
                KernelVersionsLine(
                    arch: f[0], version: f[1], flavour: f[2], installedName: f.count > 3 ? f[3] : "-", line: n + 1))
        }
        return out
    }

    static let controlFields = [
        "Package", "Package-Type", "Provides", "Depends", "Architecture", "Kernel-Version",
        "Section", "Priority", "Description",
    ]

    /// RFC 822-like stanzas as KernelWedge.pm reads them: `#` at column 0 a comment, `Name: value` a
    /// field (a known control field, optionally `_<suffix>`), a line starting with white space continues
    /// the last field, an empty line ends the stanza, anything else is ignored. Stanzas with the same
    /// Package merge field by field, in the order of first appearance.
    static func readPackageList(_ path: String) throws(RulesError) -> [Stanza] {
        let bytes = try read(path)
        if bytes.contains(UInt8(ascii: "\r")) {
            throw RulesError(
                file: path,
                "CR line endings: kernel-wedge would read each CR as part of a value (and drop Depends entries)")
        }
        var merged: [String: Int] = [:]
        var out: [Stanza] = []
        var current: [String: Field] = [:]
        var start = 0
        var last: String?
        func finish() throws(RulesError) {
            defer { current = [:]; last = nil }
            guard !current.isEmpty else { return }
            guard let name = current["Package"]?.value else {
                throw RulesError(file: path, line: start, "a stanza without Package")
            }
            if let i = merged[name] {
                out[i].fields.merge(current) { _, new in new }
            } else {
                merged[name] = out.count
                out.append(Stanza(fields: current, line: start))
            }
        }
        for (n, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = String(decoding: raw, as: UTF8.self)
            if line.hasPrefix("#") { continue }
            if line.isEmpty {
                try finish()
                continue
            }
            let word = line.prefix { !$0.isWhitespace }
            if let colon = word.lastIndex(of: ":"), colon != word.startIndex {
                let name = String(word[..<colon])
                guard
                    controlFields.contains(where: {
                        name == $0 || (name.hasPrefix($0 + "_") && name.count > $0.count + 1)
                    })
                else {
                    throw RulesError(file: path, line: n + 1, "unknown field, \(Display.sanitized(name))")
                }
                if current.isEmpty { start = n + 1 }
                let value = line[line.index(after: colon)...].drop { $0.isWhitespace }
                current[name] = Field(value: String(value), line: n + 1)
                last = name
            } else if line.first!.isWhitespace, let last {
                current[last]!.value += "\n" + line
            }
        }
        try finish()
        return out
    }

    // MARK: Placing

    /// Builds the udebs' module lists as kernel-wedge would for this architecture and flavour, with findings for what
    /// it would copy, miss or refuse.
    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        var run = try KernelWedgeRun(rules: self, graph: graph)
        return try run.place()
    }

    /// The flavour a kernel release names: after the ABI (`6.1.0-50`, `6.12.117+deb12`,
    /// `5.10.0-0.deb10.16`), so `6.1.0-50-cloud-amd64` is cloud-amd64, not amd64.
    static func flavour(ofRelease release: String) -> String? {
        let u = Array(release.utf8)
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        var i = 0
        while i < u.count && (isDigit(u[i]) || u[i] == UInt8(ascii: ".")) { i += 1 }
        guard i > 0, i < u.count else { return nil }
        if u[i] == UInt8(ascii: "+") {
            while i < u.count && u[i] != UInt8(ascii: "-") { i += 1 }
        } else if u[i] == UInt8(ascii: "-"), i + 1 < u.count, isDigit(u[i + 1]) {
            var j = i + 1
            while j < u.count && u[j] != UInt8(ascii: "-") { j += 1 }
            if j < u.count { i = j }
        }
        guard i + 1 < u.count, u[i] == UInt8(ascii: "-") else { return nil }
        return String(decoding: u[(i + 1)...], as: UTF8.self)
    }

    /// Debian architectures whose modules have this ELF identity.
    static func architectures(for id: ELFIdentity) -> [String] {
        switch id.machine {
        case 62: ["amd64"]
        case 183: ["arm64"]
        case 22: ["s390x"]
        case 3: ["i386"]
        case 40: ["armhf", "armel"]
        case 21: id.bigEndian ? ["ppc64", "powerpc"] : ["ppc64el"]
        case 20: ["powerpc"]
        case 8:
            id.bigEndian ? ["mips", "mips64", "mipsr6", "mips64r6"] : ["mipsel", "mips64el", "mipsr6el", "mips64r6el"]
        case 243: ["riscv64"]
        case 0x9026: ["alpha"]
        case 50: ["ia64"]
        case 4: ["m68k"]
        case 42: ["sh4"]
        case 43: ["sparc64"]
        case 15: ["hppa"]
        case 258: ["loong64"]
        default: []
        }
    }
}

/// One placement of a tree by a kernel-wedge configuration: the target, the lists, the repair.
struct KernelWedgeRun {
    let rules: KernelWedgeRules
    let graph: ModuleGraph
    var findings: [Finding] = []
    var arch = "", flavour = "", abi = ""
    var listDirectory = ""
    var entriesLeft = KernelWedgeRules.Limits.entries
    var matchingLeft = KernelWedgeRules.Limits.matchingWork
    var parsed: [String: [ListLine]] = [:]
    let realDirectory: String

    enum EntryKind { case required, optional, removal }

    enum ListLine {
        case include(path: String, at: SourceLocation)
        case entry(EntryKind, pattern: String, at: SourceLocation)
    }

    init(rules: KernelWedgeRules, graph: ModuleGraph) throws(RulesError) {
        self.rules = rules
        self.graph = graph
        realDirectory = Self.realPath(rules.directory) ?? rules.directory
        try resolveTarget()
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The udeb kernel-wedge names after a list (without the ABI when the release is unknown).
    func udeb(_ package: String) -> String {
        abi.isEmpty ? "\(package)-\(flavour)-di" : "\(package)-\(abi)-\(flavour)-di"
    }

    /// Architecture and flavour: as given, else from the tree (the release's flavour, the modules' ELF
    /// machine) checked against kernel-versions; then the list directory kernel-wedge would take.
    mutating func resolveTarget() throws(RulesError) {
        let kv = rules.kernelVersions
        let file = rules.directory + "/kernel-versions"
        let exact = rules.release.flatMap { r in kv.first { $0.installedName == r } }
        if let f = rules.flavour ?? exact?.flavour ?? rules.release.flatMap(KernelWedgeRules.flavour(ofRelease:))
            ?? rules.release.flatMap({ r in
                kv.map(\.flavour).filter { r.hasSuffix("-" + $0) }.max { $0.count < $1.count }
            })
        {
            flavour = f
        } else {
            let release = rules.release.map { " from the release \(Display.sanitized($0))" } ?? ""
            throw RulesError(file: file, "cannot tell the kernel flavour\(release); give --flavour")
        }
        if let a = rules.arch ?? exact?.arch {
            arch = a
        } else {
            let candidates = graph.modules.first.map { KernelWedgeRules.architectures(for: $0.identity) } ?? []
            var arches: [String] = []
            for line in kv
            where line.flavour == flavour && (candidates.isEmpty || candidates.contains(line.arch))
                && !arches.contains(line.arch)
            {
                arches.append(line.arch)
            }
            if arches.count == 1 {
                arch = arches[0]
            } else if arches.count > 1 {
                let all = arches.joined(separator: ", ")
                throw RulesError(
                    file: file,
                    "flavour \(Display.sanitized(flavour)) exists for \(all) and the modules fit each; give --arch")
            } else if candidates.count == 1 {
                arch = candidates[0]
            } else {
                let machine = graph.modules.first.map { " (ELF machine \($0.identity.machineName))" } ?? ""
                throw RulesError(
                    file: file,
                    "cannot tell the architecture of the tree\(machine) for flavour \(Display.sanitized(flavour)); "
                        + "give --arch"
                )
            }
        }
        let line = kv.first { $0.arch == arch && $0.flavour == flavour }
        let (a, f) = (Display.sanitized(arch), Display.sanitized(flavour))
        if line == nil {
            findings.append(
                Finding(
                    kind: "unknown-flavour", severity: .warning,
                    message:
                        "\(file) has no line for \(a) \(f): Debian builds no installer for this flavour; "
                        + "the lists of \(a) are used"
                ))
        }
        if let r = rules.release, r.hasSuffix("-" + flavour), r.count > flavour.count + 1 {
            abi = String(r.dropLast(flavour.count + 1))
        } else if let v = line?.version, v != "-" {
            abi = v
        } else {
            abi = rules.release ?? ""
        }
        let modules = rules.directory + "/modules/"
        listDirectory =
            [modules + arch + "-" + flavour, modules + flavour].first { FileAccess.kind($0) == .directory }
            ?? modules + arch
        guard FileAccess.kind(listDirectory) == .directory else {
            throw RulesError(
                file: listDirectory,
                "no list directory for \(a) \(f) (modules/<arch>-<flavour>, modules/<flavour> or modules/<arch>)")
        }
    }

    /// The list files of the build: files and symbolic links directly in the list directory, but `*.lnk`.
    func listNames() throws(RulesError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: listDirectory)
        } catch {
            throw RulesError(file: listDirectory, "cannot list: \(error.localizedDescription)")
        }
        let lists = names.filter { name in
            guard !name.hasSuffix(".lnk") else { return false }
            var st = stat()
            guard lstat(listDirectory + "/" + name, &st) == 0 else { return false }
            return st.st_mode & S_IFMT == S_IFREG || st.st_mode & S_IFMT == S_IFLNK
        }.sorted()
        guard lists.count <= KernelWedgeRules.Limits.lists else {
            throw RulesError(file: listDirectory, "more than \(KernelWedgeRules.Limits.lists) lists")
        }
        return lists
    }

    // MARK: Lists (kernel-wedge's preprocess)

    /// The lines of one list file, parsed; includes resolved against the including file's path string.
    mutating func lines(of path: String, includedAt: SourceLocation?) throws(RulesError) -> [ListLine] {
        if let known = parsed[path] { return known }
        // kernel-wedge opens whatever an include names; modsplit reads only regular files inside the
        // configuration directory (an include through `..` or a link that leaves it is refused).
        let inside = Self.realPath(path).map { $0.hasPrefix(realDirectory + "/") } ?? true
        guard inside else {
            throw RulesError(
                file: includedAt?.file ?? path, line: includedAt?.line,
                "\(Display.sanitized(path)) is outside \(rules.directory); "
                    + "includes must stay inside the configuration directory"
            )
        }
        let bytes: [UInt8]
        do {
            bytes = try FileAccess.read(path, limit: RulesLimits.maxFileBytes)
        } catch {
            throw RulesError(
                file: includedAt?.file ?? path, line: includedAt?.line, "\(Display.sanitized(path)): \(error.reason)")
        }
        let directoryPart = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        var out: [ListLine] = []
        var n = 0
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            n += 1
            let at = SourceLocation(file: path, line: n)
            guard raw.count <= KernelWedgeRules.Limits.lineBytes else {
                throw RulesError(file: path, line: n, "a line longer than \(KernelWedgeRules.Limits.lineBytes) bytes")
            }
            guard let first = raw.firstIndex(where: { !Self.isSpace($0) }),
                let last = raw.lastIndex(where: { !Self.isSpace($0) })
            else { continue }
            let line = raw[first...last]
            func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
            if line.starts(with: Array("#include".utf8)), let (name, system) = Self.includeName(line.dropFirst(8)) {
                out.append(
                    .include(
                        path: system ? rules.directory + "/modules/" + text(name) : directoryPart + text(name), at: at))
            } else if line.first == UInt8(ascii: "#") {
                continue
            } else if line.count >= 2, line.suffix(2).elementsEqual(" -".utf8) {
                out.append(.entry(.removal, pattern: text(line.dropLast(2)), at: at))
            } else if line.count >= 2, line.suffix(2).elementsEqual(" ?".utf8) {
                out.append(.entry(.optional, pattern: text(line.dropLast(2)), at: at))
            } else if line.first == UInt8(ascii: "-") {
                out.append(.entry(.optional, pattern: text(line.dropFirst()), at: at))
            } else {
                out.append(.entry(.required, pattern: text(line), at: at))
            }
        }
        parsed[path] = out
        return out
    }

    /// Perl's `\s`: space, \t, \n, \v, \f, \r.
    static func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }

    /// `\s+<name>` or `\s+"name"` after `#include`, to the end of the line.
    static func includeName(_ rest: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, system: Bool)? {
        guard let c = rest.first, isSpace(c) else { return nil }
        let r = rest.drop { isSpace($0) }
        guard r.count >= 2, let open = r.first, let close = r.last else { return nil }
        if open == UInt8(ascii: "<") && close == UInt8(ascii: ">") { return (r.dropFirst().dropLast(), true) }
        if open == UInt8(ascii: "\"") && close == UInt8(ascii: "\"") { return (r.dropFirst().dropLast(), false) }
        return nil
    }

    /// One list's entries with its includes expanded. kernel-wedge refuses any path string loaded
    /// twice while reading one list (a diamond, not only a cycle): so does modsplit.
    mutating func entries(of path: String) throws(RulesError) -> [(EntryKind, String, SourceLocation)] {
        var loaded = Set<String>()
        var out: [(EntryKind, String, SourceLocation)] = []
        func load(_ path: String, at: SourceLocation?, depth: Int) throws(RulesError) {
            guard loaded.insert(path).inserted else {
                throw RulesError(
                    file: at?.file ?? path, line: at?.line,
                    "include loop detected loading \(Display.sanitized(path)) "
                        + "(kernel-wedge 2.106 refuses a file included twice in one list)"
                )
            }
            guard depth <= KernelWedgeRules.Limits.includeDepth else {
                throw RulesError(
                    file: at?.file ?? path, line: at?.line,
                    "includes nested deeper than \(KernelWedgeRules.Limits.includeDepth)")
            }
            for line in try lines(of: path, includedAt: at) {
                switch line {
                case .include(let p, let location): try load(p, at: location, depth: depth + 1)
                case .entry(let kind, let pattern, let location):
                    entriesLeft -= 1
                    guard entriesLeft >= 0 else {
                        throw RulesError(
                            file: location.file, line: location.line,
                            "more than \(KernelWedgeRules.Limits.entries) list entries in one build")
                    }
                    out.append((kind, pattern, location))
                }
            }
        }
        try load(path, at: nil, depth: 0)
        return out
    }
}

// MARK: preprocess, copy-modules, find-dups, check

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
