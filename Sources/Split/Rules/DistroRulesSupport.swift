internal import ELFScan
internal import Graph

// What SUSE's and Ubuntu's readers share: reading their text, naming architectures.

/// An architecture as the kernel's `arch/` directory and SUSE's `cpu_arch` name it.
struct KernelArchitecture {
    var directory: String
    var suse: String

    static let suseNames: Set<String> = [
        "x86_64", "i386", "arm64", "armv7hl", "armv6hl", "ppc64le", "ppc64", "s390x",
        "riscv64", "loongarch64",
    ]

    /// From Debian's architecture name (`--arch`).
    init?(debian: String) {
        switch debian {
        case "amd64": (directory, suse) = ("x86", "x86_64")
        case "i386": (directory, suse) = ("x86", "i386")
        case "arm64": (directory, suse) = ("arm64", "arm64")
        case "armhf": (directory, suse) = ("arm", "armv7hl")
        case "armel": (directory, suse) = ("arm", "armv6hl")
        case "ppc64el": (directory, suse) = ("powerpc", "ppc64le")
        case "ppc64", "powerpc": (directory, suse) = ("powerpc", "ppc64")
        case "s390x": (directory, suse) = ("s390", "s390x")
        case "riscv64": (directory, suse) = ("riscv", "riscv64")
        case "loong64": (directory, suse) = ("loongarch", "loongarch64")
        default: return nil
        }
    }

    /// From the modules' ELF header.
    init?(identity: ELFIdentity) {
        switch identity.machine {
        case 62: (directory, suse) = ("x86", "x86_64")
        case 3: (directory, suse) = ("x86", "i386")
        case 183: (directory, suse) = ("arm64", "arm64")
        case 40: (directory, suse) = ("arm", "armv7hl")
        case 21: (directory, suse) = ("powerpc", identity.bigEndian ? "ppc64" : "ppc64le")
        case 20: (directory, suse) = ("powerpc", "ppc")
        case 22: (directory, suse) = ("s390", "s390x")
        case 243: (directory, suse) = ("riscv", "riscv64")
        case 258: (directory, suse) = ("loongarch", "loongarch64")
        default: return nil
        }
    }
}

/// Text handling both distro readers share.
enum DistroText {
    /// A NUL byte, bytes that are not UTF-8 (both at their line) or nothing but blanks make a file unusable as
    /// rules: an empty file is a failed download or a truncated commit far more often than an empty split.
    static func checkText(_ bytes: [UInt8], file: String) throws(RulesError) {
        if let nul = bytes.firstIndex(of: 0) {
            throw RulesError(
                file: file, line: bytes[..<nul].count { $0 == UInt8(ascii: "\n") } + 1,
                "a NUL byte: not a text file")
        }
        if String(validating: bytes, as: UTF8.self) == nil {
            let line = lines(bytes).firstIndex { String(validating: $0, as: UTF8.self) == nil } ?? 0
            throw RulesError(file: file, line: line + 1, "bytes that are not UTF-8: not a text file in UTF-8")
        }
        guard bytes.contains(where: { !isBlank($0) }) else {
            throw RulesError(file: file, "the rules file is empty")
        }
    }

    /// The lines of a file, without their newlines; a final newline ends the last line, it does not start one.
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if bytes.isEmpty || bytes.last == UInt8(ascii: "\n") { lines.removeLast() }
        return lines
    }

    /// Perl's `\s` in ASCII: space, tab, newline, carriage return, form feed, vertical tab.
    static func isBlank(_ b: UInt8) -> Bool { b == 32 || (9...13).contains(b) }

    /// A pattern for a message: control characters shown as `?`, at most 120 characters.
    static func short(_ s: String) -> String {
        let clean = Display.sanitized(s)
        return clean.count > 120 ? String(clean.prefix(117)) + "…" : clean
    }
}
