import ELFScan
internal import Graph

/// Licenses the kernel counts as GPL-compatible (`license_is_gpl_compatible`).
let gplCompatibleLicenses: Set<String> = [
    "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL",
]

/// Imports grouped by the module that provides them (nil: the kernel), each in import order.
func importsByProvider(_ ctx: CheckContext, _ m: Int, where keep: (ImportedSymbol, Export) -> Bool)
    -> [(provider: Int?, symbols: [String], export: Export)]
{
    var out: [(provider: Int?, symbols: [String], export: Export)] = []
    for (k, imp) in ctx.graph.modules[m].imports.enumerated() {
        guard let e = ctx.graph.resolvedExport(module: m, import: k), keep(imp, e) else { continue }
        var provider: Int?
        if case .module(let p) = e.provider { provider = p }
        if let k = out.firstIndex(where: { $0.provider == provider }) {
            out[k].symbols.append(imp.name)
        } else {
            out.append((provider, [imp.name], e))
        }
    }
    return out
}

struct UnresolvedSymbolCheck: SplitCheck {
    let description = CheckDescription(
        id: "unresolved-symbol", severity: .error,
        summary: "A module imports a symbol that neither the kernel nor any module exports.",
        rationale:
            "The loader refuses the module ('Unknown symbol'). Only reported when the kernel's own exports are known "
            + "(Module.symvers or System.map).",
        triggering: CheckExample(
            "uses a symbol nobody exports", modules: [exampleModule("a", imports: ["printk", "gone"])]),
        passing: CheckExample("uses the kernel's printk", modules: [exampleModule("a", imports: ["printk"])]))

    func run(_ ctx: CheckContext) -> [Finding] {
        ctx.graph.unresolved.enumerated().compactMap { m, missing in
            guard !missing.isEmpty else { return nil }
            let names = missing.map(\.name)
            return ctx.finding(
                description.id, description.severity, module: m, symbols: names,
                message:
                    "\(ctx.graph.modules[m].name) needs \(Display.symbolList(names)), which nothing exports: "
                    + "it will not load"
            )
        }
    }
}

struct CrossPackageCheck: SplitCheck {
    let description = CheckDescription(
        id: "cross-package", severity: .error,
        summary: "A module needs symbols of a module whose package is outside its package's closure.",
        rationale:
            "Installing the module's package (and what it depends on) does not install the provider: "
            + "the module fails to load where the user installed only that.",
        triggering: CheckExample(
            "core's a needs extra's b",
            modules: [exampleModule("a", imports: ["b_fn"]), exampleModule("b", exports: ["b_fn"])],
            packages: [("core", []), ("extra", ["core"])], placed: ["a": "core", "b": "extra"]),
        passing: CheckExample(
            "extra's a needs core's b",
            modules: [exampleModule("a", imports: ["b_fn"]), exampleModule("b", exports: ["b_fn"])],
            packages: [("core", []), ("extra", ["core"])], placed: ["a": "extra", "b": "core"]))

    func run(_ ctx: CheckContext) -> [Finding] {
        var out: [Finding] = []
        for (m, edges) in ctx.graph.deps.enumerated() {
            for e in edges where !ctx.reaches(m, e.target) {
                let user = ctx.graph.modules[m].name, provider = ctx.graph.modules[e.target].name
                var notes: [String] = []
                if let failure = ctx.placement.failure[m] { notes.append("the rules cannot place \(user): \(failure)") }
                if let failure = ctx.placement.failure[e.target] {
                    notes.append("the rules cannot place \(provider): \(failure)")
                }
                // The fix to price: move the provider (and what it needs that is not there) into the user's package.
                var cost = ctx.cost(of: [e.target])
                if let p = ctx.placement.packageOf[m] {
                    cost = MoveCost.of(e.target, into: p, graph: ctx.graph, placement: ctx.placement)
                    notes.append(
                        "moving \(provider) into \(ctx.packageName(m) ?? "?") costs \(Display.kib(cost.bytes)): "
                            + "\(cost.modules.joined(separator: ", "))"
                    )
                }
                out.append(
                    ctx.finding(
                        description.id, description.severity, module: m, provider: e.target, symbols: e.symbols,
                        message:
                            "\(user) (\(ctx.packageName(m) ?? "?")) needs \(Display.symbolList(e.symbols)) "
                            + "from \(provider) (\(ctx.packageName(e.target) ?? "?")), "
                            + "which \(ctx.packageName(m) ?? "its package") does not depend on",
                        notes: notes, cost: cost))
            }
        }
        return out
    }
}

