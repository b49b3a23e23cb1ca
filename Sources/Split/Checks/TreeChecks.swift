import ELFScan
internal import Graph

struct UnreadableModuleCheck: SplitCheck {
    let description = CheckDescription(
        id: "unreadable-module", severity: .error,
        summary: "A module file could not be read (corrupt, truncated, not ELF, bad compression, not a file).",
        rationale:
            "Whatever it provides is unknown, so every check that involves it is incomplete; "
            + "the package ships a file the kernel will likely refuse.",
        triggering: CheckExample(
            "a truncated file", modules: [exampleModule("a")],
            problems: [ELFScanError(.malformed, path: "kernel/b.ko.xz", "xz stream is truncated")]),
        passing: CheckExample("every file reads", modules: [exampleModule("a")]))

    func run(_ ctx: CheckContext) -> [Finding] {
        ctx.problems.map { p in
            Finding(
                kind: description.id, severity: description.severity, module: moduleName(fromFileName: p.path),
                path: p.path,
                message: "\(p.path) cannot be read: \(p.reason)")
        }
    }
}

struct DuplicateModuleCheck: SplitCheck {
    let description = CheckDescription(
        id: "duplicate-module", severity: .warning,
        summary: "Two files carry the same module name.",
        rationale:
            "Only one can be loaded; depmod keeps the one in updates/ (or the first found) "
            + "and the other is dead weight or, worse, the one meant to be used.",
        triggering: CheckExample(
            "the same module twice",
            modules: [
                exampleModule("dup"),
                {
                    var m = exampleModule("dup"); m.path = "updates/dup.ko"; return m
                }(),
            ]),
        passing: CheckExample("distinct names", modules: [exampleModule("a"), exampleModule("b")]))

    func run(_ ctx: CheckContext) -> [Finding] {
        ctx.graph.shadowed.map { dropped, kept in
            Finding(
                kind: description.id, severity: description.severity, module: dropped.name, path: dropped.path,
                package: ctx.packageName(kept),
                message:
                    "\(dropped.path) has the same module name as \(ctx.graph.modules[kept].path), which is used instead"
            )
        }
    }
}

struct DependencyCycleCheck: SplitCheck {
    let description = CheckDescription(
        id: "dependency-cycle", severity: .error,
        summary: "Modules need each other's symbols in a cycle.",
        rationale:
            "No module of the cycle can load first; depmod refuses the whole tree ('Cycle detected') "
            + "and writes nothing.",
        triggering: CheckExample(
            "a needs b needs a",
            modules: [
                exampleModule("a", exports: ["fa"], imports: ["fb"]),
                exampleModule("b", exports: ["fb"], imports: ["fa"]),
            ]),
        passing: CheckExample(
            "a needs b", modules: [exampleModule("a", imports: ["fb"]), exampleModule("b", exports: ["fb"])]))

    func run(_ ctx: CheckContext) -> [Finding] {
        ctx.graph.cycles().map { cycle in
            let names = cycle.map { ctx.graph.modules[$0].name }
            var notes: [String] = []
            for m in cycle {
                for e in ctx.graph.deps[m] where cycle.contains(e.target) {
                    notes.append(
                        "\(ctx.graph.modules[m].name) needs \(Display.symbolList(e.symbols, limit: 3)) "
                            + "from \(ctx.graph.modules[e.target].name)"
                    )
                }
            }
            return ctx.finding(
                description.id, description.severity, module: cycle[0],
                message: "dependency cycle: \(names.joined(separator: ", "))", notes: notes)
        }
    }
}
