import ELFScan
import Foundation
import Graph
import Split
import TestSupport
import Testing

/// SplitMix64: a small deterministic generator, so every seed builds the same instance on every machine.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_E5B9_E41D
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random tree of `count` modules: each exports one symbol and imports a few others' (cycles included), with
/// random sizes; and random needs (sets of alternatives) and kept modules over it.
private struct RandomInstance {
    var graph: ModuleGraph
    var needs: [[Int]]
    var keep: [Int]
    /// The same needs as profile requirements, by module name.
    var profiles: [GuestProfile]
    /// Modules each module brings along besides its dependencies (a soft dependency's provider).
    var companions: [Int: [Int]] = [:]

    init(seed: UInt64, count: Int, needs needCount: Int) {
        var rng = SeededGenerator(seed: seed)
        var facts: [ModuleFacts] = []
        for i in 0..<count {
            // Mostly toward lower indices (a layered tree), sometimes upward (cycles).
            var imports: [String] = []
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                let j = Int.random(in: 0..<count, using: &rng)
                if j != i && (j < i || Int.random(in: 0..<6, using: &rng) == 0) { imports.append("s\(j)") }
            }
            facts.append(
                exampleModule(
                    "m\(i)", exports: ["s\(i)"], imports: imports,
                    size: UInt64.random(in: 1...5000, using: &rng)))
        }
        let g = ModuleGraph(modules: facts)
        graph = g
        var needs: [[Int]] = []
        for _ in 0..<needCount {
            let size = Int.random(in: 1...min(4, count), using: &rng)
            needs.append(Array(Set((0..<size).map { _ in Int.random(in: 0..<count, using: &rng) })).sorted())
        }
        self.needs = needs.map { $0.map { g.module(named: "m\($0)")! } }
        keep =
            Int.random(in: 0..<4, using: &rng) == 0
            ? [g.module(named: "m\(Int.random(in: 0..<count, using: &rng))")!] : []
        profiles = [
            GuestProfile(
                name: "random", description: "",
                requirements: self.needs.enumerated().map { k, need in
                    GuestProfile.Requirement(what: "need \(k)", modules: need.map { g.modules[$0].name })
                })
        ]
    }

    /// The least cost of a closed set of modules that holds one module of every need and every kept module, by
    /// trying every subset of the tree.
    func bruteForce(weight: (Int) -> UInt64) -> UInt64 {
        let n = graph.modules.count
        let depMasks = (0..<n).map { m in
            graph.deps[m].reduce(0) { $0 | (1 << $1.target) } | (companions[m] ?? []).reduce(0) { $0 | (1 << $1) }
        }
        let needMasks = needs.map { $0.reduce(0) { $0 | (1 << $1) } }
        let keepMask = keep.reduce(0) { $0 | (1 << $1) }
        var best = UInt64.max
        for set in 0..<(1 << n) where set & keepMask == keepMask {
            guard needMasks.allSatisfy({ $0 & set != 0 }) else { continue }
            var closed = true
            var cost: UInt64 = 0
            for m in 0..<n where set & (1 << m) != 0 {
                if depMasks[m] & ~set != 0 {
                    closed = false
                    break
                }
                cost += weight(m)
            }
            if closed { best = min(best, cost) }
        }
        return best
    }
}

/// Whether `modules` is closed under dependencies and meets every need and keeps every kept module.
private func valid(_ modules: [Int], _ instance: RandomInstance) -> Bool {
    let set = Set(modules)
    return modules.allSatisfy { m in
        instance.graph.deps[m].allSatisfy { set.contains($0.target) }
            && (instance.companions[m] ?? []).allSatisfy(set.contains)
    }
        && instance.needs.allSatisfy { !set.isDisjoint(with: $0) } && instance.keep.allSatisfy(set.contains)
}

