public import Foundation

/// Real Debian kernel trees, fetched with `apt-get download` by `scripts/fetch-debian-kernel`
/// into `$MODSPLIT_DATA` (default `~/.cache/modsplit-data`) and reused across runs.
///
/// `MODSPLIT_REAL_KERNELS` chooses: `skip` never fetches (tests that need a tree are disabled),
/// `require` makes a failed fetch a test failure (CI), anything else tries and disables on failure.
public enum RealKernels {
    /// One tree: the package it comes from and the architecture it is for.
    public struct Tree: Sendable, CustomStringConvertible {
        /// What `scripts/fetch-debian-kernel` takes: a flavour (`cloud-amd64`), `6.12:flavour`, or a package name.
        public var spec: String
        /// The Debian architecture for a foreign tree, nil for the host's.
        public var arch: String?
        /// The tree `spec`, for `arch` when given.
        public init(_ spec: String, arch: String? = nil) {
            self.spec = spec
            self.arch = arch
        }
        /// The spec, with the architecture when there is one.
        public var description: String { arch.map { "\(spec) (\($0))" } ?? spec }
    }

    /// The trees the exactness tests compare with depmod: plain and xz, cloud flavours, ELF32 and big-endian.
    public static let exactness: [Tree] = [
        Tree("cloud-amd64"),
        Tree("6.12:cloud-amd64"),
        Tree("amd64"),
        Tree("linux-image-6.12.117+deb12-amd64"),
        Tree("s390x", arch: "s390x"),
        Tree("686-pae", arch: "i386"),
        Tree("armmp", arch: "armhf"),
        Tree("cloud-arm64", arch: "arm64"),
        Tree("powerpc64le", arch: "ppc64el"),
    ]

    /// `MODSPLIT_REAL_KERNELS`: `skip`, `require`, or `try` (the default).
    public static var mode: String { ProcessInfo.processInfo.environment["MODSPLIT_REAL_KERNELS"] ?? "try" }
    /// Whether tests that need a real tree run at all.
    public static var enabled: Bool { mode != "skip" }

    /// The repository root (for scripts/), found from this file's path.
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    private static let cache = Cache()

    /// The unpacked root of `tree` (it holds `lib/modules/<version>`), fetching it on first use.
    public static func root(_ tree: Tree) throws -> URL {
        if let known = cache.get(tree.description) { return known }
        var args: [String] = []
        if let arch = tree.arch { args += ["--arch", arch] }
        args.append(tree.spec)
        let script = repositoryRoot.appendingPathComponent("scripts/fetch-debian-kernel").path
        let out = try runChecked(script, args)
        let path = out.split(separator: "\n").last.map(String.init) ?? ""
        let url = URL(fileURLWithPath: path)
        cache.set(tree.description, url)
        return url
    }

    /// Module.symvers of a fetched root, if its headers package carried one.
    public static func symvers(in root: URL) -> URL? {
        let src = root.appendingPathComponent("usr/src")
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: src.path)) ?? []
        for d in dirs.sorted() {
            let f = src.appendingPathComponent(d).appendingPathComponent("Module.symvers")
            if FileManager.default.fileExists(atPath: f.path) { return f }
        }
        return nil
    }

    /// The module directory `lib/modules/<version>` under a root.
    public static func moduleDirectory(in root: URL) throws -> URL {
        let base = root.appendingPathComponent("lib/modules")
        guard let v = try FileManager.default.contentsOfDirectory(atPath: base.path).sorted().first else {
            throw CommandFailed(command: "ls \(base.path)", result: (1, "", "empty"))
        }
        return base.appendingPathComponent(v)
    }

    /// An NSLock, not Synchronization's Mutex: the sanitized CI run's ThreadSanitizer sees a pthread mutex but not
    /// the futex under Mutex on Linux, and would report every access as a race. Hence `@unchecked`.
    private final class Cache: @unchecked Sendable {
        private var roots: [String: URL] = [:]
        private let lock = NSLock()
        func get(_ key: String) -> URL? { lock.withLock { roots[key] } }
        func set(_ key: String, _ url: URL) { lock.withLock { roots[key] = url } }
    }
}

/// `depmod -a` run on a hard-linked scratch copy of a tree: the reference modsplit must equal.
public enum DepmodReference {
    /// Runs depmod and returns file name → contents for the text files it wrote.
    public static func run(root: URL, symvers: URL?) throws -> [String: String] {
        let moduleDir = try RealKernels.moduleDirectory(in: root)
        let version = moduleDir.lastPathComponent
        let scratch = try TemporaryDirectory("depmod-ref")
        defer { scratch.cleanup() }
        let target = scratch.url.appendingPathComponent("lib/modules")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try runChecked("cp", ["-al", moduleDir.path, target.appendingPathComponent(version).path])
        var args = ["-b", scratch.url.path]
        if let symvers { args += ["-E", symvers.path] }
        args.append(version)
        try runChecked("depmod", args)
        var out: [String: String] = [:]
        for name in ["modules.dep", "modules.alias", "modules.softdep", "modules.symbols", "modules.devname"] {
            let f = target.appendingPathComponent(version).appendingPathComponent(name)
            out[name] = try String(contentsOf: f, encoding: .utf8)
        }
        return out
    }
}
