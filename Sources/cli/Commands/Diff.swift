import ArgumentParser
import ELFScan
import Foundation
import Graph
import Reports
import Split

extension Modsplit {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What changes between two trees (a new config option, a new kernel) or two splits of one tree.",
            discussion: """
                modsplit diff --old-tree A --new-tree B [--rules R]     two trees, one split
                modsplit diff --old-rules R1 --rules R2 [--tree T]      one tree, two splits
                modsplit diff --old-package P1… --package P2…           two builds of the packages
                modsplit diff --old-rules R1 --rules R2 --tree T1 --tree T2 …   what moves on each tree
                """)

        @Option(help: ArgumentHelp("The tree before (a module directory or a root).", valueName: "path")) var oldTree:
            String?
        @Option(help: ArgumentHelp("The tree after.", valueName: "path")) var newTree: String?
        @Option(help: ArgumentHelp("The rules file before (with --rules as the one after).", valueName: "file"))
        var oldRules: String?
        @Option(
            help: ArgumentHelp(
                "A built package before (repeatable; with --package as the packages after).",
                valueName: "file")) var oldPackage: [String] = []
        @Option(help: "Module.symvers of the tree before (default: found in the tree).") var oldSymvers: String?
        @Option(help: "Module.symvers of the tree after (default: found in the tree).") var newSymvers: String?
        @OptionGroup var source: TreeOptions
        @OptionGroup var split: SplitOptions
        @Option(help: "Output format: text, json or markdown.") var format: DiffFormat = .text
        @Option(help: "File to write (default: standard output).") var output: String?
        @Option(
            help: ArgumentHelp(
                """
                Also write the whole diff to this file (JSON if it ends in .json, Markdown if .md, else text); \
                the Markdown summary, cut to fit a pull-request comment, points to it.
                """,
                valueName: "file")) var fullOutput: String?

        enum DiffFormat: String, ExpressibleByArgument, CaseIterable { case text, json, markdown }

        func validate() throws {
            if !oldPackage.isEmpty || !split.package.isEmpty {
                if oldPackage.isEmpty || split.package.isEmpty {
                    throw ValidationError("--old-package and --package go together")
                }
                if oldTree != nil || newTree != nil || oldRules != nil {
                    throw ValidationError("diff either two package sets or two trees or two rules files")
                }
                return
            }
            let trees = oldTree != nil || newTree != nil
            if trees && (oldTree == nil || newTree == nil) {
                throw ValidationError("--old-tree and --new-tree go together")
            }
            if oldRules != nil && split.rules == nil {
                throw ValidationError("--old-rules needs --rules (the rules after)")
            }
            if !trees && oldRules == nil {
                throw ValidationError("give --old-tree and --new-tree, or --old-rules and --rules")
            }
            if trees && oldRules != nil { throw ValidationError("diff either two trees or two rules files, not both") }
            if trees && source.isMatrix { throw ValidationError("several --tree go with --old-rules and --rules") }
            if trees && !source.trees.isEmpty {
                throw ValidationError("--tree and --old-tree/--new-tree exclude each other: the two trees are those")
            }
        }

        func side(tree: String?, symvers: String?, rules: SplitOptions) throws -> SplitAnalysis {
            var t = source
            if let tree { t.tree = tree }
            if let symvers { t.symvers = symvers }
            return try t.analyse(rules)
        }

        func run() throws {
            if source.isMatrix { return try runMatrix() }
            let before: SplitAnalysis, after: SplitAnalysis
            if !oldPackage.isEmpty {
                var old = split
                old.package = oldPackage
                before = try side(tree: nil, symvers: oldSymvers, rules: old)
                after = try side(tree: nil, symvers: newSymvers, rules: split)
            } else if let oldRules {
                var old = split
                old.rules = oldRules
                before = try side(tree: nil, symvers: nil, rules: old)
                after = try side(tree: nil, symvers: nil, rules: split)
            } else {
                before = try side(tree: oldTree, symvers: oldSymvers, rules: split)
                after = try side(tree: newTree, symvers: newSymvers, rules: split)
            }
            try deliver(SplitDiff(before: before, after: after))
        }

        /// Writes `diff` to --output in --format, and whole to --full-output.
        func deliver(_ diff: some DiffRenderings) throws {
            if let fullOutput { try emit(try diff.whole(forFile: fullOutput), to: fullOutput) }
            switch format {
            case .text: try emit(diff.text(), to: output)
            case .json: try emit(diff.json(), to: output)
            case .markdown:
                try emit(diff.markdown(limit: PullRequestComment.maximumBytes, fullReport: fullOutput), to: output)
            }
        }
    }
}
