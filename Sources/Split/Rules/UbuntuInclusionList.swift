internal import ELFScan
public import Graph

/// Ubuntu's `<flavour>.inclusion-list`, read the way `debian/scripts/module-inclusion` reads it, and
/// the split of linux-modules and linux-modules-extra the kernel build makes with it.
///
/// Each line (blanks trimmed, as `read -r` trims them) names paths under the module directory's
/// `kernel/`. A line with a `*` is handed to `eval find LINE -name "*.ko"`: its words are
/// brace-expanded (`{a,b}`), globbed one path component at a time, and every file or directory they
/// name is searched recursively for modules. Any other line is an exact `.ko` path: no `-`/`_`
/// folding, and `?`, `[` or `{` in it are literal. A line starting with `!` is a shell command the
/// build runs; modsplit never runs it and reports it. The build's lists name `.ko` files (it
/// compresses later), so on a `.ko.xz` or `.ko.zst` tree paths are compared with the suffix cut.
///
/// linux-modules holds the listed modules plus what they need, added breadth first in dependency
/// passes as module-inclusion adds them: its counter stops the loop when it reaches 20, so at most 19
/// passes scan, and a module 20 or more steps from every listed one stays in linux-modules-extra (it is
/// reported). linux-modules-extra holds the rest and depends on linux-modules. Modules outside
/// `kernel/` (updates/, extra/) are never moved into -extra, so they stay in linux-modules.
public struct UbuntuInclusionList: SplitDefinition {
    /// A line as `read -r` gives it: blanks trimmed.
    public struct Line: Sendable, Hashable {
        /// The line's text.
        public var text: String
        /// Where the line is.
        public var location: SourceLocation

        /// The line `text` at `location`.
        public init(text: String, location: SourceLocation) {
            self.text = text
            self.location = location
        }
    }

    /// The list as the user named it.
    public var file: String
    /// Every non-empty line, in file order.
    public var lines: [Line]
    /// A last line without a newline, which `while read` never hands to the loop.
    public var unterminated: Line?
    /// The architecture the list is read for (Debian's name, `--arch`), nil for the tree's own.
    public var arch: String?

    /// The most lines a file may hold: Ubuntu's own have about 300.
    public static let maxLines = 100_000
    /// The most words one line's brace expansion may give.
    public static let maxExpansion = 4096
    /// Dependency passes that scan: the counter breaks the loop when it reaches 20.
    public static let passes = 19

    /// A list read from `file` with its non-empty `lines`.
    public init(file: String, lines: [Line], unterminated: Line? = nil, arch: String? = nil) {
        self.file = file
        self.lines = lines
        self.unterminated = unterminated
        self.arch = arch
    }

    /// The list as the user named it.
    public var name: String? { file }

    /// Reads an inclusion list; a NUL byte, bytes that are not UTF-8 or too many lines are `RulesError`s.
    public static func load(path: String, options: RulesOptions = RulesOptions()) throws(RulesError)
        -> UbuntuInclusionList
    {
        let bytes: [UInt8]
        do {
            bytes = try FileAccess.read(path, limit: RulesLimits.maxFileBytes)
        } catch {
            throw RulesError(file: path, error.reason)
        }
        return try parse(bytes, file: path, options: options)
    }

    /// Splits inclusion-list bytes into trimmed lines, keeping a last line without a newline apart.
    public static func parse(_ bytes: [UInt8], file: String, options: RulesOptions = RulesOptions()) throws(RulesError)
        -> UbuntuInclusionList
    {
        try DistroText.checkText(bytes, file: file)
        var pieces = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let last = pieces.removeLast()
        func line(_ raw: ArraySlice<UInt8>, _ number: Int) -> Line {
            let blank: (UInt8) -> Bool = { $0 == 32 || $0 == 9 }
            let trimmed = raw.drop(while: blank).reversed().drop(while: blank).reversed()
            return Line(
                text: String(decoding: trimmed, as: UTF8.self), location: SourceLocation(file: file, line: number))
        }
        guard pieces.count <= maxLines else {
            throw RulesError(
                file: file, line: maxLines + 1, "more than \(maxLines) lines (Ubuntu's own lists have about 300)")
        }
        let lines = pieces.enumerated().map { line($1, $0 + 1) }.filter { !$0.text.isEmpty }
        let dropped = last.isEmpty ? nil : line(last, pieces.count + 1)
        return UbuntuInclusionList(file: file, lines: lines, unterminated: dropped, arch: options.arch)
    }

