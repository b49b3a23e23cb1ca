import ELFScan
import Foundation
import Graph
import Split
import TestSupport
import Testing

/// The packages as built (`--package`) as a split: dependencies from the packages' own metadata,
/// modules from their payloads. Synthetic packages here; Debian's 52 real udebs and RPMs built by
/// rpmbuild from Debian's modules below.
@Suite struct BuiltPackagesTests {
    static let prefix = "lib/modules/6.1.0-test/"

    /// Analyses `packages` (read by `PackageReader`) with the kernel exporting `kernel`.
    static func analyse(_ packages: [BuiltPackage], kernel: [String]? = ["printk"]) throws -> SplitAnalysis {
        var read = try PackageScanner.assemble(packages, options: ScanOptions(discoverKernelSymbols: false))
        if let kernel {
            read.scan.kernelExports = KernelExports(
                source: .symvers, path: "Module.symvers",
                symbols: Dictionary(uniqueKeysWithValues: kernel.map { ($0, KernelExport(name: $0, gplOnly: false)) }))
        }
        let a = try SplitAnalysis(scan: read.scan, split: BuiltPackages(read))
        for f in a.findings { #expect(FindingKinds.describe(f.kind) != nil, "\(f.kind) is not described") }
        return a
    }

    /// Three fixture modules: `base` exports base_fn, `mid` needs it and exports mid_fn, `top` needs mid_fn.
    static func modules(_ dir: URL) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        var base = FixtureModule(name: "base")
        base.exports = [.init("base_fn")]
        base.modinfo = ["license=GPL", "alias=crypto-base"]
        var mid = FixtureModule(name: "mid")
        mid.exports = [.init("mid_fn")]
        mid.imports = ["base_fn", "printk"]
        mid.modinfo = ["license=GPL"]
        var top = FixtureModule(name: "top")
        top.imports = ["mid_fn"]
        top.modinfo = ["license=GPL", "softdep=pre: crypto-base", "softdep=post: nothing-provides-this"]
        for m in [base, mid, top] { out[m.name] = Array(try Data(contentsOf: try m.build(in: dir))) }
        return out
    }

    static func udeb(
        _ dir: URL, _ name: String, depends: String? = nil, provides: String? = nil, version: String = "1.0",
        _ files: [(String, [UInt8])]
    ) throws -> BuiltPackage {
        var tar = TarWriter()
        for (path, bytes) in files { tar.add(prefix + path, bytes) }
        let bytes = try DebFixture.deb(
            control: DebFixture.control(name, version: version, depends: depends, provides: provides),
            data: try Compressor.compress(tar.finished(), with: "xz"))
        return PackageReader.read(try DebFixture.write(bytes, to: dir, name + ".udeb").path)
    }

