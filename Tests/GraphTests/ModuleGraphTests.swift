import ELFScan
import Graph
import Testing

/// Graph tests run on in-memory facts: no files, no ELF.
func facts(
    _ name: String, exports: [String] = [], gpl: [String] = [], imports: [String] = [], weak: [String] = [],
    path: String? = nil, modinfo: [(String, String)] = []
) -> ModuleFacts {
    ModuleFacts(
        name: name, path: path ?? "kernel/\(name).ko", fileSize: 100, uncompressedSize: 100, compression: .none,
        identity: ELFIdentity(bits: 64, bigEndian: false, machine: 62),
        exports: exports.map { ExportedSymbol(name: $0, gplOnly: false) }
            + gpl.map { ExportedSymbol(name: $0, gplOnly: true) },
        imports: imports.map { ImportedSymbol(name: $0) } + weak.map { ImportedSymbol(name: $0, weak: true) },
        modinfo: modinfo.map { ModinfoEntry(key: $0.0, value: $0.1) })
}

@Suite struct ModuleGraphTests {
    /// vfat → fat → (nls via weak) ; msdos → fat.
    let sample = [
        facts("fat", exports: ["fat_fill_super"], imports: ["printk"], weak: ["nls_hook"]),
        facts("vfat", imports: ["fat_fill_super", "printk"]),
        facts("msdos", imports: ["fat_fill_super"]),
        facts("nls", exports: ["nls_hook"]),
    ]

    func kernel(_ names: [String]) -> KernelExports {
        KernelExports(
            source: .symvers, path: "Module.symvers",
            symbols: Dictionary(uniqueKeysWithValues: names.map { ($0, KernelExport(name: $0)) }))
    }

    @Test func edgesCarryTheirSymbols() throws {
        let g = ModuleGraph(modules: sample)
        let vfat = try #require(g.module(named: "vfat")), fat = try #require(g.module(named: "fat"))
        #expect(g.edge(from: vfat, to: fat)?.symbols == ["fat_fill_super"])
        #expect(g.deps[vfat].count == 1)
        #expect(g.users[fat].map { g.modules[$0].name }.sorted() == ["msdos", "vfat"])
    }

    @Test("a weak undefined symbol makes an edge when it resolves, and is never missing")
    func weakImports() throws {
        let g = ModuleGraph(modules: sample, kernel: kernel(["printk"]))
        let fat = try #require(g.module(named: "fat")), nls = try #require(g.module(named: "nls"))
        #expect(g.edge(from: fat, to: nls)?.symbols == ["nls_hook"])
        let alone = ModuleGraph(modules: [sample[0]], kernel: kernel(["printk"]))
        #expect(alone.unresolved[0].isEmpty)
    }

    @Test("unresolved imports are reported only when the kernel's exports are known")
    func unresolved() {
        let mods = [facts("a", imports: ["printk", "nobody_exports_this"])]
        #expect(ModuleGraph(modules: mods).unresolved[0].isEmpty)
        let g = ModuleGraph(modules: mods, kernel: kernel(["printk"]))
        #expect(g.unresolved[0].map(\.name) == ["nobody_exports_this"])
    }

    @Test("a symbol exported twice resolves to the last module in module order; all exporters are kept")
    func duplicateExports() throws {
        let mods = [facts("one", exports: ["dup"]), facts("two", exports: ["dup"]), facts("user", imports: ["dup"])]
        let g = ModuleGraph(modules: mods, order: ["kernel/two.ko", "kernel/one.ko", "kernel/user.ko"])
        #expect(g.modules.map(\.name) == ["two", "one", "user"])
        #expect(g.index.exporters(of: "dup").count == 2)
        let user = try #require(g.module(named: "user"))
        #expect(g.deps[user].map { g.modules[$0.target].name } == ["one"])
        #expect(g.index.duplicates.map(\.name) == ["dup"])
    }

    @Test("a module's export overrides the kernel's, as depmod resolves it")
    func moduleOverridesKernel() throws {
        let g = ModuleGraph(modules: [facts("m", exports: ["s"]), facts("u", imports: ["s"])], kernel: kernel(["s"]))
        #expect(g.index.resolve("s")?.provider == .module(try #require(g.module(named: "m"))))
        #expect(g.index.exporters(of: "s").first?.provider == .kernel)
    }

    @Test("ppc64 dot symbols resolve to their plain name; loader-provided symbols are never missing")
    func specialNames() {
        let g = ModuleGraph(
            modules: [facts("m", exports: ["f"]), facts("u", imports: [".f", "__this_module", ".TOC."])],
            kernel: kernel([]))
        #expect(g.deps[g.module(named: "u")!].count == 1)
        #expect(g.unresolved[g.module(named: "u")!].isEmpty)
    }

