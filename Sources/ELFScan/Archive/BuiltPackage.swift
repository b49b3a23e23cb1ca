/// A package file that cannot be read, or cannot be read to its end: the file as the user named it
/// (and the member inside it) and why.
public struct PackageError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The package file as the user named it, with the member inside it when the problem is there.
    public var file: String
    /// What is wrong with it, as a sentence for the user.
    public var reason: String

    /// A problem with `file` (and the member named in it), explained by `reason`.
    public init(_ file: String, _ reason: String) {
        self.file = file
        self.reason = reason
    }

    /// `file: reason`, as printed.
    public var description: String { "\(file): \(reason)" }
}

/// One relation of a package to a name: a Debian `Depends`/`Provides` alternative, or an RPM
/// capability (`Requires`/`Provides`). The version is compared in the package format's own order.
public struct PackageRelation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A version comparison, spelled as in Debian's control files (`<<`, `<=`, `=`, `>=`, `>>`).
    public enum Operator: String, Sendable, Hashable, Codable {
        case earlier = "<<", earlierOrEqual = "<=", equal = "=", laterOrEqual = ">=", later = ">>"

        var allowsLess: Bool { self == .earlier || self == .earlierOrEqual }
        var allowsEqual: Bool { self == .earlierOrEqual || self == .equal || self == .laterOrEqual }
        var allowsGreater: Bool { self == .later || self == .laterOrEqual }
    }

    /// The package or capability name the relation is about.
    public var name: String
    /// nil for an unversioned relation.
    public var relation: Operator?
    /// The version compared against; nil for an unversioned relation.
    public var version: String?
    /// Debian's `:any`/`:native`/`:amd64`, matched on the name alone.
    public var architectureQualifier: String?

    /// A relation to `name`, unversioned unless `relation` and `version` are both given.
    public init(name: String, relation: Operator? = nil, version: String? = nil, architectureQualifier: String? = nil) {
        self.name = name
        self.relation = relation
        self.version = version
        self.architectureQualifier = architectureQualifier
    }

    /// The relation as a control file writes it: `name[:qualifier] (op version)`.
    public var description: String {
        name + (architectureQualifier.map { ":" + $0 } ?? "")
            + (relation.flatMap { r in version.map { " (\(r.rawValue) \($0))" } } ?? "")
    }
}

/// A symbolic link named like a module inside a package's module directory.
public struct PackagedLink: Sendable, Hashable, Codable {
    /// The link's path relative to the module directory.
    public var path: String
    /// The target as stored.
    public var target: String
    /// Where the link sits in the package's file list (1-based), for findings.
    public var entry: Int

    /// A link at `path` to `target`, listed at position `entry` of its package.
    public init(path: String, target: String, entry: Int) {
        self.path = path
        self.target = target
        self.entry = entry
    }
}

/// Something about a package's contents that is worth saying, with how much it matters.
public struct PackageRemark: Sendable, Hashable, Codable {
    /// How much a remark matters: each becomes a `package-contents` finding of that severity (`note` as info).
    public enum Level: String, Sendable, Hashable, Codable { case error, warning, note }
    /// How much the remark matters.
    public var level: Level
    /// The remark, as a sentence for the user.
    public var message: String

    /// A remark of `level` saying `message`.
    public init(_ level: Level, _ message: String) {
        self.level = level
        self.message = message
    }
}

/// A built package as read from its file (.deb, .udeb or .rpm): its identity, its relations, and the
/// kernel modules and module-index files it ships.
public struct BuiltPackage: Sendable, Codable {
    /// The package file formats modsplit reads: Debian binary packages, installer udebs, and RPMs.
    public enum Format: String, Sendable, Codable { case deb, udeb, rpm }

    /// The file as the user named it.
    public var file: String
    /// The file's format, from its contents rather than its name.
    public var format: Format
    /// `Package:` or the RPM's NAME.
    public var name: String
    /// `Version:`, or the RPM's `[epoch:]version-release`.
    public var version: String
    /// `Architecture:` or the RPM's ARCH; nil when the package does not say.
    public var architecture: String?
    /// What installing the package installs: Debian's Depends and Pre-Depends (groups of alternatives),
    /// or the RPM's Requires (each a group of one; rpmlib, scriptlet-only, `config()` and rich
    /// dependencies left out, the last with a remark).
    public var depends: [[PackageRelation]]
    /// Names the package stands for besides its own.
    public var provides: [PackageRelation]
    /// Every path the package installs, when the format lists them (RPM); a dependency on a path
    /// (`/usr/sbin/depmod`) is met by a package that ships it.
    public var paths: [String]
    /// The `<version>` of every `lib/modules/<version>/` (or `usr/lib/modules/<version>/`) it fills.
    public var kernelVersions: [String]
    /// Its modules, paths relative to the module directory, in file-list order.
    public var modules: [ModuleFacts]
    /// Where each module sits in the package's file list (1-based), parallel to `modules`.
    public var moduleEntries: [Int]
    /// Module files that could not be read (paths relative to the module directory).
    public var problems: [ELFScanError]
    /// `modules.builtin`, `modules.order` and `modules.builtin.modinfo` when the package ships them.
    public var builtin: [String]?
    /// `modules.order` when the package ships it: the build's module order, paths relative to the module directory.
    public var order: [String]?
    /// `modules.builtin.modinfo` when the package ships it: the `.modinfo` of built-in modules, by module name.
    public var builtinModinfo: [String: [ModinfoEntry]]?
    /// Links named like modules inside the module directory; they are resolved across all the packages.
    public var links: [PackagedLink]
    /// Set when the file could not be read to its end (truncated, corrupt, too big): what was read
    /// before stays in the package.
    public var failure: PackageError?
    /// What is worth telling the user about the package's contents or relations (odd paths, unread dependencies).
    public var remarks: [PackageRemark]

