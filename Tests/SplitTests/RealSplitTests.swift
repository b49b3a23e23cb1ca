import ELFScan
import Foundation
import Graph
import Split
import TestSupport
import Testing

/// Fedora's real rules on Debian's real 6.12 tree: the lists filtermods wrote, and every move named.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct FedoraRulesTests {
    static let tree = RealKernels.Tree("linux-image-6.12.117+deb12-amd64")

    func analyse(_ rulesFile: String) throws -> SplitAnalysis {
        try Analyse.tree(Self.tree, split: .rules(path: Fixtures.url("fedora/\(rulesFile)").path, format: nil))
    }

    @Test("the placement holds exactly the modules of filtermods' lists, and names the 31 modules it moved")
    func fedoraListsEqualFiltermods() throws {
        let analysis = try analyse("def_variants.yaml.fedora")
        let findings = analysis.findings
        for (name, paths) in analysis.placement.lists(analysis.graph) {
            let expected = try String(
                contentsOf: Fixtures.url("fedora/filtermods-deb612/\(name).list"), encoding: .utf8)
            #expect(paths == expected.split(separator: "\n").map(String.init), "\(name).list")
        }
        let moves = findings.filter { $0.kind == "forced-move" }
        #expect(moves.count == 31)
        #expect(Set(moves.filter { $0.severity == .warning }.compactMap(\.module)) == ["asix", "smsc95xx"])
        let dlm = try #require(moves.first { $0.module == "dlm" })
        #expect(dlm.severity == .info)
        #expect(dlm.message.contains("from modules-extra to modules-core"))
        #expect(dlm.notes.contains { $0.contains("md_cluster") })
        #expect(
            findings.filter { $0.severity == .error }.isEmpty, "\(findings.filter { $0.severity == .error }.prefix(3))")
    }

    @Test("RHEL's rules load and place the whole tree")
    func rhelRules() throws {
        let a = try analyse("def_variants.yaml.rhel")
        let (graph, placement, findings) = (a.graph, a.placement, a.findings)
        #expect(
            placement.packageOf.compactMap { $0 }.count + placement.failure.compactMap { $0 }.count
                >= graph.modules.count)
        #expect(!findings.contains { $0.kind == "unreadable-module" })
    }
}

