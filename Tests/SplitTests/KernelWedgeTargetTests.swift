import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

@Suite struct KernelWedgeTargetTests {
    @Test("the flavour of a release comes after its ABI, not from a suffix")
    func flavourOfRelease() {
        #expect(KernelWedgeRules.flavour(ofRelease: "6.1.0-50-amd64") == "amd64")
        #expect(KernelWedgeRules.flavour(ofRelease: "6.1.0-50-cloud-amd64") == "cloud-amd64")
        #expect(KernelWedgeRules.flavour(ofRelease: "6.12.117+deb12-amd64") == "amd64")
        #expect(KernelWedgeRules.flavour(ofRelease: "6.12.117+deb12-cloud-arm64") == "cloud-arm64")
        #expect(KernelWedgeRules.flavour(ofRelease: "5.10.0-0.deb10.16-686-pae") == "686-pae")
        #expect(KernelWedgeRules.flavour(ofRelease: "garbage") == nil)
    }

    static let versions = """
        # arch  version flavour installedname suffix bdep
        amd64   -       amd64   -   -   -
        armel   -       marvell -   y   -
        armhf   -       armmp   -   -   -
        powerpc -       powerpc64 - -   -
        ppc64   -       powerpc64 - -   -

        """

    private func installer() throws -> Installer {
        try Installer(
            kernelVersions: Self.versions, packageList: "Package: kernel-image\n",
            files: [
                "modules/amd64/kernel-image": "k\n", "modules/armhf-armmp/kernel-image": "k\n",
                "modules/armel-marvell/kernel-image": "k\n",
                "modules/powerpc/kernel-image": "k\n",
            ])
    }

    @Test("arch and flavour from the tree: the release's flavour, the modules' ELF machine, kernel-versions' pairs")
    func derived() throws {
        let i = try installer()
        defer { i.cleanup() }
        let (arm, _) = try place(
            i, [module("kernel/k.ko", machine: 40, bits: 32)], arch: nil, flavour: nil, release: "6.1.0-57-armmp")
        #expect(arm.findings.isEmpty, "\(arm.findings)")
        #expect(arm.placement.packages.names == ["kernel-image"])
        let ppc = try #require(
            placeError(
                i, [module("kernel/k.ko", machine: 21, bigEndian: true)], arch: nil, flavour: nil,
                release: "6.1.0-57-powerpc64"))
        #expect(ppc.reason.contains("powerpc, ppc64") && ppc.reason.contains("--arch"))
        let (given, _) = try place(
            i, [module("kernel/k.ko", machine: 21, bigEndian: true)], arch: "powerpc", flavour: nil,
            release: "6.1.0-57-powerpc64")
        #expect(given.findings.isEmpty)
        #expect(placeError(i, [module("kernel/k.ko")], arch: nil, flavour: nil)?.reason.contains("--flavour") == true)
    }

    @Test("a flavour kernel-versions lacks is a warning, and the architecture's lists are used")
    func unknownFlavour() throws {
        let i = try installer()
        defer { i.cleanup() }
        let (placed, graph) = try place(
            i, [module("kernel/k.ko"), module("kernel/x.ko")], arch: nil, flavour: nil,
            release: "6.1.0-50-cloud-amd64")
        #expect(placed.findings.map(\.kind) == ["unknown-flavour"])
        #expect(placed.findings.first?.message.hasSuffix("the lists in modules/amd64 are used") == true)
        #expect(lists(placed, graph)["kernel-image"] == ["kernel/k.ko"])
        #expect(lists(placed, graph)["linux-image-6.1.0-50-cloud-amd64"] == ["kernel/x.ko"])
    }

    @Test("--rules picks the format from a debian/installer directory or a source tree holding one")
    func recognised() throws {
        let src = try TemporaryDirectory("kw-src")
        defer { src.cleanup() }
        let i = try installer()
        defer { i.cleanup() }
        try FileManager.default.createDirectory(
            at: src.url.appendingPathComponent("debian"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: i.path, toPath: src.url.appendingPathComponent("debian/installer").path)
        #expect(KernelWedgeFormat.recognizes(path: i.path, isDirectory: true, head: []))
        #expect(
            !KernelWedgeFormat.recognizes(
                path: src.url.appendingPathComponent("debian").path, isDirectory: true, head: []))
        let rules = try SplitFormats.load(path: src.url.path, options: RulesOptions(arch: "amd64", flavour: "amd64"))
        #expect(rules.name == src.url.path + "/debian/installer")
        #expect(SplitFormats.named("kernel-wedge") != nil)
    }
}

/// Hostile configurations: each is refused with one line, or handled, and never hangs.
@Suite struct KernelWedgeHostileTests {
    let tree = [module("kernel/k.ko"), module("kernel/a.ko"), module("kernel/b.ko")]

    private func installer(_ list: String) throws -> Installer {
        try Installer(files: ["modules/amd64/kernel-image": "k\n", "modules/amd64/nic-modules": list])
    }

