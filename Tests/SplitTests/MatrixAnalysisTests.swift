import ELFScan
import Foundation
import Graph
import Split
import TestSupport
import Testing

/// Two small trees in memory under one split: `a` (pinned to core) needs `b` (pinned to extra) on both, a
/// cross-package error; `a` drags `c` into core on both, a forced move whose message gives c's size, which
/// differs between the trees; `d`, only in the first tree, needs a symbol nothing exports.
enum MatrixFixture {
    static let rules = """
        packages:
          - name: core
          - name: extra
            depends-on: [core]
        rules:
          - a[.]ko.*: core
            exact_pkg: true
          - b[.]ko.*: extra
            exact_pkg: true
          - default: extra

        """

    static func tree(_ version: String, cSize: UInt64, withD: Bool) throws -> SplitAnalysis {
        var modules = [
            exampleModule("a", imports: ["b_fn", "c_fn", "printk"]),
            exampleModule("b", exports: ["b_fn"], imports: ["printk"]),
            exampleModule("c", exports: ["c_fn"], imports: ["printk"], size: cSize),
        ]
        if withD { modules.append(exampleModule("d", imports: ["missing_fn"])) }
        return try Analyse.facts(
            modules, kernel: ["printk"], split: try FiltermodsRules.parse(rules, file: "rules.yaml"),
            version: version)
    }

    static func matrix() throws -> (MatrixAnalysis, [SplitAnalysis]) {
        let trees = [try tree("6.1.0-x", cSize: 3000, withD: true), try tree("6.1.0-y", cSize: 9000, withD: false)]
        return (try MatrixAnalysis(analyses: trees), trees)
    }
}

@Suite struct MatrixMergeTests {
    @Test("a finding on both trees is one finding naming both; one on a single tree names that tree")
    func mergesAcrossTrees() throws {
        let (matrix, trees) = try MatrixFixture.matrix()
        let cross = matrix.findings.filter { $0.finding.kind == "cross-package" }
        #expect(cross.count == 1)
        #expect(cross.first?.trees == ["6.1.0-x", "6.1.0-y"])
        let unresolved = matrix.findings.filter { $0.finding.kind == "unresolved-symbol" }
        #expect(unresolved.map(\.trees) == [["6.1.0-x"]])
        // The forced move's message differs in c's size alone: one finding, as the first tree said it.
        let moves = matrix.findings.filter { $0.finding.kind == "forced-move" && $0.finding.module == "c" }
        #expect(moves.count == 1)
        #expect(moves.first?.trees == ["6.1.0-x", "6.1.0-y"])
        let messages = trees.map { t in t.findings.first { $0.kind == "forced-move" && $0.module == "c" }?.message }
        #expect(messages[0] != messages[1], "the fixture should give c different sizes: \(messages)")
        #expect(moves.first?.finding.message == messages[0])
    }

    @Test("per tree, the merged findings are exactly that tree's findings alone")
    func projectionEqualsEachTree() throws {
        let (matrix, trees) = try MatrixFixture.matrix()
        for tree in trees {
            let version = tree.scan.tree.kernelVersion
            expectSameFindings(matrix.findings.filter { $0.trees.contains(version) }, tree.findings, version)
        }
        #expect(matrix.analyses.map(\.findings) == trees.map(\.findings))
    }

    @Test("two findings with one identity within a tree stay two")
    func occurrencesWithinOneTree() {
        let f = Finding(kind: "forced-move", severity: .info, module: "m", message: "m moved (4 KiB added)")
        let g = Finding(kind: "forced-move", severity: .info, module: "m", message: "m moved (8 KiB added)")
        let merged = MatrixFinding.merge([("k1", [f, g]), ("k2", [f])])
        #expect(merged.count == 2)
        #expect(merged.map(\.trees).sorted { $0.count > $1.count } == [["k1", "k2"], ["k1"]])
        // Both severities, kinds and modules order as Finding.sorted orders them.
        let mixed = MatrixFinding.merge([
            ("k1", [Finding(kind: "z", severity: .info, message: "late")]),
            ("k2", [Finding(kind: "a", severity: .error, message: "first")]),
        ])
        #expect(mixed.map(\.finding.kind) == ["a", "z"])
    }

