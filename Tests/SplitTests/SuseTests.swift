import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

/// A module at `path` under kernel/, made of plain facts.
func distroModule(_ path: String, exports: [String] = [], imports: [String] = []) -> ModuleFacts {
    var f = exampleModule(moduleName(fromFileName: path), exports: exports, imports: imports)
    f.path = "kernel/" + path
    return f
}

/// The package each module landed in, by module name.
func packagesByModule(_ a: SplitAnalysis) -> [String: String] {
    Dictionary(
        uniqueKeysWithValues: a.graph.modules.indices.map {
            (a.graph.modules[$0].name, a.placement.packageOf[$0].map { a.placement.packages.names[$0] } ?? "-")
        })
}

@Suite struct SuseReadingTests {
    func read(_ text: String, variants: [String] = []) throws -> SuseSupported {
        try SuseSupported.parse(Array(text.utf8), file: "supported.conf", options: RulesOptions(variants: variants))
    }

    @Test("guards' lines: # after a blank is a comment, glued it is not; \\ joins lines, also before a comment")
    func lines() throws {
        let s = try read(
            """
            # a comment
            +base\tdrivers/a/a1   # note
            drivers/b/b#1
            -  drivers/c/c1 \\
               drivers/c/c2
            +external drivers/d/d1 \\   # joined despite the comment
            drivers/d/d2
            """)
        #expect(
            s.entries.map(\.pattern) == [
                "drivers/a/a1", "drivers/b/b#1", "drivers/c/c1", "drivers/c/c2", "drivers/d/d1", "drivers/d/d2",
            ])
        #expect(s.entries.map(\.markers) == [["+base"], [], ["-"], ["-"], ["+external"], ["+external"]])
        #expect(s.entries.map(\.location.line) == [2, 3, 4, 5, 6, 7])
        #expect(s.lostAtEnd == nil)
    }

    @Test("CRLF lines read like LF lines; a \\ on the last line loses its tokens and is reported")
    func crlfAndFinalBackslash() throws {
        let s = try read("+base drivers/a/a1\r\n- drivers/b/b1\r\ndrivers/c/c1 \\")
        #expect(s.entries.map(\.pattern) == ["drivers/a/a1", "drivers/b/b1"])
        #expect(s.lostAtEnd?.line == 3)
        let a = try Analyse.facts([distroModule("drivers/a/a1.ko")], kernel: [], split: s)
        #expect(a.findings.contains { $0.kind == "entry-lost" && $0.rule?.line == 3 })
    }

    @Test("NUL bytes and bytes that are not UTF-8 are refused with the line; a FIFO is refused")
    func hostileFiles() throws {
        #expect(throws: RulesError.self) { try SuseSupported.parse([0x61, 0x0A, 0x62, 0x00], file: "s") }
        do {
            _ = try SuseSupported.parse([0x61, 0x0A, 0x62, 0x00], file: "s")
        } catch {
            #expect(error.line == 2)
        }
        do {
            _ = try SuseSupported.parse(Array("a\nb\n".utf8) + [0x63, 0xFF, 0x0A], file: "s")
            Issue.record("Latin-1 was read")
        } catch {
            #expect(error.line == 3 && error.reason.contains("not UTF-8"))
        }
        // An empty file (or one of blanks) is refused, as the other formats refuse it, not read as an empty split.
        for empty in ["", " \n\t\n"] {
            do {
                _ = try SuseSupported.parse(Array(empty.utf8), file: "s")
                Issue.record("an empty file was read")
            } catch {
                #expect(error.reason.contains("empty"))
            }
        }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let fifo = dir.url.appendingPathComponent("supported.conf").path
        #expect(mkfifo(fifo, 0o600) == 0)
        do {
            _ = try SplitFormats.load(path: fifo, options: RulesOptions())
            Issue.record("a FIFO was read")
        } catch {
            #expect(error.reason.contains("not a regular file"))
        }
    }

    @Test("the format is found by name or content, and forced with --rules-format suse")
    func detection() throws {
        #expect(SuseSupportedFormat.recognizes(path: "x/supported.conf", isDirectory: false, head: []))
        #expect(SuseSupportedFormat.recognizes(path: "conf", isDirectory: false, head: Array("# x\n+base\tfoo\n".utf8)))
        #expect(
            !SuseSupportedFormat.recognizes(
                path: "def_variants.yaml", isDirectory: false, head: Array("packages:\n".utf8)))
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = dir.url.appendingPathComponent("odd-name").path
        try "+base drivers/a/a1\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try SplitFormats.load(path: file, format: "suse", options: RulesOptions()) is SuseSupported)
    }
}

