private let vmlinux = Array("vmlinux".utf8)
private let exportPrefix = Array("EXPORT_".utf8)

/// One symbol the kernel image (vmlinux, with its built-in modules) exports.
public struct KernelExport: Sendable, Hashable, Codable {
    /// The exported symbol's name.
    public var name: String
    /// Its modversions CRC; nil without modversions or from System.map.
    public var crc: UInt32?
    /// nil when the source does not say (System.map).
    public var gplOnly: Bool?
    /// The symbol namespace it is exported in, when Module.symvers names one.
    public var namespace: String?

    /// The kernel's export of `name`; CRC, GPL-only flag and namespace unknown unless given.
    public init(name: String, crc: UInt32? = nil, gplOnly: Bool? = nil, namespace: String? = nil) {
        self.name = name
        self.crc = crc
        self.gplOnly = gplOnly
        self.namespace = namespace
    }
}

/// The kernel's own exports, from Module.symvers or System.map.
public struct KernelExports: Sendable {
    /// Which file the exports came from; System.map lacks CRCs, licences and namespaces.
    public enum Source: String, Sendable, Codable { case symvers, systemMap = "system-map" }

    /// Which kind of file they were read from.
    public var source: Source
    /// The file they were read from.
    public var path: String
    /// The exports by symbol name.
    public var symbols: [String: KernelExport]

    /// The exports `symbols`, read from `path` of kind `source`.
    public init(source: Source, path: String, symbols: [String: KernelExport]) {
        self.source = source
        self.path = path
        self.symbols = symbols
    }

    /// Parses Module.symvers (plain, gz, xz or zst; LF or CRLF lines). Only `vmlinux` lines are the
    /// kernel's, and a file without any is refused; both column orders are accepted:
    /// `crc sym module type [ns]` (5.10+) and `crc sym ns module type` (5.4–5.9).
    public static func load(symvers absolutePath: String, displayPath: String) throws(ELFScanError) -> KernelExports {
        let bytes = try readDecompressedFile(absolutePath, path: displayPath)
        var symbols: [String: KernelExport] = [:]
        symbols.reserveCapacity(bytes.count / 80)
        var lineNumber = 0
        // Fields are cut as byte ranges into one reused array: a distro kernel's file has ~25k lines,
        // and only the vmlinux ones (under half) are turned into strings.
        var fields: [Range<Int>] = []
        let failure = bytes.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> ELFScanError? in
            var lineStart = 0
            while lineStart <= buffer.count {
                let lineEnd = buffer[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? buffer.count
                defer { lineStart = lineEnd + 1 }
                lineNumber += 1
                // A CRLF file (copied through Windows) reads as its LF form: the CR is not the last field's.
                let end = lineEnd > lineStart && buffer[lineEnd - 1] == UInt8(ascii: "\r") ? lineEnd - 1 : lineEnd
                if end == lineStart { continue }
                fields.removeAll(keepingCapacity: true)
                var fieldStart = lineStart
                var ascii = true
                for i in lineStart..<end {
                    let b = buffer[i]
                    if b == UInt8(ascii: "\t") {
                        fields.append(fieldStart..<i)
                        fieldStart = i + 1
                    }
                    if b >= 0x80 { ascii = false }
                }
                fields.append(fieldStart..<end)
                func field(_ k: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[fields[k]]) }
                // Only vmlinux lines are the kernel's: skip module lines before making strings of them.
                guard fields.count < 4 || field(2).elementsEqual(vmlinux) || field(3).elementsEqual(vmlinux) else {
                    continue
                }
                let f = fields.indices.map { String(decoding: field($0), as: UTF8.self) }
                do throws(ELFScanError) {
                    if let export = try parseSymversLine(
                        f, ascii: ascii, lineNumber: lineNumber, displayPath: displayPath)
                    {
                        symbols[export.name] = export
                    }
                } catch {
                    return error
                }
            }
            return nil
        }
        if let failure { throw failure }
        // Read as "the kernel exports nothing", such a file would make every import unresolved.
        guard !symbols.isEmpty else {
            throw ELFScanError(
                .malformed, path: displayPath,
                "no vmlinux exports: an empty Module.symvers, or one with only modules' lines, "
                    + "cannot say what the kernel exports"
            )
        }
        return KernelExports(source: .symvers, path: displayPath, symbols: symbols)
    }

    /// One vmlinux line of Module.symvers, split at tabs; nil when it turns out to belong to a module.
    /// `ascii` says the line is plain ASCII, where comparing bytes is the same as comparing Characters.
    private static func parseSymversLine(_ f: [String], ascii: Bool, lineNumber: Int, displayPath: String)
        throws(ELFScanError) -> KernelExport?
    {
        guard f.count >= 4 else {
            throw ELFScanError(
                .malformed, path: displayPath,
                "line \(lineNumber): expected at least 4 tab-separated fields, found \(f.count)")
        }
        func isExportType(_ s: String) -> Bool { ascii ? s.utf8.starts(with: exportPrefix) : s.hasPrefix("EXPORT_") }
        let module: String
        let type: String
        var namespace: String?
        if isExportType(f[3]) {
            module = f[2]
            type = f[3]
            if f.count >= 5, !f[4].isEmpty { namespace = f[4] }
        } else if f.count >= 5, isExportType(f[4]) {
            namespace = f[2].isEmpty ? nil : f[2]
            module = f[3]
            type = f[4]
        } else {
            throw ELFScanError(.malformed, path: displayPath, "line \(lineNumber): no EXPORT_ column")
        }
        guard module == "vmlinux" else { return nil }
        var crcText = Substring(f[0])
        if crcText.hasPrefix("0x") { crcText = crcText.dropFirst(2) }
        guard let crc = UInt64(crcText, radix: 16) else {
            throw ELFScanError(.malformed, path: displayPath, "line \(lineNumber): bad CRC '\(f[0])'")
        }
        return KernelExport(
            name: f[1], crc: UInt32(truncatingIfNeeded: crc),
            gplOnly: type.hasSuffix("_GPL") || type.hasSuffix("_GPL_FUTURE"), namespace: namespace)
    }

    /// Parses System.map: each `__ksymtab_<sym>` entry is an export. Returns nil for Debian's
    /// one-line placeholder (no `__ksymtab_` entries at all), which the caller reports.
    public static func load(systemMap absolutePath: String, displayPath: String) throws(ELFScanError) -> KernelExports?
    {
        let bytes = try readDecompressedFile(absolutePath, path: displayPath)
        var symbols: [String: KernelExport] = [:]
        let prefix = Array("__ksymtab_".utf8)
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let f = (line.last == UInt8(ascii: "\r") ? line.dropLast() : line).split(separator: UInt8(ascii: " "))
            guard f.count >= 3, f[2].starts(with: prefix) else { continue }
            let name = String(decoding: f[2].dropFirst(prefix.count), as: UTF8.self)
            symbols[name] = KernelExport(name: name)
        }
        if symbols.isEmpty { return nil }
        return KernelExports(source: .systemMap, path: displayPath, symbols: symbols)
    }
}
