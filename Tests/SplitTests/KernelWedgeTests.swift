import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

@Suite struct KernelWedgeListTests {
    let basic = [
        module("kernel/drivers/net/a.ko"), module("kernel/drivers/net/b.ko"), module("kernel/drivers/net/c.ko"),
        module("kernel/k.ko"), module("kernel/other.ko"),
    ]

    @Test("includes: <name> from modules/, \"name\" beside the including file; each entry keeps its file:line")
    func includes() throws {
        let i = try Installer(files: [
            "modules/amd64/kernel-image": "k\n",
            "modules/amd64/nic-modules": "#include <nic-modules>\n#include \"../extra/more\"\nc\n",
            "modules/nic-modules": "# shared\na\n",
            "modules/extra/more": "\n\tb  \n",
        ])
        defer { i.cleanup() }
        let (placed, graph) = try place(i, basic)
        let l = lists(placed, graph)
        #expect(l["nic-modules"] == ["kernel/drivers/net/a.ko", "kernel/drivers/net/b.ko", "kernel/drivers/net/c.ko"])
        #expect(l["kernel-image"] == ["kernel/k.ko"])
        #expect(l["linux-image"] == ["kernel/other.ko"])
        let a = try #require(graph.module(named: "a"))
        #expect(placed.placement.basis[a] == .listed(SourceLocation(file: i.path + "/modules/nic-modules", line: 2)))
        let b = try #require(graph.module(named: "b"))
        #expect(
            placed.placement.location(of: b) == SourceLocation(file: i.path + "/modules/amd64/../extra/more", line: 2))
        #expect(
            placed.placement.packages.dependsOn[placed.placement.packages.index(of: "nic-modules")!]
                == [placed.placement.packages.index(of: "kernel-image")!])
        #expect(placed.findings.isEmpty, "\(placed.findings)")
    }

    @Test(
        """
        a file included twice in one list is fatal, a diamond too (as in kernel-wedge 2.106), \
        with the include's file:line
        """
    )
    func includeLoops() throws {
        let i = try Installer(files: [
            "modules/amd64/kernel-image": "k\n",
            "modules/amd64/nic-modules": "#include <x>\n#include <y>\n",
            "modules/x": "#include <z>\n",
            "modules/y": "a\n#include <z>\n",
            "modules/z": "b\n",
        ])
        defer { i.cleanup() }
        let e = try #require(placeError(i, basic))
        #expect(e.file == i.path + "/modules/y")
        #expect(e.line == 2)
        #expect(e.reason.contains("include loop detected loading \(i.path)/modules/z"))
        try i.write("modules/amd64/nic-modules", "#include \"nic-modules\"\n")
        let selfInclude = try #require(placeError(i, basic))
        #expect(selfInclude.line == 1 && selfInclude.file == i.path + "/modules/amd64/nic-modules")
        try i.write("modules/amd64/nic-modules", "#include <nothere>\n")
        #expect(placeError(i, basic)?.reason.contains("cannot read") == true)
    }

    @Test("optional entries (' ?' and the legacy '-' prefix) that match nothing are silent")
    func optional() throws {
        let i = try Installer(files: [
            "modules/amd64/kernel-image": "k\n",
            "modules/amd64/nic-modules": "nothere ?\n-alsonot\ndrivers/gone/* ?\n-drivers/gone/**\na\n-b ?\n",
        ])
        defer { i.cleanup() }
        let (placed, graph) = try place(i, basic)
        #expect(placed.findings.isEmpty, "\(placed.findings)")
        // `-b ?` is the optional pattern "-b", which names nothing.
        #expect(lists(placed, graph)["nic-modules"] == ["kernel/drivers/net/a.ko"])
    }

    @Test("a removal takes out what is in the set at that point and cancels a missing error for the same spelling only")
    func removals() throws {
        let i = try Installer(files: [
            "modules/amd64/kernel-image": "k\n",
            "modules/amd64/nic-modules":
                "missing1\nmissing1 -\nmissing2\nmissing-2 -\na\na -\nb -\nb\ndrivers/net/*\ndrivers/net/c* -\n",
        ])
        defer { i.cleanup() }
        let (placed, graph) = try place(i, basic)
        let e = errors(placed)
        #expect(e.count == 1)
        #expect(e.first?.kind == "missing-module")
        #expect(e.first?.rule == SourceLocation(file: i.path + "/modules/amd64/nic-modules", line: 3))
        #expect(e.first?.message.contains("missing module missing2") == true)
        // a: removed at line 6 but added back by the wildcard at line 9; c removed by line 10.
        #expect(lists(placed, graph)["nic-modules"] == ["kernel/drivers/net/a.ko", "kernel/drivers/net/b.ko"])
        let a = try #require(graph.module(named: "a"))
        #expect(placed.placement.location(of: a)?.line == 9)
    }

    @Test("wildcards: * and ? stay in one directory, ** crosses them, - and _ match each other, kernel/ is optional")
    func wildcards() throws {
        let tree = [
            module("kernel/drivers/net/e1000.ko"), module("kernel/drivers/net/wireless/ath.ko"),
            module("kernel/drivers/net/foo_cs.ko"), module("kernel/sound/core/snd.ko"),
            module("kernel/sound/pci/snd-intel.ko"),
            module("kernel/sound/pci/snd-synth.ko"), module("kernel/k.ko"), module("top.ko"),
        ]
        let i = try Installer(files: [
            "modules/amd64/kernel-image": "k\n*\n",
            "modules/amd64/nic-modules":
                "drivers/net/*\ndrivers/net/wireless/a?h\nsound/**_synth\nsound/core/**\nkernel/sound/pci/snd?intel\n",
        ])
        defer { i.cleanup() }
        let (placed, graph) = try place(i, tree)
        let l = lists(placed, graph)
        #expect(
            l["nic-modules"] == [
                "kernel/drivers/net/e1000.ko", "kernel/drivers/net/foo_cs.ko", "kernel/drivers/net/wireless/ath.ko",
                "kernel/sound/core/snd.ko", "kernel/sound/pci/snd-intel.ko", "kernel/sound/pci/snd-synth.ko",
            ])
        // `*` without a directory is anchored at the module directory itself: only top-level files.
        #expect(l["kernel-image"] == ["kernel/k.ko", "top.ko"])
        #expect(placed.findings.isEmpty, "\(placed.findings)")
    }

    @Test(
        """
        a required wildcard whose leading directory exists neither as written nor under kernel/ is an error at its \
        line
        """
    )
    func wildcardDirectoryMissing() throws {
        let i = try Installer(files: [
            "modules/amd64/kernel-image": "k\n",
            "modules/amd64/nic-modules": "a\ndrivers/gone/*\ndrivers/gone2/** ?\ndrivers/net/zz*\n",
        ])
        defer { i.cleanup() }
        let (placed, _) = try place(i, basic)
        let e = errors(placed)
        #expect(e.map(\.kind) == ["missing-directory"])
        #expect(e.first?.rule == SourceLocation(file: i.path + "/modules/amd64/nic-modules", line: 2))
        #expect(e.first?.message.contains("drivers/gone") == true)
    }

    @Test("names: kernel/ first, then any directory; a built-in satisfies the entry and adds nothing")
    func namesAndBuiltins() throws {
        let tree = [
            module("kernel/k.ko"), module("updates/only.ko"), module("extra/crc32c.ko"), module("kernel/fs/a-b.ko"),
        ]
        let i = try Installer(files: [
            "modules/amd64/kernel-image": "k\n",
            "modules/amd64/nic-modules": "only\nzlib-deflate\ncrc32c\nfs/a_b\n",
        ])
        defer { i.cleanup() }
        let (placed, graph) = try place(i, tree, builtin: ["zlib_deflate", "crc32c"])
        #expect(placed.findings.isEmpty, "\(placed.findings)")
        // crc32c: a built-in under kernel/ beats a file outside kernel/ (kernel-wedge's tiers).
        #expect(lists(placed, graph)["nic-modules"] == ["kernel/fs/a-b.ko", "updates/only.ko"])
        #expect(lists(placed, graph)["linux-image"] == ["extra/crc32c.ko"])
    }

    @Test(
        "with the tree on disk: directories as they exist (an empty one too), built-ins by modules.builtin's own paths")
    func treeOnDisk() throws {
        let i = try Installer(files: [
            "modules/amd64/kernel-image": "k\n",
            "modules/amd64/nic-modules": "a\ndrivers/empty/*\nnls/nls_base\nnls_base\n",
        ])
        defer { i.cleanup() }
        let dir = i.scratch.url.appendingPathComponent("lib/modules/6.1.0-1-amd64")
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("kernel/drivers/empty"), withIntermediateDirectories: true)
        try "kernel/fs/nls/nls_base.ko\r\n".write(
            to: dir.appendingPathComponent("modules.builtin"), atomically: false, encoding: .utf8)
        let tree = KernelTree(root: nil, moduleDirectory: dir.path, kernelVersion: "6.1.0-1-amd64")
        let rules = try KernelWedgeRules.load(path: i.path, options: RulesOptions(tree: tree))
        let graph = ModuleGraph(modules: basic, builtin: ["nls_base"])
        let placed = try rules.place(graph)
        #expect(placed.findings.isEmpty, "\(placed.findings)")
        #expect(lists(placed, graph)["nic-modules"] == ["kernel/drivers/net/a.ko"])
        #expect(placed.placement.packages.names.last == "linux-image-6.1.0-1-amd64")
        // Without the tree, the empty directory does not exist and the built-in's directory is unknown.
        let (inMemory, _) = try place(i, basic, builtin: ["nls_base"])
        #expect(errors(inMemory).map(\.kind).sorted() == ["missing-directory", "missing-module"])
    }

    @Test("a file depmod drops for a same-named module is what kernel-wedge matches first: a warning")
    func shadowedFile() throws {
        let tree = [module("kernel/k.ko"), module("kernel/drivers/x.ko"), module("updates/x.ko")]
        let i = try Installer(files: ["modules/amd64/kernel-image": "k\n", "modules/amd64/nic-modules": "x\n"])
        defer { i.cleanup() }
        let (placed, graph) = try place(i, tree)
        let w = try #require(placed.findings.first { $0.kind == "ambiguous-entry" })
        #expect(w.severity == .warning)
        #expect(w.message.contains("kernel/drivers/x.ko") && w.message.contains("updates/x.ko"))
        #expect(lists(placed, graph)["nic-modules"] == ["updates/x.ko"])
    }
}

