import ELFScan
import Foundation
import Graph
import Split
import TestSupport
import Testing

/// A module that binds `alias` (a modalias pattern), as the device tables of real drivers declare it.
private func driver(_ name: String, alias: String? = nil) -> ModuleFacts {
    exampleModule(name, modinfo: alias.map { [("alias", $0)] } ?? [])
}

/// The profile-unsatisfied messages of `analysis` for `profile`, without the "<package> does not satisfy <profile>: ".
private func unmet(_ analysis: SplitAnalysis, _ profile: String) -> [String] {
    analysis.findings.filter { $0.kind == "profile-unsatisfied" }.compactMap { f in
        let prefix = "\(f.package ?? "") does not satisfy \(profile): "
        return f.message.hasPrefix(prefix) ? String(f.message.dropFirst(prefix.count)) : nil
    }
}

@Suite struct ProfileRequirementTests {
    /// An EC2 Nitro tree whose NVMe driver is built in, as on Debian's cloud kernels.
    let nitroModules = [driver("ena", alias: "pci:v00001D0Fd0000EC20sv*sd*bc*sc*i*"), driver("xfs")]

    @Test("a built-in driver named in modules.builtin meets a requirement (names as files spell them, with dashes)")
    func builtinByName() throws {
        let a = try Analyse.facts(
            nitroModules, builtin: ["nvme-core", "nvme", "8250"], profiles: [("ec2-nitro", "all")])
        #expect(unmet(a, "ec2-nitro").isEmpty, "\(a.findings.map(\.message))")
    }

    @Test("a built-in driver whose modules.builtin.modinfo carries the device alias meets a requirement")
    func builtinByAlias() throws {
        let scan = TreeScan(
            tree: KernelTree(root: nil, moduleDirectory: "/lib/modules/6.1.0-test", kernelVersion: "6.1.0-test"),
            modules: nitroModules, problems: [], builtinModules: ["some_nvme_host", "8250"],
            builtinModinfo: ["some_nvme_host": [ModinfoEntry(key: "alias", value: "pci:v*d*sv*sd*bc01sc08i02*")]])
        let a = try SplitAnalysis(scan: scan, split: WholeTree(), profiles: [("ec2-nitro", "all")])
        #expect(unmet(a, "ec2-nitro").isEmpty, "\(a.findings.map(\.message))")
    }

    @Test("with no driver in the tree nor built in, the finding says the kernel lacks it and names the option")
    func kernelLacksDriver() throws {
        let a = try Analyse.facts(nitroModules, builtin: ["8250"], profiles: [("ec2-nitro", "all")])
        #expect(
            unmet(a, "ec2-nitro") == ["the kernel has no driver for EBS NVMe storage (neither a module nor built in)"])
        let f = try #require(a.findings.first { $0.kind == "profile-unsatisfied" })
        #expect(f.severity == .error)
        #expect(f.notes.contains { $0.contains("CONFIG_BLK_DEV_NVME (nvme)") })
        #expect(f.cost == nil)
    }

    @Test("a driver in another package is the package's fault: 'no …', where it is, and the cost to move it")
    func driverElsewhere() throws {
        let modules = nitroModules + [driver("nvme", alias: "pci:v*d*sv*sd*bc01sc08i02*")]
        let split = ExampleSplit(
            packages: [("core", []), ("extra", ["core"])],
            placed: ["ena": "core", "xfs": "core", "nvme": "extra"])
        let a = try Analyse.facts(modules, builtin: ["8250"], split: split, profiles: [("ec2-nitro", "core")])
        #expect(unmet(a, "ec2-nitro") == ["no EBS NVMe storage"])
        let f = try #require(a.findings.first { $0.kind == "profile-unsatisfied" })
        #expect(f.notes.count == 1 && f.notes[0].hasPrefix("nvme would do; it is in extra (placed by example.list:"))
        #expect(f.cost?.modules == ["nvme"])
    }

    @Test("every driver a built-in profile names has its kernel option, for the kernel-lacks note")
    func everyNamedDriverHasAnOption() {
        for profile in GuestProfile.builtIn {
            for r in profile.requirements {
                #expect(
                    !r.modules.isEmpty, "\(profile.name): \(r.what) names no driver, so a built-in one cannot meet it")
                for m in r.modules { #expect(GuestProfile.kernelOption(building: m) != nil, "\(m)") }
            }
        }
    }
}