@Suite struct MinimalCoreSearchTests {
    @Test("the branch and bound finds the brute-force optimum and says it is optimal (400 seeds, 3-13 modules)")
    func optimalAgainstBruteForce() throws {
        for seed in UInt64(1)...400 {
            let count = 3 + Int(seed % 11)
            let instance = RandomInstance(seed: seed, count: count, needs: 1 + Int(seed % 7))
            let weight = { (m: Int) in instance.graph.modules[m].fileSize }
            let search = CoreSearch(
                graph: instance.graph, candidates: Set(instance.needs.flatMap { $0 } + instance.keep),
                weight: weight)
            let r = search.solve(needs: instance.needs, keep: instance.keep)
            let expected = instance.bruteForce(weight: weight)
            #expect(r.cost == expected, "seed \(seed)")
            #expect(r.optimal && r.lowerBound == r.cost, "seed \(seed)")
            #expect(valid(r.modules, instance), "seed \(seed): \(r.modules)")
            #expect(search.cost(of: r.modules) == r.cost, "seed \(seed)")
        }
    }

    @Test("counting modules instead of bytes: the optimum of the other objective (200 seeds)")
    func moduleCountObjective() throws {
        for seed in UInt64(1000)...1200 {
            let instance = RandomInstance(seed: seed, count: 4 + Int(seed % 10), needs: 1 + Int(seed % 6))
            let search = CoreSearch(
                graph: instance.graph, candidates: Set(instance.needs.flatMap { $0 } + instance.keep),
                weight: { _ in 1 })
            let r = search.solve(needs: instance.needs, keep: instance.keep)
            #expect(r.cost == instance.bruteForce(weight: { _ in 1 }) && r.optimal, "seed \(seed)")
        }
    }

    @Test("stopped by its node limit, the search keeps a valid set and a gap that holds the optimum")
    func boundedSearchStatesItsGap() throws {
        var stoppedEarly = 0
        for seed in UInt64(2000)...2200 {
            let instance = RandomInstance(seed: seed, count: 10 + Int(seed % 4), needs: 4 + Int(seed % 4))
            let weight = { (m: Int) in instance.graph.modules[m].fileSize }
            let search = CoreSearch(
                graph: instance.graph, candidates: Set(instance.needs.flatMap { $0 } + instance.keep),
                weight: weight)
            let r = search.solve(needs: instance.needs, keep: instance.keep, limits: .init(seconds: 10, nodes: 1))
            let optimum = instance.bruteForce(weight: weight)
            #expect(valid(r.modules, instance), "seed \(seed)")
            #expect(
                r.lowerBound <= optimum && optimum <= r.cost, "seed \(seed): \(r.lowerBound) ≤ \(optimum) ≤ \(r.cost)")
            if r.optimal { #expect(r.cost == optimum, "seed \(seed)") } else { stoppedEarly += 1 }
        }
        #expect(stoppedEarly > 20, "the node limit should stop many of these searches")
        // With no time at all, the greedy answer stands and the gap is stated.
        let instance = RandomInstance(seed: 7, count: 12, needs: 6)
        let search = CoreSearch(
            graph: instance.graph, candidates: Set(instance.needs.flatMap { $0 } + instance.keep), weight: { _ in 1 })
        let r = search.solve(needs: instance.needs, keep: instance.keep, limits: .init(seconds: 0, nodes: 0))
        #expect(!r.optimal && r.lowerBound <= r.cost && valid(r.modules, instance))
    }

    @Test("with soft dependencies' companions the search still finds the brute-force optimum (200 seeds)")
    func companionsAgainstBruteForce() throws {
        for seed in UInt64(7000)...7200 {
            var instance = RandomInstance(seed: seed, count: 3 + Int(seed % 10), needs: 1 + Int(seed % 5))
            // A few modules bring another along, as a soft dependency's provider is brought.
            var rng = SeededGenerator(seed: seed)
            var companions: [Int: [Int]] = [:]
            let n = instance.graph.modules.count
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let (a, b) = (Int.random(in: 0..<n, using: &rng), Int.random(in: 0..<n, using: &rng))
                if a != b { companions[a, default: []].append(b) }
            }
            let weight = { (m: Int) in instance.graph.modules[m].fileSize }
            let search = CoreSearch(
                graph: instance.graph, candidates: Set(instance.needs.flatMap { $0 } + instance.keep),
                companions: companions, weight: weight)
            let r = search.solve(needs: instance.needs, keep: instance.keep)
            instance.companions = companions
            #expect(r.cost == instance.bruteForce(weight: weight), "seed \(seed)")
            #expect(r.optimal && valid(r.modules, instance), "seed \(seed)")
        }
    }

    @Test("the same instance gives the same set every time")
    func deterministic() {
        let instance = RandomInstance(seed: 99, count: 13, needs: 6)
        let search = CoreSearch(
            graph: instance.graph, candidates: Set(instance.needs.flatMap { $0 }), weight: { _ in 1 })
        let a = search.solve(needs: instance.needs), b = search.solve(needs: instance.needs)
        #expect(a.modules == b.modules && a.nodes == b.nodes)
    }
}

