public import ELFScan
internal import Foundation

/// What `modsplit scan` reports: counts of what was read, and every file that could not be.
public struct ScanSummary: Codable, Sendable, Equatable {
    /// The `schemaVersion` this build writes; raised when a field changes meaning or goes away.
    public static let currentSchemaVersion = 1

    /// A file of the tree that could not be read.
    public struct Problem: Codable, Sendable, Equatable {
        /// Path relative to the module directory.
        public var path: String
        /// The `ELFScanError.Kind` (`io`, `compression`, `notELF`, `unsupported`, `malformed`).
        public var kind: String
        /// What went wrong.
        public var reason: String
    }

    /// The document's schema version (`currentSchemaVersion` when written).
    public var schemaVersion: Int
    /// The absolute path of the module directory scanned.
    public var moduleDirectory: String
    /// The `<version>` of `lib/modules/<version>`.
    public var kernelVersion: String
    /// Module files read.
    public var modules: Int
    /// Module files that could not be read (listed in `problems`).
    public var unreadable: Int
    /// Module counts by compression (`none`, `xz`, `gzip`, `zstd`, …).
    public var compression: [String: Int]
    /// `x86_64/64/little` and the like, with module counts; more than one key means a mixed tree.
    public var architectures: [String: Int]
    /// Bytes of all module files on disk.
    public var bytesOnDisk: UInt64
    /// Bytes of all module images after decompression.
    public var bytesUncompressed: UInt64
    /// Symbols exported by modules, duplicates counted.
    public var exports: Int
    /// Of those, exported GPL-only.
    public var gplOnlyExports: Int
    /// Of those, exported into a symbol namespace.
    public var namespacedExports: Int
    /// Undefined symbols of all modules.
    public var imports: Int
    /// Of those, weak.
    public var weakImports: Int
    /// Module-to-module dependencies in the graph.
    public var edges: Int
    /// Names in `modules.builtin`.
    public var builtinModules: Int
    /// Symbols that more than one module exports.
    public var duplicateExports: Int
    /// Files dropped because another has the same module name, sorted.
    public var shadowedModules: [String]
    /// Dependency cycles (depmod refuses a tree with any).
    public var cycles: Int
    /// `symvers:PATH`, `system-map:PATH`, or nil when the kernel's exports are unknown.
    public var kernelExports: String?
    /// Symbols the kernel image exports (0 when unknown).
    public var kernelExportCount: Int
    /// Non-weak imports that neither a module nor the kernel exports (0 when the kernel's exports are unknown).
    public var unresolvedImports: Int
    /// Every file that could not be read.
    public var problems: [Problem]
    /// Remarks about the inputs that limit what can be checked.
    public var notes: [String]

    /// The counts of `scan` and of the graph built from it.
    public init(scan: TreeScan, graph: ModuleGraph) {
        schemaVersion = Self.currentSchemaVersion
        moduleDirectory = scan.tree.moduleDirectory
        kernelVersion = scan.tree.kernelVersion
        modules = scan.modules.count
        unreadable = scan.problems.count
        var compression: [String: Int] = [:]
        var architectures: [String: Int] = [:]
        var disk: UInt64 = 0, raw: UInt64 = 0
        var exports = 0, gpl = 0, ns = 0, imports = 0, weak = 0
        for m in scan.modules {
            compression[m.compression.rawValue, default: 0] += 1
            let id = m.identity
            architectures["\(id.machineName)/\(id.bits)/\(id.bigEndian ? "big" : "little")", default: 0] += 1
            disk += m.fileSize
            raw += m.uncompressedSize
            exports += m.exports.count
            gpl += m.exports.count { $0.gplOnly }
            ns += m.exports.count { $0.namespace != nil }
            imports += m.imports.count
            weak += m.imports.count { $0.weak }
        }
        self.compression = compression
        self.architectures = architectures
        bytesOnDisk = disk
        bytesUncompressed = raw
        self.exports = exports
        gplOnlyExports = gpl
        namespacedExports = ns
        self.imports = imports
        weakImports = weak
        edges = graph.deps.reduce(0) { $0 + $1.count }
        builtinModules = scan.builtinModules.count
        duplicateExports = graph.index.moduleExporters.values.count { $0.count > 1 }
        shadowedModules = graph.shadowed.map(\.dropped.path).sorted()
        cycles = graph.cycles().count
        kernelExports = scan.kernelExports.map { "\($0.source.rawValue):\($0.path)" }
        kernelExportCount = scan.kernelExports?.symbols.count ?? 0
        unresolvedImports = graph.unresolved.reduce(0) { $0 + $1.count }
        problems = scan.problems.map { Problem(path: $0.path, kind: $0.kind.rawValue, reason: $0.reason) }
        notes = scan.notes
    }

    /// Pretty-printed JSON with sorted keys and a final newline.
    public func encoded() throws -> String {
        try VersionedJSON.encode(self)
    }

    /// For a terminal. Paths, versions, notes and reasons come from the tree (a file name can hold an escape
    /// sequence or a line break), so each is shown through `Display.sanitized`.
    public func text() -> String {
        func inKiB(_ b: UInt64) -> String { "\((b + 1023) / 1024) KiB" }
        let show = Display.sanitized
        var out = "tree        \(show(moduleDirectory)) (\(show(kernelVersion)))\n"
        out += "modules     \(modules) read, \(unreadable) unreadable, \(builtinModules) built in\n"
        out +=
            "            "
            + compression.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        out +=
            "; "
            + architectures.sorted { $0.key < $1.key }.map { "\($0.value) \(show($0.key))" }
            .joined(separator: ", ") + "\n"
        out += "size        \(inKiB(bytesOnDisk)) on disk, \(inKiB(bytesUncompressed)) uncompressed\n"
        out +=
            "exports     \(exports) (\(gplOnlyExports) GPL-only, \(namespacedExports) in a namespace), "
            + "\(duplicateExports) exported twice\n"
        out += "imports     \(imports) (\(weakImports) weak), \(edges) module-to-module edges, \(cycles) cycles\n"
        if let kernelExports {
            out += "kernel      \(kernelExportCount) exports from \(show(kernelExports)); "
            out += "\(unresolvedImports) imports unresolved\n"
        } else {
            out += "kernel      exports unknown (no Module.symvers or System.map)\n"
        }
        for s in shadowedModules { out += "shadowed    \(show(s)) (another file has the same module name)\n" }
        for n in notes { out += "note: \(show(n))\n" }
        for p in problems { out += "unreadable: \(show(p.path)): \(show(p.reason))\n" }
        return out
    }
}
