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
        guard !ctx.graph.kernelExportsKnown else { return [] }
        var exported = Set<String>()
        for m in ctx.graph.modules.indices {
            for e in ctx.graph.modules[m].exports { exported.insert(e.name) }
        }
        var assumed = Set<String>()
        var importers = 0
        for m in ctx.graph.modules.indices {
            var counted = false
            for i in ctx.graph.modules[m].imports where !i.weak {
                // As depmod resolves: one leading '.' stripped (ppc64 ELFv1); the loader's own symbols are no
                // kernel export anyone could miss.
                let name = i.name.utf8.first == UInt8(ascii: ".") ? String(i.name.dropFirst()) : i.name
                guard !exported.contains(name), !SymbolIndex.kernelProvided.contains(name) else { continue }
                assumed.insert(name)
                if !counted {
                    importers += 1
                    counted = true
                }
            }
        }
        // Nothing assumed, nothing unchecked: every import has a module to come from.
        guard !assumed.isEmpty else { return [] }
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
