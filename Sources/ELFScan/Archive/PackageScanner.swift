internal import Dispatch
internal import Synchronization

/// The tree that a set of built packages installs, and the packages themselves.
public struct PackageScan: Sendable {
    /// Every module of every package (paths relative to `lib/modules/<version>/`), the index files the
    /// packages ship, and the kernel's exports from `--symvers`/`--system-map`.
    public var scan: TreeScan
    /// The packages in the order given.
    public var packages: [BuiltPackage]
    /// Module path → the package (index into `packages`) that ships it, links included.
    public var packageOfPath: [String: Int]
    /// Files two packages both ship: (path, the package whose copy is used, the other).
    public var conflicts: [(path: String, kept: Int, other: Int)]
    /// Symbolic links followed, by the link's path: (package, where it sits in the file list, target).
    public var links: [String: (package: Int, entry: Int, target: String)]

    /// The tree assembled from `packages`; conflicts and followed links default to none.
    public init(
        scan: TreeScan, packages: [BuiltPackage], packageOfPath: [String: Int],
        conflicts: [(path: String, kept: Int, other: Int)] = [],
        links: [String: (package: Int, entry: Int, target: String)] = [:]
    ) {
        self.scan = scan
        self.packages = packages
        self.packageOfPath = packageOfPath
        self.conflicts = conflicts
        self.links = links
    }
}

/// Reads built packages in parallel and puts their modules together as one tree.
public enum PackageScanner {
    /// Reads every file of `files` (a package each) and forms the tree they install. The kernel version
    /// comes from the packages' `lib/modules/<version>/` paths; packages of several kernels, or none
    /// holding any module directory, are a `TreeError`. A package that cannot be read, or only in
    /// part, is not: it keeps its `failure` and the rest is analysed. With `options.cache`, an
    /// unchanged package file is taken from the scan cache.
    public static func scan(
        _ files: [String], options: ScanOptions = ScanOptions(),
        limits: PackageLimits = PackageLimits()
    ) throws(TreeError) -> PackageScan {
        let (packages, notes) = readAll(files, options: options, limits: limits)
        var scan = try assemble(packages, options: options)
        scan.scan.notes += notes
        return scan
    }

    /// Reads the packages on worker threads, biggest file first (one package is one worker's job:
    /// its decompression is a single stream), and returns them in the order given.
    public static func read(
        _ files: [String], options: ScanOptions = ScanOptions(),
        limits: PackageLimits = PackageLimits()
    ) -> [BuiltPackage] {
        readAll(files, options: options, limits: limits).packages
    }

