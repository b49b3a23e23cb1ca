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
        let rules = FindingKinds.all.sorted { $0.id < $1.id }.map {
            Rule(
                id: $0.id, shortDescription: Text(text: $0.summary), fullDescription: Text(text: $0.rationale),
                defaultConfiguration: Configuration(level: Self.level($0.severity)))
        }
        let directories = Dictionary(
            report.trees.map { ($0.kernelVersion, $0.moduleDirectory) },
            uniquingKeysWith: { a, _ in a })
        var bases: [String: Artifact] = [:]
        let results = report.findings.map { m in
            let f = m.finding
            let location: Location
            let moduleDirectory = m.trees.first.flatMap { directories[$0] } ?? ""
            if let rule = f.rule {
                location = Location(
                    physicalLocation: Physical(
                        artifactLocation: Artifact(uri: Self.uri(rule.file)),
                        region: Region(startLine: max(rule.line, 1), startColumn: rule.column)))
            } else if let path = f.path, moduleDirectory.hasPrefix("/"), let tree = m.trees.first {
                let base = "\(Self.moduleDirectoryBase)-\(tree)"
                bases[base] = Artifact(uri: Self.uri(moduleDirectory + "/"))
                location = Location(
                    physicalLocation: Physical(
                        artifactLocation: Artifact(uri: Self.uri(path), uriBaseId: base), region: nil))
            } else {
                let path = f.path.map { moduleDirectory + "/" + $0 } ?? moduleDirectory
                location = Location(
                    physicalLocation: Physical(
                        artifactLocation: Artifact(uri: Self.uri(path)),
                        region: nil))
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