    /// A package read from `file`; everything but the file and its format defaults to empty.
    public init(
        file: String, format: Format, name: String = "", version: String = "", architecture: String? = nil,
        depends: [[PackageRelation]] = [], provides: [PackageRelation] = [], paths: [String] = [],
        kernelVersions: [String] = [], modules: [ModuleFacts] = [], moduleEntries: [Int] = [],
        problems: [ELFScanError] = [], builtin: [String]? = nil, order: [String]? = nil,
        builtinModinfo: [String: [ModinfoEntry]]? = nil, links: [PackagedLink] = [],
        failure: PackageError? = nil, remarks: [PackageRemark] = []
    ) {
        self.file = file
        self.format = format
        self.name = name
        self.version = version
        self.architecture = architecture
        self.depends = depends
        self.provides = provides
        self.paths = paths
        self.kernelVersions = kernelVersions
        self.modules = modules
        self.moduleEntries = moduleEntries
        self.problems = problems
        self.builtin = builtin
        self.order = order
        self.builtinModinfo = builtinModinfo
        self.links = links
        self.failure = failure
        self.remarks = remarks
    }

    /// Whether installing this package meets `wanted`: by its own name and version, by a path it
    /// ships (RPM), or by what it provides — in the package format's own rules.
    public func satisfies(_ wanted: PackageRelation) -> Bool {
        switch format {
        case .deb, .udeb:
            // dpkg: the package itself, at its version; or a Provides, which meets a versioned
            // dependency only when it carries a version (`Provides: x (= 1.2)`).
            if wanted.name == name, Self.debianMeets(version, wanted) { return true }
            return provides.contains { p in
                guard p.name == wanted.name else { return false }
                guard wanted.relation != nil else { return true }
                guard p.relation == .equal, let v = p.version else { return false }
                return Self.debianMeets(v, wanted)
            }
        case .rpm:
            if wanted.name.hasPrefix("/") { return paths.contains(wanted.name) }
            // Every package provides N = EVR itself (rpmbuild writes it too, but not every writer does).
            let own = PackageRelation(name: name, relation: .equal, version: version)
            return ([own] + provides).contains {
                $0.name == wanted.name && Self.rpmOverlaps(provide: $0, require: wanted)
            }
        }
    }

    static func debianMeets(_ version: String, _ wanted: PackageRelation) -> Bool {
        guard let op = wanted.relation, let v = wanted.version else { return true }
        let c = PackageVersions.debianCompare(version, v)
        switch op {
        case .earlier: return c < 0
        case .earlierOrEqual: return c <= 0
        case .equal: return c == 0
        case .laterOrEqual: return c >= 0
        case .later: return c > 0
        }
    }

    /// rpm's range overlap (`rpmdsCompare`): an unversioned side matches anything of the name.
    static func rpmOverlaps(provide: PackageRelation, require: PackageRelation) -> Bool {
        guard let p = provide.relation, let pv = provide.version, let r = require.relation, let rv = require.version
        else { return true }
        let sense = PackageVersions.rpmCompareEVR(pv, rv)
        if sense < 0 { return p.allowsGreater || r.allowsLess }
        if sense > 0 { return p.allowsLess || r.allowsGreater }
        return (p.allowsEqual && r.allowsEqual) || (p.allowsLess && r.allowsLess)
            || (p.allowsGreater && r.allowsGreater)
    }
}

/// Version orders of dpkg and rpm.
public enum PackageVersions {
    /// dpkg's order of `[epoch:]upstream[-revision]`: negative, zero or positive.
    public static func debianCompare(_ a: String, _ b: String) -> Int {
        func split(_ v: String) -> (epoch: Int, upstream: Substring, revision: Substring) {
            var rest = Substring(v)
            var epoch = 0
            if let colon = rest.firstIndex(of: ":") {
                epoch = Int(rest[..<colon]) ?? 0
                rest = rest[rest.index(after: colon)...]
            }
            if let dash = rest.lastIndex(of: "-") {
                return (epoch, rest[..<dash], rest[rest.index(after: dash)...])
            }
            return (epoch, rest, "")
        }
        let x = split(a), y = split(b)
        if x.epoch != y.epoch { return x.epoch < y.epoch ? -1 : 1 }
        let u = debianPartCompare(Array(x.upstream.utf8), Array(y.upstream.utf8))
        if u != 0 { return u }
        return debianPartCompare(Array(x.revision.utf8), Array(y.revision.utf8))
    }

