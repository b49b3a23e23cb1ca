/// What a rules change does to each tree of a matrix: each tree's `SplitDiff`, and the moves and findings
/// merged across trees, each naming the trees it happens on (the review comment a rules change needs).
/// Versioned JSON (schema 2: a `SplitDiff` of one tree is schema 1).
public struct MatrixDiff: Codable, Sendable {
    /// The `schemaVersion` this build writes; 2 since a matrix diff differs in shape from a single tree's.
    public static let currentSchemaVersion = 2

    /// One tree: which, and its diff.
    public struct Tree: Codable, Sendable {
        /// The tree's kernel version.
        public var kernelVersion: String
        /// The absolute path of its module directory.
        public var moduleDirectory: String
        /// The ELF machine of its modules (`x86_64`, `aarch64`, …).
        public var machine: String
        /// The diff of the split on this tree alone.
        public var diff: SplitDiff
    }

    /// A module that moves between the same packages, by the same rule, on one or more trees.
    public struct Move: Codable, Sendable, Equatable {
        /// The module's name.
        public var module: String
        /// The package it was in before; nil when it was in none.
        public var from: String?
        /// The package it is in after; nil when it is in none.
        public var to: String?
        /// The rule that places it after the change, when one does.
        public var rule: SourceLocation?
        /// Its size as shipped on the first of `trees`.
        public var bytes: UInt64
        /// Kernel versions, in the matrix's order.
        public var trees: [String]
    }

    /// The document's schema version (`currentSchemaVersion` when written).
    public var schemaVersion: Int
    /// The split before and after (rules files), as `SplitDiff` names them without the kernel.
    public var before: String
    /// The split after the change.
    public var after: String
    /// Every tree with its own diff, in the matrix's order.
    public var trees: [Tree]
    /// The moves merged across trees.
    public var moved: [Move]
    /// Findings the change brings, merged across trees.
    public var findingsAppeared: [MatrixFinding]
    /// Findings the change removes, merged across trees.
    public var findingsDisappeared: [MatrixFinding]

    /// The diff of each tree between two analyses of the same trees (`MatrixAnalysis.comparing`).
    public init(before old: MatrixAnalysis, after new: MatrixAnalysis) {
        schemaVersion = Self.currentSchemaVersion
        before = old.splitName ?? "the whole tree"
        after = new.splitName ?? "the whole tree"
        let pairs = Array(zip(old.analyses, new.analyses))
        trees = pairs.map { o, n in
            Tree(
                kernelVersion: n.scan.tree.kernelVersion, moduleDirectory: n.scan.tree.moduleDirectory,
                machine: MatrixAnalysis.machine(of: n.graph), diff: SplitDiff(before: o, after: n))
        }
        var moved: [Move] = []
        var index: [String: Int] = [:]
        for tree in trees {
            for m in tree.diff.moved {
                let key = [m.module, m.from ?? "", m.to ?? "", m.rule?.description ?? ""].joined(separator: "\u{0}")
                if let i = index[key] {
                    moved[i].trees.append(tree.kernelVersion)
                } else {
                    index[key] = moved.count
                    moved.append(
                        Move(
                            module: m.module, from: m.from, to: m.to, rule: m.rule, bytes: m.bytes,
                            trees: [tree.kernelVersion]))
                }
            }
        }
        self.moved = moved.sorted { ($0.module, $0.from ?? "", $0.to ?? "") < ($1.module, $1.from ?? "", $1.to ?? "") }
        findingsAppeared = MatrixFinding.merge(trees.map { ($0.kernelVersion, $0.diff.findingsAppeared) })
        findingsDisappeared = MatrixFinding.merge(trees.map { ($0.kernelVersion, $0.diff.findingsDisappeared) })
    }
}
