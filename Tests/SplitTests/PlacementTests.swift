import ELFScan
import Foundation
import Graph
import Split
import TestSupport
import Testing

/// filtermods' placement semantics on small in-memory trees.
@Suite struct PlacementTests {
    let rules = """
        packages:
          - name: core
          - name: modules
            depends-on: [core]
          - name: internal
            depends-on: [core, modules]
          - name: extra
            depends-on: [core, modules]
        rules:
          - .*test[^/]*.ko: internal
          - fs/dlm/.*: extra
          - drivers/md/.*: core
          - default: modules

        """

    func module(_ path: String, exports: [String] = [], imports: [String] = []) -> ModuleFacts {
        var m = exampleModule(moduleName(fromFileName: path), exports: exports, imports: imports)
        m.path = path
        return m
    }

    func place(_ modules: [ModuleFacts], rules text: String? = nil, file: String = "rules.yaml") throws
        -> (ModuleGraph, Placement, [Finding])
    {
        let a = try Analyse.facts(modules, split: try FiltermodsRules.parse(text ?? rules, file: file))
        return (a.graph, a.placement, a.findings)
    }

    func package(_ g: ModuleGraph, _ p: Placement, _ name: String) -> String? {
        p.packageOf[g.module(named: name)!].map { p.packages.names[$0] }
    }

    @Test("a module wanted in extra but needed by core moves down to core (info)")
    func pushedDown() throws {
        let (g, p, f) = try place([
            module("kernel/fs/dlm/dlm.ko.xz", exports: ["dlm_lock"]),
            module("kernel/drivers/md/md-cluster.ko.xz", imports: ["dlm_lock"]),
        ])
        #expect(package(g, p, "dlm") == "core")
        let move = try #require(f.first { $0.kind == "forced-move" && $0.module == "dlm" })
        #expect(move.severity == .info)
        #expect(move.message.contains("from extra to core"))
        #expect(move.notes.contains { $0.contains("needed by md_cluster in core for dlm_lock") })
        #expect(move.cost?.bytes == 1000)
    }

    @Test("a rule-less dependency of a test module is dragged up out of the default install set (warning)")
    func pushedUp() throws {
        let (g, p, f) = try place([
            module("kernel/net/core/selftests.ko.xz", exports: ["net_selftest"]),
            module("kernel/drivers/net/usb/asix.ko.xz", imports: ["net_selftest"]),
        ])
        #expect(package(g, p, "asix") == "internal")
        let move = try #require(f.first { $0.kind == "forced-move" && $0.module == "asix" })
        #expect(move.severity == .warning)
        #expect(move.rule?.line == 13)
        #expect(move.notes.contains { $0.contains("needs selftests in internal for net_selftest") })
    }

    @Test("unconstrained modules take the default package")
    func defaulted() throws {
        let (g, p, f) = try place([module("kernel/sound/x.ko.xz")])
        #expect(package(g, p, "x") == "modules")
        #expect(f.filter { $0.kind != "rule-matches-nothing" }.isEmpty)
    }

    @Test("two pinned modules that conflict are a cross-package error naming both rules")
    func conflict() throws {
        let text = """
            packages:
              - name: core
              - name: extra
                depends-on: [core]
            rules:
              - drivers/a/.*: core
                exact_pkg: true
              - drivers/b/.*: extra
                exact_pkg: true

            """
        let (_, _, f) = try place(
            [module("kernel/drivers/a/a.ko", imports: ["b_fn"]), module("kernel/drivers/b/b.ko", exports: ["b_fn"])],
            rules: text, file: "c.yaml")
        let cross = try #require(f.first { $0.kind == "cross-package" })
        #expect(cross.severity == .error)
        #expect(cross.symbols == ["b_fn"])
        #expect(cross.rule?.line == 6)
        #expect(cross.providerRule?.line == 8)
        #expect(cross.package == "core" && cross.providerPackage == "extra")
    }

    @Test("without a default, a module no rule matches is unplaced")
    func unplaced() throws {
        let (_, _, f) = try place(
            [module("kernel/sound/x.ko")], rules: "packages:\n  - name: core\nrules:\n  - drivers/.*: core\n",
            file: "u.yaml")
        #expect(f.map(\.kind) == ["unplaced-module", "rule-matches-nothing"])
    }
}

/// Every check's own examples: the triggering one finds something, the passing one does not.
@Suite struct CheckExampleTests {
    @Test(
        "each check triggers on its example and not on its counter-example",
        arguments: CheckRegistry.all.map(\.description.id))
    func examples(id: String) throws {
        let check = try #require(CheckRegistry.check(id: id))
        let d = check.description
        #expect(check.run(d.triggering.context()).contains { $0.kind == id }, "\(id): \(d.triggering.summary)")
        #expect(!check.run(d.passing.context()).contains { $0.kind == id }, "\(id): \(d.passing.summary)")
        #expect(!d.rationale.isEmpty && !d.summary.isEmpty)
    }

    @Test("check ids are unique")
    func uniqueIDs() {
        let ids = CheckRegistry.all.map(\.description.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.count == 18)
    }
}
