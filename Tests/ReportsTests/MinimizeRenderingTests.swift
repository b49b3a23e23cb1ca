import ELFScan
import Foundation
import Graph
import Reports
import Split
import TestSupport
import Testing

/// A tiny KVM-like tree: two disk drivers sharing a library, a network driver, three file systems, a console
/// built in; one module with a path that needs escaping in a rule.
private let modules: [ModuleFacts] = {
    var odd = exampleModule("odd+mod", exports: ["odd_fn"], size: 10)
    odd.path = "kernel/drivers/x/odd+mod.ko.xz"
    return [
        exampleModule("ring", exports: ["ring_add"], size: 100),
        exampleModule("vblk", imports: ["ring_add", "odd_fn"], size: 300),
        exampleModule("vscsi", imports: ["ring_add"], size: 2000),
        exampleModule("vnet", imports: ["ring_add"], size: 500),
        exampleModule("ext4", size: 900),
        exampleModule("xfs", size: 700),
        exampleModule("btrfs", size: 2000),
        exampleModule("sound", size: 40000),
        odd,
    ]
}()

private let guest = GuestProfile(
    name: "tiny-guest", description: "a guest of 'tests'",
    requirements: [
        .init(what: "disk", modules: ["vblk", "vscsi"]),
        .init(what: "network", modules: ["vnet"]),
        .init(what: "console", modules: ["8250"]),
        .init(what: "root file system", modules: ["ext4", "xfs", "btrfs"]),
    ])

private func derive(
    profiles: [GuestProfile] = [guest], keep: [String] = [],
    objective: MinimalCore.Objective = .bytes
) throws -> (SplitAnalysis, MinimalCore) {
    let a = try Analyse.facts(modules, builtin: ["8250"])
    var core = try MinimalCore.derive(
        graph: a.graph, builtinModinfo: [:], profiles: profiles,
        keep: try MinimalCore.modules(named: keep, in: a.graph), objective: objective,
        further: GuestProfile.builtIn)
    core.kernelVersion = "6.1.0-test"
    return (a, core)
}

