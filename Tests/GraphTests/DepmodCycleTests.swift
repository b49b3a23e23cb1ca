import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

/// depmod refuses a tree whose modules need each other in a cycle ("Cycle detected: a -> b -> a",
/// exit status 1, nothing written); `export depmod` refuses it the same way.
@Suite struct DepmodCycleTests {
    /// A tree of clang-built modules: `ring_a` and `ring_b` import each other, `ring_c` closes a
    /// three-module cycle with `tri_a` and `tri_b`, `user` needs `ring_a`, and `alone` needs nothing.
    static func cyclicTree(in dir: URL, cyclic: Bool = true) throws -> ModuleGraph {
        let kernel = dir.appendingPathComponent("lib/modules/6.1.0-cycle/kernel")
        func module(_ name: String, imports: [String]) throws {
            var m = FixtureModule(name: name)
            m.exports = [.init("\(name)_fn")]
            m.imports = imports
            try m.build(in: kernel)
        }
        try module("ring_a", imports: ["ring_b_fn"])
        try module("ring_b", imports: cyclic ? ["ring_a_fn"] : [])
        try module("tri_a", imports: ["tri_b_fn"])
        try module("tri_b", imports: ["tri_c_fn"])
        try module("tri_c", imports: cyclic ? ["tri_a_fn"] : [])
        try module("user", imports: ["ring_a_fn"])
        try module("alone", imports: [])
        let scan = try TreeScanner.scan(
            try KernelTree.locate(path: kernel.deletingLastPathComponent().path),
            options: ScanOptions(discoverKernelSymbols: false))
        #expect(scan.problems.isEmpty)
        return ModuleGraph(scan: scan)
    }

    @Test("a tree with dependency cycles is refused, each cycle named as depmod names it")
    func refusesCycles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let graph = try Self.cyclicTree(in: dir.url)
        #expect { try DepmodFiles.render(graph) } throws: { error in
            guard let cycles = error as? DependencyCycles else { return false }
            return cycles.cycles == [["ring_a", "ring_b", "ring_a"], ["tri_a", "tri_b", "tri_c", "tri_a"]]
                && cycles.moduleCount == 5
                && cycles.lines == [
                    "Cycle detected: ring_a -> ring_b -> ring_a",
                    "Cycle detected: tri_a -> tri_b -> tri_c -> tri_a",
                    "Found 5 modules in dependency cycles!",
                ]
        }
    }

    @Test("the same tree without the back edges is written")
    func acyclicIsWritten() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let graph = try Self.cyclicTree(in: dir.url, cyclic: false)
        let files = Dictionary(uniqueKeysWithValues: try DepmodFiles.render(graph).map { ($0.name, $0.contents) })
        #expect(files["modules.dep"]?.contains("kernel/user.ko: kernel/ring_a.ko kernel/ring_b.ko") == true)
    }
}