    @Test("what differs between trees by nature is taken out of a message")
    func normalisedMessages() {
        typealias I = MatrixFinding.Identity
        #expect(
            I.normalized("x (12 KiB added to core), 14 MiB", kernelVersion: "6.1") == "x (<size> added to core), <size>"
        )
        #expect(
            I.normalized("kernel/a.ko.xz and b.ko.zst, c.ko.gz", kernelVersion: "6.1") == "kernel/a.ko and b.ko, c.ko")
        #expect(
            I.normalized("vermagic '6.12.0-1-amd64 SMP'", kernelVersion: "6.12.0-1-amd64") == "vermagic '<kernel> SMP'")
        #expect(I.normalized("version 1 KiB", kernelVersion: "") == "version <size>")
        #expect(I.normalized("no digits KiB", kernelVersion: "") == "no digits KiB")
        #expect(I.normalized("ünïcode 3 KiB ✓", kernelVersion: "") == "ünïcode <size> ✓")
    }

    @Test("one kernel version twice is refused, naming both trees")
    func duplicateKernelVersions() throws {
        let a = try MatrixFixture.tree("6.1.0-x", cSize: 1000, withD: false)
        let b = try MatrixFixture.tree("6.1.0-x", cSize: 2000, withD: true)
        #expect {
            _ = try MatrixAnalysis(analyses: [a, b])
        } throws: { error in
            "\(error)".contains("6.1.0-x") && "\(error)".contains("one tree per kernel version")
        }
        #expect(throws: AnalysisError.self) { _ = try MatrixAnalysis(analyses: []) }
    }

    @Test("the JSON of a matrix finding is the finding's fields and its trees")
    func encoding() throws {
        let (matrix, _) = try MatrixFixture.matrix()
        let first = try #require(matrix.findings.first)
        let json = try VersionedJSON.encode(first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["trees"] as? [String] == first.trees)
        #expect(object["kind"] as? String == first.finding.kind)
        #expect(object.keys.contains("cost") && object.keys.contains("namespace"))
        #expect(try JSONDecoder().decode(MatrixFinding.self, from: Data(json.utf8)) == first)
    }
}

/// `merged` (a matrix's findings on one tree) and `alone` (the tree's own) are the same findings: each merged
/// finding's identity, occurrence by occurrence, is one of the tree's.
func expectSameFindings(
    _ merged: [MatrixFinding], _ alone: [Finding], _ version: String,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    func census(_ findings: [Finding]) -> [MatrixFinding.Identity: Int] {
        var c: [MatrixFinding.Identity: Int] = [:]
        for f in findings { c[MatrixFinding.Identity(f, kernelVersion: version), default: 0] += 1 }
        return c
    }
    #expect(
        merged.count == alone.count, "\(version): \(merged.count) merged, \(alone.count) alone",
        sourceLocation: sourceLocation)
    #expect(census(merged.map(\.finding)) == census(alone), "\(version)", sourceLocation: sourceLocation)
}

