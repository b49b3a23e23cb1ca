internal import Glibc
internal import ELFScan
public import Graph

/// What a class of machine needs from a package's closure to boot: storage, network, console, a root
/// file system. Each requirement is met by a module that binds one of the listed device modaliases
/// (matched against the module's `alias` patterns as the kernel's module loader does, with fnmatch)
/// or by one of the named modules — in the package's closure or built into the kernel. Names matter for
/// built-in drivers: `modules.builtin.modinfo` carries no aliases for them on Debian's kernels.
public struct GuestProfile: Sendable, Hashable {
    public struct Requirement: Sendable, Hashable {
        /// What it is for, e.g. "block storage".
        public var what: String
        /// Device modalias strings as the hypervisor presents them (`/sys/devices/**/modalias`).
        public var modaliases: [String]
        /// Module names, any of which meets the requirement.
        public var modules: [String]

        public init(what: String, modaliases: [String] = [], modules: [String] = []) {
            self.what = what
            self.modaliases = modaliases
            self.modules = modules
        }
    }

    public var name: String
    public var description: String
    public var requirements: [Requirement]

    public init(name: String, description: String, requirements: [Requirement]) {
        self.name = name
        self.description = description
        self.requirements = requirements
    }

    /// The modules (by index) that meet `requirement` among `candidates`, and whether a built-in module does.
    public static func providers(of requirement: Requirement, in graph: ModuleGraph, candidates: some Sequence<Int>,
                                 builtinModinfo: [String: [(key: String, value: String)]]) -> (modules: [Int], builtin: String?) {
        let names = Set(requirement.modules.map(normalizedName))
        var found: [Int] = []
        for m in candidates {
            let module = graph.modules[m]
            if names.contains(module.name) || matchesAny(module.aliases, requirement.modaliases) { found.append(m) }
        }
        var builtin: String?
        for b in graph.builtin.sorted() {
            let aliases = builtinModinfo[b]?.filter { $0.key == "alias" }.map(\.value) ?? []
            if names.contains(b) || matchesAny(aliases, requirement.modaliases) {
                builtin = b
                break
            }
        }
        return (found.sorted(), builtin)
    }

    static func matchesAny(_ patterns: [String], _ modaliases: [String]) -> Bool {
        for pattern in patterns {
            for device in modaliases where fnmatch(pattern, device, 0) == 0 { return true }
        }
        return false
    }

    static func normalizedName(_ s: String) -> String { String(s.map { $0 == "-" ? "_" : $0 }) }

    // MARK: Built-in profiles

    static let rootFilesystem = Requirement(what: "root file system (ext4, xfs or btrfs)", modules: ["ext4", "xfs", "btrfs"])
    static let serialConsole = Requirement(what: "console", modules: ["8250", "virtio_console", "hvc_xen"])
    static let virtioPCI = Requirement(
        what: "virtio PCI transport",
        modaliases: ["pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00",
                     "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00"],
        modules: ["virtio_pci"])
    static let virtioDisk = Requirement(
        what: "virtio block or SCSI disk", modaliases: ["virtio:d00000002v00001AF4", "virtio:d00000008v00001AF4"],
        modules: ["virtio_blk", "virtio_scsi"])
    static let virtioNIC = Requirement(what: "virtio network", modaliases: ["virtio:d00000001v00001AF4"], modules: ["virtio_net"])

    /// The guests the Cloud SIG's small core package must boot as, each as the hypervisor presents itself.
    public static let builtIn: [GuestProfile] = [
        GuestProfile(name: "kvm-guest", description: "KVM/QEMU guest with virtio devices",
                     requirements: [virtioPCI, virtioDisk, virtioNIC, serialConsole, rootFilesystem]),
        GuestProfile(name: "xen-guest", description: "Xen PV/HVM guest, including EC2 Xen instances",
                     requirements: [
                        Requirement(what: "Xen block device", modaliases: ["xen:vbd"]),
                        Requirement(what: "Xen network device", modaliases: ["xen:vif"]),
                        serialConsole, rootFilesystem,
                     ]),
        GuestProfile(name: "hyperv-guest", description: "Hyper-V and Azure guest",
                     requirements: [
                        Requirement(what: "VMBus", modaliases: ["acpi:VMBUS:"], modules: ["hv_vmbus"]),
                        Requirement(what: "Hyper-V SCSI storage", modaliases: ["vmbus:d96361baa104294db60572e2ffb1dc7f"]),
                        Requirement(what: "Hyper-V network", modaliases: ["vmbus:635161f83edfc546913ff2d2f965ed0e"]),
                        serialConsole, rootFilesystem,
                     ]),
        GuestProfile(name: "vmware-guest", description: "VMware guest (PVSCSI or LSI storage, VMXNET3 or E1000 network)",
                     requirements: [
                        Requirement(what: "VMware storage (PVSCSI or LSI Logic)",
                                    modaliases: ["pci:v000015ADd000007C0sv000015ADsd000007C0bc01sc07i00",
                                                 "pci:v00001000d00000030sv000015ADsd00001976bc01sc00i00"]),
                        Requirement(what: "VMware network (VMXNET3 or E1000)",
                                    modaliases: ["pci:v000015ADd000007B0sv000015ADsd000007B0bc02sc00i00",
                                                 "pci:v00008086d0000100Fsv000015ADsd00000750bc02sc00i00"]),
                        serialConsole, rootFilesystem,
                     ]),
        GuestProfile(name: "virtualbox-guest", description: "VirtualBox guest (AHCI storage, E1000 or virtio network)",
                     requirements: [
                        Requirement(what: "AHCI SATA storage", modaliases: ["pci:v00008086d00002829sv00000000sd00000000bc01sc06i01"]),
                        Requirement(what: "E1000 or virtio network",
                                    modaliases: ["pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00", "virtio:d00000001v00001AF4"]),
                        serialConsole, rootFilesystem,
                     ]),
        GuestProfile(name: "ec2-nitro", description: "Amazon EC2 Nitro instance (NVMe storage, ENA network)",
                     requirements: [
                        Requirement(what: "EBS NVMe storage", modaliases: ["pci:v00001D0Fd00008061sv00001D0Fsd00008061bc01sc08i02"]),
                        Requirement(what: "ENA network", modaliases: ["pci:v00001D0Fd0000EC20sv00001D0Fsd0000EC20bc02sc00i00"]),
                        serialConsole, rootFilesystem,
                     ]),
        GuestProfile(name: "gce-guest", description: "Google Compute Engine guest (virtio-SCSI or NVMe, virtio-net or gVNIC)",
                     requirements: [
                        virtioPCI,
                        Requirement(what: "virtio-SCSI or NVMe storage",
                                    modaliases: ["virtio:d00000008v00001AF4", "pci:v00001AE0d0000001Fsv00001AE0sd0000001Fbc01sc08i02"]),
                        Requirement(what: "virtio-net or gVNIC network",
                                    modaliases: ["virtio:d00000001v00001AF4", "pci:v00001AE0d00000042sv00001AE0sd00000058bc02sc00i00"]),
                        serialConsole, rootFilesystem,
                     ]),
    ]
}
