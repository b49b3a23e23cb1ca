public import Foundation

/// A scratch copy of a real tree (hard links, so it costs nothing) in which single module files can be
/// rewritten: the way tests demonstrate each finding on a real module.
public struct TamperedTree {
    /// The copy's root: it holds `lib/modules/<version>`.
    public let root: URL
    /// The copy's module directory.
    public let moduleDirectory: URL
    private let scratch: TemporaryDirectory

    /// Copies the module directory of the tree rooted at `source` by hard links into a scratch directory.
    public init(copying source: URL) throws {
        scratch = try TemporaryDirectory("tampered")
        root = scratch.url
        let sourceModules = try RealKernels.moduleDirectory(in: source)
        let version = sourceModules.lastPathComponent
        moduleDirectory = root.appendingPathComponent("lib/modules/\(version)")
        try FileManager.default.createDirectory(
            at: moduleDirectory.deletingLastPathComponent(), withIntermediateDirectories: true)
        try runChecked("cp", ["-al", sourceModules.path, moduleDirectory.path])
        // The build link points at the headers inside the source root; point it there absolutely.
        let build = moduleDirectory.appendingPathComponent("build")
        try? FileManager.default.removeItem(at: build)
    }

    /// Removes the copy.
    public func cleanup() { scratch.cleanup() }

    /// The file of a module, found by its file name (`processor_thermal_rfim.ko`).
    public func file(_ name: String) throws -> URL {
        let out = try runChecked("find", [moduleDirectory.path, "-name", name])
        guard let path = out.split(separator: "\n").first else {
            throw CommandFailed(command: "find \(name)", result: (1, "", "not found"))
        }
        return URL(fileURLWithPath: String(path))
    }

    /// Rewrites a module's bytes (breaking the hard link first so the source tree is untouched).
    public func rewrite(_ name: String, _ change: (inout Data) throws -> Void) throws {
        let url = try file(name)
        var data = try Data(contentsOf: url)
        try change(&data)
        try FileManager.default.removeItem(at: url)
        try data.write(to: url)
    }

    /// Deletes a module file, found by its file name.
    public func remove(_ name: String) throws { try FileManager.default.removeItem(at: try file(name)) }

    /// Writes a new file at `relativePath` under the module directory, creating its directories.
    public func add(_ relativePath: String, _ data: Data) throws {
        let url = moduleDirectory.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
}

extension Data {
    /// Replaces the first occurrence of `old` with `new` (same length); throws when absent.
    public mutating func replaceFirst(_ old: String, with new: String) throws {
        let a = Data(old.utf8), b = Data(new.utf8)
        precondition(a.count == b.count, "replacement must keep the length")
        guard let r = range(of: a) else { throw CommandFailed(command: "replace \(old)", result: (1, "", "not found")) }
        replaceSubrange(r, with: b)
    }

    /// The file offset of an ELF section, read with readelf (an independent reader) from `file`.
    public static func sectionOffset(_ section: String, in file: URL) throws -> Int {
        let out = try runChecked("readelf", ["-S", "-W", file.path])
        for line in out.split(separator: "\n") where line.contains(" \(section) ") {
            let fields = line.split(separator: "]", maxSplits: 1)[1].split(separator: " ")
            // name type address offset size …
            return Int(fields[3], radix: 16)!
        }
        throw CommandFailed(command: "readelf \(section)", result: (1, "", "no section"))
    }
}
