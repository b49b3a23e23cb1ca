import ELFScan
internal import Graph

struct ProfileUnsatisfiedCheck: SplitCheck {
    let description = CheckDescription(
        id: "profile-unsatisfied", severity: .error,
        summary:
            "A package bound to a machine profile lacks a driver the profile needs (storage, network, console, "
            + "root file system).",
        rationale:
            "A machine of that class with only this package (and what it depends on) "
            + "installed cannot boot or has no network. "
            + "Built-in drivers count; when the kernel has no driver at all, the finding says so, "
            + "since no split can help.",
        triggering: CheckExample(
            "a KVM core without virtio-net, which is in extra",
            modules: [
                exampleModule("virtio_blk", modinfo: [("alias", "virtio:d00000002v*")]), exampleModule("ext4"),
                exampleModule("virtio_net", modinfo: [("alias", "virtio:d00000001v*")]),
                exampleModule("virtio_pci", modinfo: [("alias", "pci:v00001AF4d*sv*sd*bc*sc*i*")]),
                exampleModule("8250"),
            ], packages: [("core", []), ("extra", ["core"])],
            placed: [
                "virtio_blk": "core", "ext4": "core", "virtio_pci": "core", "8250": "core", "virtio_net": "extra",
            ],
            profiles: [("kvm-guest", "core")]),
        passing: CheckExample(
            "a KVM core with everything",
            modules: [
                exampleModule("virtio_blk", modinfo: [("alias", "virtio:d00000002v*")]), exampleModule("ext4"),
                exampleModule("virtio_net", modinfo: [("alias", "virtio:d00000001v*")]),
                exampleModule("virtio_pci", modinfo: [("alias", "pci:v00001AF4d*sv*sd*bc*sc*i*")]),
                exampleModule("8250"),
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
                let found = GuestProfile.providers(
                    of: r, in: ctx.graph, candidates: candidates, builtinModinfo: builtin)
                guard found.modules.isEmpty && found.builtin == nil else { continue }
                let package = packages.names[binding.package]
                // Where the driver is instead: the modules of the whole tree that would satisfy it.
                let elsewhere = GuestProfile.providers(
                    of: r, in: ctx.graph, candidates: ctx.graph.modules.indices,
                    builtinModinfo: [:]
                ).modules
                if elsewhere.isEmpty {
                    out.append(
                        kernelLacks(
                            r, profile: binding.profile, package: binding.package,
                            location: binding.location, ctx))
                    continue
                }
                let notes = elsewhere.prefix(5).map {
                    "\(ctx.graph.modules[$0].name) would do; it is in \(ctx.packageName($0) ?? "no package")"
                        + (ctx.placement.location(of: $0).map { " (placed by \($0))" } ?? "")
                }
                out.append(
                    Finding(
                        kind: description.id, severity: description.severity, package: package, rule: binding.location,
                        message: "\(package) does not satisfy \(binding.profile.name): no \(r.what)",
                        notes: Array(notes),
                        cost: MoveCost.of(
                            elsewhere[0], into: binding.package, graph: ctx.graph, placement: ctx.placement)))
            }
        }
        return out
    }

    /// A requirement no module of the tree and no built-in driver meets: no split of this kernel can satisfy
    /// the profile, so the finding names the kernel (and the options that would build a driver), not the package.
    /// It stays an error: the package still cannot boot that machine, and the binding says it must.
    func kernelLacks(
        _ r: GuestProfile.Requirement, profile: GuestProfile, package: Int, location: SourceLocation?,
        _ ctx: CheckContext
    ) -> Finding {
        let name = ctx.placement.packages.names[package]
        var notes: [String] = []
        let options = r.modules.compactMap { m in GuestProfile.kernelOption(building: m).map { (module: m, option: $0) }
        }
        if !options.isEmpty {
            notes.append(
                "a kernel built with " + options.map { "\($0.option) (\($0.module))" }.joined(separator: " or ")
                    + ", as a module or built in, would have one")
        }
        notes.append(
            "no split of this kernel can satisfy \(profile.name); "
                + "bind the profile only to kernels that have the driver")
        return Finding(
            kind: description.id, severity: description.severity, package: name, rule: location,
            message: "\(name) does not satisfy \(profile.name): the kernel has no driver for \(r.what)"
                + " (neither a module nor built in)",
            notes: notes)
    }
}
