/// `.modinfo`: NUL-separated `key=value` strings, padding NULs skipped; a string without `=` is a
/// key with an empty value. Cut at the byte level: going through Characters cost more than the ELF reading.
///
/// The kernel treats these strings as bytes; modsplit keeps them as text. Bytes that are not UTF-8 (an
/// author's name in Latin-1, a corrupted file) are neither dropped nor silently replaced: each is kept
/// as the four characters `\xNN`, so the text shows that it was repaired and what the byte was, and
/// a valid value never changes. The module still reads — its exports and imports are intact.
func parseModinfo(_ bytes: UnsafeRawBufferPointer) -> [ModinfoEntry] {
    var out: [ModinfoEntry] = []
    guard let base = bytes.baseAddress else { return out }
    // memchr over the raw bytes: every pointer below stays inside [base, base + count).
    func offset(of byte: UInt8, from start: Int, to end: Int) -> Int? {
        Syscalls.offset(of: byte, in: base + start, count: end - start).map { start + $0 }
    }
    var start = 0
    while start < bytes.count {
        let end = offset(of: 0, from: start, to: bytes.count) ?? bytes.count
        if end > start {
            if let eq = offset(of: UInt8(ascii: "="), from: start, to: end) {
                out.append(ModinfoEntry(key: modinfoText(bytes[start..<eq]), value: modinfoText(bytes[(eq + 1)..<end])))
            } else {
                out.append(ModinfoEntry(key: modinfoText(bytes[start..<end]), value: ""))
            }
        }
        start = end + 1
    }
    return out
}

/// `bytes` as a String when they are UTF-8, else nil. ASCII (nearly every symbol and `.modinfo`
/// string) is checked here and decoded without validation; only the rest goes through the standard
/// library's generic validator, which looks up type metadata on each call (~7% of a cold plain scan).
func validUTF8String(_ bytes: UnsafeRawBufferPointer) -> String? {
    var i = 0
    var high: UInt64 = 0
    while i + 8 <= bytes.count {
        high |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        i += 8
    }
    while i < bytes.count {
        high |= UInt64(bytes[i])
        i += 1
    }
    if high & 0x8080_8080_8080_8080 == 0 { return String(decoding: bytes, as: UTF8.self) }
    return String(validating: bytes, as: UTF8.self)
}

/// The text of a `.modinfo` string: itself when it is UTF-8, else with each byte that is not written `\xNN`.
func modinfoText(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
    if let text = validUTF8String(UnsafeRawBufferPointer(rebasing: bytes)) { return text }
    var out = ""
    var iterator = bytes.makeIterator()
    var parser = Unicode.UTF8.ForwardParser()
    var position = bytes.startIndex
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let encoded):
            out.unicodeScalars.append(Unicode.UTF8.decode(encoded))
            position += encoded.count
        case .error(let length):
            for b in bytes[position..<(position + length)] {
                out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
            position += length
        case .emptyInput:
            return out
        }
    }
}