    /// Moves the listed modules and what they need (within the passes) into linux-modules, the rest into
    /// linux-modules-extra, with findings for what the build would do silently.
    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        var run = UbuntuRun(list: self, graph: graph)
        try run.run()
        return RulesPlacement(placement: run.placement(), findings: run.findings)
    }
}

/// `*.inclusion-list` in `--rules`, and `--rules-format ubuntu`.
public enum UbuntuInclusionListFormat: SplitFormat {
    /// `ubuntu`, as `--rules-format` takes it.
    public static let name = "ubuntu"

    /// A file whose name ends in `.inclusion-list`.
    public static func recognizes(path: String, isDirectory: Bool, head: [UInt8]) -> Bool {
        !isDirectory && path.hasSuffix(".inclusion-list")
    }

    /// Reads the inclusion list for the requested architecture.
    public static func load(path: String, options: RulesOptions) throws(RulesError) -> any SplitDefinition {
        try UbuntuInclusionList.load(path: path, options: options)
    }
}

/// What module-inclusion does with one line, as far as modsplit interprets it.
private enum LineMeaning {
    case exact
    /// The words of a glob line after brace expansion.
    case glob([[UInt8]])
    /// Not interpreted: why, and a note.
    case unsupported(String, [String])
}

/// One placement of one tree by one inclusion list.
private struct UbuntuRun {
    let list: UbuntuInclusionList
    let graph: ModuleGraph
    /// Each module's path under kernel/ with `.ko` as the build names it; nil outside kernel/.
    let relative: [String?]
    let components: [[[UInt8]]]
    /// `relative` as bytes (empty outside kernel/).
    let bytes: [[UInt8]]
    var inModules: [Bool]
    var basis: [PlacementBasis]
    var findings: [Finding] = []
    let archDirectory: String?

    init(list: UbuntuInclusionList, graph: ModuleGraph) {
        self.list = list
        self.graph = graph
        relative = graph.modules.map { m in
            m.path.hasPrefix("kernel/") ? String(uncompressedPath(m.path).dropFirst(7)) : nil
        }
        bytes = relative.map { Array(($0 ?? "").utf8) }
        components = bytes.map { $0.split(separator: UInt8(ascii: "/")).map(Array.init) }
        inModules = relative.map { $0 == nil }
        basis = Array(repeating: .unlisted, count: graph.modules.count)
        archDirectory =
            (list.arch.flatMap(KernelArchitecture.init(debian:))
            ?? graph.modules.first.flatMap { KernelArchitecture(identity: $0.identity) })?.directory
    }

    mutating func run() throws(RulesError) {
        var byPath: [String: Int] = [:]
        for (m, r) in relative.enumerated() {
            guard let r else { continue }
            byPath[r] = m
            let onDisk = String(graph.modules[m].path.dropFirst(7))
            if byPath[onDisk] == nil { byPath[onDisk] = m }
        }
        // Modules in byte order of their paths: a glob word's literal leading components pick a range.
        let order = relative.indices.filter { relative[$0] != nil }.sorted {
            bytes[$0].lexicographicallyPrecedes(bytes[$1])
        }
        var byFile: [String: [Int]] = [:]
        for m in order { byFile[String(relative[m]!.split(separator: "/").last ?? ""), default: []].append(m) }
        var budget = MatchBudget()
        var listing: [Int] = []
        var seenText: [String: Int] = [:]
        for line in list.lines {
            let before = listing.count
            if let first = seenText[line.text] {
                findings.append(entry("duplicate-entry", .info, line, "\(quoted(line)) repeats line \(first)"))
            } else {
                seenText[line.text] = line.location.line
            }
            switch Self.meaning(line.text) {
            case .unsupported(let why, let notes):
                findings.append(entry("unsupported-entry", .warning, line, "\(quoted(line)): \(why)", notes: notes))
            case .exact:
                if let m = byPath[line.text] { listing.append(m) } else { reportExact(line, byFile: byFile) }
            case .glob(let words):
                var yielded: [Int] = []
                var dead: [String] = []
                var seen = Set<Int>()
                for word in words {
                    let found = match(word, in: order, budget: &budget)
                    if budget.exhausted {
                        throw RulesError(
                            file: line.location.file, line: line.location.line,
                            "matching the globs against this tree takes more than \(MatchBudget.standard) steps; "
                                + "the file is refused"
                        )
                    }
                    if found.isEmpty && !otherArchitecture(String(decoding: word, as: UTF8.self)) {
                        dead.append(String(decoding: word, as: UTF8.self))
                    }
                    for m in found where seen.insert(m).inserted { yielded.append(m) }
                }
                listing += yielded
                reportGlob(line, yielded: yielded.count, dead: dead, words: words.count)
            }
            for m in listing[before...] where !inModules[m] {
                inModules[m] = true
                basis[m] = .listed(line.location)
            }
        }
        passes(from: listing)
        if let lost = list.unterminated {
            findings.append(
                entry(
                    "unterminated-last-line", .warning, lost,
                    "\(quoted(lost)) has no newline: module-inclusion's `while read` never reads it, "
                        + "so modsplit ignores it too"
                ))
        }
    }