@Suite struct SuseMatchingTests {
    func place(
        _ conf: String, _ modules: [ModuleFacts], variants: [String] = [], builtin: [String] = [],
        flavour: String? = nil
    ) throws -> SplitAnalysis {
        let s = try SuseSupported.parse(
            Array(conf.utf8), file: "supported.conf",
            options: RulesOptions(variants: variants, flavour: flavour))
        return try Analyse.facts(modules, kernel: ["printk"], builtin: builtin, split: s)
    }

    @Test("plain entries compare base names only; - and _ are one in the last component; * crosses /; first line wins")
    func matching() throws {
        let modules = [
            distroModule("drivers/net/virtio_net.ko"), distroModule("drivers/x-y/a-b.ko"),
            distroModule("drivers/media/usb/cam.ko"), distroModule("drivers/media/pci/tv.ko"),
            distroModule("arch/x86/kvm/kvm.ko"),
        ]
        let a = try place(
            """
            wrong/dir/virtio-net.ko
            drivers/x_y/a_b
            - drivers/media/usb/cam
            drivers/media/*
            arch/powerpc/kvm/kvm
            - arch/x86/kvm/kvm
            """, modules)
        let p = packagesByModule(a)
        #expect(p["virtio_net"] == "kernel-default")  // the directory is decoration
        #expect(p["a_b"] == "kernel-default")  // last component folded, directory not: still a plain match
        #expect(p["cam"] == "kernel-default-extra")  // the earlier `-` line wins over the wildcard
        #expect(p["tv"] == "kernel-default")  // `*` crosses `/`
        #expect(p["kvm"] == "kernel-default")  // the powerpc line tags x86's kvm first
        let shadowed = a.findings.filter { $0.kind == "entry-shadowed" }
        #expect(shadowed.map(\.rule?.line) == [6])
        #expect(shadowed.first?.message.contains("line 5") == true)
        let m = try #require(a.graph.module(named: "virtio_net"))
        #expect(a.placement.basis[m] == .listed(SourceLocation(file: "supported.conf", line: 1)))
    }

