import Foundation
import TestSupport
import Testing

/// `place` as a packager runs it, through the built binary: Fedora's rules on Debian's 6.12 amd64 tree write,
/// file for file and byte for byte, the lists filtermods.py wrote for the same tree
/// (Tests/Fixtures/fedora/filtermods-deb612);
/// Debian's kernel-wedge configuration on 6.1.0-50-amd64 writes the modules of the 52 real installer udebs
/// (Tests/Fixtures/debian; see its README for both).
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct PlaceListsTests {
    @Test("place --rules def_variants.yaml writes filtermods' lists, byte for byte")
    func listsEqualFiltermods() throws {
        let root = try RealKernels.root(RealKernels.Tree("linux-image-6.12.117+deb12-amd64"))
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let rules = Fixtures.url("fedora/def_variants.yaml.fedora").path
        let r = try Binary.run(["place", "--tree", root.path, "--rules", rules, "--out", dir.url.path])
        #expect(r.status == 0, "\(r.stderr)")
        let expected = Fixtures.url("fedora/filtermods-deb612")
        let names = try FileManager.default.contentsOfDirectory(atPath: expected.path).filter { $0.hasSuffix(".list") }
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(Set(written) == Set(names))
        for name in names.sorted() {
            let want = try Data(contentsOf: expected.appendingPathComponent(name))
            let got = try Data(contentsOf: dir.url.appendingPathComponent(name))
            #expect(got == want, "\(name)")
        }
    }

    @Test("place --rules debian/installer writes one list per udeb, each the modules of the real udeb")
    func listsEqualUdebs() throws {
        let root = try RealKernels.root(RealKernels.Tree("linux-image-6.1.0-50-amd64"))
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let installer = Fixtures.url("debian/installer-6.1.176-1").path
        let r = try Binary.run(["place", "--tree", root.path, "--rules", installer, "--out", dir.url.path])
        #expect(r.status == 0, "\(r.stderr)")
        let udebs = Fixtures.url("debian/udebs-6.1.0-50-amd64")
        let files = try FileManager.default.contentsOfDirectory(atPath: udebs.path).filter { $0.hasSuffix(".files") }
        #expect(files.count == 52)
        // The 52 lists, and the kernel image's for what no udeb ships.
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(written.count == 53 && written.contains("linux-image-6.1.0-50-amd64.list"))
        for file in files.sorted() {
            let list = String(file.dropLast("-6.1.0-50-amd64-di.files".count)) + ".list"
            let shipped = try String(contentsOf: udebs.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").filter { $0.hasSuffix(".ko") }
                .map { String($0.dropFirst("./lib/modules/6.1.0-50-amd64/".count)) }
            let placed = try String(contentsOf: dir.url.appendingPathComponent(list), encoding: .utf8)
                .split(separator: "\n").map(String.init)
            #expect(placed.sorted() == shipped.sorted(), "\(list)")
        }
    }
}