@Suite struct KernelWedgePackageTests {
    let tree = [
        module("kernel/k.ko"), module("kernel/a.ko"), module("kernel/b.ko"), module("kernel/c.ko"),
        module("kernel/d.ko"),
        module("kernel/e.ko"),
    ]

    func lists4(_ names: [String]) -> [String: String] {
        var files = ["modules/amd64/kernel-image": "k\n"]
        for (n, m) in zip(names, ["a", "b", "c", "d"]) { files["modules/amd64/\(n)"] = m + "\n" }
        return files
    }

    @Test("Depends: Field_<flavour>, then Field_<arch>_<flavour>, Field_<arch>, Field; stanzas with one Package merge")
    func overrides() throws {
        let packages = """
            Package: kernel-image

            Package: p1
            Depends: kernel-image
            Depends_amd64: p2

            Package: p2
            Depends: kernel-image
            Depends_amd64: p3
            Depends_amd64_cloud: p4

            Package: p3
            Depends: kernel-image
            Depends_amd64: p4
            Depends_amd64_cloud: p4
            Depends_cloud:

            Package: p4
            Priority: standard

            Package: p4
            Depends: kernel-image

            """
        let i = try Installer(
            kernelVersions: "amd64 - cloud - - -\n", packageList: packages, files: lists4(["p1", "p2", "p3", "p4"]))
        defer { i.cleanup() }
        let (placed, _) = try place(i, tree, flavour: "cloud")
        let set = placed.placement.packages
        func deps(_ p: String) -> [String] { set.dependsOn[set.index(of: p)!].map { set.names[$0] } }
        #expect(deps("p1") == ["p2"])
        #expect(deps("p2") == ["p4"])
        #expect(deps("p3") == [])
        #expect(deps("p4") == ["kernel-image"])
        // Dependencies first; the fallback package last, above everything.
        #expect(set.names.firstIndex(of: "p4")! < set.names.firstIndex(of: "p2")!)
        #expect(set.names.last == "linux-image")
        #expect(placed.findings.isEmpty, "\(placed.findings)")
    }

