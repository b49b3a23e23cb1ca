internal import Glibc

/// Why a tree could not be used at all (exit status 2 in the CLI).
public struct TreeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A kernel's module directory (`lib/modules/<version>`) and, when given, the root it sits under.
public struct KernelTree: Sendable, Hashable {
    /// The base directory that holds `lib/modules/<version>` (like `depmod -b`), nil when the tree
    /// was named by its module directory.
    public var root: String?
    /// Absolute path of the module directory.
    public var moduleDirectory: String
    public var kernelVersion: String

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
            for dir in ["/lib/modules/\(version)", "/usr/lib/modules/\(version)"] where isDirectory(dir) {
                return KernelTree(root: nil, moduleDirectory: dir, kernelVersion: version)
            }
            throw TreeError("no module directory for the running kernel \(version) (/lib/modules/\(version)); name one with --tree")
        }
        let absolute = makeAbsolute(path)
        guard isDirectory(absolute) else { throw TreeError("\(path): no such directory") }
        if looksLikeModuleDirectory(absolute) {
            if let kernelVersion, baseName(absolute) != kernelVersion {
                throw TreeError("\(path) is the module directory of \(baseName(absolute)), not \(kernelVersion)")
            }
            return KernelTree(root: nil, moduleDirectory: absolute, kernelVersion: baseName(absolute))
        }
        var candidates: [(dir: String, version: String)] = []
        for sub in ["lib/modules", "usr/lib/modules"] {
            let parent = absolute + "/" + sub
            for version in listDirectory(parent).sorted() where isDirectory(parent + "/" + version) {
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
        candidates = candidates.filter { seen.insert(realPath($0.dir) ?? $0.dir).inserted }
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
            guard let target = readLink(current) else { return current }
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
        var u = utsname()
        _ = uname(&u)
        return withUnsafeBytes(of: &u.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func looksLikeModuleDirectory(_ dir: String) -> Bool {
        ["modules.order", "modules.builtin", "kernel"].contains { exists(dir + "/" + $0) }
    }
}

// MARK: Small POSIX helpers shared by the tree code.

func makeAbsolute(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buf, buf.count) != nil else { return path }
    let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var p = Substring(path)
    while p.hasPrefix("./") { p = p.dropFirst(2) }
    if p == "." || p.isEmpty { return cwd }
    return cwd + "/" + p
}

func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

func exists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
}

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

func readLink(_ path: String) -> String? {
    var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink(path, &buf, buf.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func realPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
}

func listDirectory(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