    static func readAll(_ files: [String], options: ScanOptions, limits: PackageLimits)
        -> (packages: [BuiltPackage], notes: [String])
    {
        let sizes = files.map { FileStamp.of($0)?.size ?? 0 }
        let order = files.indices.sorted { sizes[$0] > sizes[$1] }
        let results = ResultSlots<(BuiltPackage, String?)>(count: files.count)
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let threads = max(1, min(files.count, options.threads ?? Syscalls.onlineProcessors, ScanOptions.maxThreads))
        let cache = options.cache.map { PackageCache(cache: $0) }
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let ticket = next.add(1, ordering: .relaxed).oldValue
                guard ticket < order.count else { return }
                let i = order[ticket]
                let read = cache?.read(files[i], limits: limits) ?? (PackageReader.read(files[i], limits: limits), nil)
                results.set(i, read)
                let n = done.add(1, ordering: .relaxed).newValue
                options.progress?(n, files.count)
            }
        }
        let all = results.values.map { $0! }
        return (all.map(\.0), all.compactMap(\.1))
    }

    /// The tree the packages install, from packages already read.
    public static func assemble(_ packages: [BuiltPackage], options: ScanOptions) throws(TreeError) -> PackageScan {
        // One kernel: the version of every module directory the packages fill.
        var byVersion: [String: [String]] = [:]
        for p in packages { for v in p.kernelVersions { byVersion[v, default: []].append(baseName(p.file)) } }
        guard let version = byVersion.keys.sorted().first else {
            if let failed = packages.first(where: { $0.failure != nil })?.failure {
                let more = packages.filter { $0.failure != nil }.count - 1
                throw TreeError(
                    "\(failed)" + (more > 0 ? " (and \(more) more packages cannot be read)" : "")
                        + "; no package holds lib/modules/<version>/")
            }
            // What was refused may be why: say it, naming the file.
            let refused = packages.flatMap { p in
                p.remarks.filter { $0.level == .error }.map { "\(p.file): \($0.message)" }
            }
            throw TreeError(
                "no package holds lib/modules/<version>/ or usr/lib/modules/<version>/: there are no modules to check"
                    + (refused.isEmpty
                        ? ""
                        : " (\(refused[0])" + (refused.count > 1 ? "; and \(refused.count - 1) more refused" : "")
                            + ")"))
        }
        guard byVersion.count == 1 else {
            let list = byVersion.keys.sorted().map { v in
                let names = byVersion[v]!
                return "\(v) (\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", …" : ""))"
            }
            throw TreeError(
                "the packages hold modules of several kernels: \(list.joined(separator: "; ")); "
                    + "give the packages of one kernel"
            )
        }

        var modules: [ModuleFacts] = []
        var problems: [ELFScanError] = []
        var packageOfPath: [String: Int] = [:]
        var conflicts: [(path: String, kept: Int, other: Int)] = []
        for (p, package) in packages.enumerated() {
            for m in package.modules {
                if let kept = packageOfPath[m.path] {
                    conflicts.append((m.path, kept, p))
                    continue
                }
                packageOfPath[m.path] = p
                modules.append(m)
            }
            for e in package.problems {
                if let kept = packageOfPath[e.path] {
                    conflicts.append((e.path, kept, p))
                    continue
                }
                packageOfPath[e.path] = p
                problems.append(e)
            }
        }

        // Links named like modules: depmod follows them, so each is a module of its own where its
        // target is one of the given packages' modules.
        var links: [String: (package: Int, entry: Int, target: String)] = [:]
        var byPath: [String: Int] = [:]
        for (i, m) in modules.enumerated() { byPath[m.path] = i }
        var allLinks: [String: (package: Int, link: PackagedLink)] = [:]
        for (p, package) in packages.enumerated() {
            for l in package.links where allLinks[l.path] == nil && packageOfPath[l.path] == nil {
                allLinks[l.path] = (p, l)
            }
        }
        for (path, (p, link)) in allLinks.sorted(by: { $0.key < $1.key }) {
            packageOfPath[path] = p
            let name = baseName(packages[p].file)
            switch resolve(link: path, through: allLinks.mapValues(\.link.target), version: version) {
            case .module(let target):
                if let i = byPath[target] {
                    var facts = modules[i]
                    facts.path = path
                    modules.append(facts)
                    links[path] = (p, link.entry, link.target)
                } else {
                    problems.append(
                        ELFScanError(
                            .io, path: path,
                            "\(name): a symbolic link to \(quoted(link.target)), "
                                + "which no given package ships as a module"
                        ))
                }
            case .outside:
                problems.append(
                    ELFScanError(
                        .io, path: path,
                        "\(name): a symbolic link to \(quoted(link.target)), outside the module directory"))
            case .loop:
                problems.append(ELFScanError(.io, path: path, "\(name): symbolic link loop"))
            }
        }
        modules.sort { $0.path < $1.path }
        problems.sort { ($0.path, $0.reason) < ($1.path, $1.reason) }

        // The index files: the first package that ships each (the kernel image's, in practice).
        var notes: [String] = []
        let present = Set(modules.map { withoutCompressionSuffix($0.path) })
        var order = packages.lazy.compactMap(\.order).first ?? []
        let listed = order.count
        order = order.filter { present.contains($0) }
        if listed > order.count {
            notes.append(
                "modules.order lists \(listed) modules, \(order.count) of them in the given packages; "
                    + "only those are ordered"
            )
        }
        let builtin = packages.lazy.compactMap(\.builtin).first
        let builtinModinfo = packages.lazy.compactMap(\.builtinModinfo).first
        if builtin == nil {
            notes.append("no package ships modules.builtin: modules built into the kernel are unknown")
        } else if builtinModinfo == nil {
            notes.append(
                "no package ships modules.builtin.modinfo: built-in modules are known by name only, "
                    + "not by their aliases"
            )
        }
        var kernelExports: KernelExports?
        let otherNotes = notes.count
        if let symvers = options.symvers {
            do {
                kernelExports = try KernelExports.load(symvers: Syscalls.absolute(symvers), displayPath: symvers)
            } catch {
                throw TreeError("\(error)")
            }
        } else if let map = options.systemMap {
            do {
                kernelExports = try KernelExports.load(systemMap: Syscalls.absolute(map), displayPath: map)
            } catch {
                throw TreeError("\(error)")
            }
            if kernelExports == nil {
                notes.append(
                    "\(map) has no __ksymtab_ entries (Debian ships a placeholder System.map; "
                        + "the real one is in the -dbg package): the kernel's exports are unknown"
                )
            }
        } else {
            notes.append(
                "no --symvers or --system-map: symbols that no given package exports are assumed to be in the kernel "
                    + "(as depmod does without -E/-F), so the unresolved-symbol check is partial"
            )
        }
        let tree = KernelTree(root: nil, moduleDirectory: "lib/modules/\(version)", kernelVersion: version)
        let scan = TreeScan(
            tree: tree, modules: modules, problems: problems, builtinModules: builtin ?? [],
            builtinModinfo: builtinModinfo ?? [:], order: order, kernelExports: kernelExports,
            notes: notes, kernelExportNotes: Array(notes[otherNotes...]))
        return PackageScan(
            scan: scan, packages: packages, packageOfPath: packageOfPath, conflicts: conflicts,
            links: links)
    }

    enum LinkTarget: Equatable { case module(String), outside, loop }

    /// Where a link inside the module directory leads, following links to links: a path relative to
    /// the module directory, or outside it. Absolute targets are taken on the installed system
    /// (`/lib/modules/<version>/…` and `/usr/lib/modules/<version>/…` are inside).
    static func resolve(link: String, through targets: [String: String], version: String) -> LinkTarget {
        var current = link
        for _ in 0..<40 {
            guard let target = targets[current] else { return .module(current) }
            var parts: [Substring]
            if target.hasPrefix("/") {
                var rest = target.split(separator: "/", omittingEmptySubsequences: true)
                if rest.starts(with: ["usr"]) { rest.removeFirst() }
                guard rest.count >= 3, rest[0] == "lib", rest[1] == "modules", rest[2] == Substring(version) else {
                    return .outside
                }
                parts = Array(rest.dropFirst(3))
            } else {
                parts = current.split(separator: "/").dropLast() + target.split(separator: "/")
            }
            var resolved: [Substring] = []
            for part in parts {
                switch part {
                case "", ".": continue
                case "..":
                    guard !resolved.isEmpty else { return .outside }
                    resolved.removeLast()
                default: resolved.append(part)
                }
            }
            guard !resolved.isEmpty else { return .outside }
            current = resolved.joined(separator: "/")
        }
        return .loop
    }

    static func withoutCompressionSuffix(_ path: String) -> String {
        for c in Compression.allCases where c != .none && path.hasSuffix(".ko" + c.suffix) {
            return String(path.dropLast(c.suffix.count))
        }
        return path
    }
}
