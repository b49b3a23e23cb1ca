internal import ELFScan
public import Graph

/// What it costs to put a module in a package: the module, and every module of its closure that the
/// package's install set (the package and everything below it) does not already hold.
public enum MoveCost {
    /// The cost of putting `module` into `package`: it and the modules of its closure the package's install set lacks.
    public static func of(_ module: Int, into package: Int, graph: ModuleGraph, placement: Placement) -> Cost {
        let install = placement.packages.closure(package)
        var counted = [module]
        for d in graph.closure(of: module) {
            if let p = placement.packageOf[d], install.contains(p) { continue }
            counted.append(d)
        }
        counted.sort { graph.modules[$0].name < graph.modules[$1].name }
        return Cost(
            bytes: counted.reduce(0) { $0 + graph.modules[$1].fileSize },
            uncompressedBytes: counted.reduce(0) { $0 + graph.modules[$1].uncompressedSize },
            modules: counted.map { graph.modules[$0].name })
    }
}
