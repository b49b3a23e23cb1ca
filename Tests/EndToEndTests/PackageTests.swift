import Foundation
import TestSupport
import Testing

/// `--package` through the built binary: exit statuses, messages, every command that takes it.
@Suite struct PackageTests {
    static let prefix = "lib/modules/6.1.0-test/"

    /// Two udebs of fixture modules: `top-modules` (top needs mid_fn) depends on `mid-modules`.
    static func packages(_ dir: URL, dependency: Bool = true) throws -> (mid: URL, top: URL) {
        var mid = FixtureModule(name: "mid")
        mid.exports = [.init("mid_fn")]
        mid.modinfo = ["license=GPL", "alias=crypto-mid"]
        var top = FixtureModule(name: "top")
        top.imports = ["mid_fn"]
        top.modinfo = ["license=GPL", "softdep=pre: crypto-mid"]
        let built = dir.appendingPathComponent("built")
        func udeb(_ name: String, _ module: FixtureModule, depends: String?) throws -> URL {
            var tar = TarWriter()
            tar.add(Self.prefix + "kernel/\(module.name).ko", Array(try Data(contentsOf: try module.build(in: built))))
            let bytes = try DebFixture.deb(
                control: DebFixture.control(name, depends: depends),
                data: try Compressor.compress(tar.finished(), with: "xz"))
            return try DebFixture.write(bytes, to: dir, "\(name)_1.0_amd64.udeb")
        }
        return (
            try udeb("mid-modules", mid, depends: nil),
            try udeb("top-modules", top, depends: dependency ? "mid-modules" : nil)
        )
    }

    @Test(
        "check --package: clean packages exit 0; a missing Depends is a cross-package error (exit 1) naming the symbol")
    func check() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let good = try Self.packages(dir.url.appendingPathComponent("good"))
        let r = try Binary.run(["check", "--no-cache", "--package", good.mid.path, "--package", good.top.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("0 errors"))

        let bad = try Self.packages(dir.url.appendingPathComponent("bad"), dependency: false)
        let b = try Binary.run([
            "check", "--no-cache", "--package", bad.mid.path, "--package", bad.top.path, "--format", "json",
        ])
        #expect(b.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(b.stdout.utf8)) as? [String: Any]
        let findings = json?["findings"] as? [[String: Any]] ?? []
        let cross = findings.first { $0["kind"] as? String == "cross-package" }
        #expect(cross?["symbols"] as? [String] == ["mid_fn"])
        #expect(cross?["package"] as? String == "top-modules")
        #expect(cross?["providerPackage"] as? String == "mid-modules")
        #expect(findings.contains { $0["kind"] as? String == "softdep-cross-package" })
    }

