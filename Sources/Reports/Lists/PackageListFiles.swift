internal import Graph
public import Split

/// The `<package>.list` files `place` writes, as the split's own tool writes them: one module path a line, in the
/// placement's order. Package names (and kernel versions) come from the rules file and the tree, so each is
/// checked to be a plain file name before anything is written.
public enum PackageListFiles {
    /// A directory's list files: `subdirectory` (nil for the output directory itself) and each file in it.
    public struct Directory: Sendable {
        /// The directory under the output directory, nil for the output directory itself.
        public var subdirectory: String?
        /// Each file: its name (`<package>.list`) and contents.
        public var files: [(name: String, contents: String)]
    }

    /// A package name or kernel version that is no plain file name: it would write outside the output directory.
    public struct UnsafeName: Error, Sendable {
        /// The name as it came.
        public var name: String
        /// Whether it is a kernel version (a directory) rather than a package name (a file).
        public var isKernelVersion: Bool

        /// One line for the user, naming the output `directory`.
        public func message(directory: String) -> String {
            isKernelVersion
                ? "kernel version '\(Display.sanitized(name))' cannot name a directory in \(directory)"
                : "package name '\(Display.sanitized(name))' cannot name a file in \(directory)"
        }
    }

    /// One tree's lists, in the output directory itself.
    public static func render(_ analysis: SplitAnalysis) throws(UnsafeName) -> [Directory] {
        [Directory(subdirectory: nil, files: try files(analysis))]
    }

    /// Each tree's lists in a directory named by its kernel version.
    public static func render(_ matrix: MatrixAnalysis) throws(UnsafeName) -> [Directory] {
        var directories: [Directory] = []
        for analysis in matrix.analyses {
            let version = analysis.scan.tree.kernelVersion
            guard PackageSet.isSafeFileName(version) else { throw UnsafeName(name: version, isKernelVersion: true) }
            directories.append(Directory(subdirectory: version, files: try files(analysis)))
        }
        return directories
    }

    private static func files(_ analysis: SplitAnalysis) throws(UnsafeName) -> [(name: String, contents: String)] {
        let lists = analysis.placement.lists(analysis.graph)
        for (package, _) in lists where !PackageSet.isSafeFileName(package) {
            throw UnsafeName(name: package, isKernelVersion: false)
        }
        return lists.map { (package, paths) in (package + ".list", paths.map { $0 + "\n" }.joined()) }
    }
}
