public import Graph

/// What each package of a placed split holds and weighs, computed once for every report.
public struct PackageSizes: Sendable {
    /// One package.
    public struct Package: Sendable {
        /// The package's name.
        public var name: String
        /// The packages it depends on directly, as the split declares them.
        public var dependsOn: [String]
        /// Its modules (indices into the graph), sorted by path.
        public var members: [Int]
        /// Bytes as shipped (compressed files) and uncompressed.
        public var bytes: UInt64
        /// Bytes of its modules uncompressed.
        public var uncompressedBytes: UInt64
        /// What installing the package installs: itself and every package below it, as shipped.
        public var installBytes: UInt64
    }

    /// Packages in the split's order.
    public let packages: [Package]
    /// The whole tree: modules, bytes as shipped, uncompressed bytes.
    public let modules: Int
    /// The whole tree's bytes as shipped.
    public let bytes: UInt64
    /// The whole tree's bytes uncompressed.
    public let uncompressedBytes: UInt64

    /// Sizes of `placement` over `graph`.
    public init(graph: ModuleGraph, placement: Placement) {
        let set = placement.packages
        let members = placement.members(graph)
        let bytes = members.map { $0.reduce(UInt64(0)) { $0 + graph.modules[$1].fileSize } }
        packages = set.names.indices.map { p in
            Package(
                name: set.names[p], dependsOn: set.dependsOn[p].map { set.names[$0] }, members: members[p],
                bytes: bytes[p],
                uncompressedBytes: members[p].reduce(0) { $0 + graph.modules[$1].uncompressedSize },
                installBytes: set.members(set.closure(p)).reduce(0) { $0 + bytes[$1] })
        }
        modules = graph.modules.count
        self.bytes = graph.modules.reduce(0) { $0 + $1.fileSize }
        uncompressedBytes = graph.modules.reduce(0) { $0 + $1.uncompressedSize }
    }

    /// The package named `name`, if the split has one.
    public func package(named name: String) -> Package? { packages.first { $0.name == name } }
}
