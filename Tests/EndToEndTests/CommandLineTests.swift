import Foundation
import TestSupport
import Testing

/// The built `modsplit` binary, run as a user runs it.
enum Binary {
    static let url: URL = {
        // swift test runs from the build directory that also holds the executable product.
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let u = candidate.appendingPathComponent("modsplit")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return RealKernels.repositoryRoot.appendingPathComponent(".build/debug/modsplit")
    }()

    static func run(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try TestSupport.run(url.path, args)
    }
}

@Suite struct CommandLineTests {
    @Test("unusable input: exit status 2 and one line on stderr")
    func unusableInput() throws {
        let r = try Binary.run(["scan", "--tree", "/nonexistent/tree"])
        #expect(r.status == 2)
        #expect(r.stderr == "modsplit: /nonexistent/tree: no such directory\n")
        let bad = try Binary.run(["scan", "--no-such-flag"])
        #expect(bad.status == 2)
        #expect(bad.stderr.split(separator: "\n").count == 1)
        let both = try Binary.run(["scan", "--symvers", "a", "--system-map", "b"])
        #expect(both.status == 2)
    }

    @Test("a tree built from fixtures: scan, export, deps, why, symbol")
    func fixtureTree() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let moddir = dir.url.appendingPathComponent("lib/modules/6.1.0-fixture")
        let kernel = moddir.appendingPathComponent("kernel")
        var base = FixtureModule(name: "base")
        base.exports = [.init("base_fn", gpl: true, crc: 7)]
        base.imports = ["printk"]
        try base.build(in: kernel)
        var mid = FixtureModule(name: "mid")
        mid.exports = [.init("mid_fn")]
        mid.imports = ["base_fn"]
        try mid.build(in: kernel)
        var top = FixtureModule(name: "top")
        top.imports = ["mid_fn", "printk"]
        top.modinfo = ["alias=pci:v00001234d*sv*sd*bc*sc*i*", "license=GPL"]
        try top.build(in: kernel)
        _ = FileManager.default.createFile(
            atPath: kernel.appendingPathComponent("broken.ko").path, contents: Data("nope".utf8))
        try "kernel/base.ko\nkernel/mid.ko\nkernel/top.ko\n".write(
            to: moddir.appendingPathComponent("modules.order"), atomically: true, encoding: .utf8)

        let scan = try Binary.run(["scan", "--tree", dir.url.path, "--format", "json"])
        #expect(scan.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any]
        #expect(summary?["modules"] as? Int == 3)
        #expect(summary?["unreadable"] as? Int == 1)

        let out = dir.url.appendingPathComponent("out")
        let export = try Binary.run(["export", "depmod", "--tree", dir.url.path, "--out", out.path])
        #expect(export.status == 0)
        #expect(export.stderr.contains("kernel/broken.ko"))
        let dep = try String(contentsOf: out.appendingPathComponent("modules.dep"), encoding: .utf8)
        #expect(dep == "kernel/base.ko:\nkernel/mid.ko: kernel/base.ko\nkernel/top.ko: kernel/mid.ko kernel/base.ko\n")

        let deps = try Binary.run(["deps", "top", "--tree", dir.url.path])
        #expect(deps.stdout == "mid\tkernel/mid.ko\nbase\tkernel/base.ko\n")
        let rdeps = try Binary.run(["deps", "base", "--reverse", "--tree", dir.url.path])
        #expect(rdeps.stdout == "mid\tkernel/mid.ko\ntop\tkernel/top.ko\n")
        let why = try Binary.run(["why", "top", "base", "--tree", dir.url.path])
        #expect(why.stdout == "top\n  needs mid for mid_fn\n  needs base for base_fn\n")
        let symbol = try Binary.run(["symbol", "base_fn", "--tree", dir.url.path])
        #expect(symbol.stdout.contains("exported by base (kernel/base.ko): GPL-only, crc 0x00000007"))
        #expect(symbol.stdout.contains("imported by mid"))
        let missing = try Binary.run(["deps", "nosuch", "--tree", dir.url.path])
        #expect(missing.status == 2)

        let json1 = try Binary.run(["export", "json", "--tree", dir.url.path]).stdout
        let json2 = try Binary.run(["export", "json", "--tree", dir.url.path]).stdout
        #expect(json1 == json2)
        let dot = try Binary.run(["export", "dot", "--tree", dir.url.path]).stdout
        #expect(dot.contains("\"top\" -> \"mid\" [label=\"1\"]"))
    }

    @Test("the real cloud kernel through the binary equals depmod", .enabled(if: RealKernels.enabled))
    func realTreeEndToEnd() throws {
        let root = try RealKernels.root(RealKernels.Tree("6.12:cloud-amd64"))
        let symvers = RealKernels.symvers(in: root)
        let reference = try DepmodReference.run(root: root, symvers: symvers)
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var args = ["export", "depmod", "--tree", root.path, "--out", dir.url.path]
        if let symvers { args += ["--symvers", symvers.path] }
        let r = try Binary.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        for (name, expected) in reference {
            #expect(
                try String(contentsOf: dir.url.appendingPathComponent(name), encoding: .utf8) == expected, "\(name)")
        }
    }
}
