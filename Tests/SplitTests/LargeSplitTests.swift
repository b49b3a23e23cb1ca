import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

/// Splits with more packages than a machine word has bits: package sets have no size limit.
@Suite struct LargeSplitTests {
    func module(_ path: String, exports: [String] = [], imports: [String] = []) -> ModuleFacts {
        var m = exampleModule(moduleName(fromFileName: path), exports: exports, imports: imports)
        m.path = path
        return m
    }

    /// 65 packages, p1…p64 each depending on p0: the module of p64 uses p0's, the module of p63 uses p64's.
    @Test("a rules file with 65 packages places every module in its own package")
    func sixtyFivePackages() throws {
        var text = "packages:\n  - name: p0\n"
        for p in 1...64 { text += "  - name: p\(p)\n    depends-on: [p0]\n" }
        text += "rules:\n"
        for p in 0...64 { text += "  - drivers/p\(p)/.*: p\(p)\n    exact_pkg: true\n" }
        var modules = [module("kernel/drivers/p0/m0.ko", exports: ["f0"])]
        for p in 1...64 {
            modules.append(
                module("kernel/drivers/p\(p)/m\(p).ko", exports: ["f\(p)"], imports: p == 63 ? ["f64"] : ["f0"]))
        }
        let a = try Analyse.facts(modules, split: try FiltermodsRules.parse(text, file: "wide.yaml"))
        let names = a.placement.packages.names
        for p in 0...64 {
            let m = try #require(a.graph.module(named: "m\(p)"))
            #expect(a.placement.packageOf[m].map { names[$0] } == "p\(p)")
        }
        #expect(a.placement.packages.reaches(64, 0))
        #expect(!a.placement.packages.reaches(63, 64))
        let cross = a.findings.filter { $0.kind == "cross-package" }
        #expect(cross.map(\.module) == ["m63"], "\(cross.map(\.message))")
        #expect(cross.first?.providerPackage == "p64")
    }

    /// The same with no `exact_pkg`: filtermods' propagation runs on 65-package sets.
    @Test("filtermods propagation on 65 packages: a dependency moves down to the package that needs it")
    func sixtyFivePackagesPropagate() throws {
        var text = "packages:\n  - name: p0\n"
        for p in 1...64 { text += "  - name: p\(p)\n    depends-on: [p\(p - 1)]\n" }
        text += "rules:\n  - drivers/top/.*: p64\n  - drivers/low/.*: p1\n  - default: p64\n"
        let modules = [
            module("kernel/drivers/top/user.ko", exports: ["u"], imports: ["l"]),
            module("kernel/drivers/low/lib.ko", exports: ["l"]),
            module("kernel/drivers/other/free.ko", imports: ["u"]),
        ]
        let a = try Analyse.facts(modules, split: try FiltermodsRules.parse(text, file: "chain.yaml"))
        let names = a.placement.packages.names
        func package(_ name: String) -> String? {
            a.placement.packageOf[a.graph.module(named: name)!].map { names[$0] }
        }
        #expect(package("user") == "p64")
        #expect(package("lib") == "p1")
        #expect(package("free") == "p64")
        #expect(a.findings.filter { $0.severity == .error }.isEmpty, "\(a.findings.map(\.message))")
        #expect(a.placement.packages.members(a.placement.packages.closure(64)).count == 65)
        #expect(a.placement.packages.members(a.placement.packages.below[64]) == Array(0...63))
    }

    /// 200 packages from `--list` files, one module each, in a chain p199 → p198 → … → p0.
    @Test("200 packages from lists, one module each: closures reach the whole chain")
    func twoHundredLists() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var modules: [ModuleFacts] = []
        var lists: [(package: String, file: String)] = []
        var requires: [(package: String, dependency: String)] = []
        for p in 0..<200 {
            // Each module uses the one of the package below it; p0's `lone` uses m199, which p0 cannot reach.
            modules.append(module("kernel/drivers/m\(p).ko", exports: ["f\(p)"], imports: p == 0 ? [] : ["f\(p - 1)"]))
            var entries = "/lib/modules/6.1.0-test/kernel/drivers/m\(p).ko\n"
            if p == 0 {
                modules.append(module("kernel/drivers/lone.ko", imports: ["f199"]))
                entries += "kernel/drivers/lone.ko\n"
            }
            let file = dir.url.appendingPathComponent("p\(p).list").path
            try entries.write(toFile: file, atomically: false, encoding: .utf8)
            lists.append((package: "p\(p)", file: file))
            if p > 0 { requires.append((package: "p\(p)", dependency: "p\(p - 1)")) }
        }
        let a = try Analyse.facts(modules, split: PackageLists(lists: lists, requires: requires))
        for p in 0..<200 {
            #expect(a.placement.packageOf[a.graph.module(named: "m\(p)")!] == p)
        }
        #expect(a.placement.packages.members(a.placement.packages.closure(199)).count == 200)
        #expect(a.placement.packages.reaches(199, 0) && !a.placement.packages.reaches(0, 199))
        let cross = a.findings.filter { $0.kind == "cross-package" }
        #expect(cross.map(\.module) == ["lone"], "\(cross.prefix(3).map(\.message))")
        #expect(!a.findings.contains { $0.kind == "unplaced-module" })
    }
}

@Suite struct PackageMaskTests {
    @Test("sets across word boundaries: insert, remove, equality, members")
    func wordBoundaries() {
        var m = PackageMask([0, 63, 64, 65, 200])
        #expect(m.count == 5 && m.members == [0, 63, 64, 65, 200] && m.first == 0)
        #expect(m.contains(64) && !m.contains(62) && !m.contains(201) && !m.contains(-1))
        m.remove(200)
        #expect(m == PackageMask([0, 63, 64, 65]), "equal sets are equal values once the top word empties")
        #expect(m.hashValue == PackageMask([65, 64, 63, 0]).hashValue)
        #expect(PackageMask.all(64).count == 64 && PackageMask.all(65).members.last == 64 && PackageMask.all(0).isEmpty)
        #expect(m.intersection(PackageMask([64, 300])) == PackageMask.single(64))
        #expect(
            m.subtracting(PackageMask.all(66)).isEmpty && m.subtracting(PackageMask.all(65)) == PackageMask.single(65))
        #expect(m.union(PackageMask([130])).members == [0, 63, 64, 65, 130])
        #expect(m.intersects(PackageMask([65])) && !m.intersects(PackageMask([1, 130])))
    }

    @Test("cycles in --requires are named, and a package set with a cycle still answers")
    func cycles() {
        let set = PackageSet(names: ["a", "b", "c"], dependsOn: [["b"], ["c"], ["a"]])
        #expect(set.cycle(through: 0) == [0, 1, 2])
        #expect(set.below[0] == PackageMask([1, 2]))
        #expect(set.reaches(0, 2) && set.reaches(2, 1))
        #expect(PackageSet(names: ["a", "b"], dependsOn: [[], ["a"]]).cycle(through: 1) == nil)
    }
}
