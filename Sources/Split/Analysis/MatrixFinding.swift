/// A finding of a matrix: what one or more trees found, once, with the trees it occurs on.
///
/// Two trees' findings are one when their `Identity` is equal: the same check and severity about the same
/// module, package, provider, symbols, namespace and rule lines, saying the same thing once what differs from
/// tree to tree by nature is taken out of the message (`Identity.normalized`): the kernel version, a module
/// file's compression suffix and sizes, which differ between architectures although the finding is the same.
/// Notes, the module's path and the cost are not compared (they carry the same tree-specific details); the
/// merged finding keeps the first tree's. Within one tree, two findings with one identity stay two.
public struct MatrixFinding: Sendable, Hashable, Codable {
    /// The finding as the first of `trees` reported it.
    public var finding: Finding
    /// The kernel versions of the trees it occurs on, in the matrix's order.
    public var trees: [String]

    /// The merged `finding`, found on the trees whose kernel versions are `trees`.
    public init(finding: Finding, trees: [String]) {
        self.finding = finding
        self.trees = trees
    }

    /// What makes two trees' findings one.
    public struct Identity: Sendable, Hashable {
        /// The check or split-language finding kind (`cross-package`, …).
        public var kind: String
        /// The finding's severity.
        public var severity: Severity
        /// The module it is about, by name.
        public var module: String?
        /// The module's package.
        public var package: String?
        /// The module that provides what it needs, by name.
        public var provider: String?
        /// The provider's package.
        public var providerPackage: String?
        /// The symbols involved.
        public var symbols: [String]
        /// The symbol namespace involved.
        public var namespace: String?
        /// The rule line that placed the module.
        public var rule: SourceLocation?
        /// The rule line that placed the provider.
        public var providerRule: SourceLocation?
        /// The message with the kernel version, compression suffixes and sizes taken out (`normalized`).
        public var message: String

        /// The identity of `f` as a tree of kernel `kernelVersion` reported it.
        public init(_ f: Finding, kernelVersion: String) {
            kind = f.kind
            severity = f.severity
            module = f.module
            package = f.package
            provider = f.provider
            providerPackage = f.providerPackage
            symbols = f.symbols
            namespace = f.namespace
            rule = f.rule
            providerRule = f.providerRule
            message = Self.normalized(f.message, kernelVersion: kernelVersion)
        }

        /// `message` without what differs between trees by nature: the kernel version becomes `<kernel>`,
        /// `.ko.xz`, `.ko.gz` and `.ko.zst` become `.ko`, and sizes as `Display.kib` writes them
        /// (`12 KiB`, `14 MiB`) become `<size>`.
        public static func normalized(_ message: String, kernelVersion: String) -> String {
            var s = message
            if !kernelVersion.isEmpty, s.contains(kernelVersion) {
                s = s.replacing(kernelVersion, with: "<kernel>")
            }
            for suffix in [".ko.xz", ".ko.gz", ".ko.zst"] where s.contains(suffix) {
                s = s.replacing(suffix, with: ".ko")
            }
            guard s.contains(" KiB") || s.contains(" MiB") else { return s }
            // Digits followed by " KiB" or " MiB" become "<size>".
            var out: [UInt8] = []
            out.reserveCapacity(s.utf8.count)
            let bytes = Array(s.utf8)
            var i = 0
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: " "), i + 3 < bytes.count, bytes[i + 2] == UInt8(ascii: "i"),
                    bytes[i + 3] == UInt8(ascii: "B"),
                    bytes[i + 1] == UInt8(ascii: "K") || bytes[i + 1] == UInt8(ascii: "M"),
                    let last = out.last, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(last)
                {
                    while let l = out.last, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(l) { out.removeLast() }
                    out += Array("<size>".utf8)
                    i += 4
                    continue
                }
                out.append(bytes[i])
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The findings of each tree (kernel version, findings in the tree's order), merged: one per identity and
    /// occurrence, naming its trees, sorted as `Finding.sorted` sorts (ties: the first tree's order).
    public static func merge(_ trees: [(kernelVersion: String, findings: [Finding])]) -> [MatrixFinding] {
        struct Key: Hashable {
            var identity: Identity
            /// The n-th finding of its identity within one tree.
            var occurrence: Int
        }
        var merged: [MatrixFinding] = []
        var index: [Key: Int] = [:]
        for (version, findings) in trees {
            var seen: [Identity: Int] = [:]
            for f in findings {
                let identity = Identity(f, kernelVersion: version)
                let occurrence = seen[identity, default: 0]
                seen[identity] = occurrence + 1
                let key = Key(identity: identity, occurrence: occurrence)
                if let i = index[key] {
                    merged[i].trees.append(version)
                } else {
                    index[key] = merged.count
                    merged.append(MatrixFinding(finding: f, trees: [version]))
                }
            }
        }
        // Discovery order breaks ties, so the result does not depend on the sort's stability.
        return merged.enumerated().sorted { a, b in
            let x = a.element.finding, y = b.element.finding
            if x.severity != y.severity { return x.severity > y.severity }
            if x.kind != y.kind { return x.kind < y.kind }
            if (x.path ?? "") != (y.path ?? "") { return (x.path ?? "") < (y.path ?? "") }
            if x.message != y.message { return x.message < y.message }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The finding with its trees: every field of `Finding`, and `trees`.
    public func encode(to encoder: any Encoder) throws {
        try finding.encode(to: encoder)
        var c = encoder.container(keyedBy: TreesKey.self)
        try c.encode(trees, forKey: .trees)
    }

    /// Reads a finding and its `trees` from one JSON object.
    public init(from decoder: any Decoder) throws {
        finding = try Finding(from: decoder)
        trees = try decoder.container(keyedBy: TreesKey.self).decode([String].self, forKey: .trees)
    }

    private enum TreesKey: String, CodingKey { case trees }
}
