internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// `modsplit minimize --format json`: the minimal core as a versioned document. Field by field (also in the
/// command's help and docs/output-formats.md):
///
/// - `schemaVersion` (1), `tool`, `kernelVersion`;
/// - `objective`: `bytes`, `uncompressed` or `modules`; every `cost` is in its unit;
/// - `profiles`, `keep`: what was asked for;
/// - `core`, `tree`: `modules`, `bytes` (shipped), `uncompressedBytes`, and for the core its `cost` and
///   `percentOfTreeBytes`;
/// - `search`: `optimal`, `lowerBound` (equal to the core's cost when optimal), `gap`, `nodes`, `seconds`,
///   `timeLimitSeconds`, `nodeLimit` (null: none);
/// - `requirements[]`: `what`, `profiles`, `modaliases`, `moduleNames` (as the profile names them), `met`
///   (`builtin`, `module` or `lacking`), `builtin`, `module`, `via` (the chosen or kept module that brings
///   `module`, when another), `marginalCost`, `marginalBytes`, `providers` (every module that meets it),
///   `alternatives[]` (`module`, `cost`, `delta`, `modules`, `bytes`, `optimal`: the best core that uses it),
///   `unpricedAlternatives` (other providers past the 8 priced, or left when the time for pricing ran out);
/// - `modules[]` by path: `name`, `path`, `bytes`, `uncompressedBytes`, `kept`, `chosenFor` (requirements, by
///   `what`), `chain` (module names from a chosen or kept module to this one; empty for those);
/// - `additions[]`: per further built-in profile, `profile`, `lacking` (requirements the kernel cannot meet;
///   then nothing else is priced), `cost`, `delta`, `modules`, `bytes`, `added`, `dropped`, `optimal`, `priced`
///   (false when the time for pricing ran out before it: then the other numbers are 0).
struct MinimalCoreDocument: Codable, Sendable {
    static let currentSchemaVersion = 1

    struct Totals: Codable, Sendable {
        var modules: Int
        var bytes: UInt64
        var uncompressedBytes: UInt64
        var cost: UInt64?
        var percentOfTreeBytes: Double?
    }

    struct Search: Codable, Sendable {
        var optimal: Bool
        var lowerBound: UInt64
        var gap: UInt64
        var nodes: Int
        var seconds: Double
        var timeLimitSeconds: Double
        var nodeLimit: Int?
    }

    struct Alternative: Codable, Sendable {
        var module: String
        var cost: UInt64
        var delta: Int64
        var modules: Int
        var bytes: UInt64
        var optimal: Bool
    }

    struct Requirement: Codable, Sendable {
        var what: String
        var profiles: [String]
        var modaliases: [String]
        var moduleNames: [String]
        var met: String
        var builtin: String?
        var module: String?
        var via: String?
        var marginalCost: UInt64
        var marginalBytes: UInt64
        var providers: [String]
        var alternatives: [Alternative]
        var unpricedAlternatives: Int
    }

    struct Module: Codable, Sendable {
        var name: String
        var path: String
        var bytes: UInt64
        var uncompressedBytes: UInt64
        var kept: Bool
        var chosenFor: [String]
        var chain: [String]
    }

    struct Addition: Codable, Sendable {
        var profile: String
        var lacking: [String]
        var cost: UInt64
        var delta: Int64
        var modules: Int
        var bytes: UInt64
        var added: [String]
        var dropped: [String]
        var optimal: Bool
        var priced: Bool
    }

    var schemaVersion: Int
    var tool: String
    var kernelVersion: String?
    var objective: String
    var profiles: [String]
    var keep: [String]
    var core: Totals
    var tree: Totals
    var search: Search
    var requirements: [Requirement]
    var modules: [Module]
    var additions: [Addition]

    init(_ core: MinimalCore, tool: String) {
        let g = core.graph
        func name(_ m: Int) -> String { g.modules[m].name }
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        kernelVersion = core.kernelVersion
        objective = core.objective.rawValue
        profiles = core.profiles.map(\.name)
        keep = core.keep.map(name)
        let share = core.treeBytes == 0 ? 0 : (Double(core.bytes) * 10000 / Double(core.treeBytes)).rounded() / 100
        self.core = Totals(
            modules: core.members.count, bytes: core.bytes, uncompressedBytes: core.uncompressedBytes,
            cost: core.cost, percentOfTreeBytes: share)
        tree = Totals(modules: core.treeModules, bytes: core.treeBytes, uncompressedBytes: core.treeUncompressedBytes)
        search = Search(
            optimal: core.search.optimal, lowerBound: core.search.lowerBound,
            gap: core.cost - core.search.lowerBound, nodes: core.search.nodes, seconds: core.search.seconds,
            timeLimitSeconds: core.search.limits.seconds, nodeLimit: core.search.limits.nodes)
        requirements = core.needs.map { need in
            var r = Requirement(
                what: need.requirement.what, profiles: need.profiles,
                modaliases: need.requirement.modaliases, moduleNames: need.requirement.modules,
                met: "lacking", marginalCost: need.marginalCost, marginalBytes: need.marginalBytes,
                providers: need.providers.map(name),
                alternatives: need.alternatives.map { a in
                    Alternative(
                        module: name(a.module), cost: a.cost, delta: core.delta(a.cost),
                        modules: a.modules, bytes: a.bytes, optimal: a.optimal)
                }, unpricedAlternatives: need.unpriced)
            switch need.met {
            case .builtin(let b):
                r.met = "builtin"
                r.builtin = b
            case .module(let p, let root):
                r.met = "module"
                r.module = name(p)
                if root != p { r.via = name(root) }
            case .lacking:
                break
            }
            return r
        }
        modules = core.members.map { member in
            let m = g.modules[member.module]
            return Module(
                name: m.name, path: m.path, bytes: m.fileSize, uncompressedBytes: m.uncompressedSize,
                kept: member.kept, chosenFor: member.chosenFor.map { core.needs[$0].requirement.what },
                chain: member.chain.map(name))
        }
        additions = core.additions.map { a in
            Addition(
                profile: a.profile.name, lacking: a.lacking, cost: a.cost,
                delta: a.lacking.isEmpty && a.priced ? core.delta(a.cost) : 0, modules: a.modules, bytes: a.bytes,
                added: a.added.map(name).sorted(), dropped: a.dropped.map(name).sorted(), optimal: a.optimal,
                priced: a.priced)
        }
    }
}

extension MinimalCore {
    /// The versioned JSON document (`MinimalCoreDocument` lists its fields).
    public func json(tool: String) throws -> String { try VersionedJSON.encode(MinimalCoreDocument(self, tool: tool)) }
}
