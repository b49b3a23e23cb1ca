/// Why a tree could not be used at all (exit status 2 in the CLI).
public struct TreeError: Error, Sendable, CustomStringConvertible {
    /// Why, as a sentence for the user.
    public var message: String
    /// A tree error saying `message`.
    public init(_ message: String) { self.message = message }
    /// The message itself, as printed.
    public var description: String { message }
}

/// A kernel's module directory (`lib/modules/<version>`) and, when given, the root it sits under.
public struct KernelTree: Sendable, Hashable {
    /// The base directory that holds `lib/modules/<version>` (like `depmod -b`): the path given, or the part of a
    /// module directory's path before `lib/modules/<version>`; nil for the system's own `/lib/modules/<version>`.
    public var root: String?
    /// Absolute path of the module directory.
    public var moduleDirectory: String
    /// The `<version>` of `lib/modules/<version>`, which the modules' vermagic should start with.
    public var kernelVersion: String

    /// The tree whose module directory is `moduleDirectory`, under `root` when it was named by its root or by a
    /// module directory under `<root>/lib/modules/` (nil for the system's own `/lib/modules/<version>`).
    public init(root: String?, moduleDirectory: String, kernelVersion: String) {
        self.root = root
        self.moduleDirectory = moduleDirectory
        self.kernelVersion = kernelVersion
    }

    /// Finds the tree named by `path`: a module directory, or a root with exactly one
    /// `lib/modules/<v>` or `usr/lib/modules/<v>` (or the one `kernelVersion` picks).
    /// Without `path`, the running kernel's `/lib/modules/$(uname -r)`.
    public static func locate(path: String?, kernelVersion: String? = nil) throws(TreeError) -> KernelTree {
        guard let path else {
            let version = kernelVersion ?? runningKernelRelease()
            for dir in ["/lib/modules/\(version)", "/usr/lib/modules/\(version)"] where Syscalls.isDirectory(dir) {
                return KernelTree(root: nil, moduleDirectory: dir, kernelVersion: version)
            }
            throw TreeError(
                "no module directory for the running kernel \(version) (/lib/modules/\(version)); name one with --tree")
        }
        let absolute = Syscalls.absolute(path)
        guard Syscalls.isDirectory(absolute) else { throw TreeError("\(path): no such directory") }
        if looksLikeModuleDirectory(absolute) {
            if let kernelVersion, baseName(absolute) != kernelVersion {
                throw TreeError("\(path) is the module directory of \(baseName(absolute)), not \(kernelVersion)")
            }
            // `<root>/lib/modules/<v>` (or `usr/lib/modules`): the root is known too, so an absolute `build` link
            // (Debian's points at /usr/src/linux-headers-<v>) and `boot/` are found under it, as for the root.
            let version = baseName(absolute)
            var trimmed = Substring(absolute)
            while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
            let root = Self.root(ofModuleDirectory: String(trimmed), version: version)
            return KernelTree(root: root, moduleDirectory: absolute, kernelVersion: version)
        }
        var candidates: [(dir: String, version: String)] = []
        for sub in ["lib/modules", "usr/lib/modules"] {
            let parent = absolute + "/" + sub
            for version in Syscalls.names(in: parent).sorted() where Syscalls.isDirectory(parent + "/" + version) {
                candidates.append((parent + "/" + version, version))
            }
        }
        if let kernelVersion {
            candidates = candidates.filter { $0.version == kernelVersion }
            guard let first = candidates.first else {
                throw TreeError("\(path): no lib/modules/\(kernelVersion) or usr/lib/modules/\(kernelVersion)")
            }
            return KernelTree(root: absolute, moduleDirectory: first.dir, kernelVersion: kernelVersion)
        }
        // lib/ may be a link to usr/lib (merged /usr): the same directory found twice is one.
        var seen = Set<String>()
        candidates = candidates.filter { seen.insert(Syscalls.realPath($0.dir) ?? $0.dir).inserted }
        switch candidates.count {
        case 0:
            throw TreeError("\(path): neither a module directory nor a root with lib/modules/<version>")
        case 1:
            return KernelTree(root: absolute, moduleDirectory: candidates[0].dir, kernelVersion: candidates[0].version)
        default:
            let versions = candidates.map(\.version).joined(separator: ", ")
            throw TreeError("\(path) holds several kernels (\(versions)); choose one with --kernel-version")
        }
    }

    /// Resolves a path found inside the tree; absolute symlink targets are taken relative to `root`,
    /// as they would be on the installed system.
    public func resolveInside(_ path: String) -> String {
        var current = path
        for _ in 0..<16 {
            guard let target = Syscalls.readLink(current) else { return current }
            if target.hasPrefix("/") {
                current = (root ?? "") + target
            } else {
                current = dirName(current) + "/" + target
            }
        }
        return current
    }

    /// The kernel's release string: `uname -r`.
    public static func runningKernelRelease() -> String {
        Syscalls.kernelRelease()
    }

    /// The part of a module directory's path before `usr/lib/modules/<version>` (or `lib/modules/<version>`); nil
    /// when the path has no such ending or nothing before it (the system's own `/lib/modules/<version>` or
    /// `/usr/lib/modules/<version>`).
    public static func root(ofModuleDirectory path: String, version: String) -> String? {
        guard let suffix = ["/usr/lib/modules/", "/lib/modules/"].map({ $0 + version }).first(where: path.hasSuffix)
        else { return nil }
        let root = path.dropLast(suffix.count)
        return root.isEmpty ? nil : String(root)
    }

    private static func looksLikeModuleDirectory(_ dir: String) -> Bool {
        ["modules.order", "modules.builtin", "kernel"].contains { Syscalls.exists(dir + "/" + $0) }
    }
}

// MARK: Path names, taken apart as text.

func baseName(_ path: String) -> String {
    var p = Substring(path)
    while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
    if let slash = p.lastIndex(of: "/") { return String(p[p.index(after: slash)...]) }
    return String(p)
}

func dirName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
