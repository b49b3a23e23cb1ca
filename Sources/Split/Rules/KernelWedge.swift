internal import ELFScan
internal import Foundation
public import Graph

/// Debian's installer split: a `debian/installer` directory (kernel-versions, package-list, modules/)
/// as kernel-wedge 2.106 reads it, or a source tree that contains one.
public enum KernelWedgeFormat: SplitFormat {
    /// `kernel-wedge`, as `--rules-format` takes it.
    public static let name = "kernel-wedge"
    /// Its lists are chosen by the tree's architecture and flavour, and its release names the packages.
    public static let readsTree = true

    /// A directory with a kernel-wedge configuration in it or in its `debian/installer`.
    public static func recognizes(path: String, isDirectory: Bool, head: [UInt8]) -> Bool {
        isDirectory && KernelWedgeRules.installerDirectory(path) != nil
    }

    /// Reads the configuration for the tree's (or the given) architecture and flavour.
    public static func load(path: String, options: RulesOptions) throws(RulesError) -> any SplitDefinition {
        try KernelWedgeRules.load(path: path, options: options)
    }
}

/// A kernel-wedge configuration, read; `place` does what kernel-wedge's `preprocess`, `copy-modules`,
/// `find-dups` and `check` do for one architecture and flavour, and reports what they would do silently
/// (copies) or fail on (missing modules, duplicates, empty packages) as findings with file:line.
///
/// Packages are the lists kernel-wedge builds, named by list (`nic-modules`; the udeb is
/// `nic-modules-<abi>-<flavour>-di`). Modules no list ships go to one fallback package,
/// `linux-image-<release>` (the full kernel package), which depends on every installer package.
/// Where modsplit differs from 2.106, on purpose: `.ko.zst` and `.ko.gz` are modules (2.106 knows
/// `.ko.xz` and `.ko.zstd`); an include must stay inside the configuration directory; a wildcard's
/// directory with a `..` component never exists; every problem is reported, where kernel-wedge stops
/// at the first; lines longer than 4 KiB, more than 200,000 entries or runaway wildcard matching are refused.
public struct KernelWedgeRules: SplitDefinition {
    /// The configuration directory (`debian/installer`).
    public let directory: String
    let kernelVersions: [KernelVersionsLine]
    let stanzas: [Stanza]
    let packageListPath: String
    /// Udeb names `exclude-packages` removes from debian/control.
    let excluded: Set<String>
    /// `ignore-dups` exists: duplicates are warnings.
    let ignoreDuplicates: Bool
    let arch: String?
    let flavour: String?
    let release: String?
    let moduleDirectory: String?
    let builtinPaths: [String]?

    /// The configuration directory.
    public var name: String? { directory }

    struct KernelVersionsLine {
        var arch, version, flavour, installedName: String
        var line: Int
    }

    struct Field {
        var value: String
        var line: Int
    }

    struct Stanza {
        var fields: [String: Field]
        var line: Int

        /// kernel-wedge's lookup: `F_<flavour>`, `F_<arch>_<flavour>`, `F_<arch>`, then `F`.
        func field(_ name: String, arch: String, flavour: String) -> Field? {
            fields["\(name)_\(flavour)"] ?? fields["\(name)_\(arch)_\(flavour)"] ?? fields["\(name)_\(arch)"]
                ?? fields[name]
        }
    }

    enum Limits {
        static let lineBytes = 4096
        static let entries = 200_000
        static let includeDepth = 64
        static let matchingWork = 2_000_000_000
        static let lists = 10_000
    }

    /// `path` itself when it holds kernel-versions, package-list and modules/, else its `debian/installer`.
    static func installerDirectory(_ path: String) -> String? {
        var base = path
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        for candidate in [base, base + "/debian/installer"] {
            if FileAccess.kind(candidate + "/kernel-versions") == .regular,
                FileAccess.kind(candidate + "/package-list") == .regular,
                FileAccess.kind(candidate + "/modules") == .directory
            {
                return candidate
            }
        }
        return nil
    }