    /// module-inclusion's dependency passes: pass n scans what pass n−1 moved (pass 1: every listed path)
    /// and moves each provider still in -extra; the 20th never runs.
    mutating func passes(from listing: [Int]) {
        var scan = listing
        var pass = 0
        while !scan.isEmpty && pass < UbuntuInclusionList.passes {
            pass += 1
            var next: [Int] = []
            for i in scan {
                for e in graph.deps[i] where !inModules[e.target] {
                    inModules[e.target] = true
                    basis[e.target] = .pulled(by: [graph.modules[i].name], location: location(i))
                    next.append(e.target)
                    findings.append(
                        Finding(
                            kind: "dependency-pass", severity: .info, module: graph.modules[e.target].name,
                            path: graph.modules[e.target].path, package: "linux-modules", symbols: e.symbols,
                            rule: location(i),
                            message:
                                "\(graph.modules[e.target].name) is in linux-modules because \(graph.modules[i].name) "
                                + "needs it (dependency pass \(pass))",
                            notes: ["\(graph.modules[i].name) needs \(Display.symbolList(e.symbols, limit: 6))"]))
                }
            }
            scan = next
        }
        // What the 20th pass would have moved, and beyond: left in -extra, as the build leaves them.
        var distance = pass
        var seen = Set<Int>()
        while !scan.isEmpty {
            distance += 1
            var next: [Int] = []
            for i in scan {
                for e in graph.deps[i] where !inModules[e.target] && seen.insert(e.target).inserted {
                    next.append(e.target)
                    findings.append(
                        Finding(
                            kind: "beyond-pass-limit", severity: .warning, module: graph.modules[e.target].name,
                            path: graph.modules[e.target].path, package: "linux-modules-extra",
                            provider: nil, symbols: e.symbols, rule: location(i),
                            message:
                                "\(graph.modules[e.target].name) is \(distance) "
                                + "dependency steps from the listed modules; "
                                + "module-inclusion stops after \(UbuntuInclusionList.passes) passes, "
                                + "so it stays in linux-modules-extra, "
                                + "and the build's depmod check of linux-modules fails",
                            notes: ["needed by \(graph.modules[i].name) for \(Display.symbolList(e.symbols, limit: 6))"]
                        ))
                }
            }
            scan = next
        }
    }

    func location(_ m: Int) -> SourceLocation? {
        switch basis[m] {
        case .listed(let l): l
        case .pulled(_, let l): l
        default: nil
        }
    }

