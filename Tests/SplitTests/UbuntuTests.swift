import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

@Suite struct UbuntuInclusionListTests {
    func place(_ list: String, _ modules: [ModuleFacts], builtin: [String] = []) throws -> SplitAnalysis {
        let l = try UbuntuInclusionList.parse(Array(list.utf8), file: "generic.inclusion-list")
        return try Analyse.facts(modules, kernel: ["printk"], builtin: builtin, split: l)
    }

    func inModules(_ a: SplitAnalysis) -> Set<String> {
        Set(packagesByModule(a).filter { $0.value == "linux-modules" }.keys)
    }

    @Test("exact lines name .ko paths, also on a .ko.xz tree; globs search recursively; {a,b} expands only with a *")
    func lines() throws {
        var compressed = distroModule("drivers/block/virtio_blk.ko")
        compressed.path += ".xz"
        let modules = [
            compressed, distroModule("drivers/net/virtio_net.ko"), distroModule("drivers/net/wan/deep/hdlc.ko"),
            distroModule("fs/erofs/erofs.ko"), distroModule("fs/ext4/ext4.ko"), distroModule("fs/xfs/xfs.ko"),
            distroModule("drivers/misc/pvpanic/pvpanic-pci.ko"), distroModule("drivers/misc/a?.ko"),
        ]
        let a = try place(
            """
            drivers/block/virtio_blk.ko
            drivers/net/*
            fs/{erofs,ext4}/*
            drivers/misc/pvpanic/{pvpanic,pvpanic-pci}.ko
            drivers/misc/a?.ko
              fs/xfs/xfs.ko\t

            """, modules)
        #expect(inModules(a) == ["virtio_blk", "virtio_net", "hdlc", "erofs", "ext4", "a?", "xfs"])
        let braces = try #require(a.findings.first { $0.kind == "entry-matches-nothing" && $0.rule?.line == 4 })
        #expect(braces.notes.contains { $0.contains("literally") })
        let m = try #require(a.graph.module(named: "hdlc"))
        #expect(a.placement.basis[m] == .listed(SourceLocation(file: "generic.inclusion-list", line: 2)))
        #expect(a.placement.packages.names == ["linux-modules", "linux-modules-extra"])
    }

    @Test("a glob names files and directories; * and ? do not match a leading dot")
    func globs() throws {
        let a = try place(
            """
            drivers/*/x*.ko
            net/*/y

            """,
            [
                distroModule("drivers/a/x1.ko"), distroModule("drivers/.h/x2.ko"), distroModule("net/b/y/z.ko"),
                distroModule("net/b/yy.ko"),
            ])
        #expect(inModules(a) == ["x1", "z"])
    }

