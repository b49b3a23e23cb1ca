import Foundation
import TestSupport
import Testing

/// `modsplit minimize` run as a user runs it, on a tree of modules built from C: a KVM guest's drivers (two disk
/// drivers sharing a ring library, a network driver, a file system), a big module nothing needs, and the console
/// and virtio PCI transport built in.
@Suite struct MinimizeTests {
    /// Builds the tree; returns its root.
    static func tree(in dir: TemporaryDirectory) throws -> URL {
        let moddir = dir.url.appendingPathComponent("lib/modules/6.1.0-fixture")
        let kernel = moddir.appendingPathComponent("kernel")
        var ring = FixtureModule(name: "virtio_ring")
        ring.exports = [.init("vring_add")]
        try ring.build(in: kernel)
        var blk = FixtureModule(name: "virtio_blk")
        blk.imports = ["vring_add"]
        blk.modinfo = ["alias=virtio:d00000002v*", "license=GPL"]
        try blk.build(in: kernel)
        var net = FixtureModule(name: "virtio_net")
        net.imports = ["vring_add"]
        net.modinfo = ["alias=virtio:d00000001v*", "license=GPL"]
        try net.build(in: kernel)
        try FixtureModule(name: "xfs").build(in: kernel)
        var big = FixtureModule(name: "big")
        big.exports = (0..<200).map { .init("big_fn_\($0)") }
        try big.build(in: kernel)
        try "kernel/drivers/tty/serial/8250/8250.ko\nkernel/drivers/virtio/virtio_pci.ko\n".write(
            to: moddir.appendingPathComponent("modules.builtin"), atomically: true, encoding: .utf8)
        return dir.url
    }