    /// The modules a glob word names: components matched one by one (a leading `.` only literally); a
    /// word that names a directory takes every module below it, as `find` does.
    func match(_ word: [UInt8], in order: [Int], budget: inout MatchBudget) -> [Int] {
        if word.first == UInt8(ascii: "/") { return [] }
        var parts: [[UInt8]] = []
        for c in word.split(separator: UInt8(ascii: "/")) where !c.elementsEqual(".".utf8) {
            if c.elementsEqual("..".utf8) { return [] }
            parts.append(Array(c))
        }
        let globs = parts.map { ShellGlob($0) }
        let literal = Array(
            globs.prefix { !$0.hasWildcard }.map(\.literalPrefix).joined(separator: [UInt8(ascii: "/")]))
        var lo = 0, hi = order.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if bytes[order[mid]].lexicographicallyPrecedes(literal) { lo = mid + 1 } else { hi = mid }
        }
        var found: [Int] = []
        for m in order[lo...] {
            guard bytes[m].starts(with: literal) else { break }
            let comps = components[m]
            guard comps.count >= globs.count, budget.spend() else { continue }
            if zip(globs, comps).allSatisfy({ $0.matches($1, protectLeadingDot: true, budget: &budget) }) {
                found.append(m)
            }
        }
        return found
    }

    /// How module-inclusion treats a line: `!` runs it, a `*` evals it through find, else it is a path.
    static func meaning(_ text: String) -> LineMeaning {
        if text.hasPrefix("!") {
            // Ubuntu's generic lists have one such line; what it selects is known, and worth saying.
            let known = "find sound/core -name oss -prune -o -name *.ko -print"
            let command = text.dropFirst().split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            return .unsupported(
                "module-inclusion runs this line as a shell command in kernel/ and moves every path it prints into "
                    + "linux-modules; modsplit never runs it",
                [
                    "modsplit cannot know what a shell command selects: "
                        + "whatever it would add stays in linux-modules-extra here"
                        + (command == known
                            ? " (this one adds 11 sound modules, snd-seq*, snd-compress, snd-hwdep, … "
                                + "on Debian's 6.1 amd64 tree)"
                            : "")
                ])
        }
        guard text.contains("*") else { return .exact }
        let bytes = Array(text.utf8)
        if bytes.count > 4096 {
            return .unsupported(
                "a glob line of \(bytes.count) bytes, longer than any path; modsplit does not expand it", [])
        }
        let shell = Set("$`;&|<>()'\"\\".utf8)
        if let c = bytes.first(where: { shell.contains($0) }) {
            return .unsupported(
                "the line is eval'd by the shell and `\(Character(Unicode.Scalar(c)))` is shell syntax beyond globs "
                    + "and braces; modsplit does not interpret it",
                [])
        }
        var words: [[UInt8]] = []
        for word in bytes.split(whereSeparator: { $0 == 32 || $0 == 9 }) {
            if word.first == UInt8(ascii: "-") || word.first == UInt8(ascii: "!") || word.first == UInt8(ascii: "#")
                || word.first == UInt8(ascii: "~")
            {
                return .unsupported(
                    "the word `\(DistroText.short(String(decoding: word, as: UTF8.self)))` means something else to the "
                        + "shell or to find than a path; modsplit does not interpret it",
                    [])
            }
            switch BraceExpansion.expand(Array(word), limit: UbuntuInclusionList.maxExpansion - words.count) {
            case .words(let w): words += w
            case .tooMany:
                return .unsupported(
                    "its brace expansion gives more than \(UbuntuInclusionList.maxExpansion) words; "
                        + "modsplit does not expand it",
                    [])
            case .unsupported(let why): return .unsupported(why, [])
            }
        }
        return .glob(words)
    }

    func otherArchitecture(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count > 2, parts[0] == "arch", let own = archDirectory else { return false }
        return parts[1] != own && !ShellGlob.looksWild(parts[1].utf8) && !parts[1].contains("{")
    }

    func quoted(_ line: UbuntuInclusionList.Line) -> String { "`\(DistroText.short(line.text))`" }

    func entry(
        _ kind: String, _ severity: Severity, _ line: UbuntuInclusionList.Line, _ message: String,
        notes: [String] = []
    ) -> Finding {
        Finding(kind: kind, severity: severity, rule: line.location, message: message, notes: notes)
    }

    mutating func reportExact(_ line: UbuntuInclusionList.Line, byFile: [String: [Int]]) {
        guard !otherArchitecture(line.text) else { return }
        let file = String(line.text.split(separator: "/").last ?? "")
        let name = moduleName(fromFileName: file)
        if graph.builtin.contains(name) {
            findings.append(
                entry(
                    "entry-matches-nothing", .info, line,
                    "\(quoted(line)) names no module: \(name) is built into this kernel"))
            return
        }
        var notes: [String] = []
        var elsewhere = byFile[file] ?? []
        if let m = graph.module(named: name), relative[m] != nil, !elsewhere.contains(m) { elsewhere.append(m) }
        if !elsewhere.isEmpty {
            notes.append(
                "a module of that name exists at \(elsewhere.prefix(3).map { relative[$0]! }.joined(separator: ", "))")
        }
        if line.text.contains(where: { "?[{".contains($0) }) {
            notes.append("module-inclusion takes ?, [ and { literally in a line without *")
        }
        if line.text.hasSuffix("\r") {
            notes.append("the line ends in a carriage return (CRLF), which module-inclusion keeps as part of the path")
        }
        findings.append(
            entry(
                "entry-matches-nothing", .warning, line,
                "\(quoted(line)) names no module of this tree (module-inclusion: \"Could not find\")", notes: notes))
    }

    mutating func reportGlob(_ line: UbuntuInclusionList.Line, yielded: Int, dead: [String], words: Int) {
        guard !dead.isEmpty else { return }
        var notes: [String] = []
        if line.text.hasSuffix("\r") {
            notes.append("the line ends in a carriage return (CRLF), which becomes part of the last word")
        }
        if yielded == 0 {
            findings.append(
                entry(
                    "entry-matches-nothing", .warning, line, "\(quoted(line)) matches no module of this tree",
                    notes: notes))
        } else {
            let shown = dead.prefix(4).map { "`\(DistroText.short($0))`" }.joined(separator: ", ")
            findings.append(
                entry(
                    "entry-matches-nothing", .info, line,
                    "\(quoted(line)): \(dead.count) of its \(words) words match nothing: "
                        + "\(shown)\(dead.count > 4 ? ", …" : "")"
                ))
        }
    }

    func placement() -> Placement {
        let packages = PackageSet(names: ["linux-modules", "linux-modules-extra"], dependsOn: [[], ["linux-modules"]])
        let packageOf: [Int?] = inModules.map { $0 ? 0 : 1 }
        return Placement(
            packages: packages, packageOf: packageOf, wanted: packageOf, basis: basis,
            failure: Array(repeating: nil, count: graph.modules.count))
    }
}