    @Test("19 dependency passes: a chain of 21 leaves two modules in -extra, each reported with its distance")
    func passLimit() throws {
        var modules = [distroModule("m0.ko", imports: ["f1"])]
        for i in 1...21 {
            modules.append(distroModule("m\(i).ko", exports: ["f\(i)"], imports: i < 21 ? ["f\(i + 1)"] : []))
        }
        let a = try place("m0.ko\n", modules)
        #expect(inModules(a) == Set((0...19).map { "m\($0)" }))
        let passes = a.findings.filter { $0.kind == "dependency-pass" }
        #expect(passes.count == 19)
        #expect(passes.contains { $0.module == "m19" && $0.message.contains("pass 19") && $0.symbols == ["f19"] })
        let beyond = a.findings.filter { $0.kind == "beyond-pass-limit" }.sorted { $0.module! < $1.module! }
        #expect(beyond.map(\.module) == ["m20", "m21"])
        #expect(beyond[0].message.contains("20 dependency steps") && beyond[1].message.contains("21 dependency steps"))
        #expect(a.findings.contains { $0.kind == "cross-package" && $0.module == "m19" })
        let m5 = try #require(a.graph.module(named: "m5"))
        #expect(
            a.placement.basis[m5]
                == .pulled(by: ["m4"], location: SourceLocation(file: "generic.inclusion-list", line: 1)))
    }

    @Test("! lines are never run: reported with their line; so are other shell syntax and brace bombs")
    func unsupported() throws {
        let bomb = String(repeating: "{a,b}", count: 40) + "*"
        let a = try place(
            """
            ! touch /tmp/modsplit-must-not-exist
            drivers/*$(touch /tmp/modsplit-must-not-exist)
            drivers/* -delete
            \(bomb)
            drivers/{1..3}*

            """, [distroModule("drivers/a.ko")])
        #expect(!FileManager.default.fileExists(atPath: "/tmp/modsplit-must-not-exist"))
        #expect(throws: RulesError.self) { try UbuntuInclusionList.parse(Array("\n\n".utf8), file: "empty") }
        let u = a.findings.filter { $0.kind == "unsupported-entry" }.sorted { $0.rule!.line < $1.rule!.line }
        #expect(u.map(\.rule?.line) == [1, 2, 3, 4, 5])
        #expect(u[0].message.contains("shell command") && u[0].notes.first?.contains("cannot know") == true)
        // Only the one command Ubuntu's lists hold is said to add sound modules.
        #expect(u[0].notes.first?.contains("sound") == false)
        #expect(u[3].message.contains("more than 4096 words"))
        #expect(inModules(a).isEmpty)
    }

    @Test(
        """
        a line matching nothing says where a module of that name is, or that it is built in; \
        duplicates and a last line without newline are reported
        """
    )
    func hints() throws {
        let a = try place(
            "drivers/platform/x86/pvpanic.ko\ndrivers/misc/input-leds.ko\narch/powerpc/kvm/kvm-hv.ko\n"
                + "drivers/x.ko\ndrivers/x.ko\nfs/lost.ko",
            [
                distroModule("drivers/misc/pvpanic/pvpanic.ko"), distroModule("drivers/x.ko"),
                distroModule("fs/lost.ko"),
            ],
            builtin: ["input_leds"])
        let none = a.findings.filter { $0.kind == "entry-matches-nothing" }.sorted { $0.rule!.line < $1.rule!.line }
        #expect(none.map(\.rule?.line) == [1, 2])
        #expect(none[0].notes == ["a module of that name exists at drivers/misc/pvpanic/pvpanic.ko"])
        #expect(none[1].severity == .info && none[1].message.contains("built into"))
        #expect(a.findings.first { $0.kind == "duplicate-entry" }?.rule?.line == 5)
        #expect(a.findings.first { $0.kind == "unterminated-last-line" }?.rule?.line == 6)
        #expect(inModules(a) == ["x"])
    }

    @Test("CRLF: module-inclusion keeps the carriage return in every path, so nothing matches, and each line says why")
    func crlf() throws {
        let a = try place("drivers/x.ko\r\ndrivers/*\r\n", [distroModule("drivers/x.ko")])
        #expect(inModules(a).isEmpty)
        let none = a.findings.filter { $0.kind == "entry-matches-nothing" }
        #expect(none.count == 2 && none.allSatisfy { $0.notes.contains { $0.contains("carriage return") } })
    }

    @Test("brace expansion as bash does it")
    func braces() {
        func expand(_ s: String) -> [String] {
            guard case .words(let w) = BraceExpansion.expand(Array(s.utf8), limit: 100) else { return ["?"] }
            return w.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(expand("a{b,c}d") == ["abd", "acd"])
        #expect(expand("{a{b,c}}") == ["{ab}", "{ac}"])
        #expect(expand("x{}y{z}") == ["x{}y{z}"])
        #expect(expand("{a,b}{1,2}") == ["a1", "a2", "b1", "b2"])
        #expect(expand("{a,{b,c}d}") == ["a", "bd", "cd"])
        #expect(expand("{a,b") == ["{a,b"])
        guard case .tooMany = BraceExpansion.expand(Array(String(repeating: "{a,b}", count: 64).utf8), limit: 4096)
        else {
            Issue.record("a brace bomb was expanded")
            return
        }
    }

    @Test("the format is found by the file name, or forced with --rules-format ubuntu")
    func detection() throws {
        let list = Fixtures.url("ubuntu/ccab78d9/generic.inclusion-list").path
        #expect(try SplitFormats.load(path: list, options: RulesOptions()) is UbuntuInclusionList)
        #expect(try SplitFormats.load(path: list, format: "ubuntu", options: RulesOptions()) is UbuntuInclusionList)
        let l = try UbuntuInclusionList.load(path: list)
        #expect(l.lines.count == 309 && l.unterminated == nil)
        #expect(l.lines.first?.text == "arch/*/{crypto,kernel,oprofile}")
    }
}

