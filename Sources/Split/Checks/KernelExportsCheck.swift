import ELFScan
internal import Graph

/// Without the kernel's own exports (Module.symvers or a System.map with symbols), a symbol that no module
/// exports cannot be told from one the kernel exports: the graph takes it to be the kernel's, as depmod does
/// without `-E`/`-F`, and `unresolved-symbol` cannot fire. A run that checks less than it seems must say so.
struct KernelExportsUnknownCheck: SplitCheck {
    let description = CheckDescription(
        id: "kernel-exports-unknown", severity: .warning,
        summary:
            "The kernel's own exports are unknown (no Module.symvers or System.map with symbols, found or given), "
            + "so symbols that no module exports cannot be checked.",
        rationale:
            "Every such symbol is taken to be the kernel's, as depmod does without -E/-F: a module whose provider "
            + "is missing from the split looks fine. Give --symvers (Module.symvers from the linux-headers or "
            + "kernel-devel package) or --system-map, or unpack the headers beside the modules.",
        triggering: CheckExample(
            "no Module.symvers: printk and gone are both taken to be the kernel's",
            modules: [exampleModule("a", imports: ["printk", "gone"])], kernel: nil),
        passing: CheckExample("Module.symvers given", modules: [exampleModule("a", imports: ["printk"])]))

    func run(_ ctx: CheckContext) -> [Finding] {
        // The graph resolves every import as depmod does; what nobody exports it keeps as unchecked.
        let importers = ctx.graph.unchecked.count { !$0.isEmpty }
        // Nothing assumed, nothing unchecked: every import has a module to come from.
        guard importers > 0 else { return [] }
        let assumed = Set(ctx.graph.unchecked.joined().map(\.name))
        let symbols = assumed.sorted()
        return [
            Finding(
                kind: description.id, severity: description.severity, symbols: symbols,
                message:
                    "the kernel's own exports are unknown: \(symbols.count) symbol\(symbols.count == 1 ? "" : "s") "
                    + "that no module exports, imported by \(importers) module\(importers == 1 ? "" : "s"), "
                    + "\(symbols.count == 1 ? "is" : "are") taken to be the kernel's without a check, "
                    + "so unresolved-symbol cannot fire",
                notes: ctx.scanNotes.map(Display.sanitized) + [
                    "give --symvers (Module.symvers from linux-headers or kernel-devel) or --system-map "
                        + "(a System.map with symbols, not Debian's placeholder)"
                ])
        ]
    }
}
