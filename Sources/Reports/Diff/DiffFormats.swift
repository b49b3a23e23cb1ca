public import Split

/// A diff in every format it is written in: one tree's (`SplitDiff`) or several trees' (`MatrixDiff`).
public protocol DiffRenderings {
    /// The diff for a terminal.
    func text() -> String
    /// The diff as versioned JSON.
    func json() throws -> String
    /// A pull-request comment, cut to `limit` UTF-8 bytes (nil: whole), pointing to `fullReport`.
    func markdown(limit: Int?, fullReport: String?) -> String
}

extension SplitDiff: DiffRenderings {}
extension MatrixDiff: DiffRenderings {}

extension DiffRenderings {
    /// The whole diff for a file named `path`: JSON if it ends in .json, Markdown (uncut) if .md, else text.
    public func whole(forFile path: String) throws -> String {
        path.hasSuffix(".json") ? try json() : path.hasSuffix(".md") ? markdown(limit: nil, fullReport: nil) : text()
    }
}
