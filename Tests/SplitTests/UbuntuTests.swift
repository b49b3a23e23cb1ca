import ELFScan
import Foundation
import Graph
@testable import Split
import Testing
import TestSupport

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
        let a = try place("""
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
        let a = try place("""
            drivers/*/x*.ko
            net/*/y

            """, [distroModule("drivers/a/x1.ko"), distroModule("drivers/.h/x2.ko"), distroModule("net/b/y/z.ko"),
                  distroModule("net/b/yy.ko")])
        #expect(inModules(a) == ["x1", "z"])
    }

    @Test("19 dependency passes: a chain of 21 leaves two modules in -extra, each reported with its distance")
    func passLimit() throws {
        var modules = [distroModule("m0.ko", imports: ["f1"])]
        for i in 1...21 { modules.append(distroModule("m\(i).ko", exports: ["f\(i)"], imports: i < 21 ? ["f\(i + 1)"] : [])) }
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
        #expect(a.placement.basis[m5] == .pulled(by: ["m4"], location: SourceLocation(file: "generic.inclusion-list", line: 1)))
    }

    @Test("! lines are never run: reported with their line; so are other shell syntax and brace bombs")
    func unsupported() throws {
        let bomb = String(repeating: "{a,b}", count: 40) + "*"
        let a = try place("""
            ! touch /tmp/modsplit-must-not-exist
            drivers/*$(touch /tmp/modsplit-must-not-exist)
            drivers/* -delete
            \(bomb)
            drivers/{1..3}*

            """, [distroModule("drivers/a.ko")])
        #expect(!FileManager.default.fileExists(atPath: "/tmp/modsplit-must-not-exist"))
        let u = a.findings.filter { $0.kind == "unsupported-entry" }.sorted { $0.rule!.line < $1.rule!.line }
        #expect(u.map(\.rule?.line) == [1, 2, 3, 4, 5])
        #expect(u[0].message.contains("shell command") && u[0].notes.first?.contains("cannot know") == true)
        #expect(u[3].message.contains("more than 4096 words"))
        #expect(inModules(a).isEmpty)
    }

    @Test("a line matching nothing says where a module of that name is, or that it is built in; duplicates and a last line without newline are reported")
    func hints() throws {
        let a = try place("drivers/platform/x86/pvpanic.ko\ndrivers/misc/input-leds.ko\narch/powerpc/kvm/kvm-hv.ko\ndrivers/x.ko\ndrivers/x.ko\nfs/lost.ko",
                          [distroModule("drivers/misc/pvpanic/pvpanic.ko"), distroModule("drivers/x.ko"), distroModule("fs/lost.ko")],
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
        guard case .tooMany = BraceExpansion.expand(Array(String(repeating: "{a,b}", count: 64).utf8), limit: 4096) else {
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