    @Test("text says optimal; --out and --format list give the list; rules and lists pass check; json is versioned")
    func minimize() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let root = try Self.tree(in: dir).path
        let base = ["minimize", "--tree", root, "--no-cache", "--profile", "kvm-guest"]
        let text = try Binary.run(base)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("This core is 4 modules"))
        #expect(text.stdout.contains("Optimal: no core that meets these requirements has fewer shipped bytes"))
        #expect(text.stdout.contains("    built in: virtio_pci\n"))

        let listFile = dir.url.appendingPathComponent("core.list").path
        let list = try Binary.run(base + ["--format", "list", "--out", listFile])
        #expect(list.status == 0)
        #expect(list.stdout == "kernel/virtio_blk.ko\nkernel/virtio_net.ko\nkernel/virtio_ring.ko\nkernel/xfs.ko\n")
        #expect(try String(contentsOfFile: listFile, encoding: .utf8) == list.stdout)
        #expect(list.stderr.hasPrefix("minimal core: 4 modules, ") && list.stderr.contains("optimal"))

        // As lists: the core bound to the profile, the rest requiring it.
        let restFile = dir.url.appendingPathComponent("rest.list").path
        try "kernel/big.ko\n".write(toFile: restFile, atomically: true, encoding: .utf8)
        let lists = try Binary.run([
            "check", "--tree", root, "--no-cache", "--list", "core=\(listFile)",
            "--list", "rest=\(restFile)", "--requires", "rest:core", "--profile", "kvm-guest=core",
        ])
        #expect(lists.status == 0, "\(lists.stdout)")
        // As a rules file.
        let rulesFile = dir.url.appendingPathComponent("core.yaml").path
        let rules = try Binary.run(base + ["--format", "rules", "--output", rulesFile])
        #expect(rules.status == 0 && rules.stdout.isEmpty)
        let checked = try Binary.run(["check", "--tree", root, "--no-cache", "--rules", rulesFile])
        #expect(checked.status == 0, "\(checked.stdout)")
        #expect(
            checked.stdout.range(of: #"\n  core +4 modules "#, options: .regularExpression) != nil, "\(checked.stdout)")

        let json = try Binary.run(base + ["--format", "json", "--objective", "modules"])
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(doc?["schemaVersion"] as? Int == 1 && doc?["objective"] as? String == "modules")
        #expect((doc?["core"] as? [String: Any])?["cost"] as? Int == 4)
    }

    @Test("bad input: unknown profile, unknown --keep module, a requirement the kernel lacks: one line, exit 2")
    func badInput() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let root = try Self.tree(in: dir).path
        let cases: [([String], String)] = [
            (["--profile", "nope"], "modsplit: unknown profile nope (known: kvm-guest, "),
            (["--profile", "kvm-guest", "--keep", "nosuch"], "modsplit: --keep: no module nosuch in this tree\n"),
            (["--profile", "kvm-guest", "--keep", "8250"], "modsplit: --keep: 8250 is built into the kernel"),
            (["--profile", "ec2-nitro"], "modsplit: ec2-nitro needs EBS NVMe storage, which this kernel lacks: "),
            ([], "modsplit: minimize needs --profile"),
            (["--profile", "kvm-guest", "--format", "markdown"], "modsplit: --format markdown needs --compare-with"),
        ]
        for (args, prefix) in cases {
            let r = try Binary.run(["minimize", "--tree", root, "--no-cache"] + args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.hasPrefix(prefix), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let skipped = try Binary.run([
            "minimize", "--tree", root, "--no-cache", "--profile", "ec2-nitro", "--skip-lacking",
        ])
        #expect(skipped.status == 0 && skipped.stdout.contains("the kernel has no driver for it (left out)"))
    }

    @Test("--compare-with puts a split's core beside the minimal core, with what it ships beyond it")
    func compare() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let root = try Self.tree(in: dir).path
        let rulesFile = dir.url.appendingPathComponent("split.yaml")
        try """
        packages:
          - name: core
            depends-on: []
            profiles: [kvm-guest]
          - name: extra
            depends-on: [core]
        rules:
          - big.*: core
          - virtio.*: core
          - default: extra

        """.write(to: rulesFile, atomically: true, encoding: .utf8)
        let r = try Binary.run(["minimize", "--tree", root, "--no-cache", "--compare-with", rulesFile.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("core of \(rulesFile.path) beside the minimal core for kvm-guest\n"))
        #expect(r.stdout.contains("  beyond the minimal core  1 modules"))
        #expect(r.stdout.contains("Modules of the minimal core core does not install"))
        #expect(r.stdout.contains("  xfs (in extra)\n"))
        #expect(r.stdout.contains("kernel/big.ko  placed by \(rulesFile.path):8:5\n"))
        let md = try Binary.run([
            "minimize", "--tree", root, "--no-cache", "--compare-with", rulesFile.path,
            "--format", "markdown",
        ])
        #expect(md.status == 0 && md.stdout.hasPrefix("### core beside the minimal core\n"))

        // The same beside the split's report: a section of the page and of summary.md.
        let out = dir.url.appendingPathComponent("report").path
        let report = try Binary.run([
            "report", "--tree", root, "--no-cache", "--rules", rulesFile.path, "--out", out, "--minimal-core",
        ])
        #expect(report.status == 0, "\(report.stderr)")
        let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(page.contains("<section id=\"minimal-core\"") && page.contains("kernel/big.ko"))
        let summary = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
        #expect(summary.contains("### core beside the minimal core"))
        // The same bytes every time: the search's time is left out of the page and the summary.
        let again = dir.url.appendingPathComponent("again").path
        _ = try Binary.run([
            "report", "--tree", root, "--no-cache", "--rules", rulesFile.path, "--out", again, "--minimal-core",
        ])
        #expect(try String(contentsOfFile: again + "/index.html", encoding: .utf8) == page)
        #expect(try String(contentsOfFile: again + "/summary.md", encoding: .utf8) == summary)
        let noCore = try Binary.run([
            "report", "--tree", root, "--no-cache", "--out", out, "--minimal-core",
        ])
        #expect(noCore.status == 2 && noCore.stderr.contains("binds no profile to a package"), "\(noCore.stderr)")
    }
}

@Suite struct MinimizeRulesProfileTests {
    @Test("--rules lends its own profiles to --profile")
    func definedProfile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let root = try MinimizeTests.tree(in: dir).path
        let rulesFile = dir.url.appendingPathComponent("profiles.yaml")
        try """
        profiles:
          - name: storage-only
            needs:
              - what: a virtio disk
                modalias: [virtio:d00000002v00001AF4]
        packages:
          - name: all
            depends-on: []

        """.write(to: rulesFile, atomically: true, encoding: .utf8)
        let r = try Binary.run([
            "minimize", "--tree", root, "--no-cache", "--rules", rulesFile.path,
            "--profile", "storage-only", "--format", "list",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "kernel/virtio_blk.ko\nkernel/virtio_ring.ko\n")
        let unknown = try Binary.run(["minimize", "--tree", root, "--no-cache", "--profile", "storage-only"])
        #expect(unknown.status == 2 && unknown.stderr.hasPrefix("modsplit: unknown profile storage-only"))
    }
}