/// The matrix pipeline on trees built from real modules (`RealModuleFixture`) and on trees of two machines.
@Suite struct MatrixPipelineTests {
    @Test("each tree of a matrix gives what it gives alone, on every schedule")
    func fixtureTrees() throws {
        let dir = try TemporaryDirectory("modsplit-matrix")
        defer { dir.cleanup() }
        let built = try RealModuleFixture.build(in: dir.url)
        let split = SplitInput.rules(path: built.rules.path, format: nil)
        let alone = try RealModuleFixture.Release.allCases.map {
            try Analyse.root(built.root($0), symvers: nil, split: split)
        }
        let trees = try RealModuleFixture.Release.allCases.map {
            MatrixTree(tree: try KernelTree.locate(path: built.root($0).path), scan: ScanOptions())
        }
        for schedule in [MatrixAnalysis.Schedule.oneAtATime, .pipelined, .sideBySide(2)] {
            var phases: [MatrixAnalysis.Phase] = []
            let matrix = try MatrixAnalysis(MatrixAnalysis.Request(trees: trees, split: split, schedule: schedule)) {
                phases.append($0)
            }
            #expect(phases == [.trees, .merge])
            #expect(matrix.kernelVersions == RealModuleFixture.Release.allCases.map(\.version))
            #expect(matrix.analyses.map(\.findings) == alone.map(\.findings), "\(schedule)")
            for a in alone {
                let v = a.scan.tree.kernelVersion
                expectSameFindings(matrix.findings.filter { $0.trees.contains(v) }, a.findings, v)
            }
            // r8169's softdep on the Realtek PHY driver left in modules is on both kernels, and reported once;
            // ahci needs other libata symbols on each kernel, so its error is one per kernel.
            let softdep = matrix.findings.filter { $0.finding.kind == "softdep-cross-package" }
            #expect(softdep.count == 1 && softdep.first?.trees.count == 2)
            let cross = matrix.findings.filter { $0.finding.kind == "cross-package" && $0.finding.module == "ahci" }
            #expect(cross.map(\.trees) == [["6.1.0-fixture-amd64"], ["6.12.0-fixture-amd64"]])
        }
        // Two splits of the same trees, each tree scanned once.
        let (before, after) = try MatrixAnalysis.comparing(
            MatrixAnalysis.Request(trees: trees, split: .rules(path: built.revisedRules.path, format: nil)),
            before: split)
        #expect(before.analyses.map(\.findings) == alone.map(\.findings))
        let revised = try Analyse.root(
            built.root(.debian612), symvers: nil,
            split: .rules(path: built.revisedRules.path, format: nil))
        #expect(after.analyses[1].findings == revised.findings)
        let diff = MatrixDiff(before: before, after: after)
        #expect(diff.trees.map(\.kernelVersion) == RealModuleFixture.Release.allCases.map(\.version))
        #expect(diff.moved.contains { $0.module == "libata" && $0.trees.count == 2 })
        #expect(diff.findingsDisappeared.contains { $0.finding.kind == "softdep-cross-package" && $0.trees.count == 2 })
    }

