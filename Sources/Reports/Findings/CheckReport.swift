internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// The result of `modsplit check`: what was checked and every finding. The JSON form is versioned.
public struct CheckReport: Codable, Sendable {
    /// The `schemaVersion` this build writes; raised when a field changes meaning or goes away.
    public static let currentSchemaVersion = 1

    /// One package of the split, with its size.
    public struct PackageSummary: Codable, Sendable, Equatable {
        /// The package's name.
        public var name: String
        /// The packages it depends on directly, as the split declares them.
        public var dependsOn: [String]
        /// How many modules it ships.
        public var modules: Int
        /// Bytes as shipped (compressed files).
        public var bytes: UInt64
        /// Bytes of its modules after decompression.
        public var uncompressedBytes: UInt64
    }

    /// Findings counted by severity.
    public struct Counts: Codable, Sendable, Equatable {
        /// Findings of severity error (the ones that fail `check`).
        public var error = 0
        /// Findings of severity warning.
        public var warning = 0
        /// Findings of severity info.
        public var info = 0
    }

    /// The document's schema version (`currentSchemaVersion` when written).
    public var schemaVersion: Int
    /// `modsplit <version>`, the tool that wrote the report.
    public var tool: String
    /// The checked tree's kernel version.
    public var kernelVersion: String
    /// The absolute path of the checked module directory.
    public var moduleDirectory: String
    /// The rules file or lists the split came from (`null` for the whole tree as one package).
    public var split: String?
    /// The rules variants the split was evaluated with (`--variant`).
    public var variants: [String]
    /// Every package of the split, in the split's order.
    public var packages: [PackageSummary]
    /// The findings counted by severity.
    public var counts: Counts
    /// Every finding, in the order the checks produced them.
    public var findings: [Finding]

    /// The report of an analysed split; `tool` names modsplit and its version.
    public init(tool: String, analysis: SplitAnalysis) {
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        kernelVersion = analysis.scan.tree.kernelVersion
        moduleDirectory = analysis.scan.tree.moduleDirectory
        split = analysis.splitName
        variants = analysis.variants
        packages = analysis.sizes.packages.map {
            PackageSummary(
                name: $0.name, dependsOn: $0.dependsOn, modules: $0.members.count, bytes: $0.bytes,
                uncompressedBytes: $0.uncompressedBytes)
        }
        findings = analysis.findings
        var counts = Counts()
        for f in findings {
            switch f.severity {
            case .error: counts.error += 1
            case .warning: counts.warning += 1
            case .info: counts.info += 1
            }
        }
        self.counts = counts
    }
}

/// One output format of `check`; one type per format, chosen through `ReportFormat`.
public protocol CheckReporter {
    func render(_ report: CheckReport) throws -> String
}

/// The output formats of `check --format`; each names the reporter that writes it.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, sarif, markdown

    /// The reporter for this format; `colour` applies to text only.
    public func reporter(colour: Bool = false) -> any CheckReporter {
        switch self {
        case .text: TextReporter(colour: colour)
        case .json: JSONReporter()
        case .sarif: SARIFReporter()
        case .markdown: MarkdownReporter()
        }
    }
}

struct JSONReporter: CheckReporter {
    func render(_ report: CheckReport) throws -> String { try VersionedJSON.encode(report) }
}