    @Test(
        """
        a Depends entry with no list for this build is dropped (an info finding); \
        x! stays in Depends but not in the repair
        """
    )
    func droppedDepends() throws {
        let packages = """
            Package: kernel-image

            Package: crc-modules
            Depends: kernel-image

            Package: nic-modules
            Depends: kernel-image, gone-modules, crc-modules!

            """
        let i = try Installer(
            packageList: packages,
            files: [
                "modules/amd64/kernel-image": "k\n", "modules/amd64/crc-modules": "crc\n",
                "modules/amd64/nic-modules": "e1000\n",
            ])
        defer { i.cleanup() }
        let tree = [
            module("kernel/k.ko"), module("kernel/crc.ko", exports: ["crc_fn"]),
            module("kernel/e1000.ko", imports: ["crc_fn"]),
        ]
        let (placed, _) = try place(i, tree)
        let set = placed.placement.packages
        #expect(set.dependsOn[set.index(of: "nic-modules")!].map { set.names[$0] } == ["kernel-image", "crc-modules"])
        let dropped = try #require(placed.findings.first { $0.kind == "dropped-dependency" })
        #expect(dropped.severity == .info)
        #expect(dropped.rule == SourceLocation(file: i.path + "/package-list", line: 7))
        #expect(dropped.message.contains("gone-modules"))
        // copy-modules repairs only against dependencies it keeps: crc is copied into nic-modules too.
        #expect(errors(placed).map(\.kind) == ["module-in-two-packages"])
    }

