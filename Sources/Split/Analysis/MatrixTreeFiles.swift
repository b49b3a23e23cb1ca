public import ELFScan
internal import Foundation
internal import Graph

extension MatrixTree {
    /// Which of `specs` (`LABEL=FILE` or `FILE`, for `option`) is each tree's: nil where none is.
    ///
    /// A file is given to one tree as `LABEL=FILE`, where LABEL is the tree's kernel version, its argument as the
    /// user gave it, or a path to its module directory or root, so the order of the options does not matter. A
    /// file without a label (or whose LABEL names no tree while the whole value names a file) is for every tree
    /// that has no file of its own. One file for trees of different architectures is refused once they are
    /// scanned (`MatrixAnalysis`).
    public static func files(
        _ specs: [String], option: String, trees: [(argument: String?, tree: KernelTree)]
    ) throws(AnalysisError) -> [String?] {
        var labelled: [String?] = Array(repeating: nil, count: trees.count)
        var unlabelled: [String] = []
        for spec in specs {
            if let eq = spec.firstIndex(of: "=") {
                let label = String(spec[..<eq]), file = String(spec[spec.index(after: eq)...])
                let hits = trees.indices.filter { matches(label, trees[$0]) }
                if !hits.isEmpty {
                    guard !file.isEmpty else {
                        throw AnalysisError("\(option) \(Display.sanitized(spec)): no file after =")
                    }
                    for i in hits {
                        if let other = labelled[i] {
                            throw AnalysisError(
                                "\(option): two files for \(trees[i].tree.kernelVersion): "
                                    + "\(Display.sanitized(other)) and \(Display.sanitized(file))")
                        }
                        labelled[i] = file
                    }
                    continue
                }
                if !FileManager.default.fileExists(atPath: spec) {
                    let known = trees.map(\.tree.kernelVersion).joined(separator: ", ")
                    let what =
                        label.isEmpty ? "nothing names a tree before =" : "no tree is \(Display.sanitized(label))"
                    throw AnalysisError(
                        "\(option) \(Display.sanitized(spec)): no such file, and \(what) (kernels: \(known))")
                }
            }
            unlabelled.append(spec)
        }
        if unlabelled.count > 1 {
            throw AnalysisError(
                "\(option) is given \(unlabelled.count) times without a tree: label each as KERNELVERSION=FILE")
        }
        return labelled.map { $0 ?? unlabelled.first }
    }

    /// Whether `label` names the tree: its kernel version, its argument, or its module directory or root.
    private static func matches(_ label: String, _ t: (argument: String?, tree: KernelTree)) -> Bool {
        if label == t.tree.kernelVersion || label == t.argument { return true }
        let absolute = label.hasPrefix("/") ? label : FileManager.default.currentDirectoryPath + "/" + label
        let canonical = URL(fileURLWithPath: absolute).standardizedFileURL.path
        return canonical == t.tree.moduleDirectory || canonical == t.tree.root
    }
}