@Suite struct MinimalCoreTests {
    @Test("derived from profiles: the brute-force optimum, and every module there for a stated reason (300 seeds)")
    func deriveAgainstBruteForce() throws {
        for seed in UInt64(5000)...5300 {
            let instance = RandomInstance(seed: seed, count: 3 + Int(seed % 10), needs: 1 + Int(seed % 6))
            let core = try MinimalCore.derive(
                graph: instance.graph, builtinModinfo: [:], profiles: instance.profiles,
                keep: instance.keep)
            let weight = { (m: Int) in instance.graph.modules[m].fileSize }
            #expect(core.cost == instance.bruteForce(weight: weight), "seed \(seed)")
            #expect(core.search.optimal, "seed \(seed)")
            #expect(valid(core.modules, instance), "seed \(seed)")
            #expect(core.bytes == core.cost)
            let roots = Set(core.members.filter { !$0.chosenFor.isEmpty || $0.kept }.map(\.module))
            for member in core.members {
                if member.chain.isEmpty {
                    #expect(roots.contains(member.module), "seed \(seed): \(member.module) has no reason")
                } else {
                    // A chain of real edges from a chosen or kept module to this one.
                    #expect(roots.contains(member.chain[0]) && member.chain.last == member.module, "seed \(seed)")
                    for (a, b) in zip(member.chain, member.chain.dropFirst()) {
                        #expect(instance.graph.edge(from: a, to: b) != nil, "seed \(seed)")
                    }
                }
            }
            // Each need names a module of the core that meets it; a chosen one's marginal cost is what dropping its
            // choice saves, and no alternative makes a cheaper core.
            for need in core.needs {
                guard case .module(let p, let root) = need.met else {
                    Issue.record("seed \(seed): \(need.requirement.what) not met")
                    continue
                }
                #expect(need.providers.contains(p) && core.modules.contains(p) && core.modules.contains(root))
                for alternative in need.alternatives { #expect(alternative.cost >= core.cost, "seed \(seed)") }
            }
        }
    }

    /// Two alternatives for the disk whose closures share a library, and a file system; a built-in console.
    let modules: [ModuleFacts] = [
        exampleModule("ring", exports: ["ring_add"], size: 100),
        exampleModule("vblk", imports: ["ring_add"], modinfo: [("alias", "virtio:d00000002v*")], size: 300),
        exampleModule(
            "vscsi", imports: ["ring_add", "scsi_add"], modinfo: [("alias", "virtio:d00000008v*")],
            size: 200),
        exampleModule("scsi", exports: ["scsi_add"], size: 400),
        exampleModule("vnet", imports: ["ring_add"], modinfo: [("alias", "virtio:d00000001v*")], size: 500),
        exampleModule("ext4", exports: ["jbd_x"], size: 900),
        exampleModule("xfs", size: 700),
        exampleModule("btrfs", size: 2000),
    ]
    var profile: GuestProfile {
        GuestProfile(
            name: "tiny-guest", description: "",
            requirements: [
                .init(what: "disk", modaliases: ["virtio:d00000002v00001AF4", "virtio:d00000008v00001AF4"]),
                .init(what: "network", modaliases: ["virtio:d00000001v00001AF4"]),
                .init(what: "console", modules: ["8250"]),
                .init(what: "root file system", modules: ["ext4", "xfs", "btrfs"]),
            ])
    }

    @Test("with no time left, nothing more is priced and the core says so (the run stays bounded)")
    func noTimeToPrice() throws {
        let instance = RandomInstance(seed: 42, count: 13, needs: 6)
        let further = [GuestProfile(name: "more", description: "", requirements: instance.profiles[0].requirements)]
        let core = try MinimalCore.derive(
            graph: instance.graph, builtinModinfo: [:], profiles: instance.profiles,
            limits: CoreSearch.Limits(seconds: 0), further: further)
        #expect(valid(core.modules, instance))
        for need in core.needs {
            guard case .module = need.met else { continue }
            #expect(need.alternatives.isEmpty && need.unpriced == need.providers.count - 1)
        }
        #expect(core.additions.count == 1 && core.additions.allSatisfy { !$0.priced && !$0.optimal })
    }

    @Test("a soft dependency's cheapest provider comes with its module; a built-in provider costs nothing")
    func softDependencies() throws {
        let facts = [
            exampleModule("fs", modinfo: [("softdep", "pre: crypto-sum post: helper")], size: 100),
            exampleModule("sum_generic", modinfo: [("alias", "crypto-sum")], size: 30),
            exampleModule("sum_fast", modinfo: [("alias", "crypto-sum")], size: 50),
            exampleModule("helper", size: 7),
        ]
        let profile = GuestProfile(
            name: "p", description: "", requirements: [.init(what: "file system", modules: ["fs"])])
        let a = try Analyse.facts(facts)
        let core = try MinimalCore.derive(graph: a.graph, builtinModinfo: [:], profiles: [profile])
        #expect(core.modules.map { a.graph.modules[$0].name }.sorted() == ["fs", "helper", "sum_generic"])
        #expect(core.cost == 137 && core.search.optimal)
        let sum = try #require(a.graph.module(named: "sum_generic"))
        let member = try #require(core.members.first { $0.module == sum })
        #expect(member.chain.map { a.graph.modules[$0].name } == ["fs", "sum_generic"])
        // Built into the kernel, the helper is no module of the core.
        let b = try Analyse.facts(Array(facts.prefix(3)), builtin: ["helper"])
        let builtin = try MinimalCore.derive(graph: b.graph, builtinModinfo: [:], profiles: [profile])
        #expect(builtin.modules.map { b.graph.modules[$0].name }.sorted() == ["fs", "sum_generic"])
        // A provider the module needs anyway meets the soft dependency: no cheaper one is added beside it.
        let needing = [
            exampleModule("fs", imports: ["fast_fn"], modinfo: [("softdep", "pre: crypto-sum")], size: 100),
            exampleModule("sum_generic", modinfo: [("alias", "crypto-sum")], size: 30),
            exampleModule("sum_fast", exports: ["fast_fn"], modinfo: [("alias", "crypto-sum")], size: 50),
        ]
        let c = try Analyse.facts(needing)
        let own = try MinimalCore.derive(graph: c.graph, builtinModinfo: [:], profiles: [profile])
        #expect(own.modules.map { c.graph.modules[$0].name }.sorted() == ["fs", "sum_fast"])
    }

    @Test("requirements met by a built-in driver cost nothing; alternatives are priced by the best core using them")
    func explained() throws {
        let a = try Analyse.facts(modules, builtin: ["8250"])
        let core = try MinimalCore.derive(graph: a.graph, builtinModinfo: [:], profiles: [profile])
        let names = core.modules.map { a.graph.modules[$0].name }.sorted()
        #expect(names == ["ring", "vblk", "vnet", "xfs"])
        #expect(core.cost == 100 + 300 + 500 + 700)
        let console = try #require(core.needs.first { $0.requirement.what == "console" })
        #expect(console.met == .builtin("8250") && console.marginalCost == 0)
        let disk = try #require(core.needs.first { $0.requirement.what == "disk" })
        let vblk = try #require(a.graph.module(named: "vblk")), vscsi = try #require(a.graph.module(named: "vscsi"))
        #expect(disk.met == .module(vblk, root: vblk))
        // ring comes with the network driver too, so the disk's own cost is vblk alone.
        #expect(disk.marginalCost == 300)
        #expect(disk.alternatives.map(\.module) == [vscsi] && disk.alternatives[0].cost == core.cost - 300 + 600)
        let fs = try #require(core.needs.first { $0.requirement.what == "root file system" })
        #expect(fs.alternatives.map { a.graph.modules[$0.module].name } == ["ext4", "btrfs"])
        let ring = try #require(core.members.first { a.graph.modules[$0.module].name == "ring" })
        #expect(ring.chosenFor.isEmpty && ring.chain.count == 2 && ring.chain.last == ring.module)
        #expect(core.search.optimal && core.search.nodes >= 1)
    }

    @Test("kept modules join with their closures; a further profile is priced as what it adds")
    func keepAndAdditions() throws {
        let a = try Analyse.facts(
            modules + [exampleModule("xen_blk", imports: ["scsi_add"], size: 50)], builtin: ["8250"])
        let scsi = try MinimalCore.modules(named: ["vscsi"], in: a.graph)
        let further = GuestProfile(
            name: "xenish", description: "", requirements: [.init(what: "xen disk", modules: ["xen_blk"])])
        let core = try MinimalCore.derive(
            graph: a.graph, builtinModinfo: [:], profiles: [profile], keep: scsi,
            further: [further])
        let names = Set(core.modules.map { a.graph.modules[$0].name })
        // vscsi is kept and meets the disk requirement: vblk is no longer needed.
        #expect(names == ["ring", "vscsi", "scsi", "vnet", "xfs"])
        let disk = try #require(core.needs.first { $0.requirement.what == "disk" })
        #expect(disk.met == .module(scsi[0], root: scsi[0]))
        #expect(core.members.first { $0.module == scsi[0] }?.kept == true)
        let addition = try #require(core.additions.first)
        #expect(addition.profile.name == "xenish" && addition.cost == core.cost + 50)
        #expect(addition.added.map { a.graph.modules[$0].name } == ["xen_blk"] && addition.dropped.isEmpty)
    }

    @Test("bad input: an unknown profile, a module that does not exist, a requirement the kernel cannot meet")
    func badInput() throws {
        let a = try Analyse.facts(modules, builtin: ["8250"])
        #expect(throws: MinimalCoreError.self) { try MinimalCore.profiles(named: ["kvm-guest", "nope"]) }
        do {
            _ = try MinimalCore.profiles(named: ["nope"])
        } catch {
            #expect(error.message.hasPrefix("unknown profile nope (known: kvm-guest, "))
        }
        #expect(try MinimalCore.profiles(named: ["all-builtin", "kvm-guest"]).count == GuestProfile.builtIn.count)
        do {
            _ = try MinimalCore.modules(named: ["nosuch"], in: a.graph)
            Issue.record("no error")
        } catch {
            #expect(error.message == "--keep: no module nosuch in this tree")
        }
        do {
            _ = try MinimalCore.derive(
                graph: a.graph, builtinModinfo: [:], profiles: GuestProfile.builtIn.filter { $0.name == "ec2-nitro" })
            Issue.record("no error")
        } catch {
            #expect(error.message.hasPrefix("ec2-nitro needs EBS NVMe storage, which this kernel lacks"), "\(error)")
            #expect(error.message.contains("CONFIG_BLK_DEV_NVME (nvme)") && !error.message.contains("\n"))
        }
        let skipped = try MinimalCore.derive(
            graph: a.graph, builtinModinfo: [:],
            profiles: GuestProfile.builtIn.filter { $0.name == "ec2-nitro" },
            skipLacking: true)
        #expect(skipped.lacking.map(\.requirement.what) == ["EBS NVMe storage", "ENA network"])
    }
}

@Suite struct MinimalCoreLargerSearchTests {
    @Test("on larger trees (30-60 modules, 5-8 needs) the optimum equals the best of every choice of alternatives")
    func optimalAgainstEveryChoice() throws {
        for seed in UInt64(9000)...9100 {
            let instance = RandomInstance(seed: seed, count: 30 + Int(seed % 31), needs: 5 + Int(seed % 4))
            let search = CoreSearch(
                graph: instance.graph, candidates: Set(instance.needs.flatMap { $0 } + instance.keep),
                weight: { instance.graph.modules[$0].fileSize })
            let r = search.solve(needs: instance.needs, keep: instance.keep)
            // Any closed set meeting every need holds the closure of one alternative per need, so the best union of
            // such closures is the optimum.
            var best = UInt64.max
            var choice = [Int](repeating: 0, count: instance.needs.count)
            while true {
                best = min(
                    best,
                    search.cost(
                        of: search.closure(of: instance.keep + choice.enumerated().map { instance.needs[$0][$1] })))
                var k = 0
                while k < choice.count {
                    choice[k] += 1
                    if choice[k] < instance.needs[k].count { break }
                    choice[k] = 0
                    k += 1
                }
                if k == choice.count { break }
            }
            #expect(r.cost == best && r.optimal, "seed \(seed)")
            #expect(valid(r.modules, instance), "seed \(seed)")
        }
    }
}

/// The minimal core of Debian's 6.12 amd64 kernel for the seven built-in profiles, checked as a split: a core
/// package bound to every profile, and the rest of the tree in a package that requires it.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct RealMinimalCoreTests {
    static let tree = RealKernels.Tree("linux-image-6.12.117+deb12-amd64")
    static let bindings = GuestProfile.builtIn.map { (profile: $0.name, package: "core") }