    @Test("+external +base is supported and in base; - +base is in base; a +base wildcard adds nothing")
    func baseMarkers() throws {
        let a = try place(
            """
            +external +base drivers/a/ext
            - +base drivers/a/unsup
            +base drivers/usb/chipidea/*
            drivers/usb/chipidea/ci
            """,
            [
                distroModule("drivers/a/ext.ko"), distroModule("drivers/a/unsup.ko"),
                distroModule("drivers/usb/chipidea/ci.ko"),
            ],
            flavour: "azure")
        let p = packagesByModule(a)
        #expect(p["ext"] == "kernel-azure-base")
        #expect(p["unsup"] == "kernel-azure-base")
        #expect(p["ci"] == "kernel-azure")
        let w = try #require(a.findings.first { $0.kind == "base-wildcard" })
        #expect(w.rule?.line == 3)
        #expect(w.notes.first?.contains("ci") == true)
        #expect(
            a.placement.packages.dependsOn.map { $0.map { a.placement.packages.names[$0] } }
                == [[], ["kernel-azure-base"], ["kernel-azure"]])
    }

    @Test(
        """
        the base closure pulls dependencies in (info, with users and symbols); \
        supported modules needing unlisted ones are warnings with symbols
        """
    )
    func closures() throws {
        let a = try place(
            """
            +base drivers/block/blk
            drivers/vhost/vhost
            """,
            [
                distroModule("drivers/block/blk.ko", imports: ["common_fn"]),
                distroModule("drivers/scsi/common.ko", exports: ["common_fn"]),
                distroModule("drivers/vhost/vhost.ko", imports: ["iotlb_fn", "printk"]),
                distroModule("drivers/vhost/iotlb.ko", exports: ["iotlb_fn"]),
                distroModule("drivers/misc/other.ko"),
            ])
        let p = packagesByModule(a)
        #expect(
            p == [
                "blk": "kernel-default-base", "common": "kernel-default-base", "vhost": "kernel-default",
                "iotlb": "kernel-default", "other": "kernel-default-extra",
            ])
        let pulled = try #require(a.findings.first { $0.kind == "pulled-into-base" })
        #expect(pulled.module == "common" && pulled.symbols == ["common_fn"] && pulled.rule?.line == 1)
        let common = try #require(a.graph.module(named: "common"))
        #expect(
            a.placement.basis[common] == .pulled(by: ["blk"], location: SourceLocation(file: "supported.conf", line: 1))
        )
        let needs = a.findings.filter { $0.kind == "needs-unsupported" }.map {
            "\($0.module!)>\($0.provider!):\($0.symbols)"
        }.sorted()
        #expect(needs == ["blk>common:[\"common_fn\"]", "vhost>iotlb:[\"iotlb_fn\"]"])
        #expect(!a.findings.contains { $0.kind == "cross-package" })
    }

    @Test("+x-kmp markers make <x>-kmp-<flavour> packages on kernel-<flavour>; a KMP using another requires it")
    func kmps() throws {
        let a = try place(
            """
            +dlm-kmp fs/dlm/dlm
            +cluster-md-kmp drivers/md/md-cluster
            - drivers/md/md-cluster
            """,
            [
                distroModule("fs/dlm/dlm.ko", exports: ["dlm_lock"]),
                distroModule("drivers/md/md-cluster.ko", imports: ["dlm_lock"]),
            ])
        let p = packagesByModule(a)
        #expect(p == ["dlm": "dlm-kmp-default", "md_cluster": "cluster-md-kmp-default"])
        let set = a.placement.packages
        let cluster = try #require(set.index(of: "cluster-md-kmp-default")),
            dlm = try #require(set.index(of: "dlm-kmp-default"))
        #expect(set.reaches(cluster, dlm))
        #expect(set.reaches(dlm, try #require(set.index(of: "kernel-default"))))
        #expect(a.findings.filter { $0.severity == .error }.isEmpty)
        #expect(a.findings.filter { $0.kind == "entry-shadowed" }.map(\.rule?.line) == [3])
    }

    @Test(
        "--variant optional: - goes to extra, -!optional and unlisted to optional; extra needing optional is reported")
    func optionalSplit() throws {
        let modules = [
            distroModule("drivers/a/minus.ko", imports: ["opt_fn"]), distroModule("drivers/a/bang.ko"),
            distroModule("drivers/a/none.ko", exports: ["opt_fn"]), distroModule("drivers/b/w1.ko"),
        ]
        let conf = """
            - drivers/a/minus
            -!optional drivers/a/bang
            - drivers/b/*
            """
        let a = try place(conf, modules, variants: ["optional"])
        #expect(
            packagesByModule(a) == [
                "minus": "kernel-default-extra", "bang": "kernel-default-optional",
                "none": "kernel-default-optional", "w1": "kernel-default-extra",
            ])
        let n = try #require(a.findings.first { $0.kind == "needs-optional" })
        #expect(n.module == "minus" && n.provider == "none" && n.symbols == ["opt_fn"])
        let plain = try place(conf, modules)
        #expect(Set(packagesByModule(plain).values) == ["kernel-default-extra"])
    }

    @Test("entries matching nothing: a warning, info when built in, silent for another architecture's arch/ path")
    func unmatched() throws {
        let a = try place(
            """
            +base drivers/usb/host/xhci
            drivers/acpi/processor
            arch/s390/mm/cmm
            arch/x86/crypto/gone
            drivers/nothing/*
            """,
            [
                distroModule("drivers/usb/host/xhci-hcd.ko"), distroModule("drivers/usb/host/xhci-pci.ko"),
                distroModule("arch/x86/crypto/aes.ko"),
            ],
            builtin: ["processor"])
        let f = a.findings.filter { $0.kind == "entry-matches-nothing" }.sorted { $0.rule!.line < $1.rule!.line }
        #expect(f.map(\.rule?.line) == [1, 2, 4, 5])
        #expect(f.map(\.severity) == [.warning, .info, .warning, .warning])
        #expect(f[0].message.contains("kernel-default-base will not have it"))
        #expect(f[0].notes == ["drivers/usb/host/ has xhci_hcd, xhci_pci"])
        #expect(
            f[2].notes == [
                "arch/x86/crypto/ holds 1 module of this tree; none anywhere is named gone (not configured, "
                    + "renamed or dropped)"
            ])
        #expect(f[3].notes == ["no module of this tree is under drivers/nothing/ (not configured, or built in)"])
    }

    @Test("hostile patterns: many stars, long lines and wildcard floods end quickly")
    func hostilePatterns() throws {
        let stars = String(repeating: "*a", count: 2000) + "*b"
        let long = String(repeating: "x", count: 1 << 20)
        let flood = (0..<300).map { "*\($0 % 7)*\($0)*?*[a-z]*" }.joined(separator: "\n")
        let modules = (0..<300).map {
            distroModule("drivers/d\($0 % 9)/" + String(repeating: "a", count: 60) + "\($0).ko")
        }
        let start = Date()
        let a = try place("\(stars)\n\(long)\n\(flood)\n", modules)
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(a.findings.contains { $0.kind == "entry-matches-nothing" && $0.rule?.line == 1 })
    }

    @Test("unclosed brackets and class openers compile in linear time: '[[:' and '[a' lines of 12 and 120 KB")
    func unclosedBrackets() throws {
        let classes = "- " + String(repeating: "[[:", count: 4000)
        let opens = "- " + String(repeating: "[a", count: 60000)
        let escaped = "- " + String(repeating: "[a", count: 60000) + "\\]"
        let start = Date()
        let a = try place("\(classes)\n\(opens)\n\(escaped)\n", [distroModule("drivers/x/a.ko")])
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(a.findings.filter { $0.kind == "entry-matches-nothing" }.count == 3)
    }
}

