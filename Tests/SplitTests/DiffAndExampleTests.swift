import ELFScan
import Foundation
import Graph
import Split
import TestSupport
import Testing

/// Scan, place and check one real tree, as the CLI does.
func analyse(_ tree: RealKernels.Tree, rules path: String) throws -> SplitAnalysis {
    try Analyse.tree(tree, split: .rules(path: path, format: nil))
}

/// Module names of a tree from its file names alone (an independent count for the diff).
func moduleNamesFromFiles(_ tree: RealKernels.Tree) throws -> Set<String> {
    let dir = try RealKernels.moduleDirectory(in: try RealKernels.root(tree))
    let out = try runChecked("find", [dir.path, "-name", "*.ko*"])
    return Set(out.split(separator: "\n").map { moduleName(fromFileName: $0) })
}

@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct RealDiffTests {
    @Test("Debian 6.1 → 6.12 amd64 with Fedora's rules: the counts are right")
    func debianKernels() throws {
        let fedora = Fixtures.url("fedora/def_variants.yaml.fedora").path
        let old = RealKernels.Tree("amd64"), new = RealKernels.Tree("linux-image-6.12.117+deb12-amd64")
        let diff = SplitDiff(before: try analyse(old, rules: fedora), after: try analyse(new, rules: fedora))
        let a = try moduleNamesFromFiles(old), b = try moduleNamesFromFiles(new)
        #expect(Set(diff.added.map(\.name)) == b.subtracting(a))
        #expect(Set(diff.removed) == a.subtracting(b))
        #expect(
            diff.packages.map(\.name) == [
                "modules-core", "modules", "modules-internal", "modules-extra", "modules-akmods",
            ])
        #expect(diff.packages.reduce(0) { $0 + $1.modulesAfter } == b.count)
        #expect(diff.packages.reduce(0) { $0 + $1.modulesBefore } == a.count)
        // Every added module has a package, a rule and a cost of at least its own size.
        for m in diff.added {
            #expect(m.package != nil && m.rule != nil, "\(m.name)")
            #expect(m.cost.modules.first == m.name || m.cost.modules.contains(m.name))
        }
    }
}

@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct ExampleSplitTests {
    static let example = RealKernels.repositoryRoot.appendingPathComponent("examples/cloud-split.yaml").path

    @Test("the cloud example on Debian's 6.12 amd64 kernel: no errors, every guest profile satisfied by the core")
    func cloudSplit() throws {
        let side = try analyse(RealKernels.Tree("linux-image-6.12.117+deb12-amd64"), rules: Self.example)
        let errors = side.findings.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.prefix(3).map(\.message))")
        #expect(!side.findings.contains { $0.kind == "profile-unsatisfied" })
        let core = try #require(side.placement.packages.index(of: "cloud-core"))
        let members = side.placement.members(side.graph)
        #expect(members[core].count < side.graph.modules.count / 2)
        for name in [
            "virtio_blk", "virtio_net", "xen_blkfront", "xen_netfront", "hv_storvsc", "hv_netvsc", "vmw_pvscsi",
            "vmxnet3", "nvme", "ena", "gve", "ext4", "xfs", "btrfs",
        ] {
            let m = try #require(side.graph.module(named: name), "\(name)")
            #expect(side.placement.packageOf[m] == core, "\(name)")
        }
        for (name, pack) in [
            ("mlx5_core", "sriov-nics"), ("ixgbevf", "sriov-nics"), ("amdgpu", "gpu"), ("nouveau", "gpu"),
            ("tg3", "passthrough"), ("iwlwifi", "extra"),
        ] {
            let m = try #require(side.graph.module(named: name), "\(name)")
            #expect(side.placement.packageOf[m].map { side.placement.packages.names[$0] } == pack, "\(name)")
        }
    }

    @Test("a core without the Hyper-V drivers fails the hyperv-guest profile, naming what is missing and where it is")
    func profileCatchesAMissingDriver() throws {
        let rules = try String(contentsOfFile: Self.example, encoding: .utf8)
            .replacingOccurrences(
                of: "  - drivers/net/hyperv/.*: cloud-core\n", with: "  - drivers/net/hyperv/.*: extra\n")
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = dir.url.appendingPathComponent("broken.yaml")
        try rules.write(to: file, atomically: true, encoding: .utf8)
        let side = try analyse(RealKernels.Tree("linux-image-6.12.117+deb12-amd64"), rules: file.path)
        let f = try #require(side.findings.first { $0.kind == "profile-unsatisfied" })
        #expect(f.message == "cloud-core does not satisfy hyperv-guest: no Hyper-V network")
        #expect(f.notes.contains { $0.contains("hv_netvsc would do; it is in extra") })
        #expect(f.cost?.modules.contains("hv_netvsc") == true)
    }
}
