public import ELFScan

/// Who provides a symbol.
public enum Provider: Sendable, Hashable {
    /// A module of the tree, by its index in `ModuleGraph.modules`.
    case module(Int)
    /// The kernel image (vmlinux and its built-in modules), as Module.symvers or System.map say.
    case kernel
}

/// One export of a symbol: who exports it and how.
public struct Export: Sendable, Hashable {
    public var provider: Provider
    public var gplOnly: Bool?
    public var namespace: String?
    public var crc: UInt32?
}

/// Every symbol the tree exports, with every exporter kept for reporting and depmod's winner chosen.
public struct SymbolIndex: Sendable {
    /// All exporters of each symbol: the kernel first (if it exports it), then modules in module order.
    public private(set) var exporters: [String: [Export]] = [:]

    /// Builds the index over `modules` (already in module order) and the kernel's exports.
    public init(modules: [ModuleFacts], kernel: KernelExports?) {
        if let kernel {
            exporters.reserveCapacity(kernel.symbols.count)
            for (name, k) in kernel.symbols {
                exporters[name] = [Export(provider: .kernel, gplOnly: k.gplOnly, namespace: k.namespace, crc: k.crc)]
            }
        }
        for (i, m) in modules.enumerated() {
            for e in m.exports {
                exporters[e.name, default: []].append(
                    Export(provider: .module(i), gplOnly: e.gplOnly, namespace: e.namespace, crc: e.crc))
            }
        }
    }

    /// The export a dependency resolves to, by depmod's rule: the last module in module order wins,
    /// and a module's export overrides the kernel's. nil when nobody exports the symbol.
    public func resolve(_ name: String) -> Export? {
        var key = Substring(name)
        // depmod strips one leading '.' (ppc64 ELFv1 function descriptors).
        if key.hasPrefix(".") { key = key.dropFirst() }
        if let list = exporters[String(key)] { return list.last }
        if Self.kernelProvided.contains(String(key)) { return Export(provider: .kernel) }
        return nil
    }

    /// Symbols the module loader provides itself (depmod's "fake" symbols).
    public static let kernelProvided: Set<String> = ["__this_module", "_GLOBAL_OFFSET_TABLE_", "TOC."]

    /// Symbols exported more than once, sorted by name.
    public var duplicates: [(name: String, exporters: [Export])] {
        exporters.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