@Suite struct ShellGlobTests {
    func matches(_ pattern: String, _ text: String, dot: Bool = false) -> Bool {
        var budget = MatchBudget()
        return ShellGlob(Array(pattern.utf8)).matches(Array(text.utf8), protectLeadingDot: dot, budget: &budget)
    }

    @Test("fnmatch semantics with flags 0")
    func fnmatchSemantics() {
        #expect(matches("drivers/*", "drivers/a/b/c"))
        #expect(matches("*c", "a/b/c"))
        #expect(matches("a?c", "a/c"))
        #expect(matches("[a-c]x", "bx") && !matches("[!a-c]x", "bx") && matches("[^a-c]x", "dx"))
        #expect(matches("[]]", "]") && matches("[[:digit:]]*", "7up"))
        #expect(matches("a\\*", "a*") && !matches("a\\*", "ab"))
        #expect(matches("[a", "[a"))
        // A bracket expression longer than 256 bytes is not one: its '[' is an ordinary byte.
        let wide = "[" + String(repeating: "a", count: 300) + "]"
        #expect(matches("[" + String(repeating: "a", count: 200) + "]", "a"))
        #expect(!matches(wide, "a") && matches(wide, wide))
        #expect(matches("[[:digit:]]", "7") && matches("[[:" + String(repeating: "x", count: 40) + ":]]", "[]"))
        #expect(!matches("*", ".hidden", dot: true) && matches(".*", ".hidden", dot: true) && matches("*", ".hidden"))
        #expect(matches("**********x", "x") && !matches("*x*y", "yx"))
    }

