internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// The result of `modsplit check` over several trees: each tree with its packages and counts, and the
/// findings merged across trees (`MatrixFinding`), each naming its trees. Schema version 2; a check of one
/// tree writes `CheckReport` (version 1), unchanged.
public struct MatrixReport: Codable, Sendable {
    /// The `schemaVersion` this build writes; 2 since a matrix report differs in shape from a single check's.
    public static let currentSchemaVersion = 2

    /// One tree of the matrix.
    public struct Tree: Codable, Sendable, Equatable {
        /// The tree's kernel version.
        public var kernelVersion: String
        /// The absolute path of its module directory.
        public var moduleDirectory: String
        /// The ELF machine of its modules (`x86_64`, `aarch64`, `s390`, …).
        public var machine: String
        /// Every module of the tree, bytes as shipped and uncompressed.
        public var modules: Int
        /// Bytes of its modules as shipped.
        public var bytes: UInt64
        /// Bytes of its modules after decompression.
        public var uncompressedBytes: UInt64
        /// The split's packages on this tree, with their sizes.
        public var packages: [CheckReport.PackageSummary]
        /// Its own findings, counted as a check of this tree alone counts them.
        public var counts: CheckReport.Counts
    }

    /// The document's schema version (`currentSchemaVersion` when written).
    public var schemaVersion: Int
    /// `modsplit <version>`, the tool that wrote the report.
    public var tool: String
    /// The rules file or lists the split came from (`null` for each tree as one package).
    public var split: String?
    /// The rules variants the split was evaluated with (`--variant`).
    public var variants: [String]
    /// Every tree checked, in the order given.
    public var trees: [Tree]
    /// The merged findings, counted once each.
    public var counts: CheckReport.Counts
    /// The findings merged across trees, each naming the trees it is on.
    public var findings: [MatrixFinding]

    /// The report of an analysed matrix; `tool` names modsplit and its version.
    public init(tool: String, matrix: MatrixAnalysis) {
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        split = matrix.splitName
        variants = matrix.variants
        trees = matrix.analyses.map { a in
            let single = CheckReport(tool: tool, analysis: a)
            return Tree(
                kernelVersion: a.scan.tree.kernelVersion, moduleDirectory: a.scan.tree.moduleDirectory,
                machine: MatrixAnalysis.machine(of: a.graph), modules: a.sizes.modules, bytes: a.sizes.bytes,
                uncompressedBytes: a.sizes.uncompressedBytes, packages: single.packages,
                counts: single.counts)
        }
        findings = matrix.findings
        counts = Self.count(findings.map(\.finding))
    }

    static func count(_ findings: [Finding]) -> CheckReport.Counts {
        var counts = CheckReport.Counts()
        for f in findings {
            switch f.severity {
            case .error: counts.error += 1
            case .warning: counts.warning += 1
            case .info: counts.info += 1
            }
        }
        return counts
    }

    /// `kernelVersion (machine)` for each kernel version in `versions`.
    func labels(_ versions: [String]) -> [String] {
        versions.map { v in trees.first { $0.kernelVersion == v }.map { "\(v) (\($0.machine))" } ?? v }
    }

    /// Whether `versions` is every tree of the report.
    func isEveryTree(_ versions: [String]) -> Bool { trees.count > 1 && versions.count == trees.count }
}

/// One output format of `check` over several trees; `ReportFormat.matrixReporter` chooses it.
public protocol MatrixReporter {
    func render(_ report: MatrixReport) throws -> String
}

extension ReportFormat {
    /// The reporter of this format for a matrix of trees.
    public func matrixReporter(colour: Bool = false) -> any MatrixReporter {
        switch self {
        case .text: TextReporter(colour: colour)
        case .json: JSONReporter()
        case .sarif: SARIFReporter()
        case .markdown: MarkdownReporter()
        }
    }
}

extension JSONReporter: MatrixReporter {
    func render(_ report: MatrixReport) throws -> String { try VersionedJSON.encode(report) }
}