    @Test(
        """
        the repair runs dependencies first: a module two packages need is copied into the lower one only, \
        with who and which symbols
        """
    )
    func repairOrder() throws {
        let packages = """
            Package: kernel-image

            Package: a-modules
            Depends: kernel-image, z-modules

            Package: z-modules
            Depends: kernel-image

            """
        let i = try Installer(
            packageList: packages,
            files: [
                "modules/amd64/kernel-image": "k\n", "modules/amd64/a-modules": "x\n", "modules/amd64/z-modules": "w\n",
            ])
        defer { i.cleanup() }
        let tree = [
            module("kernel/k.ko"), module("kernel/x.ko", imports: ["y_fn"]),
            module("kernel/w.ko", imports: ["y_fn", "y_other"]),
            module("kernel/y.ko", imports: ["q_fn"], exports: ["y_fn", "y_other"]),
            module("kernel/q.ko", exports: ["q_fn"], size: 4096),
        ]
        let (placed, graph) = try place(i, tree)
        let l = lists(placed, graph)
        #expect(l["a-modules"] == ["kernel/x.ko"])
        #expect(l["z-modules"] == ["kernel/q.ko", "kernel/w.ko", "kernel/y.ko"])
        let y = try #require(graph.module(named: "y"))
        let zList = SourceLocation(file: i.path + "/modules/amd64/z-modules", line: 1)
        #expect(placed.placement.basis[y] == .pulled(by: ["w"], location: zList))
        #expect(placed.placement.wanted[y] == placed.placement.packageOf[y])
        let copies = placed.findings.filter { $0.kind == "forced-move" }
        #expect(copies.map(\.module) == ["q", "y"])
        let fy = try #require(copies.first { $0.module == "y" })
        #expect(fy.severity == .info && fy.package == "z-modules" && fy.rule == zList)
        #expect(fy.symbols == ["y_fn", "y_other"])
        #expect(fy.message.contains("into z-modules-amd64-di"))
        #expect(fy.notes.contains { $0.contains("needed by w") && $0.contains("y_fn") })
        let fq = try #require(copies.first { $0.module == "q" })
        #expect(fq.cost?.bytes == 4096)
        #expect(fq.notes.contains { $0.contains("needed by y (copied too) for q_fn") })
        #expect(fq.notes.contains { $0.contains("w → y → q") })
        // Through the whole pipeline the generic forced-move check does not report the copies again.
        let analysis = try Analyse.facts(tree, split: try i.rules())
        #expect(analysis.findings.filter { $0.kind == "forced-move" }.count == 2)
        #expect(analysis.findings.filter { $0.severity == .error }.isEmpty, "\(analysis.findings)")
    }

