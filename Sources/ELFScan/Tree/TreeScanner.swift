internal import Dispatch
internal import Glibc
internal import Synchronization

/// What to scan besides the module files, and how.
public struct ScanOptions: Sendable {
    /// Module.symvers to take the kernel's exports from (plain or compressed).
    public var symvers: String?
    /// System.map to take the kernel's exports from, when there is no Module.symvers.
    public var systemMap: String?
    /// Look for Module.symvers / System.map inside the tree when neither is given.
    public var discoverKernelSymbols: Bool
    public var limits: ScanLimits
    /// Worker threads; nil means one per online core.
    public var threads: Int?
    /// Called from worker threads with (modules done, modules in all).
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(symvers: String? = nil, systemMap: String? = nil, discoverKernelSymbols: Bool = true,
                limits: ScanLimits = .default, threads: Int? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil) {
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

    public init(tree: KernelTree, modules: [ModuleFacts], problems: [ELFScanError], builtinModules: [String] = [],
                builtinModinfo: [String: [ModinfoEntry]] = [:], order: [String] = [],
                kernelExports: KernelExports? = nil, notes: [String] = []) {
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
    public var size: UInt64
}

/// Reads every module of a tree in parallel.
public enum TreeScanner {
    public static func scan(_ tree: KernelTree, options: ScanOptions = ScanOptions()) throws(TreeError) -> TreeScan {
        let t0 = DispatchTime.now().uptimeNanoseconds
        var (files, problems) = discover(tree)
        let t1 = DispatchTime.now().uptimeNanoseconds
        let facts = readAll(tree: tree, files: files, options: options)
        let t2 = DispatchTime.now().uptimeNanoseconds
        if getenv("MODSPLIT_TIMING") != nil { print("discover \((t1-t0)/1000000) ms, read \((t2-t1)/1000000) ms") }
        var modules: [ModuleFacts] = []
        modules.reserveCapacity(files.count)
        for result in facts {
            switch result {
            case .success(let m): modules.append(m)
            case .failure(let e): problems.append(e)
            case nil: break
            }
        }
        // Files come in directory-walk order; sort only where that differs from path order.
        if !modules.isSorted(by: { $0.path < $1.path }) { modules.sort { $0.path < $1.path } }
        problems.sort { ($0.path, $0.reason) < ($1.path, $1.reason) }
        files.removeAll()

        var scan = TreeScan(tree: tree, modules: modules, problems: problems)
        let dir = tree.moduleDirectory
        if let text = readText(dir + "/modules.order") {
            scan.order = text.split(separator: "\n").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        }
        if let text = readText(dir + "/modules.builtin") {
            scan.builtinModules = text.split(separator: "\n").map { moduleName(fromFileName: $0.trimmingWhitespace()) }
                .filter { !$0.isEmpty }
        }
        if let bytes = readBytes(dir + "/modules.builtin.modinfo") {
            scan.builtinModinfo = parseBuiltinModinfo(bytes)
        }
        let t3 = DispatchTime.now().uptimeNanoseconds
        try loadKernelExports(into: &scan, options: options)
        if getenv("MODSPLIT_TIMING") != nil { print("symvers \((DispatchTime.now().uptimeNanoseconds-t3)/1000000) ms") }
        return scan
    }

    /// Every `*.ko`, `*.ko.xz`, `*.ko.gz` and `*.ko.zst` under the module directory, sorted by path.
    /// Links to files are followed; links to directories are not, so a link loop cannot trap the walk.
    public static func discover(_ tree: KernelTree) -> ([ModuleFile], [ELFScanError]) {
        var files: [ModuleFile] = []
        var problems: [ELFScanError] = []
        func walk(_ relative: String, depth: Int) {
            let absolute = relative.isEmpty ? tree.moduleDirectory : tree.moduleDirectory + "/" + relative
            for name in listDirectory(absolute).sorted() {
                // depmod skips directories named build and source (the links to the kernel's trees) at any depth.
                if name == "build" || name == "source" { continue }
                let rel = relative.isEmpty ? name : relative + "/" + name
                let full = absolute + "/" + name
                var lst = stat()
                guard lstat(full, &lst) == 0 else {
                    problems.append(ELFScanError(.io, path: rel, "lstat: \(ElfImage.errnoText())"))
                    continue
                }
                let isModuleName = Compression.announced(byName: Substring(name)) != nil
                let type = lst.st_mode & S_IFMT
                if type == S_IFDIR {
                    if isModuleName {
                        problems.append(ELFScanError(.io, path: rel, "not a regular file (a directory)"))
                    }
                    if depth < 64 { walk(rel, depth: depth + 1) }
                    continue
                }
                guard isModuleName else { continue }
                if type == S_IFLNK {
                    var st = stat()
                    guard stat(full, &st) == 0 else {
                        let reason = errno == ELOOP ? "symbolic link loop" : "dangling symbolic link"
                        problems.append(ELFScanError(.io, path: rel, reason))
                        continue
                    }
                    guard (st.st_mode & S_IFMT) == S_IFREG else {
                        problems.append(ELFScanError(.io, path: rel, "symbolic link to something that is not a regular file"))
                        continue
                    }
                    files.append(ModuleFile(path: rel, size: UInt64(st.st_size)))
                } else {
                    // Regular files, and FIFOs or devices named *.ko, which the reader rejects by name.
                    files.append(ModuleFile(path: rel, size: UInt64(lst.st_size)))
                }
            }
        }
        walk("", depth: 0)
        return (files, problems)
    }

    /// Reads `files` on all cores, biggest first so that one huge module does not finish last.
    static func readAll(tree: KernelTree, files: [ModuleFile], options: ScanOptions)
        -> [Result<ModuleFacts, ELFScanError>?]
    {
        let slots = ResultSlots(count: files.count)
        let order = files.indices.sorted { files[$0].size > files[$1].size }
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let total = files.count
        let threads = max(1, min(options.threads ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), max(total, 1)))
        let progress = options.progress
        let limits = options.limits
        let base = tree.moduleDirectory
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let k = next.add(1, ordering: .relaxed).oldValue
                guard k < total else { return }
                let i = order[k]
                let file = files[i]
                do throws(ELFScanError) {
                    let facts = try ModuleReader.read(absolutePath: base + "/" + file.path, path: file.path, limits: limits)
                    slots.store(.success(facts), at: i)
                } catch {
                    slots.store(.failure(error), at: i)
                }
                let n = done.add(1, ordering: .relaxed).newValue
                progress?(n, total)
            }
        }
        return slots.take()
    }

    private static func loadKernelExports(into scan: inout TreeScan, options: ScanOptions) throws(TreeError) {
        let tree = scan.tree
        if let symvers = options.symvers {
            do {
                scan.kernelExports = try KernelExports.load(symvers: makeAbsolute(symvers), displayPath: symvers)
            } catch {
                throw TreeError("\(error)")
            }
            return
        }
        if let map = options.systemMap {
            do {
                scan.kernelExports = try KernelExports.load(systemMap: makeAbsolute(map), displayPath: map)
            } catch {
                throw TreeError("\(error)")
            }
            if scan.kernelExports == nil {
                scan.notes.append("\(map) has no __ksymtab_ entries (Debian ships a placeholder System.map; the real one is in the -dbg package): the kernel's exports are unknown")
            }
            return
        }
        guard options.discoverKernelSymbols else { return }
        let dir = tree.moduleDirectory
        let version = tree.kernelVersion
        let root = tree.root ?? ""
        var symversCandidates = [tree.resolveInside(dir + "/build") + "/Module.symvers"]
        for ext in ["", ".gz", ".xz", ".zst"] {
            symversCandidates.append(dir + "/symvers" + ext)
            symversCandidates.append(root + "/boot/symvers-\(version)" + ext)
        }
        for candidate in symversCandidates where exists(candidate) {
            do {
                scan.kernelExports = try KernelExports.load(symvers: candidate, displayPath: candidate)
                return
            } catch {
                scan.notes.append("\(error); ignored")
            }
        }
        for candidate in [dir + "/System.map", root + "/boot/System.map-\(version)"] where exists(candidate) {
            if let exports = try? KernelExports.load(systemMap: candidate, displayPath: candidate) {
                scan.kernelExports = exports
                return
            }
            scan.notes.append("\(candidate) is a placeholder without symbols (Debian's real System.map is in the -dbg package)")
        }
        scan.notes.append("no Module.symvers or System.map: symbols that no module exports are assumed to be in the kernel (as depmod does without -E/-F), so the unresolved-symbol check is partial")
    }

    /// `modules.builtin.modinfo`: NUL-separated `module.key=value` strings.
    static func parseBuiltinModinfo(_ bytes: [UInt8]) -> [String: [ModinfoEntry]] {
        var result: [String: [ModinfoEntry]] = [:]
        for piece in bytes.split(separator: 0) {
            let text = String(decoding: piece, as: UTF8.self)
            guard let dot = text.firstIndex(of: "."), let eq = text[dot...].firstIndex(of: "=") else { continue }
            let module = normalizedModuleName(text[..<dot])
            let key = String(text[text.index(after: dot)..<eq])
            result[module, default: []].append(ModinfoEntry(key: key, value: String(text[text.index(after: eq)...])))
        }
        return result
    }
}

/// Per-file result slots the worker threads fill; each index is written by exactly one thread.
private final class ResultSlots: @unchecked Sendable {
    private var storage: UnsafeMutableBufferPointer<Result<ModuleFacts, ELFScanError>?>

    init(count: Int) {
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: nil)
    }

    func store(_ value: Result<ModuleFacts, ELFScanError>, at index: Int) { storage[index] = value }

    func take() -> [Result<ModuleFacts, ELFScanError>?] { Array(storage) }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }
}

func readBytes(_ path: String) -> [UInt8]? {
    try? readDecompressedFile(path, path: path)
}

func readText(_ path: String) -> String? {
    readBytes(path).map { String(decoding: $0, as: UTF8.self) }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
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