struct GPLOnlyCheck: SplitCheck {
    let description = CheckDescription(
        id: "gpl-only", severity: .error,
        summary: "A module whose license is not GPL-compatible imports an EXPORT_SYMBOL_GPL symbol.",
        rationale:
            "The kernel does not resolve GPL-only symbols for such modules: loading fails with 'Unknown symbol'.",
        triggering: CheckExample(
            "a proprietary module uses a GPL-only export",
            modules: [
                exampleModule("blob", imports: ["g_fn"], license: "Proprietary"),
                exampleModule("g", gplExports: ["g_fn"]),
            ]),
        passing: CheckExample(
            "a GPL module uses it",
            modules: [exampleModule("ok", imports: ["g_fn"]), exampleModule("g", gplExports: ["g_fn"])]))

    func run(_ ctx: CheckContext) -> [Finding] {
        var out: [Finding] = []
        for m in ctx.graph.modules.indices {
            let license = ctx.graph.modules[m].license
            if let license, gplCompatibleLicenses.contains(license) { continue }
            for group in importsByProvider(ctx, m, where: { $1.gplOnly == true }) {
                let from = group.provider.map { ctx.graph.modules[$0].name } ?? "the kernel"
                out.append(
                    ctx.finding(
                        description.id, description.severity, module: m, provider: group.provider,
                        symbols: group.symbols,
                        message:
                            "\(ctx.graph.modules[m].name) (license \(license.map { "'\($0)'" } ?? "missing")) "
                            + "uses GPL-only \(Display.symbolList(group.symbols)) from \(from): "
                            + "the kernel will not resolve them"
                    ))
            }
        }
        return out
    }
}

struct MissingNamespaceCheck: SplitCheck {
    let description = CheckDescription(
        id: "missing-namespace", severity: .error,
        summary: "A module uses a symbol exported into a namespace it does not import (MODULE_IMPORT_NS).",
        rationale:
            "The loader rejects the module ('uses symbol … from namespace …, but does not import it') "
            + "unless the kernel allows missing namespace imports.",
        triggering: CheckExample(
            "uses USB_STORAGE without importing it",
            modules: [
                exampleModule("a", imports: ["ns_fn"]), exampleModule("p", namespaced: [("ns_fn", "USB_STORAGE")]),
            ]),
        passing: CheckExample(
            "imports the namespace",
            modules: [
                exampleModule("a", imports: ["ns_fn"], modinfo: [("import_ns", "USB_STORAGE")]),
                exampleModule("p", namespaced: [("ns_fn", "USB_STORAGE")]),
            ]))

    func run(_ ctx: CheckContext) -> [Finding] {
        var out: [Finding] = []
        for m in ctx.graph.modules.indices {
            let imported = Set(ctx.graph.modules[m].importedNamespaces)
            let groups = importsByProvider(ctx, m) { _, e in e.namespace.map { !imported.contains($0) } ?? false }
            for group in groups {
                let ns = group.export.namespace ?? ""
                let from = group.provider.map { ctx.graph.modules[$0].name } ?? "the kernel"
                out.append(
                    ctx.finding(
                        description.id, description.severity, module: m, provider: group.provider,
                        symbols: group.symbols, namespace: ns,
                        message:
                            "\(ctx.graph.modules[m].name) uses \(Display.symbolList(group.symbols)) "
                            + "from namespace \(ns) (\(from)) without MODULE_IMPORT_NS(\(ns))"
                    ))
            }
        }
        return out
    }
}

struct CRCMismatchCheck: SplitCheck {
    let description = CheckDescription(
        id: "crc-mismatch", severity: .error,
        summary: "A module expects a symbol CRC (__versions) that differs from its exporter's.",
        rationale:
            "With modversions the loader compares them: 'disagrees about version of symbol', "
            + "and the module does not load. The module was built against another build of its provider.",
        triggering: CheckExample(
            "built against another b",
            modules: [
                exampleModule("a", imports: ["b_fn"], expects: ["b_fn": 1]),
                exampleModule("b", exports: ["b_fn"], crcs: ["b_fn": 2]),
            ]),
        passing: CheckExample(
            "CRCs agree",
            modules: [
                exampleModule("a", imports: ["b_fn"], expects: ["b_fn": 2]),
                exampleModule("b", exports: ["b_fn"], crcs: ["b_fn": 2]),
            ]))

