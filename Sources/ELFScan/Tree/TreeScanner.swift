internal import Dispatch
internal import Synchronization

/// What to scan besides the module files, and how.
public struct ScanOptions: Sendable {
    /// Module.symvers to take the kernel's exports from (plain or compressed).
    public var symvers: String?
    /// System.map to take the kernel's exports from, when there is no Module.symvers.
    public var systemMap: String?
    /// Look for Module.symvers / System.map inside the tree when neither is given.
    public var discoverKernelSymbols: Bool
    /// What each module file may cost to read (`--max-module-mib`).
    public var limits: ScanLimits
    /// Worker threads; nil means one per online core; at most `maxThreads` are used.
    public var threads: Int?
    /// The most worker threads a scan starts, whatever `threads` asks for.
    public static let maxThreads = 1024
    /// Called from worker threads with (modules done, modules in all).
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// The persistent cache of module facts; nil reads every module.
    public var cache: ScanCache?

    /// Options that scan the modules with one worker per core, no cache, and look for the kernel's exports.
    public init(
        symvers: String? = nil, systemMap: String? = nil, discoverKernelSymbols: Bool = true,
        limits: ScanLimits = .default, threads: Int? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil,
        cache: ScanCache? = nil
    ) {
        self.cache = cache
        self.symvers = symvers
        self.systemMap = systemMap
        self.discoverKernelSymbols = discoverKernelSymbols
        self.limits = limits
        self.threads = threads
        self.progress = progress
    }
}

/// The facts of a whole kernel tree: every module file read, and every file that could not be.
public struct TreeScan: Sendable {
    /// The tree that was scanned.
    public var tree: KernelTree
    /// Modules read successfully, sorted by path.
    public var modules: [ModuleFacts]
    /// Files that could not be read, sorted by path; the rest of the tree is still analysed.
    public var problems: [ELFScanError]
    /// Names of the modules built into the kernel image (`modules.builtin`).
    public var builtinModules: [String]
    /// `.modinfo` of built-in modules (`modules.builtin.modinfo`), by module name.
    public var builtinModinfo: [String: [ModinfoEntry]]
    /// `modules.order`, as written (paths relative to the module directory).
    public var order: [String]
    /// The kernel's exports, nil when neither Module.symvers nor a real System.map was found.
    public var kernelExports: KernelExports?
    /// Remarks about the inputs that limit what can be checked (e.g. a placeholder System.map).
    public var notes: [String]
    /// The remarks of `notes` about where the kernel's exports came from, or why they are unknown (a placeholder
    /// System.map, a Module.symvers that could not be parsed and was ignored).
    public var kernelExportNotes: [String]

    /// A scan of `tree` from its parts; the index files and kernel exports default to absent.
    public init(
        tree: KernelTree, modules: [ModuleFacts], problems: [ELFScanError], builtinModules: [String] = [],
        builtinModinfo: [String: [ModinfoEntry]] = [:], order: [String] = [],
        kernelExports: KernelExports? = nil, notes: [String] = [], kernelExportNotes: [String] = []
    ) {
        self.kernelExportNotes = kernelExportNotes
        self.tree = tree
        self.modules = modules
        self.problems = problems
        self.builtinModules = builtinModules
        self.builtinModinfo = builtinModinfo
        self.order = order
        self.kernelExports = kernelExports
        self.notes = notes
    }
}

/// A module file found in the tree, before it is read.
public struct ModuleFile: Sendable, Hashable {
    /// Path relative to the module directory.
    public var path: String
    /// Its size on disk in bytes (the target's for a link).
    public var size: UInt64
    /// What identifies the file's content for the scan cache (of the link's target for a link).
    public var stamp: FileStamp?

    /// A module file at `path` of `size` bytes, with the stamp the scan cache checks.
    public init(path: String, size: UInt64, stamp: FileStamp? = nil) {
        self.path = path
        self.size = size
        self.stamp = stamp
    }
}

