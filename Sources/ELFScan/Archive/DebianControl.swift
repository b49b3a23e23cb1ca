/// A built Debian package's `control` file: one deb822 stanza. Field names are case-insensitive;
/// continuation lines start with a space or a tab; a field given twice is refused, as dpkg refuses it.
struct DebianControl {
    private(set) var fields: [(name: String, value: String)] = []

    /// The largest control file read: real ones are a few KiB.
    static let maxBytes = 1 << 20

    init(_ bytes: [UInt8], file: String) throws(PackageError) {
        var lineNumber = 0
        // Cut at LF bytes: as Characters, a CR LF pair would be one character and hide the line end.
        for lineBytes in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = String(decoding: lineBytes, as: UTF8.self)
            lineNumber += 1
            func bad(_ why: String) -> PackageError { PackageError(file, "control, line \(lineNumber): \(why)") }
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
                // A blank line ends the stanza; blank lines before it are tolerated.
                if fields.isEmpty { continue } else { break }
            }
            if line.first == " " || line.first == "\t" {
                guard !fields.isEmpty else { throw bad("a continuation line before any field") }
                fields[fields.count - 1].value += "\n" + line.trimmingSpaces()
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw bad("no ':' in \(quoted(line))") }
            let name = String(line[..<colon])
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw bad("bad field name \(quoted(name))")
            }
            guard self[name] == nil else { throw bad("field \(name) is given twice") }
            fields.append((name, line[line.index(after: colon)...].trimmingSpaces()))
        }
    }

    /// The value of a field (case-insensitive name), continuation lines joined with newlines.
    subscript(_ name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }

    /// A relation field of a binary package (Depends, Pre-Depends, Provides): comma-separated groups
    /// of `|`-separated alternatives, each `name[:arch] [(op version)]`. Architecture restrictions
    /// `[…]` and build profiles `<…>` belong to source packages and are refused, as are substitution
    /// variables (`${shlibs:Depends}`), which dpkg-deb never leaves in a built package.
    static func relations(_ field: String, fieldName: String, file: String) throws(PackageError)
        -> [[PackageRelation]]
    {
        func bad(_ why: String) -> PackageError { PackageError(file, "control, \(fieldName): \(why)") }
        let flat = String(field.map { $0 == "\n" || $0 == "\t" || $0 == "\r" ? " " : $0 })
        if flat.trimmingSpaces().isEmpty { return [] }
        var groups: [[PackageRelation]] = []
        for group in flat.split(separator: ",", omittingEmptySubsequences: false) {
            var alternatives: [PackageRelation] = []
            for alternative in group.split(separator: "|", omittingEmptySubsequences: false) {
                var s = Substring(alternative.trimmingSpaces())
                guard !s.isEmpty else { throw bad("an empty relation in \(quoted(flat))") }
                let name = String(s.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
                s = s.dropFirst(name.count)
                // dpkg: a name starts with a letter or digit; built packages use lower case only.
                guard let first = name.first, first.isLetter || first.isNumber, name == name.lowercased() else {
                    throw bad("\(quoted(String(alternative.trimmingSpaces()))) is not a package name")
                }
                var qualifier: String?
                if s.first == ":" {
                    s = s.dropFirst()
                    let q = String(s.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
                    guard !q.isEmpty else { throw bad("an empty architecture qualifier after \(name)") }
                    qualifier = q
                    s = s.dropFirst(q.count)
                }
                s = Substring(s.trimmingSpaces())
                var relation: PackageRelation.Operator?
                var version: String?
                if s.first == "(" {
                    guard let close = s.firstIndex(of: ")") else { throw bad("an unclosed '(' after \(name)") }
                    var inner = Substring(s[s.index(after: s.startIndex)..<close].trimmingSpaces())
                    let op = String(inner.prefix { "<>=".contains($0) })
                    inner = Substring(inner.dropFirst(op.count).trimmingSpaces())
                    switch op {
                    case "<<": relation = .earlier
                    case "<=", "<": relation = .earlierOrEqual  // "<" and ">" are dpkg's obsolete spellings
                    case "=": relation = .equal
                    case ">=", ">": relation = .laterOrEqual
                    case ">>": relation = .later
                    default: throw bad("\(quoted(op)) is not a version relation (after \(name))")
                    }
                    guard !inner.isEmpty, !inner.contains(" ") else {
                        throw bad("\(quoted(String(inner))) is not a version (after \(name))")
                    }
                    version = String(inner)
                    s = Substring(s[s.index(after: close)...].trimmingSpaces())
                }
                if s.first == "[" || s.first == "<" {
                    throw bad(
                        "an architecture or build-profile restriction after \(name), which only source packages have")
                }
                guard s.isEmpty else { throw bad("\(quoted(String(s))) after \(name)") }
                alternatives.append(
                    PackageRelation(
                        name: name, relation: relation, version: version,
                        architectureQualifier: qualifier))
            }
            groups.append(alternatives)
        }
        return groups
    }
}

/// `s` in double quotes with control characters escaped, for messages about untrusted text.
func quoted(_ s: some StringProtocol) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
            out += "\\u{\(String(scalar.value, radix: 16))}"
        } else if scalar == "\"" || scalar == "\\" {
            out += "\\" + String(scalar)
        } else {
            out.unicodeScalars.append(scalar)
        }
        if out.utf8.count > 200 {
            out += "…"
            break
        }
    }
    return out + "\""
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CRs and newlines.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