@Suite struct MinimizeRenderingTests {
    @Test(
        """
        text: totals against the tree, the optimality claim, each requirement with its alternatives, \
        each module's reason
        """
    )
    func text() throws {
        let (_, core) = try derive()
        let text = core.text()
        #expect(text.hasPrefix("Minimal core of 6.1.0-test for tiny-guest (least shipped bytes)\n"))
        #expect(
            text.contains(
                "This core is 5 modules and 2 KiB shipped (7 KiB uncompressed), "
                    + "3.5% of the kernel's shipped bytes (9 modules, 46 KiB shipped).\n"
            ))
        #expect(
            text.contains("Optimal: no core that meets these requirements has fewer shipped bytes (branch and bound, "))
        #expect(text.contains("  disk — tiny-guest\n    vblk: +1 KiB\n      instead: vscsi (core +2 KiB)\n"))
        #expect(text.contains("  console — tiny-guest\n    built in: 8250\n"))
        #expect(text.contains("    xfs: +1 KiB\n      instead: ext4 (core +1 KiB), btrfs (core +2 KiB)\n"))
        #expect(text.contains("kernel/ring.ko.xz  ") && text.contains("needed: vnet → ring\n"))
        #expect(text.contains("kernel/drivers/x/odd+mod.ko.xz") && text.contains("needed: vblk → odd+mod\n"))
        #expect(text.contains("for disk\n"))
        // The built-in profiles this tree cannot meet are named with what they lack.
        #expect(text.contains("\nAdding a profile (each alone, to this selection):\n"))
        #expect(
            text.contains("  ec2-nitro         cannot: the kernel has no driver for EBS NVMe storage, ENA network\n"))
    }

    @Test("text with kept modules and the module count as objective")
    func keptAndModules() throws {
        let (_, core) = try derive(keep: ["sound"], objective: .modules)
        let text = core.text()
        #expect(text.contains("for tiny-guest, keeping sound (least modules)"))
        #expect(text.contains("kept\n"))
        #expect(text.contains("    vscsi: +1 module (2 KiB shipped)\n"))
    }

    @Test("json: schema version 1 and every documented field")
    func json() throws {
        let (_, core) = try derive()
        let text = try core.json(tool: "modsplit test")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(doc["schemaVersion"] as? Int == 1)
        #expect(
            Set(doc.keys) == [
                "schemaVersion", "tool", "kernelVersion", "objective", "profiles", "keep", "core",
                "tree", "search", "requirements", "modules", "additions",
            ])
        let c = try #require(doc["core"] as? [String: Any])
        #expect(c["modules"] as? Int == 5 && c["bytes"] as? Int == 1610 && c["cost"] as? Int == 1610)
        #expect(Set(c.keys) == ["modules", "bytes", "uncompressedBytes", "cost", "percentOfTreeBytes"])
        let search = try #require(doc["search"] as? [String: Any])
        #expect(search["optimal"] as? Bool == true && search["gap"] as? Int == 0)
        #expect(
            Set(search.keys).isSuperset(of: ["optimal", "lowerBound", "gap", "nodes", "seconds", "timeLimitSeconds"]))
        let reqs = try #require(doc["requirements"] as? [[String: Any]])
        #expect(reqs.map { $0["met"] as? String } == ["module", "module", "builtin", "module"])
        let disk = reqs[0]
        #expect(disk["module"] as? String == "vblk" && disk["marginalCost"] as? Int == 310)
        let alternatives = try #require(disk["alternatives"] as? [[String: Any]])
        #expect(
            alternatives.count == 1 && alternatives[0]["module"] as? String == "vscsi"
                && alternatives[0]["delta"] as? Int == 1690)
        let mods = try #require(doc["modules"] as? [[String: Any]])
        let ring = try #require(mods.first { $0["name"] as? String == "ring" })
        #expect(ring["chain"] as? [String] == ["vnet", "ring"] && (ring["chosenFor"] as? [String])?.isEmpty == true)
        let additions = try #require(doc["additions"] as? [[String: Any]])
        #expect(additions.count == GuestProfile.builtIn.count)
        // Same input, same bytes, but for the search time.
        func stable(_ s: String) -> String { s.split(separator: "\n").filter { !$0.contains("\"seconds\"") }.joined() }
        #expect(stable(try derive().1.json(tool: "modsplit test")) == stable(text))
    }

    @Test("list: the core's paths, one a line, in byte order")
    func list() throws {
        let (_, core) = try derive()
        #expect(
            core.list() == """
                kernel/drivers/x/odd+mod.ko.xz
                kernel/ring.ko.xz
                kernel/vblk.ko.xz
                kernel/vnet.ko.xz
                kernel/xfs.ko.xz

                """)
    }

    @Test("rules: a filtermods file that places exactly the core in core and passes check, with a profile it defines")
    func rules() throws {
        let (a, core) = try derive()
        let text = core.rules(tool: "modsplit test")
        #expect(text.contains("  - 'drivers/x/odd\\+mod\\.ko': core\n    exact_pkg: true\n"))
        #expect(text.contains("  - name: 'tiny-guest'\n    description: 'a guest of ''tests'''\n"))
        #expect(text.hasSuffix("  - default: rest\n"))
        let rules = try FiltermodsRules.parse(text, file: "core.yaml")
        #expect(rules.profiles == [guest])
        let checked = try Analyse.facts(modules, builtin: ["8250"], split: rules)
        let placed = Set(checked.placement.members(checked.graph)[0].map { checked.graph.modules[$0].path })
        #expect(placed == Set(core.paths))
        #expect(checked.findings.filter { $0.severity == .error }.isEmpty, "\(checked.findings.map(\.message))")
        #expect(checked.context.profileBindings.map(\.profile.name) == ["tiny-guest"])
        _ = a
    }

    @Test("a search stopped early says so, with the gap")
    func notOptimal() throws {
        let a = try Analyse.facts(modules, builtin: ["8250"])
        let core = try MinimalCore.derive(
            graph: a.graph, builtinModinfo: [:], profiles: [guest],
            limits: .init(seconds: 10, nodes: 0))
        #expect(!core.search.optimal)
        #expect(
            core.text().contains("Not proven optimal: the search stopped at its limit 10 s, 0 nodes after 1 nodes."))
        #expect(core.rules(tool: "t").contains("(not proven optimal)"))
    }

    @Test("with no time left to price, text and JSON say what was not priced")
    func notPriced() throws {
        let a = try Analyse.facts(modules, builtin: ["8250"])
        let core = try MinimalCore.derive(
            graph: a.graph, builtinModinfo: [:], profiles: [guest], limits: .init(seconds: 0),
            further: [GuestProfile(name: "again", description: "", requirements: guest.requirements)])
        let text = core.text()
        #expect(text.contains("      1 other provider not priced\n"), "\(text)")
        #expect(text.contains("not priced: the time for pricing (--time-limit) ran out"))
        let json = try core.json(tool: "t")
        #expect(json.contains("\"unpricedAlternatives\" : 1") && json.contains("\"priced\" : false"))
        let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let addition = try #require((doc?["additions"] as? [[String: Any]])?.first)
        #expect(addition["delta"] as? Int == 0 && addition["cost"] as? Int == 0)
    }
}