    func run(_ ctx: CheckContext) -> [Finding] {
        var out: [Finding] = []
        for m in ctx.graph.modules.indices {
            for group in importsByProvider(
                ctx, m, where: { imp, e in imp.crc != nil && e.crc != nil && imp.crc != e.crc })
            {
                let from = group.provider.map { ctx.graph.modules[$0].name } ?? "the kernel"
                out.append(
                    ctx.finding(
                        description.id, description.severity, module: m, provider: group.provider,
                        symbols: group.symbols,
                        message:
                            "\(ctx.graph.modules[m].name) disagrees with \(from) "
                            + "about the version of \(Display.symbolList(group.symbols))"
                    ))
            }
        }
        return out
    }
}

struct VermagicMismatchCheck: SplitCheck {
    let description = CheckDescription(
        id: "vermagic-mismatch", severity: .error,
        summary: "A module was built for another kernel than the rest of the tree (vermagic).",
        rationale:
            "The loader compares vermagic strings (without the release when modversions are on) "
            + "and refuses a mismatch: 'version magic … should be …'.",
        triggering: CheckExample(
            "one module from another build",
            modules: [
                exampleModule("a"), exampleModule("b"),
                exampleModule("odd", vermagic: "6.1.0 SMP preempt mod_unload modversions "),
            ]),
        passing: CheckExample("one build", modules: [exampleModule("a"), exampleModule("b")]))

    /// What the kernel compares: with modversions, the vermagic after the release.
    static func comparable(_ vermagic: String, modversions: Bool) -> Substring {
        guard modversions, let space = vermagic.utf8.firstIndex(of: UInt8(ascii: " ")) else {
            return Substring(vermagic)
        }
        return vermagic[space...]
    }

    func run(_ ctx: CheckContext) -> [Finding] {
        // The tree's own vermagic: the most common one (ties: the smallest string, for determinism).
        let vermagics = ctx.graph.modules.map(\.vermagic)
        var counts: [String: Int] = [:]
        for v in vermagics { if let v { counts[v, default: 0] += 1 } }
        guard let reference = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key
        else { return [] }
        let modversions = reference.contains("modversions")
        let expected = Self.comparable(reference, modversions: modversions)
        return vermagics.indices.compactMap { m in
            // Nearly every module carries the reference string itself.
            guard let v = vermagics[m], v != reference, Self.comparable(v, modversions: modversions) != expected else {
                return nil
            }
            return ctx.finding(
                description.id, description.severity, module: m,
                message:
                    "\(ctx.graph.modules[m].name) has vermagic '\(v)', the tree '\(reference)': "
                    + "the kernel will refuse it"
            )
        }
    }
}

struct DuplicateExportCheck: SplitCheck {
    let description = CheckDescription(
        id: "duplicate-export", severity: .warning,
        summary: "Two modules (or a module and the kernel) export the same symbol.",
        rationale:
            "The loader refuses a module whose export already exists: the two can never be loaded together, "
            + "and a module that duplicates a kernel export never loads (then an error).",
        triggering: CheckExample(
            "a copied exporter",
            modules: [exampleModule("a", exports: ["dup"]), exampleModule("a_copy", exports: ["dup"])]),
        passing: CheckExample(
            "distinct exports", modules: [exampleModule("a", exports: ["x"]), exampleModule("b", exports: ["y"])]))

    func run(_ ctx: CheckContext) -> [Finding] {
        // Group by the pair of exporters so that a copied module is one finding, not one per symbol.
        var pairs: [[Int?]: [String]] = [:]
        for (name, exporters) in ctx.graph.index.duplicates {
            let who: [Int?] = exporters.map { if case .module(let i) = $0.provider { i } else { nil } }
            pairs[who, default: []].append(name)
        }
        return pairs.map { who, symbols in
            let modules = who.compactMap { $0 }
            let withKernel = who.contains { $0 == nil }
            let m = modules.last!
            let others = modules.dropLast().map { ctx.graph.modules[$0].name } + (withKernel ? ["the kernel"] : [])
            let message =
                withKernel
                ? "\(ctx.graph.modules[m].name) exports \(Display.symbolList(symbols)), "
                    + "which the kernel already exports: it will not load"
                : "\(ctx.graph.modules[m].name) and \(others.joined(separator: ", ")) "
                    + "both export \(Display.symbolList(symbols)): they can never be loaded together"
            return ctx.finding(
                description.id, withKernel ? .error : description.severity, module: m,
                provider: modules.count > 1 ? modules[0] : nil, symbols: symbols.sorted(), message: message)
        }
    }
}