    @Test("explain, report and diff take --package too")
    func otherCommands() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let p = try Self.packages(dir.url)
        let args = ["--no-cache", "--package", p.mid.path, "--package", p.top.path]
        let e = try Binary.run(["explain"] + args + ["top"])
        #expect(e.status == 0)
        #expect(e.stdout.contains("top-modules"))
        #expect(e.stdout.contains("mid_fn"))
        let out = dir.url.appendingPathComponent("report")
        let r = try Binary.run(["report"] + args + ["--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("index.html").path))
        let d = try Binary.run([
            "diff", "--no-cache", "--old-package", p.mid.path, "--package", p.mid.path, "--package", p.top.path,
        ])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(d.stdout.contains("top-modules"))
    }

    @Test(
        "unusable input is exit status 2 with one line: a missing file, two kernels, --package with --tree or --rules")
    func unusable() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let p = try Self.packages(dir.url)
        let cases: [([String], String)] = [
            (["--package", "/nonexistent.udeb"], "/nonexistent.udeb: cannot read"),
            (["--package", p.mid.path, "--tree", dir.url.path], "--package and --tree exclude each other"),
            (["--package", p.mid.path, "--rules", "x.yaml"], "--package and --rules exclude each other"),
            (["--package", p.mid.path, "--max-package-mib", "0"], "--max-package-mib"),
        ]
        for (args, message) in cases {
            let r = try Binary.run(["check", "--no-cache"] + args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains(message), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        // Another kernel's package.
        var tar = TarWriter()
        tar.add("lib/modules/6.1.0-other/kernel/x.ko", [0x7F])
        let other = try DebFixture.write(
            try DebFixture.deb(
                control: DebFixture.control("other"),
                data: try Compressor.compress(tar.finished(), with: "xz")),
            to: dir.url, "other.udeb")
        let r = try Binary.run(["check", "--no-cache", "--package", p.mid.path, "--package", other.path])
        #expect(r.status == 2)
        #expect(
            r.stderr.contains("several kernels: 6.1.0-other (other.udeb); 6.1.0-test (mid-modules_1.0_amd64.udeb)"),
            "\(r.stderr)")
    }

    @Test("a hostile package among good ones: its error names the file, the rest is analysed, no crash or hang")
    func hostile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let p = try Self.packages(dir.url)
        let truncated = try DebFixture.write(Array(try Data(contentsOf: p.top).prefix(100)), to: dir.url, "cut.udeb")
        var tar = TarWriter()
        tar.add(Self.prefix + "kernel/../../../../etc/evil.ko", [1, 2, 3])
        tar.add(Self.prefix + "kernel/escape.ko", kind: .symlink("/etc/passwd"))
        let evil = try DebFixture.write(
            try DebFixture.deb(
                control: DebFixture.control("evil"),
                data: try Compressor.compress(tar.finished(), with: "xz")),
            to: dir.url, "evil.udeb")
        let r = try Binary.run([
            "check", "--no-cache", "--package", p.mid.path, "--package", truncated.path,
            "--package", evil.path,
        ])
        #expect(r.status == 1)
        #expect(r.stdout.contains("\(truncated.path) cannot be read"), "\(r.stdout)")
        #expect(
            r.stdout.contains("evil.udeb: entry 1, \"./lib/modules") || r.stdout.contains("etc/evil.ko"), "\(r.stdout)")
        #expect(
            r.stdout.contains(
                "kernel/escape.ko cannot be read: evil.udeb: a symbolic link to \"/etc/passwd\", "
                    + "outside the module directory"
            ),
            "\(r.stdout)")
    }

    @Test("the scan cache: a second run reads no package and says the same; a changed package is read again")
    func cache() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let p = try Self.packages(dir.url)
        let environment = ["XDG_CACHE_HOME": dir.url.appendingPathComponent("cache").path]
        let args = ["check", "--package", p.mid.path, "--package", p.top.path]
        let first = try run(Binary.url.path, args, environment: environment)
        let second = try run(Binary.url.path, args, environment: environment)
        #expect(first.status == 0 && second.status == 0)
        #expect(first.stdout == second.stdout)
        let files = try FileManager.default.contentsOfDirectory(
            atPath: dir.url.appendingPathComponent("cache/modsplit").path)
        #expect(files.filter { $0.hasSuffix(".cache") }.count == 2)
        // top-modules rebuilt without its Depends: the cache must not hide the change.
        let bad = try Self.packages(dir.url.appendingPathComponent("bad"), dependency: false)
        try FileManager.default.removeItem(at: p.top)
        try FileManager.default.copyItem(at: bad.top, to: p.top)
        let third = try run(Binary.url.path, args, environment: environment)
        #expect(third.status == 1, "\(third.stdout)")
    }
}

