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
    /// The module or the kernel that exports the symbol.
    public var provider: Provider
    /// Whether it is GPL-only; nil when the source does not say (System.map).
    public var gplOnly: Bool?
    /// The symbol namespace it is exported in, if any.
    public var namespace: String?
    /// Its modversions CRC, if known.
    public var crc: UInt32?
}

/// Where one import resolves: a module and the index of its export, or the kernel, or nothing.
public struct ImportResolution: Sendable, Hashable {
    /// The providing module's index; -1 for the kernel, -2 for nobody.
    public var provider: Int32
    /// The index in the provider's `exports` (modules only).
    public var export: Int32

    static let kernel = ImportResolution(provider: -1, export: -1)
    static let none = ImportResolution(provider: -2, export: -1)
}

/// Every symbol the tree exports, with every exporter kept for reporting and depmod's winner chosen.
public struct SymbolIndex: Sendable {
    /// Module exporters of each symbol, in module order.
    public private(set) var moduleExporters: [String: [Export]] = [:]
    /// The kernel's own exports (Module.symvers / System.map), empty when unknown.
    public let kernelExports: [String: KernelExport]
    /// `resolve`'s answer for every symbol anybody provides, in one table: the winning module's index,
    /// or -1 for the kernel. Building the graph resolves every import of the tree (~200k on a distro
    /// kernel); one hash look-up each instead of up to three keeps that cheap.
    private var providers: [String: ImportResolution] = [:]
    /// The kernel's exports in one array, so that a resolution can point at one without hashing.
    let kernelList: [KernelExport]

    /// Builds the index over `modules` (already in module order) and the kernel's exports.
    public init(modules: [ModuleFacts], kernel: KernelExports?) {
        kernelExports = kernel?.symbols ?? [:]
        let exportCount = modules.reduce(0) { $0 + $1.exports.count }
        moduleExporters.reserveCapacity(exportCount)
        providers.reserveCapacity(kernelExports.count + exportCount + Self.kernelProvided.count)
        for name in Self.kernelProvided { providers[name] = .kernel }
        let kernelList = Array(kernelExports.values)
        for (k, e) in kernelList.enumerated() { providers[e.name] = ImportResolution(provider: -1, export: Int32(k)) }
        self.kernelList = kernelList
        for (i, m) in modules.enumerated() {
            for (k, e) in m.exports.enumerated() {
                moduleExporters[e.name, default: []].append(
                    Export(provider: .module(i), gplOnly: e.gplOnly, namespace: e.namespace, crc: e.crc))
                // The last module in module order wins, over the kernel too.
                providers[e.name] = ImportResolution(provider: Int32(i), export: Int32(k))
            }
        }
    }

    /// Who `resolve(name)` says provides `name`, nil for nobody.
    func provider(of name: String) -> ImportResolution? {
        // depmod strips one leading '.' (ppc64 ELFv1 function descriptors).
        if name.utf8.first == UInt8(ascii: ".") { return providers[String(name.dropFirst())] }
        return providers[name]
    }

    /// All exporters of `name`: the kernel first (if it exports it), then modules in module order.
    public func exporters(of name: String) -> [Export] {
        var out: [Export] = []
        if let k = kernelExports[name] { out.append(Self.kernelExport(k)) }
        out += moduleExporters[name] ?? []
        return out
    }

    /// The export a dependency resolves to, by depmod's rule: the last module in module order wins,
    /// and a module's export overrides the kernel's. nil when nobody exports the symbol.
    public func resolve(_ name: String) -> Export? {
        // depmod strips one leading '.' (ppc64 ELFv1 function descriptors).
        let key = name.utf8.first == UInt8(ascii: ".") ? String(name.dropFirst()) : name
        if let list = moduleExporters[key] { return list.last }
        if let k = kernelExports[key] { return Self.kernelExport(k) }
        if Self.kernelProvided.contains(key) { return Export(provider: .kernel) }
        return nil
    }

    private static func kernelExport(_ k: KernelExport) -> Export {
        Export(provider: .kernel, gplOnly: k.gplOnly, namespace: k.namespace, crc: k.crc)
    }

    /// Symbols the module loader provides itself (depmod's "fake" symbols).
    public static let kernelProvided: Set<String> = ["__this_module", "_GLOBAL_OFFSET_TABLE_", "TOC."]

    /// Symbols that more than one module exports, or a module and the kernel, sorted by name.
    public var duplicates: [(name: String, exporters: [Export])] {
        moduleExporters.filter { $0.value.count > 1 || kernelExports[$0.key] != nil }.keys.sorted()
            .map { ($0, exporters(of: $0)) }
    }
}
