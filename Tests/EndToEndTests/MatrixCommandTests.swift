import Foundation
import TestSupport
import Testing

/// Several `--tree`s through the binary: check, place, report and diff over `RealModuleFixture`'s two kernels,
/// per-tree `--symvers`, and the input a matrix refuses (exit status 2, one line naming the tree).
@Suite struct MatrixCommandTests {
    final class Fixture {
        let dir: TemporaryDirectory
        let built: RealModuleFixture.Built
        init() throws {
            dir = try TemporaryDirectory("modsplit-matrix-cli")
            built = try RealModuleFixture.build(in: dir.url)
        }
        deinit { dir.cleanup() }
        var old: String { built.root(.debian61).path }
        var new: String { built.root(.debian612).path }
        var trees: [String] { ["--tree", old, "--tree", new] }
        func run(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try TestSupport.run(
                Binary.url.path, args,
                environment: ["XDG_CACHE_HOME": dir.url.appendingPathComponent("cache").path])
        }
    }

    @Test("check: one report of both kernels (schema 2), exit 1 for an error on either")
    func check() throws {
        let f = try Fixture()
        let r = try f.run(["check"] + f.trees + ["--rules", f.built.rules.path, "--format", "json"])
        #expect(r.status == 1, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(report["schemaVersion"] as? Int == 2)
        let trees = try #require(report["trees"] as? [[String: Any]])
        #expect(trees.map { $0["kernelVersion"] as? String } == ["6.1.0-fixture-amd64", "6.12.0-fixture-amd64"])
        #expect(trees.allSatisfy { $0["machine"] as? String == "x86_64" && ($0["packages"] as? [Any])?.count == 3 })
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.allSatisfy { !(($0["trees"] as? [String]) ?? []).isEmpty })
        // The revised rules fix both kernels: exit 0.
        let fixed = try f.run(["check"] + f.trees + ["--rules", f.built.revisedRules.path])
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        #expect(fixed.stdout.contains("over 2 trees"))
        // One tree: the report it always wrote (schema 1, no trees).
        let one = try f.run(["check", "--tree", f.new, "--rules", f.built.rules.path, "--format", "json"])
        #expect(one.stdout.contains("\"schemaVersion\" : 1") && !one.stdout.contains("\"trees\""))
    }

    @Test("place writes OUT/<kernel version>/<package>.list for each kernel")
    func place() throws {
        let f = try Fixture()
        let out = f.dir.url.appendingPathComponent("lists")
        let r = try f.run(["place"] + f.trees + ["--rules", f.built.revisedRules.path, "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        for version in ["6.1.0-fixture-amd64", "6.12.0-fixture-amd64"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(version).path)
            #expect(files.sorted() == ["modules-core.list", "modules-extra.list", "modules.list"], "\(version)")
        }
        let core = try String(
            contentsOf: out.appendingPathComponent("6.12.0-fixture-amd64/modules-core.list"),
            encoding: .utf8)
        #expect(core.contains("kernel/drivers/ata/libata.ko\n"))
    }

    @Test("diff --old-rules over both kernels says what moves on each")
    func diff() throws {
        let f = try Fixture()
        let r = try f.run(["diff", "--old-rules", f.built.rules.path, "--rules", f.built.revisedRules.path] + f.trees)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("libata: modules → modules-core"))
        #expect(r.stdout.contains("virtio_snd: modules-extra → modules (118 KiB)"))
        #expect(r.stdout.contains("— on 6.12.0-fixture-amd64 (x86_64)"))
        let bad = try f.run(["diff", "--old-tree", f.old, "--new-tree", f.new] + f.trees)
        #expect(bad.status == 2)
    }

    @Test("report writes one page for both kernels with a switcher")
    func report() throws {
        let f = try Fixture()
        let out = f.dir.url.appendingPathComponent("report")
        let r = try f.run(["report"] + f.trees + ["--rules", f.built.rules.path, "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("for 2 kernels"))
        let page = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(page.contains("id=\"tree-switch\"") && page.contains("data-tree=\"1\""))
    }

    @Test("--symvers per tree, in either order; a label that names no tree is refused")
    func symversPerTree() throws {
        let f = try Fixture()
        let s61 = f.built.root(.debian61).appendingPathComponent(
            "usr/src/linux-headers-6.1.0-fixture-amd64/Module.symvers"
        ).path
        let s612 = f.built.root(.debian612).appendingPathComponent(
            "usr/src/linux-headers-6.12.0-fixture-amd64/Module.symvers"
        ).path
        let rules = ["--rules", f.built.rules.path, "--format", "json"]
        let found = try f.run(["check"] + f.trees + rules)
        let labelled = try f.run(
            ["check"] + f.trees + rules + [
                "--symvers", "6.12.0-fixture-amd64=\(s612)",
                "--symvers", "\(f.old)=\(s61)",
            ])
        let swapped = try f.run(
            ["check", "--symvers", "6.1.0-fixture-amd64=\(s61)"] + f.trees
                + rules + ["--symvers", "6.12.0-fixture-amd64=\(s612)"])
        #expect(labelled.status == 1 && swapped.status == 1, "\(labelled.stderr)\(swapped.stderr)")
        #expect(labelled.stdout == found.stdout && swapped.stdout == found.stdout)
        // The 6.1 symvers for the 6.12 tree: its CRCs disagree, and only that tree says so.
        let crossed = try f.run(["check"] + f.trees + rules + ["--symvers", "6.12.0-fixture-amd64=\(s61)"])
        #expect(crossed.stdout != found.stdout)
        let unknown = try f.run(["check"] + f.trees + rules + ["--symvers", "6.2.0-nothing=\(s61)"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no tree is 6.2.0-nothing"), "\(unknown.stderr)")
        let twice = try f.run(["check"] + f.trees + rules + ["--symvers", s61, "--symvers", s612])
        #expect(twice.status == 2 && twice.stderr.contains("without a tree"), "\(twice.stderr)")
    }

    @Test("bad input: one kernel twice, a tree that is not there, one symvers for two architectures, one-tree commands")
    func badInput() throws {
        let f = try Fixture()
        let rules = ["--rules", f.built.rules.path]
        func refused(_ args: [String], _ words: [String]) throws {
            let r = try f.run(args)
            #expect(r.status == 2, "\(args): exit \(r.status)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            for w in words { #expect(r.stderr.contains(w), "\(r.stderr) lacks \(w)") }
        }
        let moduleDirectory = f.built.root(.debian612).appendingPathComponent("lib/modules/6.12.0-fixture-amd64").path
        try refused(
            ["check", "--tree", f.new, "--tree", moduleDirectory] + rules,
            [f.new, moduleDirectory, "6.12.0-fixture-amd64", "one tree per kernel version"])
        try refused(["check", "--tree", f.new, "--tree", f.dir.url.path + "/absent"] + rules, ["absent"])
        try refused(["check", "--tree", f.new, "--tree", f.new] + rules, ["given twice"])
        try refused(["check"] + f.trees + rules + ["--symvers", "=x"], ["--symvers =x", "nothing names a tree"])
        try refused(["check"] + f.trees + rules + ["--symvers", "nosuch=x"], ["no tree is nosuch"])
        try refused(["check"] + f.trees + rules + ["--symvers", "6.1.0-fixture-amd64="], ["no file after ="])
        try refused(["scan"] + f.trees, ["reads one tree"])
        try refused(["check", "--package", f.dir.url.path + "/p.deb"] + f.trees, ["--package and --tree"])
        try refused(["check", "--kernel-version", "6.1.0-fixture-amd64"] + f.trees + rules, ["--kernel-version"])

        // An arm64 tree beside the amd64 one, both under the amd64 Module.symvers.
        let arm = f.dir.url.appendingPathComponent("arm64")
        var m = FixtureModule(name: "m")
        m.imports = ["printk"]
        try m.build(
            in: arm.appendingPathComponent("lib/modules/6.12.0-fixture-arm64/kernel"), triple: "aarch64-linux-gnu")
        let symvers = f.built.root(.debian612).appendingPathComponent(
            "usr/src/linux-headers-6.12.0-fixture-amd64/Module.symvers"
        ).path
        try refused(
            ["check", "--tree", f.new, "--tree", arm.path, "--symvers", symvers] + rules,
            ["different architectures", "(x86_64)", "(aarch64)", arm.path])
    }
}
