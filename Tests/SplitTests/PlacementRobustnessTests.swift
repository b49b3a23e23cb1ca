import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

/// Dependency cycles, conflicting pins and unplaceable modules: placement and every check still finish.
@Suite struct PlacementRobustnessTests {
    /// A tiny deterministic generator (splitmix64), so that a failure names a seed that reproduces it.
    struct Seeded {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    func module(_ i: Int, imports: [Int]) -> ModuleFacts {
        var m = exampleModule("m\(i)", exports: ["f\(i)"], imports: imports.map { "f\($0)" })
        m.path = "kernel/drivers/d\(i % 3)/m\(i).ko"
        return m
    }

    @Test("a cycle between modules pinned to different packages is reported, not a crash")
    func pinnedCycle() throws {
        let text = """
            packages:
              - name: core
              - name: extra
                depends-on: [core]
            rules:
              - drivers/d0/.*: core
                exact_pkg: true
              - drivers/d1/.*: extra
                exact_pkg: true
              - default: extra

            """
        let a = try Analyse.facts(
            [module(0, imports: [1]), module(1, imports: [2]), module(2, imports: [0]), module(4, imports: [0])],
            split: try FiltermodsRules.parse(text, file: "c.yaml"))
        #expect(a.findings.contains { $0.kind == "dependency-cycle" })
        #expect(a.placement.packageOf.allSatisfy { $0 != nil })
    }

    @Test(
        "random graphs with cycles, random package hierarchies (up to 70 packages) and random rules never crash",
        arguments: 0..<200)
    func randomSplits(seed: Int) throws {
        var rng = Seeded(state: UInt64(seed) &* 7919)
        let n = 1 + rng.below(25)
        var modules: [ModuleFacts] = []
        for i in 0..<n {
            let imports = (0..<rng.below(4)).map { _ in rng.below(n) }.filter { $0 != i }
            modules.append(module(i, imports: imports))
        }
        let p = 1 + (seed % 3 == 0 ? 64 + rng.below(6) : rng.below(6))
        var packages: [PackageDefinition] = []
        for k in 0..<p {
            let deps = k == 0 ? [] : Array(Set((0..<rng.below(3)).map { _ in "p\(rng.below(k))" })).sorted()
            packages.append(
                PackageDefinition(name: "p\(k)", dependsOn: deps, location: SourceLocation(file: "r", line: k + 1)))
        }
        var rules: [PlacementRule] = []
        for r in 0..<rng.below(8) {
            let pattern = [".*", "drivers/d\(rng.below(3))/.*", "drivers/d\(rng.below(3))/m\(rng.below(n)).ko", "^x"][
                rng.below(4)]
            rules.append(
                PlacementRule(
                    kind: rng.below(3) == 0 ? .needs : .wants, pattern: try PathPattern(pattern),
                    package: "p\(rng.below(p))", ignoreDeps: rng.below(5) == 0,
                    location: SourceLocation(file: "r", line: 100 + r)))
        }
        let hasDefault = rng.below(2) == 0
        let split = FiltermodsRules(
            file: "r", packages: packages, rules: rules, defaultPackage: hasDefault ? "p\(rng.below(p))" : nil,
            defaultLocation: hasDefault ? SourceLocation(file: "r", line: 99) : nil)
        let a = try Analyse.facts(modules, split: split)
        #expect(a.placement.packageOf.allSatisfy { $0 == nil || (0..<p).contains($0!) })
        #expect(a.placement.packageOf.count == n)
        // Placed and unplaced modules are told apart: a module without a package has a finding or no rule.
        for m in 0..<n where a.placement.packageOf[m] == nil {
            #expect(a.placement.failure[m] != nil || !hasDefault, "seed \(seed): m\(m) lost without a reason")
        }
    }

    @Test("package lists with a module cycle across packages: cross-package findings, no crash")
    func listsWithCycle() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = dir.url.appendingPathComponent("a.list").path, b = dir.url.appendingPathComponent("b.list").path
        try "kernel/drivers/d0/m0.ko\n".write(toFile: a, atomically: false, encoding: .utf8)
        try "kernel/drivers/d1/m1.ko\n".write(toFile: b, atomically: false, encoding: .utf8)
        let result = try Analyse.facts(
            [module(0, imports: [1]), module(1, imports: [0])],
            split: PackageLists(lists: [("a", a), ("b", b)], requires: [("b", "a")]))
        #expect(result.findings.contains { $0.kind == "dependency-cycle" })
        #expect(result.findings.contains { $0.kind == "cross-package" && $0.module == "m0" })
    }
}