/// Reads every module of a tree in parallel.
public enum TreeScanner {
    /// Reads every module file of `tree` (cached facts where the files are unchanged), the index files beside them and
    /// the kernel's exports; throws when a given Module.symvers or System.map cannot be read.
    public static func scan(_ tree: KernelTree, options: ScanOptions = ScanOptions()) throws(TreeError) -> TreeScan {
        let work = ScanWork(tree: tree, options: options)
        work.run()
        let walk = work.walk.withLock { $0 }
        let (cached, cacheNote) = work.cache.withLock { $0 }
        var problems = walk.problems
        var modules: [ModuleFacts] = []
        modules.reserveCapacity(walk.files.count)
        for result in walk.results.values {
            switch result {
            case .success(let m): modules.append(m)
            case .failure(let e): problems.append(e)
            case nil: break
            }
        }
        // Files come in directory-walk order; sort only where that differs from path order.
        if !modules.isSorted(by: { $0.path < $1.path }) { modules.sort { $0.path < $1.path } }
        problems.sort { ($0.path, $0.reason) < ($1.path, $1.reason) }
        let extras = work.extras.withLock { $0 }
        if let error = extras.error { throw error }
        var notes = extras.notes
        if let cacheNote { notes.append(cacheNote) }
        // A cached module that could not be decoded although the file's checksum matched.
        if let cache = options.cache, cached?.isDamaged == true {
            notes.append(ScanCache.corruptNote(cache.file(for: tree.moduleDirectory)))
        }
        // The cache is rewritten when a module was read afresh, or it holds files that are gone (or
        // no cache was there); when every module came from it, and it holds nothing else, it is not.
        let hits = work.hits.load(ordering: .relaxed)
        let cacheIsStale = hits != modules.count || (cached?.count ?? 0) != hits || cached?.isDamaged == true
        if let cache = options.cache, cacheIsStale {
            var stamps: [String: FileStamp] = [:]
            for f in walk.files { if let s = f.stamp { stamps[f.path] = s } }
            let entries = modules.compactMap { m in
                stamps[m.path].map { (path: m.path, entry: ScanCache.Entry(stamp: $0, facts: m)) }
            }
            if let note = cache.store(moduleDirectory: tree.moduleDirectory, entries: entries) { notes.append(note) }
        }
        return TreeScan(
            tree: tree, modules: modules, problems: problems, builtinModules: extras.builtinModules,
            builtinModinfo: extras.builtinModinfo, order: extras.order,
            kernelExports: extras.kernelExports, notes: notes, kernelExportNotes: extras.notes)
    }

    /// One scan's jobs on a pool of worker threads, taken in ticket order: ticket 0 walks the tree,
    /// ticket 1 reads its other inputs (Module.symvers above all, ~10k lines), and every later ticket
    /// reads one module, biggest first so that one huge module does not finish last. The walk and the
    /// other inputs thus run side by side, and module reading starts on each worker as soon as it is free.
    private final class ScanWork: Sendable {
        let tree: KernelTree
        let options: ScanOptions
        /// What the walk found: set by ticket 0 before `walked` is left, only read after.
        let walk = Mutex(Walk())
        /// The cache, read, checked and indexed (not decoded) by ticket 1 before `walked` is left,
        /// with a note when it had to be ignored.
        let cache = Mutex<(snapshot: ScanCache.Snapshot?, note: String?)>((nil, nil))
        /// Set by ticket 2; read by the caller after `run` returns.
        let extras = Mutex(Extras())
        /// Modules taken from the cache.
        let hits = Atomic<Int>(0)
        private let walked = DispatchGroup()
        private let next = Atomic<Int>(0)
        private let done = Atomic<Int>(0)

        struct Walk {
            var files: [ModuleFile] = []
            var problems: [ELFScanError] = []
            /// Indices into `files`, biggest file first.
            var readOrder: [Int] = []
            /// Each file's outcome, by its index in `files`.
            var results = ResultSlots<Result<ModuleFacts, ELFScanError>>(count: 0)
        }

        init(tree: KernelTree, options: ScanOptions) {
            self.tree = tree
            self.options = options
        }

