import Foundation
import TestSupport
import Testing

/// `place` as a packager runs it: Fedora's rules on Debian's 6.12 amd64 tree write, file for file and byte for byte,
/// the lists filtermods.py wrote for the same tree (Tests/Fixtures/fedora/filtermods-deb612, see its README).
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct FiltermodsPlaceTests {
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
}