    @Test(
        """
        each module is in the package that ships it; Depends (versions, alternatives, Provides) \
        are the packages' relation
        """
    )
    func dependencies() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let m = try Self.modules(dir.url)
        let base = try Self.udeb(
            dir.url, "base-modules", provides: "base-virtual", version: "2.0", [("kernel/base.ko", m["base"]!)])
        let mid = try Self.udeb(
            dir.url, "mid-modules", depends: "gone | base-modules (>= 1.5)", [("kernel/mid.ko", m["mid"]!)])
        let top = try Self.udeb(
            dir.url, "top-modules", depends: "mid-modules, base-virtual, absent-package (>= 3)",
            [("kernel/top.ko", m["top"]!)])
        let a = try Self.analyse([base, mid, top])
        let packages = a.placement.packages
        #expect(packages.names == ["base-modules", "mid-modules", "top-modules"])
        #expect(packages.dependsOn == [[], [0], [1, 0]])
        for (module, package) in [("base", "base-modules"), ("mid", "mid-modules"), ("top", "top-modules")] {
            let i = try #require(a.graph.module(named: module))
            #expect(a.placement.packageOf[i].map { packages.names[$0] } == package)
            #expect(a.placement.location(of: i)?.file.hasSuffix("\(package).udeb") == true)
        }
        #expect(a.findings.filter { $0.severity == .error }.isEmpty, "\(a.findings.map(\.message))")
        // The dependency nobody meets is a note, as no module needs a symbol from it.
        let note = try #require(a.findings.first { $0.kind == "missing-dependency" })
        #expect(note.severity == .info)
        #expect(note.message.contains("absent-package (>= 3)"))
        // top's softdep names base's alias: base is below top, so nothing to say; the other names nothing.
        #expect(!a.findings.contains { $0.kind == "softdep-cross-package" })
        let unmet = try #require(a.findings.first { $0.kind == "softdep-unsatisfied" })
        #expect(unmet.message.contains("nothing-provides-this"))
    }

    @Test(
        "a dependency that is not given is an error once modules need its symbols, naming the package and the symbols")
    func missingPackage() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let m = try Self.modules(dir.url)
        let mid = try Self.udeb(dir.url, "mid-modules", depends: "base-modules", [("kernel/mid.ko", m["mid"]!)])
        let top = try Self.udeb(dir.url, "top-modules", depends: "mid-modules", [("kernel/top.ko", m["top"]!)])
        let a = try Self.analyse([mid, top])
        let missing = a.findings.filter { $0.kind == "missing-dependency" }
        #expect(missing.count == 1, "\(missing.map(\.message))")
        let f = try #require(missing.first)
        #expect(f.severity == .error)
        #expect(f.package == "mid-modules")
        #expect(f.message.contains("base-modules, which was not given"))
        #expect(f.symbols == ["base_fn"])
        #expect(f.notes.first == "mid needs base_fn")
        #expect(a.findings.contains { $0.kind == "unresolved-symbol" && $0.module == "mid" })

        // Without the kernel's exports the same gap is only a note: nothing says the symbols are missing.
        let unknown = try Self.analyse([mid, top], kernel: nil)
        let note = try #require(unknown.findings.first { $0.kind == "missing-dependency" })
        #expect(note.severity == .info)
        #expect(note.message.contains("without --symvers"))
    }

    @Test("a module needing a package its package does not depend on is cross-package; a wrong version is a warning")
    func crossPackage() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let m = try Self.modules(dir.url)
        let base = try Self.udeb(dir.url, "base-modules", version: "1.0", [("kernel/base.ko", m["base"]!)])
        let mid = try Self.udeb(
            dir.url, "mid-modules", depends: "base-modules (>= 2.0)", [("kernel/mid.ko", m["mid"]!)])
        let a = try Self.analyse([base, mid])
        let cross = try #require(a.findings.first { $0.kind == "cross-package" })
        #expect(cross.module == "mid" && cross.provider == "base" && cross.symbols == ["base_fn"])
        let wrong = try #require(a.findings.first { $0.kind == "missing-dependency" })
        #expect(wrong.severity == .warning)
        #expect(wrong.message.contains("base-modules (>= 2.0), which base-modules 1.0 does not meet"))
    }

    @Test("two packages shipping one file conflict; an unreadable package is an error and the rest is analysed")
    func conflictsAndFailures() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let m = try Self.modules(dir.url)
        let one = try Self.udeb(dir.url, "one", [("kernel/base.ko", m["base"]!)])
        let two = try Self.udeb(dir.url, "two", [("kernel/base.ko", m["base"]!), ("kernel/mid.ko", m["mid"]!)])
        let broken = PackageReader.read(
            try DebFixture.write(Array("!<arch>\ndebian-binary   0".utf8), to: dir.url, "broken.udeb").path)
        let a = try Self.analyse([one, two, broken])
        let conflict = try #require(a.findings.first { $0.kind == "package-conflict" })
        #expect(conflict.severity == .error)
        #expect(conflict.message.contains("one and two both ship kernel/base.ko"))
        let unreadable = try #require(a.findings.first { $0.kind == "unreadable-package" })
        #expect(unreadable.message.contains("broken.udeb cannot be read"))
        #expect(unreadable.package == "broken.udeb")
        #expect(a.graph.modules.count == 2)
    }

    @Test("a package given twice is unusable input")
    func givenTwice() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let m = try Self.modules(dir.url)
        let one = try Self.udeb(dir.url, "one", [("kernel/base.ko", m["base"]!)])
        #expect(throws: AnalysisError.self) { try Self.analyse([one, one]) }
    }
}

