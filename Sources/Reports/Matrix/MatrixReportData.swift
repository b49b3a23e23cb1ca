internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// What `modsplit report` shows for several trees: each tree's `ReportData` with its machine, and the findings
/// merged across trees. Encoded as JSON into the page (schema 2); the page's script shows one tree at a time.
public struct MatrixReportData: Codable, Sendable {
    /// The `schemaVersion` this build writes into the page; 2 for several trees.
    public static let currentSchemaVersion = 2

    /// One tree: its ELF machine and everything a report of it alone shows.
    public struct Tree: Codable, Sendable {
        /// The ELF machine of the tree's modules (`x86_64`, `aarch64`, …).
        public var machine: String
        /// What a report of this tree alone shows.
        public var report: ReportData
    }

    /// The document's schema version (`currentSchemaVersion` when written).
    public var schemaVersion: Int
    /// `modsplit <version>`, the tool that wrote the report.
    public var tool: String
    /// The name shown for the split (not an absolute path), nil for each tree as one package.
    public var split: String?
    /// Every tree, in the order given.
    public var trees: [Tree]
    /// The merged findings, counted once each.
    public var counts: CheckReport.Counts
    /// The findings merged across trees, each naming the trees it is on.
    public var findings: [MatrixFinding]

    /// The report of an analysed matrix; `split` is the name to show for the split (not an absolute path).
    public init(tool: String, matrix: MatrixAnalysis, split: String?) {
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        self.split = split
        trees = matrix.analyses.map {
            Tree(
                machine: MatrixAnalysis.machine(of: $0.graph),
                report: ReportData(tool: tool, analysis: $0, split: split))
        }
        findings = matrix.findings
        counts = MatrixReport.count(findings.map(\.finding))
    }

    /// What names each tree in the page: its machine when no other tree has it, else its kernel version.
    var shortNames: [String] {
        trees.map { t in
            trees.count { $0.machine == t.machine } == 1 ? t.machine : t.report.kernelVersion
        }
    }

    /// Whether `versions` names every tree.
    func isEveryTree(_ versions: [String]) -> Bool { trees.count > 1 && versions.count == trees.count }
}
