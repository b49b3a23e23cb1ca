internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// The result of `modsplit check`: what was checked and every finding. The JSON form is versioned.
public struct CheckReport: Codable, Sendable {
    public static let currentSchemaVersion = 1

    public struct PackageSummary: Codable, Sendable, Equatable {
        public var name: String
        public var dependsOn: [String]
        public var modules: Int
        /// Bytes as shipped (compressed files).
        public var bytes: UInt64
        public var uncompressedBytes: UInt64
    }

    public struct Counts: Codable, Sendable, Equatable {
        public var error = 0
        public var warning = 0
        public var info = 0
    }

    public var schemaVersion: Int
    public var tool: String
    public var kernelVersion: String
    public var moduleDirectory: String
    /// The rules file or lists the split came from (`null` for the whole tree as one package).
    public var split: String?
    public var variants: [String]
    public var packages: [PackageSummary]
    public var counts: Counts
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

public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, sarif, markdown

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