/// Each class of finding, demonstrated on a real module of Debian's 6.1 cloud kernel that a test tampers with.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct TamperedModuleTests {
    static let source = RealKernels.Tree("cloud-amd64")
    /// processor_thermal_rfim imports INT340X_THERMAL symbols of processor_thermal_mbox.
    static let user = "processor_thermal_rfim.ko"
    static let provider = "processor_thermal_mbox.ko"

    func findings(_ tamper: (TamperedTree) throws -> Void) throws -> [Finding] {
        let root = try RealKernels.root(Self.source)
        let tree = try TamperedTree(copying: root)
        defer { tree.cleanup() }
        try tamper(tree)
        // cifs and ksmbd name softdeps (aead2, nls) and vfio one (vfio_iommu_spapr_tce) that modprobe
        // resolves to nothing in this kernel either: the kernel's own, not a tampering's.
        return try Analyse.root(tree.root, symvers: RealKernels.symvers(in: root)).findings
            .filter { $0.kind != "softdep-unsatisfied" }
    }

    @Test("the untampered kernel has no errors and no warnings")
    func untampered() throws {
        let f = try findings { _ in }
        #expect(f.isEmpty, "\(f.prefix(3))")
    }

    @Test("a license string that is not GPL-compatible: gpl-only")
    func license() throws {
        let f = try findings { t in try t.rewrite(Self.user) { try $0.replaceFirst("license=GPL", with: "license=BSD") }
        }
        let g = try #require(f.first { $0.kind == "gpl-only" })
        #expect(g.module == "processor_thermal_rfim")
        #expect(!g.symbols.isEmpty)
        #expect(g.severity == .error)
    }

    @Test("an import_ns removed: missing-namespace")
    func namespace() throws {
        let f = try findings { t in
            try t.rewrite(Self.user) {
                try $0.replaceFirst("import_ns=INT340X_THERMAL", with: "import_nX=INT340X_THERMAL")
            }
        }
        let n = try #require(f.first { $0.kind == "missing-namespace" })
        #expect(n.namespace == "INT340X_THERMAL")
        #expect(n.provider == "processor_thermal_mbox")
        #expect(
            n.symbols.contains("processor_thermal_send_mbox_read_cmd")
                || n.symbols.contains("processor_thermal_send_mbox_write_cmd"))
    }

    @Test("a __versions CRC changed: crc-mismatch")
    func crc() throws {
        let f = try findings { t in
            let url = try t.file(Self.user)
            let offset = try Data.sectionOffset("__versions", in: url)
            try t.rewrite(Self.user) { data in data[offset] ^= 0xFF }
        }
        let c = try #require(f.first { $0.kind == "crc-mismatch" })
        #expect(c.module == "processor_thermal_rfim")
        #expect(c.symbols.count == 1)
    }

    @Test("a vermagic from another build: vermagic-mismatch")
    func vermagic() throws {
        let f = try findings { t in
            try t.rewrite(Self.user) { try $0.replaceFirst("vermagic=6.1.0-", with: "vermagic=6.1.0_") }
        }
        // With modversions the kernel ignores the release part; change the rest instead.
        _ = f
        let g = try findings { t in try t.rewrite(Self.user) { try $0.replaceFirst(" SMP ", with: " SMQ ") } }
        let v = try #require(g.first { $0.kind == "vermagic-mismatch" })
        #expect(v.module == "processor_thermal_rfim")
        #expect(
            !f.contains { $0.kind == "vermagic-mismatch" }, "the release part alone does not matter with modversions")
    }

    @Test("a copied exporter: duplicate-export")
    func copiedExporter() throws {
        let f = try findings { t in
            var data = try Data(contentsOf: try t.file(Self.provider))
            try data.replaceFirst("name=processor_thermal_mbox", with: "name=processor_thermal_mboy")
            try t.add("extra/processor_thermal_mboy.ko", data)
        }
        let d = try #require(f.first { $0.kind == "duplicate-export" })
        #expect(Set([d.module, d.provider]) == ["processor_thermal_mbox", "processor_thermal_mboy"])
        #expect(d.symbols.contains("processor_thermal_send_mbox_read_cmd"))
    }

    @Test("the same module twice: duplicate-module")
    func duplicateModule() throws {
        let f = try findings { t in
            try t.add("updates/processor_thermal_mbox.ko", try Data(contentsOf: try t.file(Self.provider)))
        }
        let d = try #require(f.first { $0.kind == "duplicate-module" })
        #expect(d.path?.hasPrefix("kernel/") == true)
    }

    @Test("a removed provider: unresolved-symbol")
    func removedProvider() throws {
        let f = try findings { t in try t.remove(Self.provider) }
        let u = try #require(f.first { $0.kind == "unresolved-symbol" && $0.module == "processor_thermal_rfim" })
        #expect(u.symbols.contains("processor_thermal_send_mbox_read_cmd"))
    }

    @Test("corrupt files: unreadable-module each, the rest still analysed")
    func corruptFiles() throws {
        let f = try findings { t in
            let good = try Data(contentsOf: try t.file(Self.provider))
            try t.add("kernel/broken/truncated.ko", good.prefix(good.count / 3))
            try t.add("kernel/broken/garbage.ko", Data("not a module".utf8))
            try t.add("kernel/broken/empty.ko.xz", Data())
            try t.add("kernel/broken/bad.ko.xz", Data([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 1, 2, 3]))
        }
        let unreadable = f.filter { $0.kind == "unreadable-module" }.compactMap(\.path)
        #expect(
            Set(unreadable) == [
                "kernel/broken/truncated.ko", "kernel/broken/garbage.ko", "kernel/broken/empty.ko.xz",
                "kernel/broken/bad.ko.xz",
            ])
        #expect(f.filter { $0.kind != "unreadable-module" }.isEmpty)
    }
}