    @Test("bad input: a rules file that cannot be read is one error; a tree that cannot be scanned is named")
    func badInput() throws {
        let dir = try TemporaryDirectory("modsplit-matrix")
        defer { dir.cleanup() }
        let built = try RealModuleFixture.build(in: dir.url)
        let trees = try RealModuleFixture.Release.allCases.map {
            MatrixTree(
                tree: try KernelTree.locate(path: built.root($0).path), scan: ScanOptions(), label: $0.directoryName)
        }
        #expect {
            _ = try MatrixAnalysis(
                MatrixAnalysis.Request(
                    trees: trees,
                    split: .rules(
                        path: dir.url.path + "/none.yaml",
                        format: nil)))
        } throws: { "\($0)".contains("none.yaml") && !"\($0)".contains("debian-6") }
        var broken = trees
        broken[1].scan.symvers = dir.url.appendingPathComponent("no-such-symvers").path
        #expect {
            _ = try MatrixAnalysis(MatrixAnalysis.Request(trees: broken, split: .wholeTree))
        } throws: { "\($0)".hasPrefix("debian-6.12: ") }
        #expect {
            _ = try MatrixAnalysis(MatrixAnalysis.Request(trees: [trees[0], trees[0]], split: .wholeTree))
        } throws: { "\($0)".contains("given twice") }
    }

    @Test("one Module.symvers for trees of two architectures is refused, naming the trees and machines")
    func mixedArchitectures() throws {
        let dir = try TemporaryDirectory("modsplit-matrix")
        defer { dir.cleanup() }
        var trees: [MatrixTree] = []
        let symvers = dir.url.appendingPathComponent("Module.symvers")
        try "0x00000001\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n".write(to: symvers, atomically: true, encoding: .utf8)
        for (version, triple) in [("6.1.0-1-amd64", "x86_64-linux-gnu"), ("6.1.0-1-arm64", "aarch64-linux-gnu")] {
            let root = dir.url.appendingPathComponent(version)
            var m = FixtureModule(name: "m")
            m.imports = ["printk"]
            try m.build(in: root.appendingPathComponent("lib/modules/\(version)/kernel"), triple: triple)
            trees.append(
                MatrixTree(
                    tree: try KernelTree.locate(path: root.path),
                    scan: ScanOptions(symvers: symvers.path), label: version))
        }
        #expect {
            _ = try MatrixAnalysis(MatrixAnalysis.Request(trees: trees, split: .wholeTree))
        } throws: { error in
            let text = "\(error)"
            return text.contains("6.1.0-1-amd64 (x86_64)") && text.contains("6.1.0-1-arm64 (aarch64)")
                && text.contains("different architectures")
        }
        // Each with its own file (the same bytes, another path): accepted.
        let copy = dir.url.appendingPathComponent("Module.symvers.arm64")
        try FileManager.default.copyItem(at: symvers, to: copy)
        trees[1].scan.symvers = copy.path
        let matrix = try MatrixAnalysis(MatrixAnalysis.Request(trees: trees, split: .wholeTree))
        #expect(matrix.analyses.map { MatrixAnalysis.machine(of: $0.graph) } == ["x86_64", "aarch64"])
    }
}

/// Debian's kernels for five architectures under Fedora's rules: the matrix the benchmark times.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct RealMatrixTests {
    static let trees = [
        RealKernels.Tree("linux-image-6.12.117+deb12-amd64"), RealKernels.Tree("arm64", arch: "arm64"),
        RealKernels.Tree("s390x", arch: "s390x"), RealKernels.Tree("686-pae", arch: "i386"),
        RealKernels.Tree("armmp", arch: "armhf"),
    ]

    @Test("five architectures at once: each tree's findings are exactly a run on it alone")
    func fiveArchitectures() throws {
        let fedora = Fixtures.url("fedora/def_variants.yaml.fedora").path
        let split = SplitInput.rules(path: fedora, format: nil)
        var trees: [MatrixTree] = []
        for t in Self.trees {
            let root = try RealKernels.root(t)
            trees.append(
                MatrixTree(
                    tree: try KernelTree.locate(path: root.path),
                    scan: ScanOptions(symvers: RealKernels.symvers(in: root)?.path), label: t.spec))
        }
        let matrix = try MatrixAnalysis(MatrixAnalysis.Request(trees: trees, split: split))
        #expect(Set(matrix.analyses.map { MatrixAnalysis.machine(of: $0.graph) }).count == 5)
        for (k, t) in Self.trees.enumerated() {
            let alone = try Analyse.tree(t, split: split)
            let v = alone.scan.tree.kernelVersion
            #expect(matrix.analyses[k].findings == alone.findings, "\(v)")
            #expect(matrix.analyses[k].sizes.packages.map(\.members) == alone.sizes.packages.map(\.members), "\(v)")
            expectSameFindings(matrix.findings.filter { $0.trees.contains(v) }, alone.findings, v)
        }
        // Something is shared, and something is not: the merge is doing work.
        #expect(matrix.findings.contains { $0.trees.count == 5 })
        #expect(matrix.findings.contains { $0.trees.count == 1 })
        #expect(matrix.findings.count < matrix.analyses.reduce(0) { $0 + $1.findings.count })
    }
}
