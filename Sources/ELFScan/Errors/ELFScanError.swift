/// Why a module file, or a file of the kernel tree, could not be read. A tool failure, not a finding.
public struct ELFScanError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The class of failure, which tells a damaged file from an unsupported one.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// open/stat/read failed, or the path is not a regular file.
        case io
        /// The compressed stream is corrupt, truncated or inflates past the limit.
        case compression
        /// The (decompressed) bytes are not an ELF file.
        case notELF
        /// ELF, but not a relocatable object of a known layout.
        case unsupported
        /// ELF structures that contradict each other or point outside the file.
        case malformed
    }

    /// The class of failure.
    public var kind: Kind
    /// The file, as the user named it (relative to the module directory inside a tree).
    public var path: String
    /// What went wrong, as a sentence for the user.
    public var reason: String

    /// A failure of `kind` reading `path`, explained by `reason`.
    public init(_ kind: Kind, path: String, _ reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    /// `path: reason`, as printed.
    public var description: String { "\(path): \(reason)" }
}
