/// The bus classes a module's aliases bind: the text before the first ':' (`pci`, `usb`, `virtio`, …),
/// with `acpi*`-style globs folded to their name.
public func aliasClasses(_ aliases: [String]) -> [String] {
    var classes = Set<String>()
    for a in aliases {
        guard let colon = a.firstIndex(of: ":") else { continue }
        let c = a[..<colon].filter { $0 != "*" && $0 != "?" }
        if !c.isEmpty && c.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            classes.insert(String(c))
        }
    }
    return classes.sorted()
}
