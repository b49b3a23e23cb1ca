internal import ELFScan
internal import Graph
internal import Split

/// SARIF 2.1.0 for a matrix: one run, one result per merged finding, with the trees it occurs on in its
/// properties (`trees`: kernel versions). A result is located as for one tree; a module file is located in the
/// module directory of the first tree that has the finding, through the base id `MODULEDIR-<kernel version>`.
extension SARIFReporter: MatrixReporter {
    struct MatrixResult: Encodable {
        var ruleId: String
        var level: String
        var message: Text
        var locations: [Location]
        var properties: MatrixProperties
    }

    struct MatrixProperties: Encodable {
        var module: String?
        var path: String?
        var package: String?
        var provider: String?
        var providerPackage: String?
        var symbols: [String]
        var notes: [String]
        var trees: [String]
    }

    struct MatrixRun: Encodable {
        var tool: Tool
        var originalUriBaseIds: [String: Artifact]?
        var results: [MatrixResult]
    }

    struct MatrixLog: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [MatrixRun]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
    }

    func render(_ report: MatrixReport) throws -> String {
        let rules = Self.rules
        let directories = Dictionary(
            report.trees.map { ($0.kernelVersion, $0.moduleDirectory) },
            uniquingKeysWith: { a, _ in a })
        var bases: [String: Artifact] = [:]
        let results = report.findings.map { m in
            let f = m.finding
            let moduleDirectory = m.trees.first.flatMap { directories[$0] } ?? ""
            let base = "\(Self.moduleDirectoryBase)-\(m.trees.first ?? "")"
            let location = Self.location(of: f, moduleDirectory: moduleDirectory, baseId: base)
            if location.physicalLocation.artifactLocation.uriBaseId != nil {
                bases[base] = Artifact(uri: Self.uri(moduleDirectory + "/"))
            }
            return MatrixResult(
                ruleId: f.kind, level: Self.level(f.severity), message: Text(text: f.message), locations: [location],
                properties: MatrixProperties(
                    module: f.module, path: f.path, package: f.package, provider: f.provider,
                    providerPackage: f.providerPackage, symbols: f.symbols, notes: f.notes,
                    trees: m.trees))
        }
        let version = report.tool.split(separator: " ").last.map(String.init) ?? report.tool
        let run = MatrixRun(
            tool: Tool(driver: Driver(version: version, rules: rules)),
            originalUriBaseIds: bases.isEmpty ? nil : bases, results: results)
        return try VersionedJSON.encode(MatrixLog(runs: [run]))
    }
}