/// The seven built-in profiles on Debian's cloud and generic amd64 kernels of 6.1 and 6.12, each kernel's whole
/// tree as one package. Every expectation was checked against the trees: `boot/config-*`, `modules.builtin` and
/// the aliases of the modules (modsplit's modules.alias matched with Python's fnmatch).
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct RealProfileTests {
    static let kernels: [(name: String, tree: RealKernels.Tree)] = [
        ("6.1 cloud", RealKernels.Tree("cloud-amd64")), ("6.1", RealKernels.Tree("amd64")),
        ("6.12 cloud", RealKernels.Tree("6.12:cloud-amd64")),
        ("6.12", RealKernels.Tree("linux-image-6.12.117+deb12-amd64")),
    ]

    /// What each profile lacks on each kernel; a profile not listed is satisfied. Debian's 6.1 cloud kernel has no
    /// AHCI (CONFIG_SATA_AHCI is not set; 6.12's cloud kernel has it as a module) and no E1000, so a default
    /// VirtualBox VM cannot boot it; virtio-net stands in for the NIC.
    static let lacking: [String: [String: [String]]] = [
        "6.1 cloud": [
            "virtualbox-guest": ["the kernel has no driver for AHCI SATA storage (neither a module nor built in)"]
        ]
    ]

    /// Which drivers meet each requirement (by its `what`) in the whole tree, per kernel in the order of `kernels`:
    /// modules by name, then "+name" for the built-in driver that meets it ("-" when nothing does).
    static let providers: [String: [String]] = [
        "virtio PCI transport": ["virtio_pci", "virtio_pci", "+virtio_pci", "+virtio_pci"],
        "virtio block disk": Array(repeating: "virtio_blk", count: 4),
        "virtio network": Array(repeating: "virtio_net", count: 4),
        "console (8250 serial or virtio console)": ["virtio_console +8250", "virtio_console +8250", "+8250", "+8250"],
        "root file system (ext4, xfs or btrfs)": [
            "btrfs xfs +ext4", "btrfs ext4 xfs", "btrfs xfs +ext4", "btrfs ext4 xfs",
        ],
        "Xen block device": Array(repeating: "xen_blkfront", count: 4),
        "Xen network device": Array(repeating: "xen_netfront", count: 4),
        // hvc_xen is built in on all four (CONFIG_HVC_XEN=y) but bool, so modules.builtin does not list it.
        "console (hvc_xen, or 8250 serial on HVM)": Array(repeating: "+8250", count: 4),
        "VMBus": Array(repeating: "hv_vmbus", count: 4),
        "Hyper-V SCSI storage": Array(repeating: "hv_storvsc", count: 4),
        "SCSI disk (sd_mod)": Array(repeating: "sd_mod", count: 4),
        "Hyper-V network": Array(repeating: "hv_netvsc", count: 4),
        "serial console (8250)": Array(repeating: "+8250", count: 4),
        // The cloud kernels have neither the LSI Logic (Fusion MPT) drivers nor E1000/E1000E.
        "VMware storage (PVSCSI or LSI Logic)": [
            "vmw_pvscsi", "mptsas mptspi vmw_pvscsi", "vmw_pvscsi",
            "mptsas mptspi vmw_pvscsi",
        ],
        "VMware network (VMXNET3, E1000 or E1000E)": [
            "vmxnet3", "e1000 e1000e vmxnet3", "vmxnet3", "e1000 e1000e vmxnet3",
        ],
        "AHCI SATA storage": ["-", "ahci", "ahci", "ahci"],
        "E1000 or virtio network": ["virtio_net", "e1000 virtio_net", "virtio_net", "e1000 virtio_net"],
        // NVMe is built in on the cloud kernels (CONFIG_BLK_DEV_NVME=y), a module on the generic ones.
        "EBS NVMe storage": ["+nvme", "nvme", "+nvme", "nvme"],
        "ENA network": Array(repeating: "ena", count: 4),
        "virtio-SCSI storage (N1, N2, E2…)": Array(repeating: "virtio_scsi", count: 4),
        "NVMe storage (C3, N4…)": ["+nvme", "nvme", "+nvme", "nvme"],
        "gVNIC network (C3, N4…)": Array(repeating: "gve", count: 4),
    ]

    @Test(
        "each of the seven profiles, bound to the whole tree, on each kernel: satisfied, or the kernel lacks a driver",
        arguments: 0..<4)
    func wholeTree(kernel k: Int) throws {
        let (name, tree) = Self.kernels[k]
        let profiles = GuestProfile.builtIn.map { (profile: $0.name, package: "all") }
        #expect(profiles.count == 7)
        let a = try Analyse.tree(tree, split: .wholeTree, profiles: profiles)
        for p in GuestProfile.builtIn {
            #expect(unmet(a, p.name) == Self.lacking[name]?[p.name] ?? [], "\(p.name) on \(name)")
        }
        // The one driver missing (AHCI on 6.1 cloud): an error with no move to price, naming the option.
        for f in a.findings where f.kind == "profile-unsatisfied" {
            #expect(f.severity == .error)
            #expect(f.cost == nil && f.notes.contains { $0.contains("CONFIG_SATA_AHCI (ahci)") }, "\(f.notes)")
        }

        let builtinModinfo = a.scan.builtinModinfo.mapValues { $0.map { (key: $0.key, value: $0.value) } }
        var seen: Set<String> = []
        for r in GuestProfile.builtIn.flatMap(\.requirements) where seen.insert(r.what).inserted {
            let found = GuestProfile.providers(
                of: r, in: a.graph, candidates: a.graph.modules.indices,
                builtinModinfo: builtinModinfo)
            let words =
                found.modules.map { a.graph.modules[$0].name }.sorted() + (found.builtin.map { ["+" + $0] } ?? [])
            let expected = try #require(Self.providers[r.what], "\(r.what) has no expectation")
            #expect((words.isEmpty ? "-" : words.joined(separator: " ")) == expected[k], "\(r.what) on \(name)")
        }
        #expect(seen == Set(Self.providers.keys))
    }

    @Test(
        "the kernel option of each named driver says what the tree holds: =y built in, =m a module, unset neither",
        arguments: 0..<4)
    func optionsAgreeWithTrees(kernel k: Int) throws {
        let (name, tree) = Self.kernels[k]
        let root = try RealKernels.root(tree)
        let moduleDir = try RealKernels.moduleDirectory(in: root)
        let config = try String(
            contentsOf: root.appendingPathComponent("boot/config-\(moduleDir.lastPathComponent)"),
            encoding: .utf8)
        var options: [String: String] = [:]
        for line in config.split(separator: "\n") where line.hasPrefix("CONFIG_") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { options[String(parts[0])] = String(parts[1]) }
        }
        let builtin = Set(
            try String(contentsOf: moduleDir.appendingPathComponent("modules.builtin"), encoding: .utf8)
                .split(separator: "\n").map { moduleName(fromFileName: $0) })
        let files = Set(
            try runChecked("find", [moduleDir.path, "-name", "*.ko*"]).split(separator: "\n")
                .map { moduleName(fromFileName: $0) })
        let named = Set(GuestProfile.builtIn.flatMap(\.requirements).flatMap(\.modules))
        for m in named.sorted() {
            let option = try #require(GuestProfile.kernelOption(building: m))
            let held = builtin.contains(m) ? "y" : files.contains(m) ? "m" : nil
            if m == "hvc_xen" {
                // A bool option: built in or absent, never a module, and never in modules.builtin.
                #expect(options[option] == "y" && held == nil, "\(name)")
            } else {
                #expect(options[option] == held, "\(m) (\(option)) on \(name)")
            }
        }
    }
}
