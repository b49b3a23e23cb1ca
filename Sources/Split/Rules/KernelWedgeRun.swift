internal import ELFScan
internal import Graph

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
        realDirectory = FileAccess.realPath(rules.directory) ?? rules.directory
        try resolveTarget()
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
        if line == nil {
            let used = Display.sanitized(String(listDirectory.dropFirst(rules.directory.count + 1)))
            findings.append(
                Finding(
                    kind: "unknown-flavour", severity: .warning,
                    message:
                        "\(file) has no line for \(a) \(f): Debian builds no installer for this flavour; "
                        + "the lists in \(used) are used"
                ))
        }
    }

    /// The list files of the build: files and symbolic links directly in the list directory, but `*.lnk`.
    func listNames() throws(RulesError) -> [String] {
        let entries: [FileAccess.Entry]
        do {
            entries = try FileAccess.entries(of: listDirectory)
        } catch {
            throw RulesError(file: listDirectory, "cannot list: \(error.reason)")
        }
        // A list kernel-wedge would read but no name can reach: refused, not dropped.
        if let odd = entries.first(where: \.undecodable) {
            throw RulesError(file: listDirectory + "/" + odd.name, "a list whose name is not UTF-8 cannot be read")
        }
        let lists = entries.filter { !$0.name.hasSuffix(".lnk") && ($0.kind == .regular || $0.isSymbolicLink) }
            .map(\.name).sorted()
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
        let inside = FileAccess.realPath(path).map { $0.hasPrefix(realDirectory + "/") } ?? true
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
