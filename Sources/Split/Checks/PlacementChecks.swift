import ELFScan
internal import Graph

struct UnplacedModuleCheck: SplitCheck {
    let description = CheckDescription(
        id: "unplaced-module", severity: .error,
        summary: "A module that no rule, default or list places in a package.",
        rationale: "It is in no package, or in whichever one a script happens to put it: nobody decided where it ships.",
        triggering: CheckExample("b is in no list", modules: [exampleModule("a"), exampleModule("b")], placed: ["a": "core"]),
        passing: CheckExample("both are listed", modules: [exampleModule("a"), exampleModule("b")]))

    func run(_ ctx: CheckContext) -> [Finding] {
        ctx.graph.modules.indices.compactMap { m in
            let name = ctx.graph.modules[m].name
            if ctx.placement.packageOf[m] == nil {
                let why = ctx.placement.failure[m].map { ": the rules cannot place it (\($0))" } ?? ""
                return ctx.finding(description.id, description.severity, module: m,
                                   message: "\(name) is in no package\(why)", cost: ctx.cost(of: [m]))
            }
            if case .unruled = ctx.placement.basis[m] {
                return ctx.finding(description.id, description.severity, module: m,
                                   message: "no rule matches \(ctx.graph.modules[m].path) and there is no default: rule; it landed in \(ctx.packageName(m) ?? "?") only because of its neighbours",
                                   cost: ctx.cost(of: [m]))
            }
            return nil
        }
    }
}

struct ForcedMoveCheck: SplitCheck {
    let description = CheckDescription(
        id: "forced-move", severity: .warning,
        summary: "A module ends in another package than its rule asks for, dragged by its dependencies.",
        rationale: "filtermods moves such modules silently. A warning when it leaves the packages installed with the default package (a driver dragged into a package users do not install); info when it only moves into a package below the one asked for.",
        triggering: CheckExample("rules want b in extra, but core's a needs it",
                                 modules: [exampleModule("a", imports: ["b_fn"]), exampleModule("b", exports: ["b_fn"])],
                                 packages: [("core", []), ("extra", ["core"])], placed: ["a": "core", "b": "core"],
                                 wanted: ["b": "extra"]),
        passing: CheckExample("b where its rule wants it", modules: [exampleModule("a", imports: ["b_fn"]), exampleModule("b", exports: ["b_fn"])]))

    func run(_ ctx: CheckContext) -> [Finding] {
        let packages = ctx.placement.packages
        var out: [Finding] = []
        for m in ctx.graph.modules.indices {
            guard ctx.placement.failure[m] == nil, let final = ctx.placement.packageOf[m], let wanted = ctx.placement.wanted[m],
                  final != wanted else { continue }
            let intoAncestor = packages.isBelow(final, wanted)
            let severity: Severity = intoAncestor ? .info : .warning
            let name = ctx.graph.modules[m].name
            var notes: [String] = []
            // Who forced it: users whose package cannot reach the wanted package, providers the wanted package cannot reach.
            for u in ctx.graph.reverseClosure(of: m) {
                guard let up = ctx.placement.packageOf[u], !packages.reaches(up, wanted) else { continue }
                let symbols = ctx.graph.edge(from: u, to: m)?.symbols
                let via = symbols.map { " for \(Display.symbolList($0, limit: 3))" } ?? " (indirectly)"
                let rule = ctx.placement.location(of: u).map { ", placed by \($0)" } ?? ""
                notes.append("needed by \(ctx.graph.modules[u].name) in \(packages.names[up])\(via)\(rule)")
                if notes.count >= 5 { break }
            }
            for d in ctx.graph.closure(of: m) {
                guard let dp = ctx.placement.packageOf[d], !packages.reaches(wanted, dp) else { continue }
                let symbols = ctx.graph.edge(from: m, to: d)?.symbols
                let via = symbols.map { " for \(Display.symbolList($0, limit: 3))" } ?? " (indirectly)"
                let rule = ctx.placement.location(of: d).map { ", placed by \($0)" } ?? ""
                notes.append("needs \(ctx.graph.modules[d].name) in \(packages.names[dp])\(via)\(rule)")
                if notes.count >= 10 { break }
            }
            let asked: String
            switch ctx.placement.basis[m] {
            case .defaulted: asked = "the default package \(packages.names[wanted])"
            default: asked = packages.names[wanted]
            }
            let cost = ctx.cost(of: [m])
            out.append(ctx.finding(
                description.id, severity, module: m,
                message: "\(name) moved from \(asked) to \(packages.names[final]) (\(Display.kib(cost.bytes)) added to \(packages.names[final]))",
                notes: notes, cost: cost))
        }
        return out
    }
}

/// `pre: a b post: c` → the module names; a bare value names one module.
func softdepNames(_ value: String) -> [String] {
    value.split(separator: " ").map(String.init).filter { !$0.hasSuffix(":") }
}

struct SoftdepCrossPackageCheck: SplitCheck {
    var id = "softdep-cross-package"
    var key = "softdep"

    var description: CheckDescription {
        CheckDescription(
            id: id, severity: .warning,
            summary: "A module's \(key) names a module outside its package's closure.",
            rationale: "modprobe loads the module without it: it works, but without what its author asked for (e.g. a crypto driver or a firmware helper).",
            triggering: CheckExample("\(key) on a module in extra",
                                     modules: [exampleModule("a", modinfo: [(key, key == "softdep" ? "pre: b" : "b")]), exampleModule("b")],
                                     packages: [("core", []), ("extra", ["core"])], placed: ["a": "core", "b": "extra"]),
            passing: CheckExample("\(key) on a module in the same package",
                                  modules: [exampleModule("a", modinfo: [(key, key == "softdep" ? "pre: b" : "b")]), exampleModule("b")]))
    }

    func run(_ ctx: CheckContext) -> [Finding] {
        var out: [Finding] = []
        for m in ctx.graph.modules.indices {
            for value in ctx.graph.modules[m].modinfo(key) {
                for target in softdepNames(value) {
                    guard let t = ctx.graph.module(named: target), t != m, !ctx.reaches(m, t) else { continue }
                    out.append(ctx.finding(
                        id, description.severity, module: m, provider: t,
                        message: "\(ctx.graph.modules[m].name) (\(ctx.packageName(m) ?? "?")) has \(key) \(ctx.graph.modules[t].name), which is in \(ctx.packageName(t) ?? "?")",
                        cost: ctx.cost(of: [t])))
                }
            }
        }
        return out
    }
}
