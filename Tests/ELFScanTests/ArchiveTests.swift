import Foundation
import TestSupport
import Testing

@testable import ELFScan

/// Built packages read by `PackageReader`: Debian packages put together in the tests byte by byte
/// (`TarWriter`, `ArWriter`) from modules clang builds (`FixtureModule`), hostile ones included, and
/// real RPMs built by rpmbuild from Debian's modules.
@Suite struct ArchiveTests {
    static let version = "6.1.0-test"
    static let prefix = "lib/modules/6.1.0-test/"

    /// Two modules: `user` needs `provider_fn` from `provider`.
    static func modules(in dir: URL) throws -> (provider: [UInt8], user: [UInt8]) {
        var provider = FixtureModule(name: "provider")
        provider.exports = [.init("provider_fn")]
        provider.modinfo = ["license=GPL", "alias=crypto-provider", "vermagic=6.1.0-test SMP mod_unload"]
        var user = FixtureModule(name: "user")
        user.imports = ["provider_fn", "printk"]
        user.modinfo = ["license=GPL", "softdep=pre: crypto-provider", "vermagic=6.1.0-test SMP mod_unload"]
        let p = try provider.build(in: dir), u = try user.build(in: dir)
        return (Array(try Data(contentsOf: p)), Array(try Data(contentsOf: u)))
    }

    /// A udeb whose data.tar holds `entries`, compressed by `program` as `member`.
    static func udeb(
        _ dir: URL, _ name: String, control: String? = nil, member: String = "data.tar.xz",
        program: String = "xz", _ entries: (inout TarWriter) throws -> Void
    ) throws -> URL {
        var tar = TarWriter()
        try entries(&tar)
        let data = program.isEmpty ? tar.finished() : try Compressor.compress(tar.finished(), with: program)
        let bytes = try DebFixture.deb(control: control ?? DebFixture.control(name), data: data, dataMember: member)
        return try DebFixture.write(bytes, to: dir, name + ".udeb")
    }

