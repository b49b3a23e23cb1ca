import CLibKmod
import Foundation

/// What libkmod itself reads from one module file: the reference the ELF reader is compared with.
/// (libkmod is linked by the tests only; modsplit's own reading never goes through it.)
public struct KmodFacts: Sendable, Equatable {
    /// `kmod_module_get_symbols`: exports with their CRCs.
    public var symbols: [String: UInt64]
    /// `kmod_module_get_dependency_symbols`: (name, weak, crc), in libkmod's order.
    public var dependencySymbols: [KmodDependency]
    /// `kmod_module_get_info`: (key, value) pairs in file order.
    public var info: [KmodInfo]
}

/// One undefined symbol as libkmod reports it from `__versions` and `.symtab`.
public struct KmodDependency: Sendable, Hashable {
    /// The symbol's name.
    public var name: String
    /// Whether libkmod reports it as weak.
    public var weak: Bool
    /// The CRC `__versions` gives it, 0 without one.
    public var crc: UInt64
    /// A dependency symbol `name` with its weak flag and CRC.
    public init(name: String, weak: Bool, crc: UInt64) {
        self.name = name
        self.weak = weak
        self.crc = crc
    }
}

/// One `.modinfo` string as `kmod_module_get_info` splits it.
public struct KmodInfo: Sendable, Hashable {
    /// The key before the first `=`.
    public var key: String
    /// Everything after it.
    public var value: String
}

/// A libkmod context (`kmod_new`), released with `kmod_unref`.
public final class KmodContext: @unchecked Sendable {
    private let ctx: OpaquePointer

    /// A context with kmod's default configuration; nil when `kmod_new` fails.
    public init?() {
        guard let c = kmod_new(nil, nil) else { return nil }
        ctx = c
    }

    deinit { kmod_unref(ctx) }

    /// Reads `path` through libkmod; nil when libkmod cannot open it.
    public func facts(path: String) -> KmodFacts? {
        var mod: OpaquePointer?
        guard kmod_module_new_from_path(ctx, path, &mod) == 0, let mod else { return nil }
        defer { kmod_module_unref(mod) }

        var symbols: [String: UInt64] = [:]
        var list: OpaquePointer?
        if kmod_module_get_symbols(mod, &list) >= 0 {
            var e = list
            while let entry = e {
                if let s = kmod_module_symbol_get_symbol(entry) {
                    symbols[String(cString: s)] = kmod_module_symbol_get_crc(entry)
                }
                e = kmod_list_next(list, entry)
            }
            kmod_module_symbols_free_list(list)
        }

        var deps: [KmodDependency] = []
        list = nil
        if kmod_module_get_dependency_symbols(mod, &list) >= 0 {
            var e = list
            while let entry = e {
                if let s = kmod_module_dependency_symbol_get_symbol(entry) {
                    deps.append(
                        KmodDependency(
                            name: String(cString: s),
                            weak: kmod_module_dependency_symbol_get_bind(entry) == Int32(KMOD_SYMBOL_WEAK.rawValue),
                            crc: kmod_module_dependency_symbol_get_crc(entry)))
                }
                e = kmod_list_next(list, entry)
            }
            kmod_module_dependency_symbols_free_list(list)
        }

        var info: [KmodInfo] = []
        list = nil
        if kmod_module_get_info(mod, &list) >= 0 {
            var e = list
            while let entry = e {
                let k = kmod_module_info_get_key(entry).map { String(cString: $0) } ?? ""
                let v = kmod_module_info_get_value(entry).map { String(cString: $0) } ?? ""
                info.append(KmodInfo(key: k, value: v))
                e = kmod_list_next(list, entry)
            }
            kmod_module_info_free_list(list)
        }
        return KmodFacts(symbols: symbols, dependencySymbols: deps, info: info)
    }
}
