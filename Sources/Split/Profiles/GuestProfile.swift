internal import ELFScan
public import Graph

/// What a class of machine needs from a package's closure to boot: storage, network, console, a root
/// file system. Each requirement is met by a module that binds one of the listed device modaliases
/// (matched against the module's `alias` patterns as the kernel's module loader does, with fnmatch)
/// or by one of the named modules — in the package's closure or built into the kernel. Names matter for
/// built-in drivers: `modules.builtin.modinfo` carries no aliases for them on Debian's kernels.
public struct GuestProfile: Sendable, Hashable {
    /// One thing the machine needs (storage, network, …), met by any module that binds one of `modaliases` or is named
    /// in `modules`.
    public struct Requirement: Sendable, Hashable {
        /// What it is for, e.g. "block storage".
        public var what: String
        /// Device modalias strings as the hypervisor presents them (`/sys/devices/**/modalias`).
        public var modaliases: [String]
        /// Module names, any of which meets the requirement.
        public var modules: [String]

        /// A requirement for `what`, met by a module binding one of `modaliases` or named in `modules`.
        public init(what: String, modaliases: [String] = [], modules: [String] = []) {
            self.what = what
            self.modaliases = modaliases
            self.modules = modules
        }
    }

    /// The profile's name as `--profile` takes it (`kvm-guest`, `hyperv-guest`, …).
    public var name: String
    /// One line saying what class of machine it describes.
    public var description: String
    /// What the machine needs to boot, each met by any one of its modules.
    public var requirements: [Requirement]

    /// A profile called `name` with `requirements`.
    public init(name: String, description: String, requirements: [Requirement]) {
        self.name = name
        self.description = description
        self.requirements = requirements
    }

    /// The modules (by index) that meet `requirement` among `candidates`, and whether a built-in module does.
    public static func providers(
        of requirement: Requirement, in graph: ModuleGraph, candidates: some Sequence<Int>,
        builtinModinfo: [String: [(key: String, value: String)]]
    ) -> (modules: [Int], builtin: String?) {
        let names = Set(requirement.modules.map(normalizedName))
        var found: [Int] = []
        for m in candidates {
            let module = graph.modules[m]
            if names.contains(module.name) || matchesAny(module.aliases, requirement.modaliases) { found.append(m) }
        }
        var builtin: String?
        for b in graph.builtin.sorted() {
            let aliases = builtinModinfo[b]?.filter { $0.key == "alias" }.map(\.value) ?? []
            if names.contains(normalizedName(b)) || matchesAny(aliases, requirement.modaliases) {
                builtin = b
                break
            }
        }
        return (found.sorted(), builtin)
    }

    static func matchesAny(_ patterns: [String], _ modaliases: [String]) -> Bool {
        for pattern in patterns {
            for device in modaliases where ShellPattern.matches(pattern, device) { return true }
        }
        return false
    }

    static func normalizedName(_ s: String) -> String { String(s.map { $0 == "-" ? "_" : $0 }) }

    /// The kernel configuration option that builds `module` (`=m` as a module, `=y` into the kernel), for the
    /// drivers the built-in profiles name; nil for others. A note on a requirement the kernel cannot meet names it.
    public static func kernelOption(building module: String) -> String? { kernelOptions[normalizedName(module)] }

    static let kernelOptions: [String: String] = [
        "virtio_pci": "CONFIG_VIRTIO_PCI", "virtio_blk": "CONFIG_VIRTIO_BLK", "virtio_scsi": "CONFIG_SCSI_VIRTIO",
        "virtio_net": "CONFIG_VIRTIO_NET", "virtio_console": "CONFIG_VIRTIO_CONSOLE",
        "8250": "CONFIG_SERIAL_8250", "hvc_xen": "CONFIG_HVC_XEN",
        "xen_blkfront": "CONFIG_XEN_BLKDEV_FRONTEND", "xen_netfront": "CONFIG_XEN_NETDEV_FRONTEND",
        "hv_vmbus": "CONFIG_HYPERV", "hv_storvsc": "CONFIG_HYPERV_STORAGE", "hv_netvsc": "CONFIG_HYPERV_NET",
        "vmw_pvscsi": "CONFIG_VMWARE_PVSCSI", "mptspi": "CONFIG_FUSION_SPI", "mptsas": "CONFIG_FUSION_SAS",
        "vmxnet3": "CONFIG_VMXNET3", "e1000": "CONFIG_E1000", "e1000e": "CONFIG_E1000E",
        "ahci": "CONFIG_SATA_AHCI", "sd_mod": "CONFIG_BLK_DEV_SD",
        "nvme": "CONFIG_BLK_DEV_NVME", "ena": "CONFIG_ENA_ETHERNET", "gve": "CONFIG_GVE",
        "ext4": "CONFIG_EXT4_FS", "xfs": "CONFIG_XFS_FS", "btrfs": "CONFIG_BTRFS_FS",
    ]