/// Debian's 52 real udebs of 6.1.0-50-amd64 and RPMs built from Debian's modules.
/// A split of only some packages' modules (as `--package` gives): no modules.builtin says nothing of built-ins.
private struct PartialTree: SplitDefinition {
    var name: String? { "partial" }
    var coversWholeTree: Bool { false }
    func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement { try WholeTree().place(graph) }
}

@Suite struct SoftdepCertaintyTests {
    @Test("a softdep nothing provides: certain on a whole tree without built-ins, a 'may' for packages that ship none")
    func builtinsUnknown() throws {
        let modules = [exampleModule("btrfs", modinfo: [("softdep", "pre: sha256")])]
        let whole = try Analyse.facts(modules, kernel: ["printk"])
        let certain = try #require(whole.findings.first { $0.kind == "softdep-unsatisfied" })
        #expect(certain.message.contains("which no module and no built-in module provides"), "\(certain.message)")
        let partial = try Analyse.facts(modules, kernel: ["printk"], split: PartialTree())
        let maybe = try #require(partial.findings.first { $0.kind == "softdep-unsatisfied" })
        #expect(maybe.severity == .info && maybe.message.hasSuffix("so a built-in driver may provide it"))
    }
}

@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct RealBuiltPackagesTests {
    static func symvers() throws -> URL {
        try #require(RealKernels.symvers(in: try RealKernels.root(RealPackages.udebKernel)))
    }

    /// The 52 udebs, read once for the whole suite.
    static let udebPackages = Result { () throws -> [URL: BuiltPackage] in
        let files = try RealPackages.udebs()
        return Dictionary(uniqueKeysWithValues: zip(files, PackageScanner.read(files.map(\.path))))
    }

    static func analyse(_ files: [URL]) throws -> SplitAnalysis {
        let known = try udebPackages.get()
        let fresh = files.filter { known[$0] == nil }
        let read = Dictionary(uniqueKeysWithValues: zip(fresh, PackageScanner.read(fresh.map(\.path))))
        let packages = files.map { known[$0] ?? read[$0]! }
        let scan = try PackageScanner.assemble(packages, options: ScanOptions(symvers: try symvers().path))
        let a = try SplitAnalysis(scan: scan.scan, split: BuiltPackages(scan))
        for f in a.findings { #expect(FindingKinds.describe(f.kind) != nil, "\(f.kind) is not described") }
        return a
    }

    @Test(
        """
        the 52 udebs: their modules and Depends as Debian lists them, no error, \
        and one soft dependency across packages
        """
    )
    func realUdebs() throws {
        let udebs = try RealPackages.udebs()
        #expect(udebs.count == 52)
        let a = try Self.analyse(udebs)
        let errors = a.findings.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.prefix(5).map(\.message))")
        let cross = a.findings.filter { $0.kind.hasSuffix("-cross-package") }
        #expect(cross.count == 1)
        #expect(cross.first?.severity == .warning)
        #expect(cross.first?.module == "csiostor" && cross.first?.provider == "cxgb4")
        #expect(cross.first?.package == "scsi-modules-6.1.0-50-amd64-di")
        #expect(cross.first?.providerPackage == "nic-modules-6.1.0-50-amd64-di")
        #expect(a.graph.modules.count == 1138)

        // What each udeb ships and depends on, against the lists recorded from the real files.
        let fixtures = Fixtures.url("debian/udebs-6.1.0-50-amd64")
        let lists = a.placement.lists(a.graph)
        let packages = a.placement.packages
        for (p, name) in packages.names.enumerated() {
            let files = try String(contentsOf: fixtures.appendingPathComponent("\(name).files"), encoding: .utf8)
            let expected = files.split(separator: "\n").filter { $0.hasSuffix(".ko") }
                .map { String($0.dropFirst("./lib/modules/6.1.0-50-amd64/".count)) }.sorted()
            #expect(lists[p].paths.sorted() == expected, "\(name)")
            let depends = try String(contentsOf: fixtures.appendingPathComponent("\(name).depends"), encoding: .utf8)
            let expectedDepends = depends.split(whereSeparator: { $0 == "," || $0 == "\n" })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.sorted()
            #expect(packages.dependsOn[p].map { packages.names[$0] }.sorted() == expectedDepends, "\(name)")
        }
    }

    @Test(
        """
        a udeb repacked without scsi_transport_sas: the SAS drivers' unresolved symbols, named; \
        moved into nic-modules: cross-package
        """
    )
    func brokenUdebs() throws {
        let udebs = try RealPackages.udebs()
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let core = try RealPackages.udeb("scsi-core-modules")
        let sas = "lib/modules/6.1.0-50-amd64/kernel/drivers/scsi/scsi_transport_sas.ko"
        let without = dir.url.appendingPathComponent("without/" + core.lastPathComponent)
        try FileManager.default.createDirectory(
            at: without.deletingLastPathComponent(), withIntermediateDirectories: true)
        try DebFixture.repack(core, to: without) { root in
            try FileManager.default.removeItem(at: root.appendingPathComponent(sas))
        }
        let a = try Self.analyse(udebs.map { $0 == core ? without : $0 })
        let unresolved = a.findings.filter { $0.kind == "unresolved-symbol" }
        #expect(
            Set(unresolved.compactMap(\.module)).isSuperset(of: ["libsas", "mpt3sas", "isci"]),
            "\(unresolved.compactMap(\.module))")
        let libsas = try #require(unresolved.first { $0.module == "libsas" })
        #expect(libsas.symbols.contains("sas_rphy_add"))
        #expect(libsas.message.contains("sas_"))
        #expect(libsas.package == "scsi-modules-6.1.0-50-amd64-di")

        // The same module shipped by nic-modules instead: scsi-modules does not depend on it.
        let nic = try RealPackages.udeb("nic-modules")
        let moved = dir.url.appendingPathComponent("moved/" + nic.lastPathComponent)
        try FileManager.default.createDirectory(
            at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        let original = try TemporaryDirectory("sas")
        defer { original.cleanup() }
        try runChecked("dpkg-deb", ["-x", core.path, original.url.path])
        try DebFixture.repack(nic, to: moved) { root in
            let destination = root.appendingPathComponent(sas)
            try FileManager.default.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: original.url.appendingPathComponent(sas), to: destination)
        }
        let b = try Self.analyse(udebs.map { $0 == core ? without : $0 == nic ? moved : $0 })
        let cross = b.findings.filter { $0.kind == "cross-package" && $0.provider == "scsi_transport_sas" }
        #expect(!cross.isEmpty)
        #expect(cross.allSatisfy { $0.severity == .error && $0.providerPackage == "nic-modules-6.1.0-50-amd64-di" })
        #expect(cross.contains { $0.module == "libsas" && $0.symbols.contains("sas_rphy_add") })
        #expect(!b.findings.contains { $0.kind == "unresolved-symbol" })

        // Without the kernel image udeb: the packages that depend on it are told what they miss.
        let image = try RealPackages.udeb("kernel-image")
        let c = try Self.analyse(udebs.filter { $0 != image })
        let missing = c.findings.filter { $0.kind == "missing-dependency" && $0.severity == .error }
        #expect(!missing.isEmpty)
        #expect(missing.allSatisfy { $0.message.contains("kernel-image-6.1.0-50-amd64-di") })
        // virtio's core ships in the kernel image udeb, so fb-modules' virtio GPU driver is cut off from it.
        #expect(
            missing.contains {
                $0.package == "fb-modules-6.1.0-50-amd64-di" && $0.symbols.contains("register_virtio_driver")
            })
    }

    static let cloud = RealKernels.Tree("linux-image-6.1.0-50-cloud-amd64")

    @Test(
        """
        RPMs built from Debian's modules: Requires followed through Provides; \
        a broken -core names the missing symbols
        """,
        .enabled(if: RPMFixture.available, "no rpmbuild"), arguments: [false, true])
    func rpms(compressedModules: Bool) throws {
        let root = try RealKernels.root(Self.cloud)
        let moduleDirectory = try RealKernels.moduleDirectory(in: root)
        let symvers = try #require(RealKernels.symvers(in: root))
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        func analyse(_ files: [URL]) throws -> SplitAnalysis {
            let read = try PackageScanner.scan(files.map(\.path), options: ScanOptions(symvers: symvers.path))
            return try SplitAnalysis(scan: read.scan, split: BuiltPackages(read))
        }
        let good = try RPMFixture.build(
            from: moduleDirectory, into: dir.url.appendingPathComponent("good"),
            compressedModules: compressedModules)
        let a = try analyse([good.core, good.modules])
        #expect(a.placement.packages.names == ["kernel-modules-core", "kernel-modules"])
        #expect(a.placement.packages.dependsOn == [[], [0]])
        #expect(a.scan.tree.kernelVersion == RPMFixture.release)
        #expect(a.graph.modules.count == 4)
        #expect(a.findings.filter { $0.severity != .info }.isEmpty, "\(a.findings.map(\.message))")
        // kernel-uname-r is the kernel-core package's: not given, and not needed by any module.
        #expect(
            a.findings.contains {
                $0.kind == "missing-dependency" && $0.severity == .info && $0.message.contains("kernel-uname-r")
            })

        let broken = try RPMFixture.build(
            from: moduleDirectory, into: dir.url.appendingPathComponent("broken"),
            broken: true, compressedModules: compressedModules)
        let b = try analyse([broken.core, broken.modules])
        let unresolved = try #require(
            b.findings.first { $0.kind == "unresolved-symbol" && $0.module == "vsock_loopback" })
        #expect(unresolved.symbols.contains { $0.hasPrefix("virtio_transport_") })
        #expect(unresolved.package == "kernel-modules")

        // kernel-modules alone: its Requires on kernel-modules-core-uname-r is not met, and its modules need vsock.
        let c = try analyse([good.modules])
        let missing = try #require(c.findings.first { $0.kind == "missing-dependency" && $0.severity == .error })
        #expect(missing.message.contains("kernel-modules-core-uname-r (= \(RPMFixture.release))"))
        #expect(missing.symbols.contains("vsock_core_register") || missing.symbols.contains { $0.hasPrefix("vsock_") })
    }

    @Test("soft dependency names resolve as modprobe resolves them (modprobe -R on the real 6.1 tree)")
    func softdepsLikeModprobe() throws {
        let root = try RealKernels.root(RealPackages.udebKernel)
        let moduleDirectory = try RealKernels.moduleDirectory(in: root)
        let version = moduleDirectory.lastPathComponent
        let scratch = try TemporaryDirectory("modprobe")
        defer { scratch.cleanup() }
        let target = scratch.url.appendingPathComponent("lib/modules")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try runChecked("cp", ["-al", moduleDirectory.path, target.appendingPathComponent(version).path])
        try runChecked("depmod", ["-b", scratch.url.path, version])
        let a = try Analyse.root(root, symvers: RealKernels.symvers(in: root))
        var names = Set<String>()
        for m in a.graph.modules {
            for v in m.modinfo("softdep") {
                for n in v.split(separator: " ") where !n.hasSuffix(":") { names.insert(String(n)) }
            }
        }
        #expect(names.count > 30)
        let found = a.findings.filter { $0.kind == "softdep-unsatisfied" }.map(\.message)
        for name in names.sorted() {
            let r = try run("modprobe", ["-d", scratch.url.path, "-S", version, "-R", name])
            let modprobeFinds = r.status == 0
            let weFindNothing = found.contains { $0.contains(" \(name), which no module") }
            #expect(modprobeFinds != weFindNothing, "\(name): modprobe \(r.stdout) \(r.stderr)")
        }
    }
}