/// bash's brace expansion of one word (`a{b,c{d,e}}f`), counted before it is expanded so that a line of
/// `{a,b}{a,b}…` cannot exhaust memory.
enum BraceExpansion {
    enum Result { case words([[UInt8]]), tooMany, unsupported(String) }

    indirect enum Node {
        case text([UInt8])
        case group([[Node]])
    }

    static let maxDepth = 64

    static func expand(_ word: [UInt8], limit: Int) -> Result {
        // Match every brace with a stack, and note which groups hold a comma of their own.
        var close = [Int?](repeating: nil, count: word.count)
        var hasComma = [Bool](repeating: false, count: word.count)
        var stack: [Int] = []
        for (i, b) in word.enumerated() {
            if b == UInt8(ascii: "{") {
                stack.append(i)
                if stack.count > maxDepth {
                    return .unsupported("braces nested more than \(maxDepth) deep; modsplit does not expand them")
                }
            } else if b == UInt8(ascii: "}"), let open = stack.popLast() {
                close[open] = i
            } else if b == UInt8(ascii: ","), let open = stack.last {
                hasComma[open] = true
            }
        }
        for (open, end) in close.enumerated() {
            if let end, !hasComma[open], containsDots(word[(open + 1)..<end]) {
                return .unsupported("`{x..y}` sequence expansion; modsplit does not expand it")
            }
        }
        let tree = sequence(word, open: close, hasComma: hasComma, from: 0, to: word.count)
        guard count(tree, limit: limit) <= limit else { return .tooMany }
        return .words(words(tree))
    }

    static func containsDots(_ s: ArraySlice<UInt8>) -> Bool {
        zip(s, s.dropFirst()).contains { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }
    }

    static func sequence(_ w: [UInt8], open close: [Int?], hasComma: [Bool], from: Int, to: Int) -> [Node] {
        var nodes: [Node] = []
        var text: [UInt8] = []
        var i = from
        while i < to {
            if w[i] == UInt8(ascii: "{"), let end = close[i], end < to, hasComma[i] {
                if !text.isEmpty { nodes.append(.text(text)) }
                text = []
                // The alternatives: split at this group's own commas.
                var alternatives: [[Node]] = []
                var start = i + 1
                var j = i + 1
                while j < end {
                    if w[j] == UInt8(ascii: "{"), let inner = close[j], inner < end {
                        j = inner + 1
                        continue
                    }
                    if w[j] == UInt8(ascii: ",") {
                        alternatives.append(sequence(w, open: close, hasComma: hasComma, from: start, to: j))
                        start = j + 1
                    }
                    j += 1
                }
                alternatives.append(sequence(w, open: close, hasComma: hasComma, from: start, to: end))
                nodes.append(.group(alternatives))
                i = end + 1
            } else {
                text.append(w[i])
                i += 1
            }
        }
        if !text.isEmpty { nodes.append(.text(text)) }
        return nodes
    }

    /// The number of words, saturated just above `limit`.
    static func count(_ nodes: [Node], limit: Int) -> Int {
        var product = 1
        for node in nodes {
            guard case .group(let alternatives) = node else { continue }
            var sum = 0
            for a in alternatives { sum = min(sum + count(a, limit: limit), limit + 1) }
            product = min(product.multipliedReportingOverflow(by: sum).overflow ? limit + 1 : product * sum, limit + 1)
        }
        return product
    }

    static func words(_ nodes: [Node]) -> [[UInt8]] {
        var out: [[UInt8]] = [[]]
        for node in nodes {
            switch node {
            case .text(let t): out = out.map { $0 + t }
            case .group(let alternatives):
                let options = alternatives.flatMap(words)
                out = out.flatMap { prefix in options.map { prefix + $0 } }
            }
        }
        return out
    }
}