    /// Reads kernel-versions, package-list and the optional exclude-packages; lists are read by `place`,
    /// once the architecture is known.
    public static func load(path: String, options: RulesOptions) throws(RulesError) -> KernelWedgeRules {
        guard let dir = installerDirectory(path) else {
            throw RulesError(
                file: path,
                "not a kernel-wedge configuration: expected kernel-versions, "
                    + "package-list and modules/ in it or in its debian/installer"
            )
        }
        let kernelVersions = try readKernelVersions(dir + "/kernel-versions")
        let packageList = dir + "/package-list"
        let stanzas = try readPackageList(packageList)
        var excluded = Set<String>()
        if FileAccess.kind(dir + "/exclude-packages") != .missing {
            excluded = Set(
                try readLines(dir + "/exclude-packages").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                    .filter { !$0.isEmpty })
        }
        var builtin: [String]?
        if let md = options.tree?.moduleDirectory, FileAccess.kind(md + "/modules.builtin") == .regular {
            builtin = try readLines(md + "/modules.builtin").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        let md = options.tree.map(\.moduleDirectory).flatMap { FileAccess.kind($0) == .directory ? $0 : nil }
        return KernelWedgeRules(
            directory: dir, kernelVersions: kernelVersions, stanzas: stanzas, packageListPath: packageList,
            excluded: excluded, ignoreDuplicates: FileAccess.kind(dir + "/ignore-dups") != .missing,
            arch: options.arch, flavour: options.flavour, release: options.tree?.kernelVersion, moduleDirectory: md,
            builtinPaths: builtin)
    }

    static func read(_ path: String) throws(RulesError) -> [UInt8] {
        do {
            return try FileAccess.read(path, limit: RulesLimits.maxFileBytes)
        } catch {
            throw RulesError(file: path, error.reason)
        }
    }

    /// A file's lines, split at LF bytes as Perl splits them (a CR stays in its line; a Swift String
    /// would keep CRLF together as one character).
    static func readLines(_ path: String) throws(RulesError) -> [String] {
        try read(path).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// `arch version flavour installedname suffix build-depends`, whitespace-separated; `#` lines and
    /// blank lines skipped.
    static func readKernelVersions(_ path: String) throws(RulesError) -> [KernelVersionsLine] {
        var out: [KernelVersionsLine] = []
        for (n, raw) in try readLines(path).enumerated() {
            if raw.hasPrefix("#") { continue }
            let f = raw.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            if f.isEmpty { continue }
            guard f.count >= 3 else {
                throw RulesError(
                    file: path, line: n + 1, "expected: arch version flavour [installedname suffix build-depends]")
            }
            out.append(
                KernelVersionsLine(
                    arch: f[0], version: f[1], flavour: f[2], installedName: f.count > 3 ? f[3] : "-", line: n + 1))
        }
        return out
    }

    static let controlFields = [
        "Package", "Package-Type", "Provides", "Depends", "Architecture", "Kernel-Version",
        "Section", "Priority", "Description",
    ]

    /// RFC 822-like stanzas as KernelWedge.pm reads them: `#` at column 0 a comment, `Name: value` a
    /// field (a known control field, optionally `_<suffix>`), a line starting with white space continues
    /// the last field, an empty line ends the stanza, anything else is ignored. Stanzas with the same
    /// Package merge field by field, in the order of first appearance.
    static func readPackageList(_ path: String) throws(RulesError) -> [Stanza] {
        let bytes = try read(path)
        if bytes.contains(UInt8(ascii: "\r")) {
            throw RulesError(
                file: path,
                "CR line endings: kernel-wedge would read each CR as part of a value (and drop Depends entries)")
        }
        var merged: [String: Int] = [:]
        var out: [Stanza] = []
        var current: [String: Field] = [:]
        var start = 0
        var last: String?
        func finish() throws(RulesError) {
            defer { current = [:]; last = nil }
            guard !current.isEmpty else { return }
            guard let name = current["Package"]?.value else {
                throw RulesError(file: path, line: start, "a stanza without Package")
            }
            if let i = merged[name] {
                out[i].fields.merge(current) { _, new in new }
            } else {
                merged[name] = out.count
                out.append(Stanza(fields: current, line: start))
            }
        }
        for (n, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = String(decoding: raw, as: UTF8.self)
            if line.hasPrefix("#") { continue }
            if line.isEmpty {
                try finish()
                continue
            }
            let word = line.prefix { !$0.isWhitespace }
            if let colon = word.lastIndex(of: ":"), colon != word.startIndex {
                let name = String(word[..<colon])
                guard
                    controlFields.contains(where: {
                        name == $0 || (name.hasPrefix($0 + "_") && name.count > $0.count + 1)
                    })
                else {
                    throw RulesError(file: path, line: n + 1, "unknown field, \(Display.sanitized(name))")
                }
                if current.isEmpty { start = n + 1 }
                let value = line[line.index(after: colon)...].drop { $0.isWhitespace }
                current[name] = Field(value: String(value), line: n + 1)
                last = name
            } else if line.first!.isWhitespace, let last {
                current[last]!.value += "\n" + line
            }
        }
        try finish()
        return out
    }

    // MARK: Placing

    /// Builds the udebs' module lists as kernel-wedge would for this architecture and flavour, with findings for what
    /// it would copy, miss or refuse.
    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        var run = try KernelWedgeRun(rules: self, graph: graph)
        return try run.place()
    }

    /// The flavour a kernel release names: after the ABI (`6.1.0-50`, `6.12.117+deb12`,
    /// `5.10.0-0.deb10.16`), so `6.1.0-50-cloud-amd64` is cloud-amd64, not amd64.
    static func flavour(ofRelease release: String) -> String? {
        let u = Array(release.utf8)
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        var i = 0
        while i < u.count && (isDigit(u[i]) || u[i] == UInt8(ascii: ".")) { i += 1 }
        guard i > 0, i < u.count else { return nil }
        if u[i] == UInt8(ascii: "+") {
            while i < u.count && u[i] != UInt8(ascii: "-") { i += 1 }
        } else if u[i] == UInt8(ascii: "-"), i + 1 < u.count, isDigit(u[i + 1]) {
            var j = i + 1
            while j < u.count && u[j] != UInt8(ascii: "-") { j += 1 }
            if j < u.count { i = j }
        }
        guard i + 1 < u.count, u[i] == UInt8(ascii: "-") else { return nil }
        return String(decoding: u[(i + 1)...], as: UTF8.self)
    }

    /// Debian architectures whose modules have this ELF identity.
    static func architectures(for id: ELFIdentity) -> [String] {
        switch id.machine {
        case 62: ["amd64"]
        case 183: ["arm64"]
        case 22: ["s390x"]
        case 3: ["i386"]
        case 40: ["armhf", "armel"]
        case 21: id.bigEndian ? ["ppc64", "powerpc"] : ["ppc64el"]
        case 20: ["powerpc"]
        case 8:
            id.bigEndian ? ["mips", "mips64", "mipsr6", "mips64r6"] : ["mipsel", "mips64el", "mipsr6el", "mips64r6el"]
        case 243: ["riscv64"]
        case 0x9026: ["alpha"]
        case 50: ["ia64"]
        case 4: ["m68k"]
        case 42: ["sh4"]
        case 43: ["sparc64"]
        case 15: ["hppa"]
        case 258: ["loong64"]
        default: []
        }
    }
}