    @Test("modules.order decides module order; the rest follow; closures come in load order")
    func orderAndClosure() throws {
        let g = ModuleGraph(modules: sample, order: ["kernel/nls.ko", "kernel/fat.ko", "kernel/vfat.ko"])
        #expect(Array(g.modules.map(\.name).prefix(3)) == ["nls", "fat", "vfat"])
        #expect(g.modules.last?.name == "msdos")
        let vfat = try #require(g.module(named: "vfat"))
        // What vfat needs, most basic last (depmod writes modules.dep this way; modprobe loads from the end).
        #expect(g.closure(of: vfat).map { g.modules[$0].name } == ["fat", "nls"])
        #expect(
            g.reverseClosure(of: g.module(named: "nls")!).map { g.modules[$0].name }.sorted() == [
                "fat", "msdos", "vfat",
            ])
    }

    @Test func pathsBetweenModules() throws {
        let g = ModuleGraph(modules: sample)
        let vfat = try #require(g.module(named: "vfat")), nls = try #require(g.module(named: "nls"))
        #expect(g.path(from: vfat, to: nls).map { $0.map { g.modules[$0].name } } == ["vfat", "fat", "nls"])
        #expect(g.path(from: nls, to: vfat) == nil)
    }

    @Test("cycles are found as strongly connected components")
    func cycles() {
        let mods = [
            facts("a", exports: ["fa"], imports: ["fb"]), facts("b", exports: ["fb"], imports: ["fc"]),
            facts("c", exports: ["fc"], imports: ["fa"]), facts("d", imports: ["fa"]),
        ]
        let g = ModuleGraph(modules: mods)
        #expect(g.cycles().map { $0.map { g.modules[$0].name }.sorted() } == [["a", "b", "c"]])
        #expect(g.cyclic.map { g.modules[$0].name }.sorted() == ["a", "b", "c"])
    }

    @Test("two files with one module name: updates/ wins, the other is shadowed")
    func shadowedModules() {
        let mods = [facts("x", path: "kernel/drivers/x.ko"), facts("x", path: "updates/x.ko")]
        let g = ModuleGraph(modules: mods)
        #expect(g.modules.map(\.path) == ["updates/x.ko"])
        #expect(g.shadowed.map(\.dropped.path) == ["kernel/drivers/x.ko"])
    }

    @Test("module names match with - and _ alike, by name, file name or path")
    func lookup() {
        let g = ModuleGraph(modules: [facts("snd_hda_intel", path: "kernel/sound/snd-hda-intel.ko.xz")])
        #expect(g.module(named: "snd-hda-intel") == 0)
        #expect(g.module(named: "snd_hda_intel") == 0)
        #expect(g.module(named: "snd-hda-intel.ko.xz") == 0)
    }
}

@Suite struct DepmodFilesTests {
    @Test("modules.dep lists the whole closure, most basic dependency last")
    func depLines() {
        let mods = [
            facts("fat", exports: ["f"]), facts("vfat", exports: ["v"], imports: ["f"]), facts("top", imports: ["v"]),
        ]
        let g = ModuleGraph(modules: mods, order: ["kernel/fat.ko", "kernel/vfat.ko", "kernel/top.ko"])
        #expect(
            DepmodFiles.dep(g)
                == "kernel/fat.ko:\nkernel/vfat.ko: kernel/fat.ko\nkernel/top.ko: kernel/vfat.ko kernel/fat.ko\n")
    }

    @Test("aliases, softdeps, weakdeps and device names in depmod's formats")
    func textFiles() {
        let m = facts(
            "loop",
            modinfo: [
                ("alias", "devname:loop-control"), ("alias", "char-major-10-237"),
                ("alias", "block-major-7-*"), ("softdep", "pre: crc32c"), ("weakdep", "zram"),
            ])
        let g = ModuleGraph(modules: [m])
        #expect(
            DepmodFiles.alias(g) == """
                # Aliases extracted from modules themselves.
                alias devname:loop-control loop
                alias char-major-10-237 loop
                alias block-major-7-* loop

                """)
        #expect(
            DepmodFiles.softdep(g)
                == "# Soft dependencies extracted from modules themselves.\nsoftdep loop pre: crc32c\n")
        #expect(DepmodFiles.weakdep(g) == "# Weak dependencies extracted from modules themselves.\nweakdep loop zram\n")
        #expect(
            DepmodFiles.devname(g) == "# Device nodes to trigger on-demand module loading.\nloop loop-control c10:237\n"
        )
        #expect(DepmodFiles.devname(ModuleGraph(modules: [facts("none")])) == "")
    }

    @Test("modules.symbols names the module each symbol resolves to")
    func symbols() {
        let g = ModuleGraph(modules: [facts("a", exports: ["x"]), facts("b", exports: ["y"])])
        let lines = DepmodFiles.symbols(g).split(separator: "\n")
        #expect(lines.first == "# Aliases for symbols, used by symbol_request().")
        #expect(Set(lines.dropFirst()) == ["alias symbol:x a", "alias symbol:y b"])
    }
}

@Suite struct ExportFormatTests {
    let graph = ModuleGraph(modules: [
        facts("evil\"mod", exports: ["s"], modinfo: [("description", "<script>alert(1)</script>\n\"quoted\"")]),
        facts("user", imports: ["s"]),
    ])

    @Test("the JSON graph is versioned and deterministic")
    func jsonDeterministic() throws {
        let a = try GraphDocument(graph: graph, kernelVersion: "6.1.0-test").encoded()
        let b = try GraphDocument(graph: graph, kernelVersion: "6.1.0-test").encoded()
        #expect(a == b)
        #expect(a.contains("\"schemaVersion\" : 1"))
        #expect(a.contains("\"symbols\" : [\n        \"s\""))
    }

    @Test("DOT escapes names that come from modules")
    func dotEscaping() {
        let dot = DotGraph.render(graph)
        #expect(dot.contains("\"evil\\\"mod\""))
        #expect(dot.contains("\"user\" -> \"evil\\\"mod\" [label=\"1\"]"))
        #expect(DotGraph.quoted("a\nb\\c") == "\"a\\nb\\\\c\"")
    }
}
