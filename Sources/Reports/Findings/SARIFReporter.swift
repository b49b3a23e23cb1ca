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
    struct Run: Encodable { var tool: Tool; var results: [Result] }
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
    struct Artifact: Encodable { var uri: String }
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

    func render(_ report: CheckReport) throws -> String {
        let rules = CheckRegistry.all.map(\.description).sorted { $0.id < $1.id }.map {
            Rule(id: $0.id, shortDescription: Text(text: $0.summary), fullDescription: Text(text: $0.rationale),
                 defaultConfiguration: Configuration(level: Self.level($0.severity)))
        }
        let results = report.findings.map { f in
            let location: Location
            if let rule = f.rule {
                location = Location(physicalLocation: Physical(artifactLocation: Artifact(uri: rule.file),
                                                               region: Region(startLine: max(rule.line, 1), startColumn: rule.column)))
            } else {
                location = Location(physicalLocation: Physical(artifactLocation: Artifact(uri: f.path ?? report.moduleDirectory), region: nil))
            }
            return Result(ruleId: f.kind, level: Self.level(f.severity), message: Text(text: f.message), locations: [location],
                          properties: Properties(module: f.module, path: f.path, package: f.package, provider: f.provider,
                                                 providerPackage: f.providerPackage, symbols: f.symbols, notes: f.notes))
        }
        let version = report.tool.split(separator: " ").last.map(String.init) ?? report.tool
        return try VersionedJSON.encode(Log(runs: [Run(tool: Tool(driver: Driver(version: version, rules: rules)), results: results)]))
    }
}