/// Launchpad bug 2126659 replayed on Debian's 6.1 amd64 tree with Ubuntu's two inclusion lists.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct UbuntuRealTests {
    static let pvpanic: Set<String> = ["pvpanic", "pvpanic_mmio", "pvpanic_pci"]
    /// What the lists' `!` line adds when module-inclusion runs it: modsplit does not.
    static let bangModules: Set<String> = [
        "drivers/leds/trigger/ledtrig-audio.ko", "sound/core/seq/snd-seq-dummy.ko",
        "sound/core/seq/snd-seq-midi-emul.ko",
        "sound/core/seq/snd-seq-midi-event.ko", "sound/core/seq/snd-seq-midi.ko", "sound/core/seq/snd-seq-virmidi.ko",
        "sound/core/seq/snd-seq.ko", "sound/core/snd-compress.ko", "sound/core/snd-ctl-led.ko",
        "sound/core/snd-hrtimer.ko",
        "sound/core/snd-hwdep.ko",
    ]

    static func list(_ commit: String) -> String { Fixtures.url("ubuntu/\(commit)/generic.inclusion-list").path }

    func analyses() throws -> (old: SplitAnalysis, new: SplitAnalysis) {
        let old = try Analyse.tree(RealKernels.Tree("amd64"), split: .rules(path: Self.list("420a2928"), format: nil))
        let new = try SplitAnalysis(
            scan: old.scan, split: try SplitFormats.load(path: Self.list("ccab78d9"), options: RulesOptions()))
        return (old, new)
    }

    @Test(
        """
        pvpanic in -extra with 420a2928, in linux-modules with ccab78d9; \
        the lists are module-inclusion's minus the ! line's
        """
    )
    func bug2126659() throws {
        let (old, new) = try analyses()
        for (a, commit, size, pvpanicPackage) in [
            (old, "420a2928", 996, "linux-modules-extra"), (new, "ccab78d9", 1000, "linux-modules"),
        ] {
            let p = packagesByModule(a)
            for m in Self.pvpanic { #expect(p[m] == pvpanicPackage, "\(m) with \(commit)") }
            for m in ["virtio_blk", "virtio_net", "virtio_scsi"] {
                #expect(p[m] == "linux-modules", "\(m) with \(commit)")
            }
            let lists = Dictionary(uniqueKeysWithValues: a.placement.lists(a.graph).map { ($0.package, $0.paths) })
            let mine = Set(lists["linux-modules"]!.map { String($0.dropFirst("kernel/".count)) })
            #expect(mine.count == size)
            let tool = try String(
                contentsOf: Fixtures.url("ubuntu/module-inclusion-6.1.0-57-amd64/\(commit).linux-modules.txt"),
                encoding: .utf8)
            let real = Set(tool.split(separator: "\n").map(String.init))
            #expect(real.subtracting(mine) == Self.bangModules, "\(commit)")
            #expect(mine.subtracting(real).isEmpty, "\(commit)")
            let passes = a.findings.filter { $0.kind == "dependency-pass" }
            #expect(passes.count == 49)
            #expect(
                passes.contains {
                    $0.module == "nvmet" && $0.message.contains("pass 2") && $0.message.contains("nvmet_fc")
                })
            #expect(!a.findings.contains { $0.kind == "beyond-pass-limit" })
            let bang = a.findings.filter { $0.kind == "unsupported-entry" }
            #expect(bang.count == 1 && bang[0].rule?.line == (commit == "420a2928" ? 295 : 299))
            #expect(bang[0].notes.first?.contains("11 sound modules") == true)
            let none = a.findings.filter { $0.kind == "entry-matches-nothing" }
            #expect(
                none.filter { $0.severity == .warning }.count == 76 && none.filter { $0.severity == .info }.count == 7)
            let moved = try #require(none.first { $0.message.contains("drivers/platform/x86/pvpanic.ko") })
            #expect(moved.notes.contains("a module of that name exists at drivers/misc/pvpanic/pvpanic.ko"))
            #expect(a.findings.filter { $0.severity == .error }.isEmpty)
        }
    }

    @Test("diff 420a2928 → ccab78d9: the three pvpanic drivers and erofs move into linux-modules, nothing out")
    func diff() throws {
        let (old, new) = try analyses()
        let d = SplitDiff(before: old, after: new)
        #expect(Set(d.moved.map(\.module)) == Self.pvpanic.union(["erofs"]))
        #expect(d.moved.allSatisfy { $0.from == "linux-modules-extra" && $0.to == "linux-modules" })
        #expect(d.moved.first { $0.module == "pvpanic" }?.rule?.line == 98)
        #expect(d.added.isEmpty && d.removed.isEmpty)
    }

    @Test("a cloud profile bound to linux-modules is met by it")
    func profile() throws {
        let a = try Analyse.tree(
            RealKernels.Tree("amd64"), split: .rules(path: Self.list("ccab78d9"), format: nil),
            profiles: [("kvm-guest", "linux-modules")])
        #expect(!a.findings.contains { $0.kind == "profile-unsatisfied" })
        #expect(a.context.profileBindings.map(\.profile.name) == ["kvm-guest"])
    }
}
