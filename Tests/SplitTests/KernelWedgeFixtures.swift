import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

/// A kernel-wedge configuration (`debian/installer`) written to a temporary directory.
struct Installer {
    let scratch: TemporaryDirectory
    let path: String

    static let basePackages = """
        Package: kernel-image
        Priority: standard

        Package: nic-modules
        Depends: kernel-image
        Priority: standard

        """

    /// `files` are paths under the configuration directory and their contents.
    init(
        kernelVersions: String = "amd64 - amd64 - - -\n", packageList: String = basePackages,
        files: [String: String]
    ) throws {
        scratch = try TemporaryDirectory("kernel-wedge")
        path = scratch.url.appendingPathComponent("installer").path
        try write("kernel-versions", kernelVersions)
        try write("package-list", packageList)
        try FileManager.default.createDirectory(atPath: path + "/modules", withIntermediateDirectories: true)
        for (name, text) in files { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    /// The configuration read for a tree of `release` (not on disk) with the given arch and flavour.
    func rules(arch: String? = "amd64", flavour: String? = "amd64", release: String? = nil) throws -> KernelWedgeRules {
        let tree = release.map {
            KernelTree(root: nil, moduleDirectory: "/nonexistent/modsplit-test/\($0)", kernelVersion: $0)
        }
        return try KernelWedgeRules.load(path: path, options: RulesOptions(tree: tree, arch: arch, flavour: flavour))
    }

    func cleanup() { scratch.cleanup() }
}

/// A module at `path` (relative to the module directory).
func module(
    _ path: String, imports: [String] = [], exports: [String] = [], machine: UInt16 = 62, bits: Int = 64,
    bigEndian: Bool = false, size: UInt64 = 1000
) -> ModuleFacts {
    var f = exampleModule(moduleName(fromFileName: path), exports: exports, imports: imports, size: size)
    f.path = path
    f.identity = ELFIdentity(bits: bits, bigEndian: bigEndian, machine: machine)
    return f
}

/// The placement's lists by package name.
func lists(_ placed: RulesPlacement, _ graph: ModuleGraph) -> [String: [String]] {
    Dictionary(uniqueKeysWithValues: placed.placement.lists(graph).map { ($0.package, $0.paths) })
}

func errors(_ placed: RulesPlacement) -> [Finding] { placed.findings.filter { $0.severity == .error } }

/// Places `modules` with the configuration; the RulesError, if any, is returned as the failure.
func place(
    _ installer: Installer, _ modules: [ModuleFacts], builtin: [String] = [], arch: String? = "amd64",
    flavour: String? = "amd64", release: String? = nil
) throws -> (RulesPlacement, ModuleGraph) {
    let graph = ModuleGraph(modules: modules, builtin: builtin)
    return (try installer.rules(arch: arch, flavour: flavour, release: release).place(graph), graph)
}

func placeError(
    _ installer: Installer, _ modules: [ModuleFacts], arch: String? = "amd64", flavour: String? = "amd64",
    release: String? = nil
) -> RulesError? {
    do {
        _ = try place(installer, modules, arch: arch, flavour: flavour, release: release)
        return nil
    } catch let e as RulesError {
        return e
    } catch {
        return RulesError(file: "?", "\(error)")
    }
}