        func run() {
            // Past a few per core, more workers only cost their start: a scan is bound by inflating and the disk.
            let threads = min(max(1, options.threads ?? Syscalls.onlineProcessors), ScanOptions.maxThreads)
            let base = tree.moduleDirectory
            // Modules are opened relative to the module directory: the kernel then resolves a short
            // path instead of the whole absolute one for each of thousands of files.
            let directory = (try? Syscalls.openDirectory(base).get()) ?? -1
            defer { if directory >= 0 { Syscalls.close(directory) } }
            walked.enter()
            walked.enter()
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                // This worker's copy of what the walk and the cache ticket left, taken once.
                var found: (walk: Walk, snapshot: ScanCache.Snapshot?)?
                while true {
                    let ticket = next.add(1, ordering: .relaxed).oldValue
                    switch ticket {
                    case 0:
                        let (files, problems) = TreeScanner.discover(tree)
                        let readOrder = files.indices.sorted { files[$0].size > files[$1].size }
                        let slots = ResultSlots<Result<ModuleFacts, ELFScanError>>(count: files.count)
                        walk.withLock {
                            $0 = Walk(files: files, problems: problems, readOrder: readOrder, results: slots)
                        }
                        walked.leave()
                    case 1:
                        if let scanCache = options.cache {
                            let opened = scanCache.open(moduleDirectory: tree.moduleDirectory)
                            cache.withLock { $0 = opened }
                        }
                        walked.leave()
                    case 2:
                        let loaded = TreeScanner.loadExtras(tree: tree, options: options)
                        extras.withLock { $0 = loaded }
                    default:
                        if found == nil {
                            walked.wait()
                            found = (walk.withLock { $0 }, cache.withLock { $0.snapshot })
                        }
                        let (w, snapshot) = found!
                        guard ticket - 3 < w.files.count else { return }
                        let i = w.readOrder[ticket - 3]
                        w.results.set(
                            i,
                            read(
                                w.files[i], of: w.files.count, snapshot: snapshot,
                                directory: directory, base: base))
                    }
                }
            }
        }