    @Test("it passes check as a core package, no module can be dropped, and it ships a quarter of cloud-core at most")
    func debian612() throws {
        let whole = try Analyse.tree(Self.tree)
        let graph = whole.graph
        let core = try MinimalCore.derive(
            graph: graph, builtinModinfo: whole.scan.builtinModinfo,
            profiles: GuestProfile.builtIn)
        #expect(core.search.optimal)
        // The lists a user would pass: --list core=… --list rest=… --requires rest:core.
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let inCore = Set(core.paths)
        let coreFile = dir.url.appendingPathComponent("core.list"),
            restFile = dir.url.appendingPathComponent("rest.list")
        try core.paths.map { $0 + "\n" }.joined().write(to: coreFile, atomically: true, encoding: .utf8)
        try graph.modules.map(\.path).filter { !inCore.contains($0) }.map { $0 + "\n" }.joined()
            .write(to: restFile, atomically: true, encoding: .utf8)
        let lists = PackageLists(
            lists: [("core", coreFile.path), ("rest", restFile.path)], requires: [("rest", "core")])
        let checked = try SplitAnalysis(scan: whole.scan, split: lists, profiles: Self.bindings)
        // Neither errors nor warnings: soft dependencies (ext4's crypto-crc32c) are in the core too.
        let problems = checked.findings.filter { $0.severity != .info }
        #expect(problems.isEmpty, "\(problems.prefix(5).map(\.message))")
        // Without any one of its modules the split breaks: a core module needs it, a profile goes unmet, or a soft
        // dependency is left out. The same split, one module moved to rest, analysed as the command line analyses
        // it (the tree scanned once).
        let names = Set(core.modules.map { graph.modules[$0].name })
        for m in core.modules {
            let split = ExampleSplit(
                packages: [("core", []), ("rest", ["core"])],
                placed: Dictionary(
                    uniqueKeysWithValues: graph.modules.enumerated().map { i, module in
                        (module.name, i != m && names.contains(module.name) ? "core" : "rest")
                    }))
            let dropped = try SplitAnalysis(scan: whole.scan, split: split, profiles: Self.bindings)
            let broken = dropped.findings.filter { $0.severity != .info }
            #expect(!broken.isEmpty, "\(graph.modules[m].path) can be dropped")
        }
        let example = RealKernels.repositoryRoot.appendingPathComponent("examples/cloud-split.yaml").path
        let cloud = try SplitAnalysis(scan: whole.scan, split: FiltermodsRules.load(path: example))
        let cloudCore = try #require(cloud.sizes.package(named: "cloud-core"))
        #expect(core.bytes * 4 <= cloudCore.bytes, "\(core.bytes) vs cloud-core's \(cloudCore.bytes)")
    }
}
