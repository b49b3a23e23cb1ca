import Foundation
import TestSupport
import Testing

/// SUSE's and Ubuntu's split files through the built binary, on Debian's 6.1 amd64 tree.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct DistroRulesCommandTests {
    static func list(_ commit: String) -> String { Fixtures.url("ubuntu/\(commit)/generic.inclusion-list").path }

    @Test("diff --old-rules 420a2928 --rules ccab78d9 shows the pvpanic drivers and erofs moving into linux-modules")
    func ubuntuDiff() throws {
        let root = try RealKernels.root(RealKernels.Tree("amd64"))
        let r = try Binary.run([
            "diff", "--tree", root.path, "--old-rules", Self.list("420a2928"), "--rules", Self.list("ccab78d9"),
            "--format", "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let moved = (doc?["moved"] as? [[String: Any]] ?? []).compactMap { $0["module"] as? String }
        #expect(Set(moved) == ["pvpanic", "pvpanic_mmio", "pvpanic_pci", "erofs"])
        let text = try Binary.run([
            "diff", "--tree", root.path, "--old-rules", Self.list("420a2928"), "--rules", Self.list("ccab78d9"),
        ])
        #expect(text.stdout.contains("pvpanic: linux-modules-extra → linux-modules"))
    }

    @Test(
        """
        check and place read supported.conf and an inclusion list like any --rules, \
        with --profile bound to their packages
        """
    )
    func checkAndPlace() throws {
        let root = try RealKernels.root(RealKernels.Tree("amd64"))
        let suse = Fixtures.url("suse/supported.conf").path
        let check = try Binary.run([
            "check", "--tree", root.path, "--rules", suse, "--profile", "kvm-guest=kernel-default-base",
            "--format", "json",
        ])
        #expect(check.status == 0, "\(check.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        let packages = (doc?["packages"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(packages.prefix(3) == ["kernel-default-base", "kernel-default", "kernel-default-extra"])
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let place = try Binary.run([
            "place", "--tree", root.path, "--rules", Self.list("ccab78d9"), "--out", dir.url.path,
        ])
        #expect(place.status == 0, "\(place.stderr)")
        let modules = try String(contentsOf: dir.url.appendingPathComponent("linux-modules.list"), encoding: .utf8)
        #expect(modules.split(separator: "\n").count == 1000)
        #expect(modules.contains("kernel/drivers/misc/pvpanic/pvpanic.ko\n"))
        let explain = try Binary.run(["explain", "scsi_common", "--tree", root.path, "--rules", suse])
        #expect(explain.stdout.contains("pulled in by"))
    }

    @Test("a FIFO as --rules is refused (exit 2), never read")
    func fifo() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let fifo = dir.url.appendingPathComponent("generic.inclusion-list").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let root = try RealKernels.root(RealKernels.Tree("amd64"))
        let r = try Binary.run(["check", "--tree", root.path, "--rules", fifo])
        #expect(r.status == 2)
        #expect(r.stderr.contains("not a regular file"))
    }
}