    @Test("a pathological pattern costs at most pattern × text steps")
    func bounded() {
        var budget = MatchBudget(10_000_000)
        let pattern = ShellGlob(Array((String(repeating: "*a", count: 50) + "*b").utf8))
        #expect(!pattern.matches(Array(String(repeating: "a", count: 200).utf8), budget: &budget))
        #expect(!budget.exhausted)
        var tiny = MatchBudget(10)
        #expect(!pattern.matches(Array(String(repeating: "a", count: 200).utf8), budget: &tiny))
        #expect(tiny.exhausted)
    }
}

/// SUSE's shared supported.conf on Debian's 6.1 amd64 tree: the numbers SUSE's own scripts give there
/// (guards, the spec's awk, modpost's matcher and split-modules, replayed on the tree; see the notes of
/// issue 12).
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct SuseRealTests {
    static let conf = Fixtures.url("suse/supported.conf").path

    func analyse(variants: [String] = []) throws -> SplitAnalysis {
        try Analyse.tree(RealKernels.Tree("amd64"), split: .rules(path: Self.conf, format: nil), variants: variants)
    }

    func counts(_ a: SplitAnalysis) -> [String: Int] {
        Dictionary(
            uniqueKeysWithValues: a.placement.members(a.graph).enumerated().map {
                (a.placement.packages.names[$0], $1.count)
            })
    }

    @Test("packages, probes and every finding class equal to what SUSE's build gives")
    func sharedConf() throws {
        let a = try analyse()
        #expect(a.graph.modules.count == 4023)
        #expect(
            counts(a) == [
                "kernel-default-base": 311, "kernel-default": 1657, "kernel-default-extra": 2043,
                "ocfs2-kmp-default": 7, "cluster-md-kmp-default": 1, "dlm-kmp-default": 1, "gfs2-kmp-default": 1,
                "reiserfs-kmp-default": 1, "kselftests-kmp-default": 1,
            ])
        let p = packagesByModule(a)
        for m in [
            "virtio_blk", "virtio_net", "xfs", "ext4", "virtio_scsi", "xhci_hcd", "xhci_pci", "scsi_common",
            "virtio_dma_buf",
        ] {
            #expect(p[m] == "kernel-default-base", "\(m)")
        }
        #expect(
            p["pvpanic"] == "kernel-default-extra" && p["pvpanic_mmio"] == "kernel-default-extra"
                && p["pvpanic_pci"] == "kernel-default-extra")
        #expect(p["vhost_iotlb"] == "kernel-default")

        // "unsupported modules are used by supported modules": the 40 split-modules names, each with symbols.
        let needs = a.findings.filter { $0.kind == "needs-unsupported" }
        #expect(
            Set(needs.compactMap(\.provider)) == [
                "bcm_phy_ptp", "btmtk", "cec", "cifs_arc4", "cifs_md4", "crc64_rocksoft", "cs_dsp", "drm_buddy",
                "drm_display_helper",
                "drm_shmem_helper", "drm_ttm_helper", "i2c_ccgx_ucsi", "intel_pmc_bxt", "libdes", "libpoly1305",
                "mdio_devres",
                "nct6775_core", "netfs", "pci_hyperv_intf", "pcs_xpcs", "platform_profile", "regmap_sdw",
                "regmap_sdw_mbq", "regmap_spi",
                "scsi_common", "selftests", "skx_edac_common", "soundwire_bus", "soundwire_cadence",
                "soundwire_generic_allocation",
                "soundwire_intel", "t10_pi", "v4l2_async", "vfio_pci_core", "vhost_iotlb", "virtio_dma_buf",
                "virtio_pci_legacy_dev",
                "virtio_pci_modern_dev", "watchdog", "zsmalloc",
            ])
        #expect(needs.allSatisfy { !$0.symbols.isEmpty && $0.severity == .warning && $0.rule != nil })
        let iotlb = try #require(needs.first { $0.provider == "vhost_iotlb" })
        #expect(iotlb.module == "vhost" && iotlb.message.contains("does not list"))
        let dmaBuf = try #require(needs.first { $0.provider == "virtio_dma_buf" })
        #expect(dmaBuf.module == "virtio_gpu" && dmaBuf.symbols.contains("virtio_dma_buf_attach"))

        // The base closure: 256 +base names present, 55 modules added, each naming who pulled it.
        let pulled = a.findings.filter { $0.kind == "pulled-into-base" }
        #expect(
            Set(pulled.compactMap(\.module)) == [
                "cdrom", "crc16", "crc64", "crc64_rocksoft", "crc_t10dif", "crct10dif_common", "dns_resolver", "drm",
                "drm_kms_helper",
                "drm_shmem_helper", "esp_scsi", "failover", "fat", "fscache", "grace", "hid", "ip6_udp_tunnel", "ip_vs",
                "iscsi_boot_sysfs", "libcrc32c", "llc", "lockd", "mii", "mptbase", "mptscsih", "net_failover", "netfs",
                "nf_conncount",
                "nf_reject_ipv4", "nf_reject_ipv6", "nf_socket_ipv4", "nf_socket_ipv6", "nf_tproxy_ipv4",
                "nf_tproxy_ipv6",
                "nfnetlink_osf", "nfs", "nfs_acl", "nsh", "raid6_pq", "roles", "scsi_common", "scsi_transport_fc",
                "scsi_transport_sas", "scsi_transport_spi", "stp", "sunrpc", "t10_pi", "udp_tunnel", "virtio_dma_buf",
                "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "vsock", "watchdog", "xor", "zstd_compress",
            ])
        let scsiCommon = try #require(a.graph.module(named: "scsi_common"))
        guard case .pulled(let by, let location) = a.placement.basis[scsiCommon] else {
            Issue.record("scsi_common is not pulled: \(a.placement.basis[scsiCommon])")
            return
        }
        #expect(
            Set(by) == ["hv_storvsc", "libata", "mptsas", "mptscsih", "scsi_mod", "sg", "sr_mod", "st", "usb_storage"])
        #expect(location?.file == Self.conf)

        // Entries: 1,797 match nothing; 54 name another architecture's arch/ (not reported), 97 are built in (info).
        let none = a.findings.filter { $0.kind == "entry-matches-nothing" }
        #expect(none.filter { $0.severity == .warning }.count == 1646)
        #expect(none.filter { $0.severity == .info }.count == 97)
        #expect(none.contains { $0.rule?.line == 266 && $0.severity == .info })  // drivers/acpi/processor, built in
        #expect(!none.contains { $0.rule?.line == 88 })  // arch/s390/mm/cmm
        #expect(
            Set(a.findings.filter { $0.kind == "entry-shadowed" }.compactMap(\.rule?.line))
                == [87, 130, 1642, 3610, 3623, 3696, 3697, 3698, 3699, 3700, 3701, 3702, 3712, 3767])
        #expect(a.findings.filter { $0.kind == "base-wildcard" }.map(\.rule?.line) == [3200])
        // KMPs that use each other require each other, as the build's KMP requires do: no error.
        #expect(
            a.findings.filter { $0.severity == .error }.isEmpty,
            "\(a.findings.filter { $0.severity == .error }.prefix(3))")
    }

    @Test("Leap's optional split: 1,631 in -extra, 412 in -optional, 10 modules -extra needs from -optional")
    func optionalSplit() throws {
        let a = try analyse(variants: ["optional"])
        let c = counts(a)
        #expect(
            c["kernel-default-extra"] == 1631 && c["kernel-default-optional"] == 412 && c["kernel-default-base"] == 311)
        let p = packagesByModule(a)
        #expect(p["pvpanic"] == "kernel-default-extra" && p["pvpanic_mmio"] == "kernel-default-optional")
        #expect(
            Set(a.findings.filter { $0.kind == "needs-optional" }.compactMap(\.provider)) == [
                "hid_vivaldi_common", "inv_sensors_timestamp", "libchacha", "ltc2497_core", "mhi",
                "processor_thermal_mbox",
                "processor_thermal_rapl", "processor_thermal_rfim", "surface_aggregator", "viafb",
            ])
    }
}