        private func read(
            _ file: ModuleFile, of total: Int, snapshot: ScanCache.Snapshot?,
            directory: Int32, base: String
        ) -> Result<ModuleFacts, ELFScanError> {
            let outcome: Result<ModuleFacts, ELFScanError>
            // A cached module past the limits in force is read again, to be refused as a read refuses it.
            if let stamp = file.stamp, let facts = snapshot?.facts(for: file.path, stamp: stamp),
                options.limits.admits(facts)
            {
                outcome = .success(facts)
                hits.add(1, ordering: .relaxed)
            } else {
                do throws(ELFScanError) {
                    let facts =
                        directory >= 0
                        ? try ModuleReader.read(relativePath: file.path, in: directory, limits: options.limits)
                        : try ModuleReader.read(
                            absolutePath: base + "/" + file.path, path: file.path,
                            limits: options.limits)
                    outcome = .success(facts)
                } catch {
                    outcome = .failure(error)
                }
            }
            let n = done.add(1, ordering: .relaxed).newValue
            options.progress?(n, total)
            return outcome
        }
    }

    /// What a tree holds besides its modules.
    fileprivate struct Extras: Sendable {
        var order: [String] = []
        var builtinModules: [String] = []
        var builtinModinfo: [String: [ModinfoEntry]] = [:]
        var kernelExports: KernelExports?
        var notes: [String] = []
        var error: TreeError?
    }

    fileprivate static func loadExtras(tree: KernelTree, options: ScanOptions) -> Extras {
        var extras = Extras()
        let dir = tree.moduleDirectory
        if let text = readText(dir + "/modules.order") {
            extras.order = lines(of: text).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        }
        if let text = readText(dir + "/modules.builtin") {
            extras.builtinModules = lines(of: text).map { moduleName(fromFileName: $0.trimmingWhitespace()) }
                .filter { !$0.isEmpty }
        }
        if let bytes = readBytes(dir + "/modules.builtin.modinfo") {
            extras.builtinModinfo = parseBuiltinModinfo(bytes)
        }
        do {
            (extras.kernelExports, extras.notes) = try loadKernelExports(tree: tree, options: options)
        } catch {
            extras.error = error
        }
        return extras
    }

    /// Every `*.ko`, `*.ko.xz`, `*.ko.gz` and `*.ko.zst` under the module directory, depth first with each
    /// directory's entries by name, and every entry that could not be used (a directory that cannot be
    /// opened or listed, a dangling link) as a problem. Links to files are followed; links to
    /// directories are not, so a link loop cannot trap the walk. There is no depth limit: directories
    /// are opened relative to the module directory, one at a time, so depth costs neither stack nor
    /// descriptors, and one too deep to open (its path reaching PATH_MAX, where the reader could not
    /// open a module either) is reported like any other.
    public static func discover(_ tree: KernelTree) -> ([ModuleFile], [ELFScanError]) {
        var files: [ModuleFile] = []
        var problems: [ELFScanError] = []
        let root: Syscalls.Directory
        do {
            root = try Syscalls.Directory(tree.moduleDirectory)
        } catch {
            return ([], [ELFScanError(.io, path: ".", "cannot open directory: \(error.reason)")])
        }
        /// What is left to do, innermost last: a file found, or a directory to list.
        enum Pending {
            case file(ModuleFile)
            case directory(String)
        }
        /// What an entry is: from readdir's d_type when it says, else from an lstat (`unknown` until then).
        enum EntryType { case directory, symbolicLink, other, unknown }
        var pending: [Pending] = [.directory("")]
        while let next = pending.popLast() {
            let relative: String
            switch next {
            case .file(let f):
                files.append(f)
                continue
            case .directory(let r):
                relative = r
            }
            let dir: Syscalls.Directory
            if relative.isEmpty {
                dir = root
            } else {
                do {
                    dir = try Syscalls.Directory(relative, relativeTo: root.descriptor, followingLinks: false)
                } catch {
                    problems.append(ELFScanError(.io, path: relative, "cannot open directory: \(error.reason)"))
                    continue
                }
            }
            var entries: [Syscalls.Directory.Entry]
            switch dir.entries() {
            case .success(let e): entries = e
            case .failure(let f):
                problems.append(
                    ELFScanError(
                        .io, path: relative.isEmpty ? "." : relative,
                        "cannot list directory: \(f.reason)"))
                continue
            }
            entries.sort { $0.name < $1.name }
            // This directory's files and subdirectories, in name order; pushed in reverse below, so that
            // they are taken in name order and each subdirectory's contents come where it stands.
            var found: [Pending] = []
            for entry in entries {
                let name = entry.name
                // depmod skips directories named build and source (the links to the kernel's trees) at any depth.
                if name == "build" || name == "source" { continue }
                let rel = relative.isEmpty ? name : relative + "/" + name
                let isModuleName = announcesModule(name)
                // A name that is not UTF-8 cannot be named in any output (lists, modules.dep) nor opened by its
                // shown form: said, never skipped silently nor misread.
                if entry.undecodable {
                    var isDirectory = entry.isDirectory
                    if entry.isUnknownType, case .success(let st) = dir.status(entry, followingLinks: false) {
                        isDirectory = st.isDirectory
                    }
                    if isModuleName || isDirectory {
                        problems.append(
                            ELFScanError(.io, path: rel, "the file name is not UTF-8 (shown with \\x escapes)"))
                    }
                    continue
                }
                // readdir's d_type says what most entries are without a stat; the stats left are relative
                // to the open directory, so the kernel does not walk the long path again each time.
                var type: EntryType
                if entry.isDirectory {
                    type = .directory
                } else if entry.isSymbolicLink {
                    type = .symbolicLink
                } else if entry.isRegular && !isModuleName {
                    continue
                } else {
                    type = .unknown  // a module file (its size is wanted), or a type readdir did not tell
                }
                var lst: Syscalls.FileStatus?
                if type == .unknown {
                    switch dir.status(name, followingLinks: false) {
                    case .success(let st): lst = st
                    case .failure(let f):
                        problems.append(ELFScanError(.io, path: rel, "lstat: \(f.reason)"))
                        continue
                    }
                    type = lst!.isDirectory ? .directory : lst!.isSymbolicLink ? .symbolicLink : .other
                }
                if type == .directory {
                    if isModuleName {
                        problems.append(ELFScanError(.io, path: rel, "not a regular file (a directory)"))
                    }
                    found.append(.directory(rel))
                    continue
                }
                guard isModuleName else { continue }
                if type == .symbolicLink {
                    let st: Syscalls.FileStatus
                    switch dir.status(name, followingLinks: true) {
                    case .success(let s): st = s
                    case .failure(let f):
                        let reason = f.isLinkLoop ? "symbolic link loop" : "dangling symbolic link"
                        problems.append(ELFScanError(.io, path: rel, reason))
                        continue
                    }
                    guard st.isRegular else {
                        problems.append(
                            ELFScanError(.io, path: rel, "symbolic link to something that is not a regular file"))
                        continue
                    }
                    found.append(.file(ModuleFile(path: rel, size: UInt64(st.size), stamp: FileStamp(st))))
                } else if let lst {
                    // Regular files, and FIFOs or devices named *.ko, which the reader rejects by name.
                    let stamp = lst.isRegular ? FileStamp(lst) : nil
                    found.append(.file(ModuleFile(path: rel, size: UInt64(lst.size), stamp: stamp)))
                }
            }
            pending.append(contentsOf: found.reversed())
        }
        return (files, problems)
    }

    /// `Compression.announced(byName:) != nil`, after a one-byte test that rules out most names: every
    /// module suffix ends in 'o', 'z', '2' or 't'.
    private static func announcesModule(_ name: String) -> Bool {
        switch name.utf8.last {
        case UInt8(ascii: "o"), UInt8(ascii: "z"), UInt8(ascii: "2"), UInt8(ascii: "t"):
            return Compression.announced(byName: Substring(name)) != nil
        default:
            return false
        }
    }

    /// The kernel's exports and notes about where they came from (or why they are missing).
    private static func loadKernelExports(tree: KernelTree, options: ScanOptions) throws(TreeError)
        -> (KernelExports?, [String])
    {
        var notes: [String] = []
        if let symvers = options.symvers {
            do {
                return (try KernelExports.load(symvers: Syscalls.absolute(symvers), displayPath: symvers), notes)
            } catch {
                throw TreeError("\(error)")
            }
        }
        if let map = options.systemMap {
            let exports: KernelExports?
            do {
                exports = try KernelExports.load(systemMap: Syscalls.absolute(map), displayPath: map)
            } catch {
                throw TreeError("\(error)")
            }
            if exports == nil {
                notes.append(
                    "\(map) has no __ksymtab_ entries (Debian ships a placeholder System.map; "
                        + "the real one is in the -dbg package): the kernel's exports are unknown"
                )
            }
            return (exports, notes)
        }
        guard options.discoverKernelSymbols else { return (nil, notes) }
        let dir = tree.moduleDirectory
        let version = tree.kernelVersion
        let root = tree.root ?? ""
        var symversCandidates = [tree.resolveInside(dir + "/build") + "/Module.symvers"]
        for ext in ["", ".gz", ".xz", ".zst"] {
            symversCandidates.append(dir + "/symvers" + ext)
            symversCandidates.append(root + "/boot/symvers-\(version)" + ext)
        }
        for candidate in symversCandidates where Syscalls.exists(candidate) {
            do {
                return (try KernelExports.load(symvers: candidate, displayPath: candidate), notes)
            } catch {
                notes.append("\(error); ignored")
            }
        }
        for candidate in [dir + "/System.map", root + "/boot/System.map-\(version)"] where Syscalls.exists(candidate) {
            if let exports = try? KernelExports.load(systemMap: candidate, displayPath: candidate) {
                return (exports, notes)
            }
            notes.append(
                "\(candidate) is a placeholder without symbols (Debian's real System.map is in the -dbg package)")
        }
        notes.append(
            "no Module.symvers or System.map: symbols that no module exports are assumed to be in the kernel (as "
                + "depmod does without -E/-F), so the unresolved-symbol check is partial"
        )
        return (nil, notes)
    }

    /// `modules.builtin.modinfo`: NUL-separated `module.key=value` strings. A line break (LF or CRLF)
    /// separates them too: the kernel writes none inside a value, and a file whose records went
    /// through a text editor or a CRLF conversion still reads as it was meant.
    static func parseBuiltinModinfo(_ bytes: [UInt8]) -> [String: [ModinfoEntry]] {
        var result: [String: [ModinfoEntry]] = [:]
        for piece in bytes.split(whereSeparator: { $0 == 0 || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            let text = String(decoding: piece, as: UTF8.self)
            guard let dot = text.firstIndex(of: "."), let eq = text[dot...].firstIndex(of: "=") else { continue }
            let module = normalizedModuleName(text[..<dot])
            let key = String(text[text.index(after: dot)..<eq])
            result[module, default: []].append(ModinfoEntry(key: key, value: String(text[text.index(after: eq)...])))
        }
        return result
    }
}

func readBytes(_ path: String) -> [UInt8]? {
    try? readDecompressedFile(path, path: path)
}

func readText(_ path: String) -> String? {
    readBytes(path).map { String(decoding: $0, as: UTF8.self) }
}

/// The lines of a text file of the tree, LF or CRLF. Cut on bytes: splitting by Characters cost more
/// than reading the file, and would take "\r\n" (one Character) for no line end at all.
func lines(of text: String) -> [Substring] {
    text.utf8.split(separator: UInt8(ascii: "\n")).map { line in
        Substring(line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        // Nothing to trim when both ends are printable ASCII: a Character starting or ending with such a
        // byte is not whitespace (only single scalars and "\r\n" are).
        var s = Substring(self)
        if let f = s.utf8.first, let l = s.utf8.last, (0x21...0x7E).contains(f), (0x21...0x7E).contains(l) {
            return String(s)
        }
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension Array {
    func isSorted(by less: (Element, Element) -> Bool) -> Bool {
        zip(self, dropFirst()).allSatisfy { !less($1, $0) }
    }
}
