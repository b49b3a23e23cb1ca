internal import ELFScan
internal import Graph
internal import Split

/// SARIF 2.1.0: one run, the checks as rules, each finding located at the rules-file line that placed
/// the module (or at the module file when nothing placed it).
struct SARIFReporter: CheckReporter {
    struct Log: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
    }
    struct Run: Encodable {
        var tool: Tool
        /// Where `MODULEDIR` points: the tree's module directory, for findings located at a module file.
        var originalUriBaseIds: [String: Artifact]?
        var results: [Result]
    }
    struct Tool: Encodable { var driver: Driver }
    struct Driver: Encodable {
        var name = "modsplit"
        var version: String
        var rules: [Rule]
    }
    struct Text: Encodable { var text: String }
    struct Rule: Encodable {
        var id: String
        var shortDescription: Text
        var fullDescription: Text
        var defaultConfiguration: Configuration
    }
    struct Configuration: Encodable { var level: String }
    struct Result: Encodable {
        var ruleId: String
        var level: String
        var message: Text
        var locations: [Location]
        var properties: Properties
    }
    struct Location: Encodable { var physicalLocation: Physical }
    struct Physical: Encodable { var artifactLocation: Artifact; var region: Region? }
    struct Artifact: Encodable {
        var uri: String
        var uriBaseId: String?
    }
    struct Region: Encodable { var startLine: Int; var startColumn: Int? }
    struct Properties: Encodable {
        var module: String?
        var path: String?
        var package: String?
        var provider: String?
        var providerPackage: String?
        var symbols: [String]
        var notes: [String]
    }

    static func level(_ s: Severity) -> String {
        switch s {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    /// Every finding kind as a SARIF rule, by id.
    static var rules: [Rule] {
        FindingKinds.all.sorted { $0.id < $1.id }.map {
            Rule(
                id: $0.id, shortDescription: Text(text: $0.summary), fullDescription: Text(text: $0.rationale),
                defaultConfiguration: Configuration(level: level($0.severity)))
        }
    }

    /// Where a finding points: the rules-file line that placed its module, else the module file. Module paths are
    /// relative to the module directory: a relative URI against the base `baseId` when that directory is absolute
    /// (the caller declares the base, seeing `uriBaseId` set), else joined to it (a relative tree is relative to
    /// where modsplit ran).
    static func location(of f: Finding, moduleDirectory: String, baseId: String) -> Location {
        if let rule = f.rule {
            return Location(
                physicalLocation: Physical(
                    artifactLocation: Artifact(uri: uri(rule.file)),
                    region: Region(startLine: max(rule.line, 1), startColumn: rule.column)))
        }
        if let path = f.path, moduleDirectory.hasPrefix("/") {
            return Location(
                physicalLocation: Physical(artifactLocation: Artifact(uri: uri(path), uriBaseId: baseId), region: nil))
        }
        let path = f.path.map { moduleDirectory + "/" + $0 } ?? moduleDirectory
        return Location(physicalLocation: Physical(artifactLocation: Artifact(uri: uri(path)), region: nil))
    }

    func render(_ report: CheckReport) throws -> String {
        let rules = Self.rules
        let moduleDirectory = report.moduleDirectory
        let results = report.findings.map { f in
            let location = Self.location(of: f, moduleDirectory: moduleDirectory, baseId: Self.moduleDirectoryBase)
            return Result(
                ruleId: f.kind, level: Self.level(f.severity), message: Text(text: f.message), locations: [location],
                properties: Properties(
                    module: f.module, path: f.path, package: f.package, provider: f.provider,
                    providerPackage: f.providerPackage, symbols: f.symbols, notes: f.notes))
        }
        let usesBase = results.contains { r in
            r.locations.contains { $0.physicalLocation.artifactLocation.uriBaseId != nil }
        }
        let bases = usesBase ? [Self.moduleDirectoryBase: Artifact(uri: Self.uri(moduleDirectory + "/"))] : nil
        let version = report.tool.split(separator: " ").last.map(String.init) ?? report.tool
        let run = Run(
            tool: Tool(driver: Driver(version: version, rules: rules)), originalUriBaseIds: bases,
            results: results)
        return try VersionedJSON.encode(Log(runs: [run]))
    }

    /// The base id of locations at a module file.
    static let moduleDirectoryBase = "MODULEDIR"

    /// `path` as an RFC 3986 URI reference: a relative path stays relative, an absolute one becomes a
    /// `file://` URI (GitHub code scanning takes only those). Every byte but the unreserved characters,
    /// the sub-delimiters, `@` and `/` is percent-encoded from UTF-8, so spaces, `%`, `#`, `?`, `:` (which
    /// in a first segment would read as a scheme) and non-ASCII letters survive as themselves.
    static func uri(_ path: String) -> String {
        var out = path.hasPrefix("/") ? "file://" : ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case _ where "-._~!$&'()*+,;=@/".utf8.contains(byte):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true)
                out += String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
