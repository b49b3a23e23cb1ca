import ELFScan
internal import Graph

struct UnplacedModuleCheck: SplitCheck {
    let description = CheckDescription(
        id: "unplaced-module", severity: .error,
        summary: "A module that no rule, default or list places in a package.",
        rationale:
            "It is in no package, or in whichever one a script happens to put it: nobody decided where it ships.",
        triggering: CheckExample(
            "b is in no list", modules: [exampleModule("a"), exampleModule("b")], placed: ["a": "core"]),
        passing: CheckExample("both are listed", modules: [exampleModule("a"), exampleModule("b")]))

    func run(_ ctx: CheckContext) -> [Finding] {
        ctx.graph.modules.indices.compactMap { m in
            let name = ctx.graph.modules[m].name
            if ctx.placement.packageOf[m] == nil {
                let why = ctx.placement.failure[m].map { ": the rules cannot place it (\($0))" } ?? ""
                return ctx.finding(
                    description.id, description.severity, module: m,
                    message: "\(name) is in no package\(why)", cost: ctx.cost(of: [m]))
            }
            if case .unruled = ctx.placement.basis[m] {
                return ctx.finding(
                    description.id, description.severity, module: m,
                    message:
                        "no rule matches \(ctx.graph.modules[m].path) and there is no default: rule; "
                        + "it landed in \(ctx.packageName(m) ?? "?") only because of its neighbours",
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
        rationale:
            "filtermods moves such modules silently. A warning when it leaves the packages installed with the default "
            + "package (a driver dragged into a package users do not install); "
            + "info when it only moves into a package below the one asked for.",
        triggering: CheckExample(
            "rules want b in extra, but core's a needs it",
            modules: [exampleModule("a", imports: ["b_fn"]), exampleModule("b", exports: ["b_fn"])],
            packages: [("core", []), ("extra", ["core"])], placed: ["a": "core", "b": "core"],
            wanted: ["b": "extra"]),
        passing: CheckExample(
            "b where its rule wants it",
            modules: [exampleModule("a", imports: ["b_fn"]), exampleModule("b", exports: ["b_fn"])]))

    func run(_ ctx: CheckContext) -> [Finding] {
        let packages = ctx.placement.packages
        var out: [Finding] = []
        for m in ctx.graph.modules.indices {
            guard ctx.placement.failure[m] == nil, let final = ctx.placement.packageOf[m],
                let wanted = ctx.placement.wanted[m],
                final != wanted
            else { continue }
            let intoAncestor = packages.isBelow(final, wanted)
            let severity: Severity = intoAncestor ? .info : .warning
            let name = ctx.graph.modules[m].name
            var notes: [String] = []
            // Who forced it: users whose package cannot reach the wanted package, providers the wanted package
            // cannot reach.
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
            out.append(
                ctx.finding(
                    description.id, severity, module: m,
                    message:
                        "\(name) moved from \(asked) to \(packages.names[final]) (\(Display.kib(cost.bytes)) "
                        + "added to \(packages.names[final]))",
                    notes: notes, cost: cost))
        }
        return out
    }
}

/// `pre: a b post: c` → the names; a bare value names one.
func softdepNames(_ value: String) -> [String] {
    value.split(separator: " ").map(String.init).filter { !$0.hasSuffix(":") }
}

/// What a soft dependency's name stands for, found as modprobe finds it (kmod's lookup): a module of
/// that name, else every module with a matching alias (modules.alias patterns, `fnmatch`), else a
/// module built into the kernel by its alias or its name. `-` and `_` are the same (kmod normalises both
/// sides, outside bracket expressions).
struct SoftdepResolver {
    enum Target: Equatable {
        case modules([Int])
        case builtin(String)
        /// Nothing here provides it; `builtinAliasesKnown` says whether the built-in modules' aliases
        /// rule it out. They cannot when modules.builtin.modinfo is missing, nor for a device-table
        /// alias (`platform:…`, `pci:…`): modpost records those for loadable modules only.
        case nothing(builtinAliasesKnown: Bool)
    }

    private let graph: ModuleGraph
    private let builtinNames: Set<String>
    private var exact: [String: [Int]] = [:]
    /// Patterns with wildcards by their first character ("" when that is a wildcard itself).
    private var patterns: [String: [(pattern: String, module: Int)]] = [:]
    private var builtinExact: [String: String] = [:]
    private var builtinPatterns: [(pattern: String, module: String)] = []
    private let builtinAliasesKnown: Bool

    /// A resolver over `graph`'s modules and built-ins. `wholeTree`: the graph is a whole kernel's tree, where no
    /// modules.builtin means no built-in modules; packages without it only did not ship it.
    init(graph: ModuleGraph, builtinModinfo: [String: [ModinfoEntry]], wholeTree: Bool = true) {
        self.graph = graph
        builtinNames = graph.builtin
        builtinAliasesKnown = !builtinModinfo.isEmpty || (graph.builtin.isEmpty && wholeTree)
        for (m, module) in graph.modules.enumerated() {
            for alias in module.aliases {
                let a = Self.normalized(alias)
                if Self.isPattern(a) {
                    patterns[Self.bucket(a), default: []].append((a, m))
                } else {
                    exact[a, default: []].append(m)
                }
            }
        }
        for (module, entries) in builtinModinfo.sorted(by: { $0.key < $1.key }) {
            for e in entries where e.key == "alias" {
                let a = Self.normalized(e.value)
                if Self.isPattern(a) {
                    builtinPatterns.append((a, module))
                } else if builtinExact[a] == nil {
                    builtinExact[a] = module
                }
            }
        }
    }

    func resolve(_ name: String) -> Target {
        if let m = graph.module(named: name) { return .modules([m]) }
        let n = Self.normalized(name)
        var found = exact[n] ?? []
        for candidate in (patterns[Self.bucket(n)] ?? []) + (patterns[""] ?? [])
        where Self.matches(candidate.pattern, n) {
            found.append(candidate.module)
        }
        if !found.isEmpty { return .modules(Array(Set(found)).sorted()) }
        if let module = builtinExact[n] { return .builtin(module) }
        if let b = builtinPatterns.first(where: { Self.matches($0.pattern, n) }) { return .builtin(b.module) }
        let asModule = normalizedModuleName(name)
        if builtinNames.contains(asModule) { return .builtin(asModule) }
        let deviceAlias = name.contains(":") && !builtinNames.isEmpty
        return .nothing(builtinAliasesKnown: builtinAliasesKnown && !deviceAlias)
    }

    /// kmod's `alias_normalize`: `-` becomes `_` except inside a bracket expression. On bytes, as kmod does
    /// (and ~40,000 aliases a tree: Characters cost a fifth of a warm check), unchanged without a `-`.
    static func normalized(_ alias: String) -> String {
        guard alias.utf8.contains(UInt8(ascii: "-")) else { return alias }
        var bytes = Array(alias.utf8)
        var inBrackets = false
        for i in bytes.indices {
            switch bytes[i] {
            case UInt8(ascii: "["): inBrackets = true
            case UInt8(ascii: "]"): inBrackets = false
            case UInt8(ascii: "-") where !inBrackets: bytes[i] = UInt8(ascii: "_")
            default: break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isPattern(_ s: String) -> Bool {
        s.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    private static func bucket(_ s: String) -> String {
        guard let f = s.first, f != "*", f != "?", f != "[" else { return "" }
        return String(f)
    }

    static func matches(_ pattern: String, _ name: String) -> Bool { ShellPattern.matches(pattern, name) }
}

/// One soft (or weak) dependency of a module and what its name resolves to.
typealias SoftdepTarget = (module: Int, name: String, target: SoftdepResolver.Target)

/// The soft and weak dependencies of every module (`softdep`, `weakdep`), each with what it resolves to: resolved
/// once per tree for the four checks that read them, with one resolver (its alias index costs as much as the
/// lookups) and each distinct name looked up once.
func softdepTargets(graph: ModuleGraph, builtinModinfo: [String: [ModinfoEntry]], wholeTree: Bool = true)
    -> [String: [SoftdepTarget]]
{
    var resolver: SoftdepResolver?
    var resolved: [String: SoftdepResolver.Target] = [:]
    var out: [String: [SoftdepTarget]] = ["softdep": [], "weakdep": []]
    for m in graph.modules.indices {
        for entry in graph.modules[m].modinfo where entry.key == "softdep" || entry.key == "weakdep" {
            for name in softdepNames(entry.value) {
                if resolver == nil {
                    resolver = SoftdepResolver(graph: graph, builtinModinfo: builtinModinfo, wholeTree: wholeTree)
                }
                let target = resolved[name] ?? resolver!.resolve(name)
                resolved[name] = target
                out[entry.key, default: []].append((m, name, target))
            }
        }
    }
    return out
}

struct SoftdepCrossPackageCheck: SplitCheck {
    var id = "softdep-cross-package"
    var key = "softdep"

    var description: CheckDescription {
        CheckDescription(
            id: id, severity: .warning,
            summary: "A module's \(key) names a module (by name or alias) outside its package's closure.",
            rationale:
                "modprobe loads the module without it: it works, but without what its author asked for (e.g. a crypto "
                + "driver or a firmware helper). Names resolve as modprobe resolves them: a module name, "
                + "else an alias; a built-in module satisfies it.",
            triggering: CheckExample(
                "\(key) on a module in extra",
                modules: [exampleModule("a", modinfo: [(key, key == "softdep" ? "pre: b" : "b")]), exampleModule("b")],
                packages: [("core", []), ("extra", ["core"])], placed: ["a": "core", "b": "extra"]),
            passing: CheckExample(
                "\(key) on an alias of a module in the same package",
                modules: [
                    exampleModule("a", modinfo: [(key, key == "softdep" ? "pre: crypto-b" : "crypto-b")]),
                    exampleModule("b", modinfo: [("alias", "crypto-b")]),
                ]))
    }

    func run(_ ctx: CheckContext) -> [Finding] {
        var out: [Finding] = []
        for (m, name, target) in ctx.softdeps[key] ?? [] {
            guard case .modules(let targets) = target, !targets.contains(m),
                !targets.contains(where: { ctx.reaches(m, $0) })
            else { continue }
            let t = targets[0]
            let via = normalizedModuleName(name) == ctx.graph.modules[t].name ? "" : " (\(name))"
            let others =
                targets.count > 1 ? " and \(targets.count - 1) more modules with that alias, none in its closure" : ""
            out.append(
                ctx.finding(
                    id, description.severity, module: m, provider: t,
                    message:
                        "\(ctx.graph.modules[m].name) (\(ctx.packageName(m) ?? "?")) has \(key) "
                        + "\(ctx.graph.modules[t].name)\(via), which is in \(ctx.packageName(t) ?? "?")\(others)",
                    cost: ctx.cost(of: [t])))
        }
        return out
    }
}

struct SoftdepUnsatisfiedCheck: SplitCheck {
    var id = "softdep-unsatisfied"
    var key = "softdep"
    var severity = Severity.warning

    var description: CheckDescription {
        CheckDescription(
            id: id, severity: severity,
            summary: "A module's \(key) names something no module of the tree and no built-in module provides.",
            rationale: key == "softdep"
                ? "modprobe finds nothing to load first and loads the module without it: "
                    + "whatever the author wanted beside it (a crypto algorithm, a helper driver) "
                    + "is missing from every package."
                : "initramfs generators find nothing to include for it; modprobe does not load weak dependencies, "
                    + "so this only matters early in boot.",
            triggering: CheckExample(
                "\(key) on a name nothing provides",
                modules: [exampleModule("a", modinfo: [(key, key == "softdep" ? "pre: gone" : "gone")])]),
            passing: CheckExample(
                "\(key) on an alias some module carries",
                modules: [
                    exampleModule("a", modinfo: [(key, key == "softdep" ? "pre: crypto-b" : "crypto-b")]),
                    exampleModule("b", modinfo: [("alias", "crypto-b")]),
                ]))
    }

    func run(_ ctx: CheckContext) -> [Finding] {
        (ctx.softdeps[key] ?? []).compactMap { m, name, target in
            guard case .nothing(let builtinAliasesKnown) = target else { return nil }
            let module = ctx.graph.modules[m].name
            // On a whole kernel tree nothing else could provide it: the kernel's own gap, not the split's
            // (info). Only when the tree is what some packages hold (--package) can a package be missing.
            let complete = ctx.rules?.coversWholeTree ?? true
            if builtinAliasesKnown {
                let whose = complete ? "; the kernel has none, whatever the split" : ""
                return ctx.finding(
                    id, complete ? .info : severity, module: m,
                    message: "\(module) has \(key) \(name), which no module and no built-in module provides\(whose)")
            }
            // A built-in module's aliases are unknown here: it may be there.
            let why =
                ctx.builtinModinfo.isEmpty
                ? "built-in modules' aliases are unknown (no modules.builtin.modinfo)"
                : "built-in drivers' device-table aliases are recorded nowhere"
            return ctx.finding(
                id, .info, module: m,
                message:
                    "\(module) has \(key) \(name), which no module provides; \(why), so a built-in driver may "
                    + "provide it")
        }
    }
}