@Suite struct CoreComparisonRenderingTests {
    /// An EC2 Nitro core that ships more than it must: a placed extra, what it pulls in, and a module the split's
    /// tool moved down because packages a and b both need it.
    func comparison() throws -> CoreComparison {
        let modules = [
            exampleModule("nvme_core", exports: ["nvme_x"], size: 90),
            exampleModule("nvme", imports: ["nvme_x"], size: 30),
            exampleModule("ena", size: 60),
            exampleModule("ext4", size: 400),
            exampleModule("extra1", imports: ["lib_x"], size: 5000),
            exampleModule("lib", exports: ["lib_x"], size: 700),
            exampleModule("shared", exports: ["shared_x"], size: 300),
            exampleModule("user_a", imports: ["shared_x"], size: 10),
            exampleModule("user_b", imports: ["shared_x"], size: 10),
        ]
        let split = ExampleSplit(
            packages: [("core", []), ("a", ["core"]), ("b", ["core"])],
            placed: [
                "nvme_core": "core", "nvme": "core", "ena": "core", "ext4": "core", "extra1": "core",
                "lib": "core", "shared": "core", "user_a": "a", "user_b": "b",
            ],
            wanted: ["lib": "a", "shared": "a"])
        let a = try Analyse.facts(modules, builtin: ["8250"], split: split, profiles: [("ec2-nitro", "core")])
        return try CoreComparison(analysis: a, package: "core")
    }

    @Test("the model: extras by module with their chain, by rule, and nothing of the floor missing")
    func model() throws {
        let c = try comparison()
        let g = c.floor.graph
        #expect(c.floor.members.map { g.modules[$0.module].name }.sorted() == ["ena", "ext4", "nvme", "nvme_core"])
        #expect(c.extras.map { g.modules[$0.module].name } == ["extra1", "lib", "shared"])
        #expect(c.extras[1].chain.map { g.modules[$0].name } == ["extra1", "lib"])
        #expect(c.extras[2].movedFrom == "a" && c.extras[2].neededBy.map { $0.package } == ["a", "b"])
        #expect(c.extraBytes == 6000 && c.missing.isEmpty && c.installed.count == 7)
    }

    @Test("text and markdown name the totals, the chain that pulls each module in, and the moves")
    func rendering() throws {
        let c = try comparison()
        let text = c.text()
        #expect(text.hasPrefix("core of example.list beside the minimal core for ec2-nitro\n"))
        #expect(text.contains("  core installs            7 modules, 7 KiB shipped, 26 KiB uncompressed\n"))
        #expect(text.contains("  beyond the minimal core  3 modules, 6 KiB shipped, 24 KiB uncompressed\n"))
        #expect(text.contains("lib.ko.xz  pulled in: extra1 → lib (extra1 placed by example.list:"))
        #expect(text.contains("shared.ko.xz  moved down from a (asked for by example.list:"))
        #expect(text.contains("needed by user_a (a), user_b (b)\n"))
        let md = c.markdown()
        #expect(md.hasPrefix("### core beside the minimal core\n"))
        #expect(md.contains("| beyond the minimal core | 3 | 6 KiB | 24 KiB |\n"))
        #expect(md.contains("<details><summary><b>modules beyond the minimal core</b> (3)</summary>"))
    }

    @Test("report --minimal-core: the page and summary.md show the comparison; without it they are unchanged")
    func inReport() throws {
        let c = try comparison()
        let modules = [exampleModule("a<b>", size: 10)]
        let a = try Analyse.facts(modules, builtin: ["8250"])
        let data = ReportData(tool: "t", analysis: a, split: nil)
        let page = try HTMLReport.render(data, comparison: c)
        #expect(page.contains("<section id=\"minimal-core\" class=\"panel\"><h2>core beside the minimal core</h2>"))
        #expect(page.contains("extra1") && page.contains("pulled in: "))
        #expect(try HTMLReport.render(data) == HTMLReport.render(data, comparison: nil))
        #expect(!(try HTMLReport.render(data)).contains("minimal-core"))
        let summary = SummaryReport.markdown(data, comparison: c)
        #expect(summary.contains("### core beside the minimal core") && summary.contains("modules beyond the minimal"))
        #expect(SummaryReport.markdown(data) == SummaryReport.markdown(data, comparison: nil))
    }

    @Test("a package with no profile, or one the split lacks, is an error")
    func errors() throws {
        let a = try Analyse.facts(
            [exampleModule("x")], split: ExampleSplit(packages: [("core", [])], placed: ["x": "core"]))
        #expect(throws: MinimalCoreError.self) { try CoreComparison(analysis: a, package: "core") }
        #expect(throws: MinimalCoreError.self) { try CoreComparison(analysis: a, package: "nope") }
    }
}