    // MARK: Built-in profiles
    //
    // Each device is named twice: by the modalias the hypervisor presents (which finds a modular driver through its
    // `alias` patterns) and by the drivers that bind it (which finds a built-in one: Debian's kernels list built-in
    // drivers in `modules.builtin` but give them no device aliases in `modules.builtin.modinfo`). The modaliases
    // are checked against the aliases of Debian's 6.1 and 6.12 amd64 modules (see ProfileTests).

    static let rootFilesystem = Requirement(
        what: "root file system (ext4, xfs or btrfs)",
        modules: ["ext4", "xfs", "btrfs"])
    /// The serial port cloud images log to (`console=ttyS0`): EC2, GCE and Azure show it as the instance's console,
    /// and KVM, VMware and VirtualBox emulate a 16550. The VGA and EFI framebuffer consoles are bool options,
    /// built in or absent and never listed in `modules.builtin`, so a tree cannot show them.
    static let serialConsole = Requirement(what: "serial console (8250)", modules: ["8250"])
    /// A Xen PV guest has no emulated serial port; its console is hvc_xen. CONFIG_HVC_XEN is bool and
    /// `modules.builtin` never lists it, so on a real tree the 8250 of an HVM guest is what can be seen.
    static let xenConsole = Requirement(what: "console (hvc_xen, or 8250 serial on HVM)", modules: ["hvc_xen", "8250"])
    static let kvmConsole = Requirement(
        what: "console (8250 serial or virtio console)", modaliases: ["virtio:d00000003v00001AF4"],
        modules: ["8250", "virtio_console"])
    /// Disks behind a SCSI host (libata's AHCI, storvsc, PVSCSI, the LSI adapters) need the SCSI disk driver as
    /// well: it binds the disk (`scsi:t-0x00`), so no host adapter depends on it by symbols.
    static let scsiDisk = Requirement(what: "SCSI disk (sd_mod)", modaliases: ["scsi:t-0x00"], modules: ["sd_mod"])
    static let virtioPCI = Requirement(
        what: "virtio PCI transport",
        modaliases: [
            "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00",
            "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
        ],
        modules: ["virtio_pci"])
    /// QEMU's, libvirt's and OpenStack's default disk. A virtio-SCSI disk also needs `sd_mod`, which a requirement
    /// of alternatives cannot say; a site whose KVM guests use virtio-SCSI defines its own profile (see
    /// docs/checking-a-split.md).
    static let virtioDisk = Requirement(
        what: "virtio block disk", modaliases: ["virtio:d00000002v00001AF4"],
        modules: ["virtio_blk"])
    static let virtioNIC = Requirement(
        what: "virtio network", modaliases: ["virtio:d00000001v00001AF4"],
        modules: ["virtio_net"])