    @Test("an include may not leave the configuration directory, by ../ or by a link")
    func includeOutside() throws {
        let i = try installer("#include \"../../../outside\"\n")
        defer { i.cleanup() }
        try "a\n".write(to: i.scratch.url.appendingPathComponent("outside"), atomically: false, encoding: .utf8)
        let e = try #require(placeError(i, tree))
        #expect(e.reason.contains("outside") && e.reason.contains("must stay inside"))
        #expect(e.line == 1)
        try FileManager.default.createSymbolicLink(atPath: i.path + "/modules/zero", withDestinationPath: "/dev/zero")
        try i.write("modules/amd64/nic-modules", "#include <zero>\n")
        #expect(placeError(i, tree)?.reason.contains("must stay inside") == true)
    }

    @Test("an include of a FIFO inside the directory is refused without blocking")
    func includeFIFO() throws {
        let i = try installer("#include <fifo>\n")
        defer { i.cleanup() }
        #expect(mkfifo(i.path + "/modules/fifo", 0o600) == 0)
        let e = try #require(placeError(i, tree))
        #expect(e.reason.contains("FIFO"))
    }

    @Test("CR line endings: list lines are trimmed as kernel-wedge trims them; a CRLF package-list is refused")
    func crlf() throws {
        let i = try installer("a\r\nb ?\r\n")
        defer { i.cleanup() }
        let (placed, graph) = try place(i, tree)
        #expect(lists(placed, graph)["nic-modules"] == ["kernel/a.ko", "kernel/b.ko"])
        try i.write("package-list", "Package: kernel-image\r\n\r\nPackage: nic-modules\r\n")
        #expect(
            throws: RulesError(
                file: i.path + "/package-list",
                "CR line endings: kernel-wedge would read each CR as part of a value (and drop Depends entries)")
        ) {
            try i.rules()
        }
        // kernel-versions and modules.builtin lines are split on LF and trimmed.
        try i.write("package-list", Installer.basePackages)
        try i.write("kernel-versions", "amd64 - amd64 - - -\r\n")
        #expect(try i.rules().kernelVersions.map(\.flavour) == ["amd64"])
    }

    @Test("control characters in a list reach no message raw")
    func controlCharacters() throws {
        let i = try installer("ev\u{1B}[31mil\na\n")
        defer { i.cleanup() }
        let (placed, _) = try place(i, tree)
        let e = try #require(errors(placed).first)
        #expect(!e.message.unicodeScalars.contains { $0.value < 0x20 })
        #expect(e.message.contains("ev?[31mil"))
    }

    @Test("a huge list is refused past the entry limit; an overlong line at its line")
    func huge() throws {
        let i = try installer(String(repeating: "a\n", count: KernelWedgeRules.Limits.entries + 1))
        defer { i.cleanup() }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(placeError(i, tree)?.reason.contains("more than 200000 list entries") == true)
        #expect(clock.now - start < .seconds(20))
        try i.write("modules/amd64/nic-modules", "a\n" + String(repeating: "x", count: 5000) + "\n")
        let e = try #require(placeError(i, tree))
        #expect(e.line == 2 && e.reason.contains("longer than"))
    }

    @Test("many wildcards over many modules finish quickly")
    func manyWildcards() throws {
        let many = (0..<3000).map { module("kernel/drivers/d\($0 % 30)/m\($0).ko") } + [module("kernel/k.ko")]
        let list = (0..<2000).map { "drivers/**a**b**c**d\($0)*" }.joined(separator: "\n") + "\ndrivers/d1/m1\n"
        let i = try installer(list)
        defer { i.cleanup() }
        let clock = ContinuousClock()
        let start = clock.now
        let (placed, graph) = try place(i, many)
        #expect(clock.now - start < .seconds(20))
        #expect(lists(placed, graph)["nic-modules"] == ["kernel/drivers/d1/m1.ko"])
    }
}

