import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

/// The acceptance test of the ELFScan issue: on real Debian trees of several architectures,
/// modsplit's depmod files equal `depmod -a`'s, byte for byte.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct DepmodExactnessTests {
    @Test("export depmod equals depmod -a", arguments: RealKernels.exactness)
    func equalsDepmod(tree: RealKernels.Tree) throws {
        let root = try RealKernels.root(tree)
        let symvers = RealKernels.symvers(in: root)
        let reference = try DepmodReference.run(root: root, symvers: symvers)

        let scan = try TreeScanner.scan(
            try KernelTree.locate(path: root.path),
            options: ScanOptions(symvers: symvers?.path))
        #expect(scan.problems.isEmpty, "unreadable: \(scan.problems.prefix(3))")
        #expect(scan.modules.count > 500)
        let graph = ModuleGraph(scan: scan)
        let unresolved = graph.unresolved.reduce(0) { $0 + $1.count }
        #expect(unresolved == 0, "an untampered kernel resolves every symbol")
        let ours = Dictionary(uniqueKeysWithValues: try DepmodFiles.render(graph).map { ($0.name, $0.contents) })
        for (name, expected) in reference.sorted(by: { $0.key < $1.key }) {
            let mine = ours[name] ?? ""
            if mine != expected {
                let a = Set(expected.split(separator: "\n")), b = Set(mine.split(separator: "\n"))
                Issue.record(
                    Comment(
                        rawValue: "\(tree): \(name) differs; only depmod: \(a.subtracting(b).sorted().prefix(3)); "
                            + "only modsplit: \(b.subtracting(a).sorted().prefix(3))"))
            }
        }
        // Per module the same set of dependencies, stated on its own so a failure is easy to read.
        #expect(depSets(ours["modules.dep"] ?? "") == depSets(reference["modules.dep"]!))
    }

    func depSets(_ text: String) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            out[String(parts[0])] = Set((parts.count > 1 ? parts[1] : "").split(separator: " ").map(String.init))
        }
        return out
    }
}

/// Per module, modsplit's reader agrees with libkmod's (what depmod itself reads): exports with their
/// CRCs, undefined symbols with their binding and expected CRC, and every .modinfo string.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct LibkmodAgreementTests {
    static let signatureKeys: Set<String> = ["sig_id", "signer", "sig_key", "sig_hashalgo", "signature"]

    @Test(
        "every module's facts match libkmod's",
        arguments: [
            RealKernels.Tree("cloud-amd64"), RealKernels.Tree("6.12:cloud-amd64"),
            RealKernels.Tree("s390x", arch: "s390x"),
            RealKernels.Tree("686-pae", arch: "i386"),
        ])
    func agreesWithLibkmod(tree: RealKernels.Tree) throws {
        let root = try RealKernels.root(tree)
        let scan = try TreeScanner.scan(try KernelTree.locate(path: root.path))
        let kmod = try #require(KmodContext())
        var compared = 0
        for m in scan.modules {
            let k = try #require(
                kmod.facts(path: scan.tree.moduleDirectory + "/" + m.path), "libkmod could not read \(m.path)")
            compared += 1
            // libkmod takes exports from __crc_ symbols when there are any, as on these modversions kernels.
            let ours = Dictionary(uniqueKeysWithValues: m.exports.map { ($0.name, UInt64($0.crc ?? 0)) })
            #expect(ours == k.symbols, "\(m.path): exports")
            let deps =
                m.imports.map { KmodDependency(name: $0.name, weak: $0.weak, crc: UInt64($0.crc ?? 0)) }
                + m.extraVersions.map { KmodDependency(name: $0.name, weak: false, crc: UInt64($0.crc)) }
            #expect(deps == k.dependencySymbols, "\(m.path): undefined symbols")
            let info = k.info.filter { !Self.signatureKeys.contains($0.key) }.map {
                ModinfoEntry(key: $0.key, value: $0.value)
            }
            #expect(m.modinfo == info, "\(m.path): modinfo")
        }
        #expect(compared == scan.modules.count)
    }
}