    /// dpkg's `verrevcmp`: runs of non-digits compared by a weight where `~` sorts before everything
    /// (even the end) and letters before other characters; runs of digits compared as numbers.
    static func debianPartCompare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        func weight(_ c: UInt8?) -> Int {
            guard let c else { return 0 }
            if isDigit(c) { return 0 }
            if isLetter(c) { return Int(c) }
            if c == UInt8(ascii: "~") { return -1 }
            return Int(c) + 256
        }
        var i = 0, j = 0
        while i < a.count || j < b.count {
            var firstDifference = 0
            while (i < a.count && !isDigit(a[i])) || (j < b.count && !isDigit(b[j])) {
                let wa = weight(i < a.count ? a[i] : nil), wb = weight(j < b.count ? b[j] : nil)
                if wa != wb { return wa < wb ? -1 : 1 }
                i += 1
                j += 1
            }
            while i < a.count && a[i] == UInt8(ascii: "0") { i += 1 }
            while j < b.count && b[j] == UInt8(ascii: "0") { j += 1 }
            while i < a.count && isDigit(a[i]) && j < b.count && isDigit(b[j]) {
                if firstDifference == 0 { firstDifference = Int(a[i]) - Int(b[j]) }
                i += 1
                j += 1
            }
            if i < a.count && isDigit(a[i]) { return 1 }
            if j < b.count && isDigit(b[j]) { return -1 }
            if firstDifference != 0 { return firstDifference < 0 ? -1 : 1 }
        }
        return 0
    }

    /// rpm's order of `[epoch:]version[-release]`; a missing epoch is 0, and the release is compared
    /// only when both sides have one (a dependency on `= 1.2` accepts any release of 1.2).
    public static func rpmCompareEVR(_ a: String, _ b: String) -> Int {
        func split(_ v: String) -> (epoch: Substring, version: Substring, release: Substring?) {
            var rest = Substring(v)
            var epoch: Substring = "0"
            if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy(\.isNumber) {
                epoch = rest[..<colon].isEmpty ? "0" : rest[..<colon]
                rest = rest[rest.index(after: colon)...]
            }
            if let dash = rest.lastIndex(of: "-") { return (epoch, rest[..<dash], rest[rest.index(after: dash)...]) }
            return (epoch, rest, nil)
        }
        let x = split(a), y = split(b)
        let e = rpmCompare(Array(x.epoch.utf8), Array(y.epoch.utf8))
        if e != 0 { return e }
        let v = rpmCompare(Array(x.version.utf8), Array(y.version.utf8))
        if v != 0 { return v }
        guard let rx = x.release, let ry = y.release else { return 0 }
        return rpmCompare(Array(rx.utf8), Array(ry.utf8))
    }

    /// rpm's `rpmvercmp`: alternating runs of digits (compared as numbers) and letters (compared as
    /// text), other characters separating them; `~` sorts before everything, `^` after the end.
    public static func rpmCompare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a == b { return 0 }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func isAlpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        func isSeparator(_ c: UInt8) -> Bool {
            !isDigit(c) && !isAlpha(c) && c != UInt8(ascii: "~") && c != UInt8(ascii: "^")
        }
        var i = 0, j = 0
        while i < a.count || j < b.count {
            while i < a.count && isSeparator(a[i]) { i += 1 }
            while j < b.count && isSeparator(b[j]) { j += 1 }
            let ca = i < a.count ? a[i] : nil, cb = j < b.count ? b[j] : nil
            if ca == UInt8(ascii: "~") || cb == UInt8(ascii: "~") {
                if ca != UInt8(ascii: "~") { return 1 }
                if cb != UInt8(ascii: "~") { return -1 }
                i += 1
                j += 1
                continue
            }
            if ca == UInt8(ascii: "^") || cb == UInt8(ascii: "^") {
                if ca == nil { return -1 }
                if cb == nil { return 1 }
                if ca != UInt8(ascii: "^") { return 1 }
                if cb != UInt8(ascii: "^") { return -1 }
                i += 1
                j += 1
                continue
            }
            guard let first = ca, cb != nil else { break }
            let numeric = isDigit(first)
            let startA = i, startB = j
            if numeric {
                while i < a.count && isDigit(a[i]) { i += 1 }
                while j < b.count && isDigit(b[j]) { j += 1 }
            } else {
                while i < a.count && isAlpha(a[i]) { i += 1 }
                while j < b.count && isAlpha(b[j]) { j += 1 }
            }
            // A numeric run against an alphabetic one: the numeric is newer.
            if j == startB { return numeric ? 1 : -1 }
            var x = a[startA..<i], y = b[startB..<j]
            if numeric {
                while x.first == UInt8(ascii: "0") { x = x.dropFirst() }
                while y.first == UInt8(ascii: "0") { y = y.dropFirst() }
                if x.count != y.count { return x.count < y.count ? -1 : 1 }
            }
            if !x.elementsEqual(y) { return x.lexicographicallyPrecedes(y) ? -1 : 1 }
        }
        let endA = i >= a.count, endB = j >= b.count
        if endA && endB { return 0 }
        return endA ? -1 : 1
    }
}