    /// The guests the Cloud SIG's small core package must boot as, each as the hypervisor presents itself.
    public static let builtIn: [GuestProfile] = [
        GuestProfile(
            name: "kvm-guest", description: "KVM/QEMU guest with virtio devices",
            requirements: [virtioPCI, virtioDisk, virtioNIC, kvmConsole, rootFilesystem]),
        GuestProfile(
            name: "xen-guest", description: "Xen PV/HVM guest, including EC2 Xen instances",
            requirements: [
                Requirement(what: "Xen block device", modaliases: ["xen:vbd"], modules: ["xen_blkfront"]),
                Requirement(what: "Xen network device", modaliases: ["xen:vif"], modules: ["xen_netfront"]),
                xenConsole, rootFilesystem,
            ]),
        // Azure's serial console is the VM's COM1 (ttyS0); Hyper-V's IDE and SCSI disks are both storvsc's.
        GuestProfile(
            name: "hyperv-guest", description: "Hyper-V and Azure guest",
            requirements: [
                Requirement(what: "VMBus", modaliases: ["acpi:VMBUS:"], modules: ["hv_vmbus"]),
                Requirement(
                    what: "Hyper-V SCSI storage",
                    modaliases: ["vmbus:d96361baa104294db60572e2ffb1dc7f"], modules: ["hv_storvsc"]),
                scsiDisk,
                Requirement(
                    what: "Hyper-V network", modaliases: ["vmbus:635161f83edfc546913ff2d2f965ed0e"],
                    modules: ["hv_netvsc"]),
                serialConsole, rootFilesystem,
            ]),
        // The controllers VMware picks for a Linux guest's disk (PVSCSI on ESXi, LSI Logic on Workstation, LSI
        // Logic SAS on request) and NICs (VMXNET3, E1000, E1000E), with VMware's subsystem IDs.
        GuestProfile(
            name: "vmware-guest",
            description: "VMware guest (PVSCSI or LSI Logic storage, VMXNET3, E1000 or E1000E network)",
            requirements: [
                Requirement(
                    what: "VMware storage (PVSCSI or LSI Logic)",
                    modaliases: [
                        "pci:v000015ADd000007C0sv000015ADsd000007C0bc01sc07i00",
                        "pci:v00001000d00000030sv000015ADsd00001976bc01sc00i00",
                        "pci:v00001000d00000054sv000015ADsd00001976bc01sc00i00",
                    ],
                    modules: ["vmw_pvscsi", "mptspi", "mptsas"]),
                scsiDisk,
                Requirement(
                    what: "VMware network (VMXNET3, E1000 or E1000E)",
                    modaliases: [
                        "pci:v000015ADd000007B0sv000015ADsd000007B0bc02sc00i00",
                        "pci:v00008086d0000100Fsv000015ADsd00000750bc02sc00i00",
                        "pci:v00008086d000010D3sv000015ADsd000007D0bc02sc00i00",
                    ],
                    modules: ["vmxnet3", "e1000", "e1000e"]),
                serialConsole, rootFilesystem,
            ]),
        // VirtualBox's default Linux VM: the disk on an ICH8 AHCI controller, an Intel PRO/1000 MT Desktop
        // (82540EM) NIC or, when chosen, virtio-net. Its PIIX4 IDE controller carries only the optical drive, so
        // ata_piix does not stand in for AHCI.
        GuestProfile(
            name: "virtualbox-guest",
            description: "VirtualBox guest (AHCI storage, E1000 or virtio network)",
            requirements: [
                Requirement(
                    what: "AHCI SATA storage",
                    modaliases: ["pci:v00008086d00002829sv00000000sd00000000bc01sc06i01"],
                    modules: ["ahci"]),
                scsiDisk,
                Requirement(
                    what: "E1000 or virtio network",
                    modaliases: [
                        "pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00",
                        "virtio:d00000001v00001AF4",
                    ],
                    modules: ["e1000", "virtio_net"]),
                serialConsole, rootFilesystem,
            ]),
        GuestProfile(
            name: "ec2-nitro", description: "Amazon EC2 Nitro instance (NVMe storage, ENA network)",
            requirements: [
                Requirement(
                    what: "EBS NVMe storage",
                    modaliases: ["pci:v00001D0Fd00008061sv00001D0Fsd00008061bc01sc08i02"],
                    modules: ["nvme"]),
                Requirement(
                    what: "ENA network",
                    modaliases: ["pci:v00001D0Fd0000EC20sv00001D0Fsd0000EC20bc02sc00i00"],
                    modules: ["ena"]),
                serialConsole, rootFilesystem,
            ]),
        // One image boots every machine series: the first and second generations (N1, N2, E2…) attach disks with
        // virtio-SCSI and use virtio-net; the third (C3, N4…) supports only NVMe and gVNIC.
        GuestProfile(
            name: "gce-guest",
            description: "Google Compute Engine guest on every machine series (virtio-SCSI and NVMe, "
                + "virtio-net and gVNIC)",
            requirements: [
                virtioPCI,
                Requirement(
                    what: "virtio-SCSI storage (N1, N2, E2…)", modaliases: ["virtio:d00000008v00001AF4"],
                    modules: ["virtio_scsi"]),
                scsiDisk,
                Requirement(
                    what: "NVMe storage (C3, N4…)",
                    modaliases: ["pci:v00001AE0d0000001Fsv00001AE0sd0000001Fbc01sc08i02"],
                    modules: ["nvme"]),
                virtioNIC,
                Requirement(
                    what: "gVNIC network (C3, N4…)",
                    modaliases: ["pci:v00001AE0d00000042sv00001AE0sd00000058bc02sc00i00"],
                    modules: ["gve"]),
                serialConsole, rootFilesystem,
            ]),
    ]
}