extension PackageTests {
    @Test(
        """
        200 packages in a chain of Depends check clean, one with its Depends left out is cross-package; \
        the summary stays one line
        """
    )
    func manyPackages() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        // One module built once; copies renamed in place (same-length strings): name=link000 and its
        // export chain_fn_000 become link042 and chain_fn_042, its import chain_fn_999 chain_fn_041.
        var m = FixtureModule(name: "link")
        m.exports = [.init("chain_fn_000")]
        m.imports = ["chain_fn_999"]
        m.modinfo = ["name=link000", "license=GPL"]
        let original = Array(try Data(contentsOf: try m.build(in: dir.url.appendingPathComponent("built"))))
        func replacing(_ bytes: [UInt8], _ old: String, _ new: String) -> [UInt8] {
            let o = Array(old.utf8), n = Array(new.utf8)
            var out = bytes
            var i = 0
            while i + o.count <= out.count {
                if out[i] == o[0] && Array(out[i..<(i + o.count)]) == o {
                    out.replaceSubrange(i..<(i + o.count), with: n)
                    i += o.count
                } else {
                    i += 1
                }
            }
            return out
        }
        let count = 200
        var files: [URL] = []
        for i in 0..<count {
            let n = String(format: "%03d", i)
            var bytes = replacing(original, "link000", "link\(n)")
            bytes = replacing(bytes, "chain_fn_000", "chain_fn_\(n)")
            // The first link needs nothing from another package: the kernel's printk instead.
            bytes = replacing(bytes, "chain_fn_999", i == 0 ? "printk_sym00" : String(format: "chain_fn_%03d", i - 1))
            var tar = TarWriter()
            tar.add(Self.prefix + "kernel/link\(n).ko", bytes)
            let depends = i == 0 || i == 100 ? nil : String(format: "chain-%03d", i - 1)
            let deb = try DebFixture.deb(
                control: DebFixture.control("chain-\(n)", depends: depends),
                data: try Compressor.compress(tar.finished(), with: "gzip -n"), dataMember: "data.tar.gz")
            files.append(try DebFixture.write(deb, to: dir.url, "chain-\(n).udeb"))
        }
        let r = try Binary.run(["check", "--no-cache"] + files.flatMap { ["--package", $0.path] })
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        // One interpolated literal, so that it is compared as the Substring it is compared with.
        let size = lines.last?.split(separator: ",").last?.dropFirst() ?? ""
        // The warning: no --symvers, so printk_sym00 is taken to be the kernel's unchecked (kernel-exports-unknown).
        #expect(lines.last == "1 error, 1 warning, 0 notes — 200 packages, 200 modules, \(size)")
        #expect(r.stdout.contains("the kernel's own exports are unknown: 1 symbol that no module exports"))
        #expect(lines.filter { $0.hasPrefix("  chain-") }.count == count)
        #expect(
            r.stdout.contains(
                "link100 (chain-100) needs chain_fn_099 from link099 (chain-099), which chain-100 does not depend on"),
            "\(r.stdout.prefix(600))")
    }
}

/// The acceptance runs on Debian's 52 real udebs and on RPMs built from Debian's modules.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct RealPackageTests {
    @Test(
        """
        check --package over the 52 udebs of 6.1.0-50-amd64 exits 0; \
        csiostor's softdep on cxgb4 is the one warning across packages
        """
    )
    func udebs() throws {
        let udebs = try RealPackages.udebs()
        let root = try RealKernels.root(RealPackages.udebKernel)
        let symvers = try #require(RealKernels.symvers(in: root))
        let args = ["check", "--no-cache", "--symvers", symvers.path] + udebs.flatMap { ["--package", $0.path] }
        let r = try Binary.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("0 errors"))
        #expect(
            r.stdout.contains(
                "softdep-cross-package (1)\n  warning: csiostor (scsi-modules-6.1.0-50-amd64-di) has softdep cxgb4, "
                    + "which is in nic-modules-6.1.0-50-amd64-di"
            ),
            "\(r.stdout)")
        let strict = try Binary.run(args + ["--strict"])
        #expect(strict.status == 1)
    }

    @Test(
        "RPMs built from Debian's modules: exit 0 with their Requires; 1 with -core broken, naming the symbols",
        .enabled(if: RPMFixture.available, "no rpmbuild"))
    func rpms() throws {
        let root = try RealKernels.root(RealKernels.Tree("linux-image-6.1.0-50-cloud-amd64"))
        let symvers = try #require(RealKernels.symvers(in: root))
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let good = try RPMFixture.build(
            from: try RealKernels.moduleDirectory(in: root), into: dir.url.appendingPathComponent("good"))
        let g = try Binary.run([
            "check", "--no-cache", "--symvers", symvers.path, "--package", good.core.path, "--package",
            good.modules.path,
        ])
        #expect(g.status == 0, "\(g.stdout)\(g.stderr)")
        #expect(
            g.stdout.contains(
                "kernel-modules-core depends on kernel-uname-r (= \(RPMFixture.release)), which was not given"))
        let broken = try RPMFixture.build(
            from: try RealKernels.moduleDirectory(in: root), into: dir.url.appendingPathComponent("broken"),
            broken: true)
        let b = try Binary.run([
            "check", "--no-cache", "--symvers", symvers.path, "--package", broken.core.path,
            "--package", broken.modules.path,
        ])
        #expect(b.status == 1)
        #expect(b.stdout.contains("vsock_loopback needs virtio_transport_"), "\(b.stdout)")
    }
}
