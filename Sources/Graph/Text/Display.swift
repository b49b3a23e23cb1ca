internal import Foundation

/// How modsplit writes sizes, symbol lists and untrusted strings in human-readable output, the same
/// way in every command and report.
public enum Display {
    /// A size as KiB, or MiB from 10 MiB on (rounded to the nearest unit).
    public static func kib(_ bytes: UInt64) -> String {
        if bytes >= 10 << 20 { return "\((bytes + (1 << 19)) >> 20) MiB" }
        return "\((bytes + 1023) / 1024) KiB"
    }

    /// The first `limit` symbols, and how many more there are.
    public static func symbolList(_ symbols: [String], limit: Int = 6) -> String {
        symbols.count <= limit
            ? symbols.joined(separator: ", ")
            : symbols.prefix(limit).joined(separator: ", ") + " and \(symbols.count - limit) more"
    }

    /// `s` with every control character (C0, DEL and C1, whose U+009B is a terminal's CSI) shown as `?`:
    /// strings from modules must not reach a terminal as escape sequences or line breaks.
    public static func sanitized(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { isControl($0) ? "?" : $0 }))
    }

    /// C0 controls, DEL and the C1 controls.
    public static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || (0x7F...0x9F).contains(u.value) }
}

/// Every versioned JSON document modsplit writes: pretty-printed, keys sorted, so the same input gives
/// the same bytes.
public enum VersionedJSON {
    /// `value` as JSON text with a final newline.
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