    @Test(
        "a module in two packages is an error naming both (a warning with ignore-dups); it is placed in the lower one")
    func duplicates() throws {
        let packages = Installer.basePackages + "\nPackage: scsi-modules\nDepends: kernel-image\n\n"
        let i = try Installer(
            packageList: packages,
            files: [
                "modules/amd64/kernel-image": "k\n", "modules/amd64/nic-modules": "a\nb\n",
                "modules/amd64/scsi-modules": "b\n",
            ])
        defer { i.cleanup() }
        let (placed, graph) = try place(i, tree)
        let e = errors(placed)
        #expect(e.map(\.kind) == ["module-in-two-packages"])
        #expect(e.first?.module == "b")
        #expect(e.first?.rule == SourceLocation(file: i.path + "/modules/amd64/nic-modules", line: 2))
        #expect(
            e.first?.notes == [
                "listed in nic-modules at \(i.path)/modules/amd64/nic-modules:2",
                "listed in scsi-modules at \(i.path)/modules/amd64/scsi-modules:1",
            ])
        #expect(lists(placed, graph)["nic-modules"] == ["kernel/a.ko", "kernel/b.ko"])
        try i.write("ignore-dups", "")
        let (again, _) = try place(i, tree)
        #expect(errors(again).isEmpty)
        #expect(again.findings.first { $0.kind == "module-in-two-packages" }?.severity == .warning)
    }

    @Test("a package whose list gives nothing is an error at its list (kernel-image excepted)")
    func emptyPackage() throws {
        let i = try Installer(files: [
            "modules/amd64/kernel-image": "nothing ?\n", "modules/amd64/nic-modules": "# none\ngone ?\n",
        ])
        defer { i.cleanup() }
        let (placed, _) = try place(i, tree)
        let e = errors(placed)
        #expect(e.map(\.kind) == ["empty-package"])
        #expect(e.first?.rule == SourceLocation(file: i.path + "/modules/amd64/nic-modules", line: 1))
        #expect(e.first?.message.contains("nic-modules-amd64-di will be empty") == true)
    }

    @Test("a dependency cycle between packages is unusable input")
    func cycle() throws {
        let packages = "Package: a-modules\nDepends: b-modules\n\nPackage: b-modules\nDepends: a-modules\n"
        let i = try Installer(
            packageList: packages, files: ["modules/amd64/a-modules": "a\n", "modules/amd64/b-modules": "b\n"])
        defer { i.cleanup() }
        let e = try #require(placeError(i, tree))
        #expect(e.reason.contains("cycle: a-modules → b-modules → a-modules"))
        #expect(e.file == i.path + "/package-list" && e.line != nil)
    }

    @Test("package-list: unknown fields and stanzas without Package are refused at their line")
    func packageListErrors() throws {
        let i = try Installer(packageList: "Package: a\nColour: blue\n", files: [:])
        defer { i.cleanup() }
        #expect(throws: RulesError(file: i.path + "/package-list", line: 2, "unknown field, Colour")) { try i.rules() }
        try i.write("package-list", "Priority: x\n")
        #expect(throws: RulesError(file: i.path + "/package-list", line: 1, "a stanza without Package")) {
            try i.rules()
        }
    }
}
