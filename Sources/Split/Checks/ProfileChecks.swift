import ELFScan
internal import Graph

struct ProfileUnsatisfiedCheck: SplitCheck {
    let description = CheckDescription(
        id: "profile-unsatisfied", severity: .error,
        summary: "A package bound to a machine profile lacks a driver the profile needs (storage, network, console, root file system).",
        rationale: "A machine of that class with only this package (and what it depends on) installed cannot boot or has no network.",
        triggering: CheckExample("a KVM core without virtio-net", modules: [
            exampleModule("virtio_blk", modinfo: [("alias", "virtio:d00000002v*")]), exampleModule("ext4"),
            exampleModule("virtio_pci", modinfo: [("alias", "pci:v00001AF4d*sv*sd*bc*sc*i*")]), exampleModule("8250"),
        ], profiles: [("kvm-guest", "core")]),
        passing: CheckExample("a KVM core with everything", modules: [
            exampleModule("virtio_blk", modinfo: [("alias", "virtio:d00000002v*")]), exampleModule("ext4"),
            exampleModule("virtio_net", modinfo: [("alias", "virtio:d00000001v*")]),
            exampleModule("virtio_pci", modinfo: [("alias", "pci:v00001AF4d*sv*sd*bc*sc*i*")]), exampleModule("8250"),
        ], profiles: [("kvm-guest", "core")]))

    func run(_ ctx: CheckContext) -> [Finding] {
        var out: [Finding] = []
        let packages = ctx.placement.packages
        let builtin = ctx.builtinModinfo.mapValues { $0.map { (key: $0.key, value: $0.value) } }
        for binding in ctx.profileBindings {
            let closure = packages.closure(binding.package)
            let candidates = ctx.graph.modules.indices.filter {
                guard let p = ctx.placement.packageOf[$0] else { return false }
                return closure.contains(p)
            }
            for r in binding.profile.requirements {
                let found = GuestProfile.providers(of: r, in: ctx.graph, candidates: candidates, builtinModinfo: builtin)
                guard found.modules.isEmpty && found.builtin == nil else { continue }
                // Where the driver is instead: the modules of the whole tree that would satisfy it.
                let elsewhere = GuestProfile.providers(of: r, in: ctx.graph, candidates: ctx.graph.modules.indices, builtinModinfo: [:]).modules
                let notes = elsewhere.prefix(5).map {
                    "\(ctx.graph.modules[$0].name) would do; it is in \(ctx.packageName($0) ?? "no package")"
                        + (ctx.placement.location(of: $0).map { " (placed by \($0))" } ?? "")
                }
                out.append(Finding(
                    kind: description.id, severity: description.severity, package: packages.names[binding.package],
                    rule: binding.location,
                    message: "\(packages.names[binding.package]) does not satisfy \(binding.profile.name): no \(r.what)",
                    notes: Array(notes),
                    cost: elsewhere.first.map { MoveCost.of($0, into: binding.package, graph: ctx.graph, placement: ctx.placement) }))
            }
        }
        return out
    }
}

