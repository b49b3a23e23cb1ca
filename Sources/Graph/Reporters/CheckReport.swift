internal import Foundation

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

    public init(tool: String, kernelVersion: String, moduleDirectory: String, split: String?, variants: [String],
                graph: ModuleGraph, placement: Placement, findings: [Finding]) {
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        self.kernelVersion = kernelVersion
        self.moduleDirectory = moduleDirectory
        self.split = split
        self.variants = variants
        let members = placement.members(graph)
        packages = placement.packages.names.enumerated().map { p, name in
            PackageSummary(name: name, dependsOn: placement.packages.dependsOn[p].map { placement.packages.names[$0] },
                           modules: members[p].count,
                           bytes: members[p].reduce(0) { $0 + graph.modules[$1].fileSize },
                           uncompressedBytes: members[p].reduce(0) { $0 + graph.modules[$1].uncompressedSize })
        }
        self.findings = Finding.sorted(findings)
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

func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}

struct JSONReporter: CheckReporter {
    func render(_ report: CheckReport) throws -> String { try encodeJSON(report) }
}