    @Test(
        "a udeb: its modules under lib/modules/<version>/, its Depends and Provides, modules.order and modules.builtin",
        arguments: [("data.tar.xz", "xz"), ("data.tar.gz", "gzip -n"), ("data.tar.zst", "zstd -q"), ("data.tar", "")])
    func readsADebianPackage(member: String, program: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (provider, user) = try Self.modules(in: dir.url)
        let control = DebFixture.control(
            "demo-modules-di", version: "1:6.1.176-1",
            depends: "kernel-image-di, base (>= 1.2~) | other,\n other2:any",
            provides: "demo-modules, demo (= 2)")
        let file = try Self.udeb(dir.url, "demo", control: control, member: member, program: program) { tar in
            tar.add("./", kind: .directory)
            tar.add("./lib/modules/6.1.0-test/", kind: .directory)
            tar.add("./lib/modules/6.1.0-test/kernel/provider.ko", provider)
            tar.add("./lib/modules/6.1.0-test/kernel/deep/user.ko", user)
            tar.add(
                "./lib/modules/6.1.0-test/modules.order",
                Array("kernel/provider.ko\nkernel/deep/user.ko\nkernel/gone.ko\n".utf8))
            tar.add("./lib/modules/6.1.0-test/modules.builtin", Array("kernel/crypto/crc32c_generic.ko\r\n".utf8))
            tar.add("./usr/share/doc/x", Array("not a module".utf8))
        }
        let p = PackageReader.read(file.path)
        #expect(p.failure == nil, "\(p.failure.map(String.init(describing:)) ?? "")")
        #expect(p.format == .udeb)
        #expect(p.name == "demo-modules-di")
        #expect(p.version == "1:6.1.176-1")
        #expect(p.kernelVersions == [Self.version])
        #expect(p.modules.map(\.path) == ["kernel/provider.ko", "kernel/deep/user.ko"])
        #expect(p.modules.map(\.name) == ["provider", "user"])
        #expect(p.moduleEntries == [3, 4])
        #expect(p.modules[0].exports.map(\.name) == ["provider_fn"])
        #expect(p.order == ["kernel/provider.ko", "kernel/deep/user.ko", "kernel/gone.ko"])
        #expect(p.builtin == ["crc32c_generic"])
        #expect(
            p.depends.map { $0.map(\.description) } == [
                ["kernel-image-di"], ["base (>= 1.2~)", "other"], ["other2:any"],
            ])
        #expect(p.provides.map(\.description) == ["demo-modules", "demo (= 2)"])
        #expect(p.remarks.contains { $0.message.contains("architecture qualifiers") })
        #expect(p.problems.isEmpty)
    }

    @Test("dpkg's version order")
    func debianVersions() {
        let ordered = [
            "0:1.0~rc1", "1.0~rc1-1", "1.0", "1.0-0", "1.0-1", "1.0-1+b1", "1.0a", "1.0.1", "1.10", "2.0", "1:0.1",
        ]
        for (a, b) in zip(ordered, ordered.dropFirst()) {
            #expect(PackageVersions.debianCompare(a, b) <= 0, "\(a) <= \(b)")
            #expect(PackageVersions.debianCompare(b, a) >= 0, "\(b) >= \(a)")
        }
        #expect(PackageVersions.debianCompare("1.0", "1.0-0") == 0)
        #expect(PackageVersions.debianCompare("6.1.176-1", "6.1.176-1") == 0)
        #expect(PackageVersions.debianCompare("1.0~~", "1.0~") < 0)
        #expect(PackageVersions.debianCompare("1.001", "1.1") == 0)
    }

    @Test("rpm's version order, and Requires against Provides")
    func rpmVersions() {
        func cmp(_ a: String, _ b: String) -> Int { PackageVersions.rpmCompare(Array(a.utf8), Array(b.utf8)) }
        #expect(cmp("1.0", "1.0") == 0)
        #expect(cmp("1.0", "1.0.1") < 0)
        #expect(cmp("1.0a", "1.0") > 0)
        #expect(cmp("1.0~rc1", "1.0") < 0)
        #expect(cmp("1.0^git1", "1.0") > 0)
        #expect(cmp("1.0^git1", "1.0.1") < 0)
        #expect(cmp("10", "9") > 0)
        #expect(cmp("1.a", "1.1") < 0)
        #expect(cmp("001", "1") == 0)
        #expect(PackageVersions.rpmCompareEVR("1:1.0-1", "2.0-1") > 0)
        #expect(PackageVersions.rpmCompareEVR("1.0-5", "1.0") == 0)  // no release asked for: any release
        let p = BuiltPackage(
            file: "x.rpm", format: .rpm, name: "kernel-modules-core", version: "6.1.0-50",
            provides: [
                PackageRelation(name: "kernel-modules-core-uname-r", relation: .equal, version: "6.1.0-50.x86_64")
            ],
            paths: ["/lib/modules/6.1.0-50.x86_64/kernel/a.ko"])
        #expect(
            p.satisfies(
                PackageRelation(name: "kernel-modules-core-uname-r", relation: .equal, version: "6.1.0-50.x86_64")))
        #expect(
            !p.satisfies(
                PackageRelation(name: "kernel-modules-core-uname-r", relation: .equal, version: "6.1.0-51.x86_64")))
        #expect(p.satisfies(PackageRelation(name: "kernel-modules-core-uname-r")))
        #expect(p.satisfies(PackageRelation(name: "kernel-modules-core", relation: .laterOrEqual, version: "6.1.0")))
        #expect(!p.satisfies(PackageRelation(name: "kernel-modules-core", relation: .later, version: "6.1.0-50")))
        #expect(p.satisfies(PackageRelation(name: "/lib/modules/6.1.0-50.x86_64/kernel/a.ko")))
        let d = BuiltPackage(
            file: "x.deb", format: .deb, name: "a", version: "2.0-1",
            provides: [PackageRelation(name: "virt"), PackageRelation(name: "vv", relation: .equal, version: "3")])
        #expect(d.satisfies(PackageRelation(name: "a", relation: .laterOrEqual, version: "2.0")))
        #expect(!d.satisfies(PackageRelation(name: "a", relation: .earlier, version: "2.0")))
        #expect(d.satisfies(PackageRelation(name: "virt")))
        // An unversioned Provides meets no versioned relation.
        #expect(!d.satisfies(PackageRelation(name: "virt", relation: .laterOrEqual, version: "1")))
        #expect(d.satisfies(PackageRelation(name: "vv", relation: .laterOrEqual, version: "2")))
    }

    @Test(
        "Depends as dpkg writes it: refused when it carries source-only syntax or a substitution variable",
        arguments: ["${shlibs:Depends}", "a [amd64]", "a <!nocheck>", "a (>= )", "a (~ 1)", "a,, b", "A-upper", "a | "])
    func badRelations(field: String) {
        #expect(throws: PackageError.self) { try DebianControl.relations(field, fieldName: "Depends", file: "x.deb") }
    }

    @Test("control: continuation lines, case-insensitive names, a repeated field refused")
    func controlFile() throws {
        let c = try DebianControl(
            Array("Package: a\nversion: 1\nDepends: b,\n c (>= 2)\nDescription: x\n more\n".utf8), file: "x")
        #expect(c["Version"] == "1")
        #expect(
            try DebianControl.relations(c["depends"]!, fieldName: "Depends", file: "x").map { $0.map(\.description) }
                == [["b"], ["c (>= 2)"]])
        #expect(throws: PackageError.self) { try DebianControl(Array("Package: a\nPackage: b\n".utf8), file: "x") }
        #expect(throws: PackageError.self) { try DebianControl(Array(" lead\nPackage: a\n".utf8), file: "x") }
    }

    @Test("control with CRLF line ends: the CRs are dropped, as dpkg-deb -f reads such a file")
    func controlCRLF() throws {
        let c = try DebianControl(
            Array("Package: a\r\nVersion: 1\r\nDepends: b,\r\n c (>= 2)\r\n\r\n".utf8), file: "x")
        #expect(c["Package"] == "a")
        #expect(c["Version"] == "1")
        #expect(
            try DebianControl.relations(c["depends"]!, fieldName: "Depends", file: "x").map { $0.map(\.description) }
                == [["b"], ["c (>= 2)"]])
    }

    // MARK: Hostile packages

    /// Reads a package built by `make` and returns it, checking that reading took under `seconds`.
    func read(_ file: URL, limits: PackageLimits = PackageLimits(), seconds: Double = 20) -> BuiltPackage {
        let start = Date()
        let p = PackageReader.read(file.path, limits: limits)
        #expect(Date().timeIntervalSince(start) < seconds, "\(file.lastPathComponent) took too long")
        return p
    }

    @Test("truncated: inside the ar magic, inside a member header, inside data.tar; each named, never a crash")
    func truncated() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (provider, _) = try Self.modules(in: dir.url)
        let whole = try Self.udeb(dir.url, "whole") { tar in tar.add(Self.prefix + "kernel/provider.ko", provider) }
        let bytes = Array(try Data(contentsOf: whole))
        for cut in [0, 7, 8 + 30, 8 + 60 + 4 + 30, bytes.count / 2, bytes.count - 10] {
            let file = try DebFixture.write(Array(bytes.prefix(cut)), to: dir.url, "cut-\(cut).udeb")
            let p = read(file)
            let failure = try #require(p.failure, "cut at \(cut)")
            #expect(failure.file.hasPrefix(file.path), "\(failure)")
            #expect(!failure.reason.isEmpty)
        }
    }

    @Test("ar members: an unknown one before data is refused, '_' ones are skipped, data before control is refused")
    func members() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let control = try DebFixture.controlTar(DebFixture.control("m"))
        var tar = TarWriter()
        tar.add(Self.prefix + "modules.order", Array("kernel/a.ko\n".utf8))
        let data = try Compressor.compress(tar.finished(), with: "xz")
        let binary = Array("2.0\n".utf8)
        let cases: [(String, [(String, [UInt8])], String?)] = [
            (
                "evil",
                [("debian-binary", binary), ("evil", [1, 2]), ("control.tar.gz", control), ("data.tar.xz", data)],
                "unexpected member"
            ),
            (
                "signed",
                [("debian-binary", binary), ("control.tar.gz", control), ("_gpgorigin", [1]), ("data.tar.xz", data)],
                nil
            ),
            (
                "swapped", [("debian-binary", binary), ("data.tar.xz", data), ("control.tar.gz", control)],
                "before control"
            ),
            (
                "twice", [("debian-binary", binary), ("control.tar.gz", control), ("control.tar.gz", control)],
                "second control"
            ),
            ("first", [("control.tar.gz", control), ("data.tar.xz", data)], "not debian-binary"),
            (
                "format", [("debian-binary", Array("3.0\n".utf8)), ("control.tar.gz", control), ("data.tar.xz", data)],
                "not format 2"
            ),
            ("nodata", [("debian-binary", binary), ("control.tar.gz", control)], "no data.tar"),
            (
                "bz2", [("debian-binary", binary), ("control.tar.gz", control), ("data.tar.bz2", data)],
                "compression \".bz2\""
            ),
            (
                "liar",
                [
                    ("debian-binary", binary), ("control.tar.gz", control),
                    ("data.tar.xz", try Compressor.compress(tar.finished(), with: "gzip -n")),
                ], "not a xz-compressed tar archive"
            ),
        ]
        for (name, members, expected) in cases {
            let file = try DebFixture.write(ArWriter.archive(members), to: dir.url, "\(name).deb")
            let p = read(file)
            if let expected {
                #expect(p.failure?.reason.contains(expected) == true, "\(name): \(String(describing: p.failure))")
            } else {
                #expect(p.failure == nil, "\(name): \(String(describing: p.failure))")
                #expect(p.order == ["kernel/a.ko"])
            }
        }
        // A control file without Package.
        let noName = try DebFixture.write(
            ArWriter.archive([
                ("debian-binary", binary),
                ("control.tar.gz", try DebFixture.controlTar("Version: 1\n")),
                ("data.tar.xz", data),
            ]), to: dir.url, "noname.deb")
        #expect(read(noName).failure?.reason.contains("no Package") == true)
        let garbage = try DebFixture.write(Array("just some text\n".utf8), to: dir.url, "garbage.deb")
        #expect(read(garbage).failure?.reason.contains("neither a Debian package") == true)
    }

    @Test("names: '..' refused, absolute and './' paths the same, a FIFO and a directory named .ko are problems")
    func names() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (provider, user) = try Self.modules(in: dir.url)
        let file = try Self.udeb(dir.url, "names") { tar in
            tar.add("./" + Self.prefix + "kernel/../../../../etc/evil.ko", provider)
            tar.add("/" + Self.prefix + "kernel/abs.ko", provider)
            tar.add(Self.prefix + "kernel//double.ko", user)
            tar.add(Self.prefix + "kernel/fifo.ko", kind: .fifo)
            tar.add(Self.prefix + "kernel/dir.ko", kind: .directory)
            tar.add(Self.prefix + "kernel/" + String(repeating: "long-directory-name/", count: 8) + "user.ko", user)
            tar.add(Self.prefix + "build/scripts/skipped.ko", user)  // depmod skips build/ and source/
        }
        let p = read(file)
        #expect(p.failure == nil)
        #expect(
            p.modules.map(\.path) == [
                "kernel/abs.ko", "kernel/" + String(repeating: "long-directory-name/", count: 8) + "user.ko",
            ])
        #expect(p.remarks.filter { $0.level == .error }.count == 2, "\(p.remarks)")
        #expect(p.remarks.contains { $0.message.contains("etc/evil.ko") })
        #expect(Set(p.problems.map(\.path)) == ["kernel/fifo.ko", "kernel/dir.ko"])
    }

    @Test(
        "links: tar hard-link chains share the module's facts; symbolic links resolve across packages or are problems")
    func links() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (provider, user) = try Self.modules(in: dir.url)
        let a = try Self.udeb(dir.url, "a") { tar in
            tar.add(Self.prefix + "kernel/provider.ko", provider)
            tar.add(Self.prefix + "kernel/hard1.ko", kind: .hardlink(Self.prefix + "kernel/provider.ko"))
            tar.add(Self.prefix + "kernel/hard2.ko", kind: .hardlink("./" + Self.prefix + "kernel/hard1.ko"))
            tar.add(Self.prefix + "kernel/nowhere.ko", kind: .hardlink(Self.prefix + "kernel/missing.ko"))
            tar.add(Self.prefix + "weak-updates/link.ko", kind: .symlink("../kernel/other/user.ko"))
            tar.add(Self.prefix + "weak-updates/abs.ko", kind: .symlink("/lib/modules/6.1.0-test/kernel/provider.ko"))
            tar.add(Self.prefix + "weak-updates/escape.ko", kind: .symlink("/etc/passwd"))
            tar.add(Self.prefix + "weak-updates/up.ko", kind: .symlink("../../../../../../etc/passwd"))
            tar.add(Self.prefix + "weak-updates/dangling.ko", kind: .symlink("gone.ko"))
            tar.add(Self.prefix + "weak-updates/loop1.ko", kind: .symlink("loop2.ko"))
            tar.add(Self.prefix + "weak-updates/loop2.ko", kind: .symlink("loop1.ko"))
        }
        let b = try Self.udeb(dir.url, "b") { tar in tar.add(Self.prefix + "kernel/other/user.ko", user) }
        let pa = read(a)
        #expect(pa.failure == nil)
        #expect(pa.modules.map(\.path) == ["kernel/provider.ko", "kernel/hard1.ko", "kernel/hard2.ko"])
        #expect(pa.modules.allSatisfy { $0.exports.map(\.name) == ["provider_fn"] })
        #expect(pa.problems.map(\.path) == ["kernel/nowhere.ko"])
        #expect(pa.links.count == 7)

        let scan = try PackageScanner.scan([a.path, b.path])
        let paths = scan.scan.modules.map(\.path)
        #expect(paths.contains("weak-updates/link.ko"))
        #expect(paths.contains("weak-updates/abs.ko"))
        #expect(scan.packageOfPath["weak-updates/link.ko"] == 0)
        let problems = Dictionary(uniqueKeysWithValues: scan.scan.problems.map { ($0.path, $0.reason) })
        #expect(problems["weak-updates/escape.ko"]?.contains("outside the module directory") == true)
        #expect(problems["weak-updates/up.ko"]?.contains("outside the module directory") == true)
        #expect(problems["weak-updates/dangling.ko"]?.contains("no given package ships") == true)
        #expect(problems["weak-updates/loop1.ko"]?.contains("loop") == true)
        #expect(scan.scan.tree.kernelVersion == Self.version)
    }

    @Test("a 1 GiB bomb in data.tar: inflated within the payload limit in bounded time, refused at once past it")
    func bomb() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (provider, _) = try Self.modules(in: dir.url)
        let gib: UInt64 = 1 << 30
        // zstd frames concatenate: the header, the zeros and the rest are compressed apart.
        var head = TarWriter()
        head.add(Self.prefix + "kernel/provider.ko", provider)
        var tail = TarWriter()
        tail.add(Self.prefix + "kernel/after.ko", provider)
        func data(_ name: String, type: UInt8 = UInt8(ascii: "0")) throws -> [UInt8] {
            try Compressor.compress(head.bytes + TarWriter.header(name, size: gib, type: type), with: "zstd -q")
                + Compressor.zeros(gib, with: "zstd -q -1") + Compressor.compress(tail.finished(), with: "zstd -q")
        }
        let bomb = try DebFixture.write(
            try DebFixture.deb(
                control: DebFixture.control("bomb"), data: try data("usr/share/zeros"),
                dataMember: "data.tar.zst"), to: dir.url, "bomb.udeb")
        let p = read(bomb, seconds: 60)
        #expect(p.failure == nil, "\(String(describing: p.failure))")
        #expect(p.modules.map(\.path) == ["kernel/provider.ko", "kernel/after.ko"])

        let capped = read(bomb, limits: PackageLimits(maxPayloadBytes: 256 << 20), seconds: 5)
        #expect(capped.failure?.reason.contains("--max-package-mib") == true, "\(String(describing: capped.failure))")
        #expect(capped.modules.map(\.path) == ["kernel/provider.ko"])

        // A module that says it is 1 GiB is refused before a byte of it is read; the rest is still read.
        let moduleBomb = try DebFixture.write(
            try DebFixture.deb(
                control: DebFixture.control("mbomb"),
                data: try data(Self.prefix + "kernel/bomb.ko"),
                dataMember: "data.tar.zst"), to: dir.url, "mbomb.udeb")
        let m = read(moduleBomb, seconds: 60)
        #expect(m.failure == nil)
        #expect(m.problems.first?.path == "kernel/bomb.ko")
        #expect(m.problems.first?.reason.contains("past the limit") == true)
        #expect(m.modules.map(\.path) == ["kernel/provider.ko", "kernel/after.ko"])
    }

    @Test("modules that are not modules: garbage, an empty file, a truncated xz module are problems naming the package")
    func badModules() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (provider, _) = try Self.modules(in: dir.url)
        let xz = try Compressor.compress(provider, with: "xz")
        let file = try Self.udeb(dir.url, "bad") { tar in
            tar.add(Self.prefix + "kernel/garbage.ko", Array("not elf".utf8))
            tar.add(Self.prefix + "kernel/empty.ko", [])
            tar.add(Self.prefix + "kernel/cut.ko.xz", Array(xz.prefix(xz.count / 2)))
            tar.add(Self.prefix + "kernel/fine.ko.xz", xz)
        }
        let p = read(file)
        #expect(p.failure == nil)
        #expect(p.modules.map(\.path) == ["kernel/fine.ko.xz"])
        #expect(p.modules.first?.compression == .xz)
        #expect(Set(p.problems.map(\.path)) == ["kernel/garbage.ko", "kernel/empty.ko", "kernel/cut.ko.xz"])
        #expect(p.problems.allSatisfy { $0.reason.hasPrefix("bad.udeb: ") })
    }

    @Test("packages of two kernels are refused; so is a set without any module directory")
    func kernels() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (provider, _) = try Self.modules(in: dir.url)
        let a = try Self.udeb(dir.url, "a") { tar in tar.add(Self.prefix + "kernel/provider.ko", provider) }
        let b = try Self.udeb(dir.url, "b") { tar in tar.add("lib/modules/6.1.0-other/kernel/provider.ko", provider) }
        let c = try Self.udeb(dir.url, "c") { tar in tar.add("usr/share/doc/c", [1]) }
        #expect {
            try PackageScanner.scan([a.path, b.path])
        } throws: { ($0 as? TreeError)?.message.contains("several kernels") == true }
        #expect {
            try PackageScanner.scan([c.path])
        } throws: { ($0 as? TreeError)?.message.contains("no package holds lib/modules") == true }
        // usr/lib/modules is the same place.
        let d = try Self.udeb(dir.url, "d") { tar in tar.add("usr/" + Self.prefix + "kernel/provider.ko", provider) }
        #expect(try PackageScanner.scan([a.path, d.path]).conflicts.map(\.path) == ["kernel/provider.ko"])
    }

    // MARK: RPM

    /// A package of the two fixture modules with hard links, a symbolic link, versioned Requires and
    /// Provides, a file dependency, a scriptlet's and a rich dependency.
    static let probeSpec = """
        %global debug_package %{nil}
        %global _build_id_links none
        %global __os_install_post %{nil}
        %global dir /lib/modules/6.1.0-test/kernel
        Name: probe-modules
        Version: 1.2
        Release: 3
        Epoch: 1
        Summary: modsplit test fixture
        License: GPL-2.0-only
        AutoReqProv: no
        Provides: probe-uname-r = 6.1.0-test
        Requires: kernel-uname-r = 6.1.0-test
        Requires: /usr/sbin/depmod
        Requires(post): /bin/sh
        Requires: (probe-extra if probe-trigger)
        %description
        probe
        %post
        true
        %install
        mkdir -p %{buildroot}%{dir}/sub
        install -m 0644 %{moddir}/provider.ko %{buildroot}%{dir}/a.ko
        ln %{buildroot}%{dir}/a.ko %{buildroot}%{dir}/b.ko
        ln %{buildroot}%{dir}/a.ko %{buildroot}%{dir}/sub/c.ko
        ln -s a.ko %{buildroot}%{dir}/link.ko
        install -m 0644 %{moddir}/user.ko %{buildroot}%{dir}/user.ko
        %files
        %{dir}/a.ko
        %{dir}/b.ko
        %{dir}/sub/c.ko
        %{dir}/link.ko
        %{dir}/user.ko
        %ghost /lib/modules/6.1.0-test/modules.dep

        """

    static func buildProbe(_ dir: URL, payload: String) throws -> URL {
        let modules = dir.appendingPathComponent("modules")
        var provider = FixtureModule(name: "provider")
        provider.exports = [.init("provider_fn")]
        provider.modinfo = ["license=GPL"]
        var user = FixtureModule(name: "user")
        user.imports = ["provider_fn"]
        user.modinfo = ["license=GPL"]
        try provider.build(in: modules)
        try user.build(in: modules)
        let built = try RPMFixture.build(
            spec: probeSpec, defines: ["moddir": modules.path], payload: payload,
            into: dir.appendingPathComponent("rpms-\(payload)"))
        return try #require(built.first)
    }

    @Test(
        """
        an RPM: Requires and Provides from its header, cpio hard links sharing one module's facts, \
        every payload compressor
        """,
        .enabled(if: RPMFixture.available, "no rpmbuild"),
        arguments: ["w19.zstdio", "w2.xzdio", "w9.gzdio", "w9.bzdio", "w0.ufdio"])
    func readsAnRPM(payload: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try Self.buildProbe(dir.url, payload: payload)
        let p = PackageReader.read(file.path)
        #expect(p.failure == nil, "\(String(describing: p.failure))")
        #expect(p.format == .rpm)
        #expect(p.name == "probe-modules")
        #expect(p.version == "1:1.2-3")
        #expect(p.kernelVersions == ["6.1.0-test"])
        #expect(Set(p.modules.map(\.path)) == ["kernel/a.ko", "kernel/b.ko", "kernel/sub/c.ko", "kernel/user.ko"])
        #expect(p.modules.filter { $0.name != "user" }.allSatisfy { $0.exports.map(\.name) == ["provider_fn"] })
        #expect(p.links.map(\.path) == ["kernel/link.ko"])
        #expect(p.problems.isEmpty, "\(p.problems)")
        // rpmlib() and the scriptlet's /bin/sh are left out; the rich dependency is a remark.
        #expect(p.depends.map { $0.map(\.description) } == [["/usr/sbin/depmod"], ["kernel-uname-r (= 6.1.0-test)"]])
        #expect(p.provides.contains(PackageRelation(name: "probe-uname-r", relation: .equal, version: "6.1.0-test")))
        #expect(p.remarks.contains { $0.message.contains("rich dependencies are not followed") })
        #expect(!p.remarks.contains { $0.level == .error }, "\(p.remarks)")
        #expect(p.paths.contains("/lib/modules/6.1.0-test/modules.dep"))
        #expect(p.satisfies(PackageRelation(name: "probe-modules", relation: .laterOrEqual, version: "1:1.2")))
    }

    @Test(
        """
        RPMs that lie: impossible header counts, truncation anywhere, a size the signature disowns, \
        the wrong compressor, a file list the payload does not match
        """,
        .enabled(if: RPMFixture.available, "no rpmbuild"))
    func lyingRPMs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = try Self.buildProbe(dir.url, payload: "w19.zstdio")
        let good = Array(try Data(contentsOf: file))
        func be32(_ b: [UInt8], _ o: Int) -> Int {
            Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
        }
        func put32(_ b: inout [UInt8], _ o: Int, _ v: UInt32) {
            for i in 0..<4 { b[o + i] = UInt8((v >> (24 - 8 * UInt32(i))) & 0xFF) }
        }
        let sigIL = be32(good, 96 + 8), sigDL = be32(good, 96 + 12)
        let mainStart = (96 + 16 + sigIL * 16 + sigDL + 7) & ~7
        let mainIL = be32(good, mainStart + 8)
        var cases: [(String, [UInt8], String)] = []
        var b = good
        put32(&b, 96 + 8, 0x7FFF_FFFF)
        cases.append(("huge-il", b, "index entries"))
        b = good
        put32(&b, mainStart + 12, 0x7FFF_FFFF)
        cases.append(("huge-dl", b, "past rpm's limit"))
        b = good
        put32(&b, mainStart + 16 + 8, 0x00FF_FFFF)  // the first entry's data offset
        cases.append(("offset", b, "past the"))
        b = good
        put32(&b, mainStart + 16 + 12, 0x7FFF_FFFF)  // the first entry's count
        cases.append(("count", b, "values"))
        b = good
        b[mainStart] = 0
        cases.append(("magic", b, "bad magic"))
        b = good
        b[78] = 0
        b[79] = 1
        cases.append(("sigtype", b, "signature type"))
        for cut in [50, 100, 200, mainStart + 10, mainStart + 16 + mainIL * 16 + 5, good.count / 2, good.count - 5] {
            cases.append(("cut-\(cut)", Array(good.prefix(cut)), "RPM"))
        }
        cases.append(("longer", good + [0, 0, 0, 0], "the file has"))
        // The header names another compressor: "zstd" becomes "gzip" (same length; digests are not checked).
        let zstd = Array("zstd\0".utf8), gzip = Array("gzip\0".utf8)
        if let at = Self.find(zstd, in: good, from: mainStart) {
            b = good
            b.replaceSubrange(at..<(at + 5), with: gzip)
            cases.append(("compressor", b, "not gzip-compressed cpio as the header says"))
        }
        for (name, bytes, expected) in cases {
            let f = try DebFixture.write(bytes, to: dir.url, "\(name).rpm")
            let p = PackageReader.read(f.path)
            #expect(p.failure?.reason.contains(expected) == true, "\(name): \(String(describing: p.failure))")
            #expect(p.failure?.file.hasPrefix(f.path) == true)
        }
        // The header's file list names user.ko as usex.ko: the payload holds a module it does not list, and lacks
        // one it does.
        if let at = Self.find(Array("user.ko\0".utf8), in: good, from: mainStart) {
            b = good
            b[at + 3] = UInt8(ascii: "x")
            let f = try DebFixture.write(b, to: dir.url, "filelist.rpm")
            let p = PackageReader.read(f.path)
            #expect(p.failure == nil)
            #expect(p.remarks.filter { $0.level == .error }.count == 2, "\(p.remarks)")
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in start...(haystack.count - needle.count)
        where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
