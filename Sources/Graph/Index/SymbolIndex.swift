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

/// Where one import resolves: the export of a module, the kernel's, or nobody's. Two `Int32`s, because
/// the graph keeps one per import of the tree (~200k on a distro kernel); read through `module` and
/// `SymbolIndex.export(_:)`, never through the numbers.
struct ImportResolution: Sendable, Hashable {
    /// The providing module's index; `Self.kernel` for the kernel, `Self.nobody` for nobody.
    private let provider: Int32
    /// The index in the provider's `exports`, or in `SymbolIndex.kernelList`; -1 for a symbol the
    /// module loader provides itself, and for nobody.
    private let export: Int32

    private static let kernel: Int32 = -1
    private static let nobody: Int32 = -2

    private init(provider: Int32, export: Int32) {
        self.provider = provider
        self.export = export
    }

    /// Export `k` of module `i`.
    static func module(_ i: Int, export k: Int) -> Self { Self(provider: Int32(i), export: Int32(k)) }
    /// The kernel's export `k` of `SymbolIndex.kernelList`, or (nil) a symbol the loader provides itself.
    static func kernel(export k: Int?) -> Self { Self(provider: kernel, export: k.map(Int32.init) ?? -1) }
    /// Nobody exports the symbol.
    static let unresolved = Self(provider: nobody, export: -1)

    /// The providing module's index; nil for the kernel and for nobody.
    var module: Int? { provider >= 0 ? Int(provider) : nil }

    /// Which provider, and the index of its export (nil for the loader's own symbols and for nobody).
    var parts: (provider: Provider?, export: Int?) {
        let k = export >= 0 ? Int(export) : nil
        switch provider {
        case Self.nobody: return (nil, nil)
        case Self.kernel: return (.kernel, k)
        default: return (.module(Int(provider)), k)
        }
    }
}

/// Every symbol the tree exports, with every exporter kept for reporting and depmod's winner chosen.
public struct SymbolIndex: Sendable {
    /// Module exporters of each symbol, in module order.
    public private(set) var moduleExporters: [String: [Export]] = [:]
    /// The kernel's own exports (Module.symvers / System.map), empty when unknown.
    public let kernelExports: [String: KernelExport]
    /// depmod's choice for every symbol anybody provides, in one table (see `init`). Building the graph
    /// resolves every import of the tree (~200k on a distro kernel); one hash look-up each instead of
    /// up to three keeps that cheap.
    private var providers: [String: ImportResolution] = [:]
    /// The kernel's exports in one array, so that a resolution can point at one without hashing.
    private let kernelList: [KernelExport]
    /// The modules, in module order, so that a resolution can point at an export without hashing.
    private let modules: [ModuleFacts]

    /// Builds the index over `modules` (already in module order) and the kernel's exports.
    public init(modules: [ModuleFacts], kernel: KernelExports?) {
        self.modules = modules
        kernelExports = kernel?.symbols ?? [:]
        let exportCount = modules.reduce(0) { $0 + $1.exports.count }
        moduleExporters.reserveCapacity(exportCount)
        providers.reserveCapacity(kernelExports.count + exportCount + Self.kernelProvided.count)
        // depmod's rule, the one place it is written: the loader's own symbols, overridden by the kernel's
        // exports, overridden by modules' exports, the last module in module order winning.
        for name in Self.kernelProvided { providers[name] = .kernel(export: nil) }
        let kernelList = Array(kernelExports.values)
        for (k, e) in kernelList.enumerated() { providers[e.name] = .kernel(export: k) }
        self.kernelList = kernelList
        for (i, m) in modules.enumerated() {
            for (k, e) in m.exports.enumerated() {
                moduleExporters[e.name, default: []].append(
                    Export(provider: .module(i), gplOnly: e.gplOnly, namespace: e.namespace, crc: e.crc))
                providers[e.name] = .module(i, export: k)
            }
        }
    }

    /// Who provides `name` by depmod's rule (see `init`), `.unresolved` for nobody.
    func provider(of name: String) -> ImportResolution {
        // depmod strips one leading '.' (ppc64 ELFv1 function descriptors).
        if name.utf8.first == UInt8(ascii: ".") { return providers[String(name.dropFirst())] ?? .unresolved }
        return providers[name] ?? .unresolved
    }

    /// The export a resolution points at, nil for nobody.
    func export(_ resolution: ImportResolution) -> Export? {
        switch resolution.parts {
        case (nil, _): return nil
        case (.kernel?, let k):
            // A kernel export, or (no index) a symbol the loader provides itself.
            return k.map { Self.kernelExport(kernelList[$0]) } ?? Export(provider: .kernel)
        case (.module(let i)?, let k):
            let e = modules[i].exports[k!]
            return Export(provider: .module(i), gplOnly: e.gplOnly, namespace: e.namespace, crc: e.crc)
        }
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
    public func resolve(_ name: String) -> Export? { export(provider(of: name)) }

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