/// Debian's real configuration on real kernels: the lists equal the real udebs (6.1.0-50-amd64) and
/// what kernel-wedge 2.106 itself makes of the other architectures.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct KernelWedgeRealTests {
    static let installer = Fixtures.url("debian/installer-6.1.176-1").path

    @Test(
        """
        installer-6.1.176-1 on linux-image-6.1.0-50-amd64: the 52 udebs' modules and Depends exactly, 128 copies, \
        no error
        """
    )
    func realUdebs() throws {
        let analysis = try Analyse.tree(
            RealKernels.Tree("linux-image-6.1.0-50-amd64"), split: .rules(path: Self.installer, format: nil))
        let udebs = Fixtures.url("debian/udebs-6.1.0-50-amd64")
        let suffix = "-6.1.0-50-amd64-di"
        let lists = Dictionary(
            uniqueKeysWithValues: analysis.placement.lists(analysis.graph).map { ($0.package, $0.paths) })
        let set = analysis.placement.packages
        let files = try FileManager.default.contentsOfDirectory(atPath: udebs.path).filter { $0.hasSuffix(".files") }
            .sorted()
        #expect(files.count == 52)
        for file in files {
            let udeb = String(file.dropLast(".files".count))
            let list = String(udeb.dropLast(suffix.count))
            let text = try String(contentsOf: udebs.appendingPathComponent(file), encoding: .utf8)
            let expected = text.split(separator: "\n").filter { $0.hasSuffix(".ko") || $0.hasSuffix(".ko.xz") }
                .map { String($0.dropFirst("./lib/modules/6.1.0-50-amd64/".count)) }.sorted {
                    $0.utf8.lexicographicallyPrecedes($1.utf8)
                }
            #expect(lists[list] == expected, "\(list)")
            let depends = try String(contentsOf: udebs.appendingPathComponent(udeb + ".depends"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: ", ").filter { !$0.isEmpty }
                .map { String($0.dropLast(suffix.count)) }
            let p = try #require(set.index(of: list))
            #expect(set.dependsOn[p].map { set.names[$0] } == depends, "\(list)")
        }
        #expect(set.names.count == 53 && set.names.last == "linux-image-6.1.0-50-amd64")
        let findings = analysis.findings
        #expect(
            findings.filter { $0.severity == .error }.isEmpty, "\(findings.filter { $0.severity == .error }.prefix(3))")
        let copies = findings.filter { $0.kind == "forced-move" }
        #expect(
            copies.count == 128
                && copies.allSatisfy { $0.severity == .info && $0.message.contains("kernel-wedge copies") })
        let t10 = try #require(copies.first { $0.module == "t10_pi" })
        #expect(t10.package == "scsi-core-modules" && t10.symbols.contains("t10_pi_type1_crc"))
        #expect(t10.message.contains("scsi-core-modules-6.1.0-50-amd64-di") && t10.message.contains("sd_mod"))
        #expect(
            findings.contains {
                $0.kind == "softdep-cross-package" && $0.module == "csiostor" && $0.provider == "cxgb4"
            })
    }

    /// Other trees: what kernel-wedge 2.106 makes of them (checked with the real tool by the research
    /// notes of issue 11), where the release is the one it was checked on.
    struct Case: Sendable, CustomStringConvertible {
        var tree: RealKernels.Tree
        var release: String
        var copies: Int
        var errors: [String: Int]
        var description: String { tree.description }
    }

    static let cases: [Case] = [
        Case(tree: RealKernels.Tree("686-pae", arch: "i386"), release: "6.1.0-57-686-pae", copies: 130, errors: [:]),
        Case(tree: RealKernels.Tree("armmp", arch: "armhf"), release: "6.1.0-57-armmp", copies: 121, errors: [:]),
        Case(tree: RealKernels.Tree("arm64", arch: "arm64"), release: "6.1.0-57-arm64", copies: 138, errors: [:]),
        Case(tree: RealKernels.Tree("s390x", arch: "s390x"), release: "6.1.0-50-s390x", copies: 43, errors: [:]),
        Case(
            tree: RealKernels.Tree("powerpc64le", arch: "ppc64el"), release: "6.1.0-57-powerpc64le", copies: 97,
            errors: [:]),
        Case(
            tree: RealKernels.Tree("linux-image-6.1.0-50-cloud-amd64"), release: "6.1.0-50-cloud-amd64", copies: 31,
            errors: ["missing-module": 45, "empty-package": 26, "missing-directory": 11]),
        Case(
            tree: RealKernels.Tree("6.12:cloud-amd64"), release: "6.12.117+deb12-cloud-amd64", copies: 30,
            errors: ["missing-module": 47, "empty-package": 27, "missing-directory": 11]),
        Case(
            tree: RealKernels.Tree("cloud-arm64", arch: "arm64"), release: "6.1.0-57-cloud-arm64", copies: 37,
            errors: ["missing-module": 69, "empty-package": 17, "missing-directory": 12]),
        Case(
            tree: RealKernels.Tree("linux-image-6.12.117+deb12-amd64"), release: "6.12.117+deb12-amd64", copies: 133,
            errors: ["missing-module": 3, "module-in-two-packages": 4, "empty-package": 1, "cross-package": 5]),
    ]

    @Test("other architectures and flavours: placed without a crash, as kernel-wedge places them", arguments: cases)
    func otherTrees(_ c: Case) throws {
        let analysis = try Analyse.tree(c.tree, split: .rules(path: Self.installer, format: nil))
        let findings = analysis.findings
        #expect(analysis.placement.packageOf.allSatisfy { $0 != nil })
        guard analysis.scan.tree.kernelVersion == c.release else { return }
        #expect(findings.filter { $0.kind == "forced-move" }.count == c.copies)
        var errors: [String: Int] = [:]
        for f in findings where f.severity == .error { errors[f.kind, default: 0] += 1 }
        #expect(errors == c.errors)
    }
}
