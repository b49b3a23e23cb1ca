internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// How the minimize renderings write sizes, shares and costs.
enum MinimizeFormat {
    /// Bytes as MiB with two decimals below 10 MiB and one above, or KiB below one MiB.
    static func size(_ bytes: UInt64) -> String {
        if bytes < 1 << 20 { return Display.kib(bytes) }
        let mib = Double(bytes) / Double(1 << 20)
        return String(format: mib < 10 ? "%.2f MiB" : "%.1f MiB", mib)
    }

    /// A signed difference of sizes.
    static func signedSize(_ delta: Int64) -> String {
        (delta < 0 ? "-" : "+") + size(delta.magnitude)
    }

    /// `part` as a percentage of `whole`, one decimal.
    static func percent(_ part: UInt64, of whole: UInt64) -> String {
        String(format: "%.1f%%", whole == 0 ? 0 : Double(part) * 100 / Double(whole))
    }

    /// A cost in the objective's unit.
    static func cost(_ value: UInt64, _ objective: MinimalCore.Objective) -> String {
        switch objective {
        case .bytes, .uncompressed: size(value)
        case .modules: value == 1 ? "1 module" : "\(value) modules"
        }
    }

    static func signedCost(_ delta: Int64, _ objective: MinimalCore.Objective) -> String {
        (delta < 0 ? "-" : "+") + cost(delta.magnitude, objective)
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : String(format: s < 0.1 ? "%.4f s" : "%.2f s", s)
    }

    /// What the objective minimises, for a sentence.
    static func measure(_ objective: MinimalCore.Objective) -> String {
        switch objective {
        case .bytes: "shipped bytes"
        case .uncompressed: "uncompressed bytes"
        case .modules: "modules"
        }
    }

    /// The profiles of a requirement, shortened when every selected profile asks for it.
    static func profiles(_ names: [String], of all: Int) -> String {
        names.count == all && all > 2 ? "all \(all) profiles" : names.map(Display.sanitized).joined(separator: ", ")
    }
}

extension MinimalCore {
    /// The difference between two costs, signed.
    func delta(_ other: UInt64) -> Int64 { Int64(bitPattern: other &- cost) }

    /// The module's name, safe for a terminal.
    func name(_ m: Int) -> String { Display.sanitized(graph.modules[m].name) }

    /// A paragraph on how far the search got: optimal, or the gap it leaves; with `timed`, how long it took
    /// (left out of reports that must be the same bytes every time).
    func searchSentence(timed: Bool = true) -> String {
        let s = search
        let limit = "limit \(MinimizeFormat.seconds(s.limits.seconds))" + (s.limits.nodes.map { ", \($0) nodes" } ?? "")
        if s.optimal {
            return "Optimal: no core that meets these requirements has fewer \(MinimizeFormat.measure(objective)) "
                + "(branch and bound, \(s.nodes) nodes"
                + (timed ? ", \(MinimizeFormat.seconds(s.seconds)); \(limit))." : ").")
        }
        let gap = cost - s.lowerBound
        return "Not proven optimal: the search stopped at its \(limit) after \(s.nodes) nodes. "
            + "The best core found costs "
            + "\(MinimizeFormat.cost(cost, objective)); no core can cost less than "
            + "\(MinimizeFormat.cost(s.lowerBound, objective)) (gap \(MinimizeFormat.cost(gap, objective)), "
            + "\(MinimizeFormat.percent(gap, of: cost)))."
    }

    /// One line for standard error when the output is for a program: size, share of the kernel, how sure.
    public func summaryLine() -> String {
        let share = treeBytes == 0 ? 0 : Double(bytes) * 100 / Double(treeBytes)
        return "minimal core: \(members.count) modules, \(Display.kib(bytes)) shipped, "
            + String(format: "%.1f%%", share) + " of the kernel; "
            + (search.optimal ? "optimal" : "not proven optimal (gap \(cost - search.lowerBound))")
            + ", \(search.nodes) nodes\n"
    }

    /// The core explained, for a terminal: totals, how sure, each requirement with its choice and alternatives,
    /// every module with its reason, and what each further profile would add.
    public func text() -> String {
        var out = "Minimal core"
        if let kernelVersion { out += " of \(Display.sanitized(kernelVersion))" }
        out += " for " + profiles.map { Display.sanitized($0.name) }.joined(separator: ", ")
        if !keep.isEmpty { out += ", keeping " + keep.map(name).joined(separator: ", ") }
        out += " (least \(MinimizeFormat.measure(objective)))\n\n"
        out +=
            "This core is \(members.count) modules and \(MinimizeFormat.size(bytes)) shipped "
            + "(\(MinimizeFormat.size(uncompressedBytes)) uncompressed), "
            + "\(MinimizeFormat.percent(bytes, of: treeBytes)) "
            + "of the kernel's shipped bytes (\(treeModules) modules, \(MinimizeFormat.size(treeBytes)) shipped).\n"
        out += searchSentence() + "\n"

        let builtins = needs.count { if case .builtin = $0.met { true } else { false } }
        out += "\nRequirements (\(needs.count), \(builtins) met by built-in drivers):\n"
        for need in needs {
            out +=
                "  \(Display.sanitized(need.requirement.what)) — "
                + MinimizeFormat.profiles(need.profiles, of: profiles.count) + "\n"
            out += "    " + metLine(need) + "\n"
            let shown = need.alternatives.prefix(3).map { a in
                let change = MinimizeFormat.signedCost(delta(a.cost), objective)
                return "\(name(a.module)) (core \(a.optimal ? "" : "at most ")\(change))"
            }
            if !shown.isEmpty {
                out += "      instead: " + shown.joined(separator: ", ")
                if need.alternatives.count > 3 { out += " and \(need.alternatives.count - 3) more" }
                out += "\n"
            }
            if need.unpriced > 0 {
                out += "      \(need.unpriced) other provider\(need.unpriced == 1 ? "" : "s") not priced\n"
            }
        }

        out += "\nModules (\(members.count), by path):\n"
        let width = members.map { graph.modules[$0.module].path.count }.max() ?? 0
        for member in members {
            let m = graph.modules[member.module]
            let path = Display.sanitized(m.path)
            let size = Display.kib(m.fileSize)
            out +=
                "  " + path + String(repeating: " ", count: max(0, width - path.count)) + "  "
                + String(repeating: " ", count: max(0, 9 - size.count)) + size + "  " + reason(member) + "\n"
        }

        if !additions.isEmpty {
            out += "\nAdding a profile (each alone, to this selection):\n"
            let nameWidth = additions.map { $0.profile.name.count }.max() ?? 0
            for a in additions {
                let label = Display.sanitized(a.profile.name)
                out += "  " + label + String(repeating: " ", count: max(0, nameWidth - label.count)) + "  "
                if !a.lacking.isEmpty {
                    out +=
                        "cannot: the kernel has no driver for "
                        + a.lacking.map(Display.sanitized).joined(separator: ", ") + "\n"
                    continue
                }
                guard a.priced else {
                    out += "not priced: the time for pricing (--time-limit) ran out\n"
                    continue
                }
                out += "\(a.optimal ? "" : "at most ")\(MinimizeFormat.signedCost(delta(a.cost), objective))"
                let moduleDelta = a.modules - members.count
                if objective != .modules {
                    let plural = moduleDelta.magnitude == 1 ? "" : "s"
                    out += ", \(moduleDelta >= 0 ? "+" : "")\(moduleDelta) module\(plural)"
                }
                if objective != .bytes {
                    out += ", \(MinimizeFormat.signedSize(Int64(bitPattern: a.bytes &- bytes))) shipped"
                }
                if !a.added.isEmpty { out += ": " + a.added.map(name).sorted().joined(separator: ", ") }
                if !a.dropped.isEmpty { out += "; without " + a.dropped.map(name).sorted().joined(separator: ", ") }
                out += "\n"
            }
        }
        return out
    }

    /// How a requirement is met, in a few words.
    func metLine(_ need: Need) -> String {
        switch need.met {
        case .builtin(let b):
            return "built in: \(Display.sanitized(b))"
        case .lacking:
            return "the kernel has no driver for it (left out)"
        case .module(let p, let root):
            if root == p {
                if keep.contains(p) { return "\(name(p)): kept" }
                if need.marginalCost == 0 { return "\(name(p)): no cost of its own (others need what it brings)" }
                var line = "\(name(p)): +\(MinimizeFormat.cost(need.marginalCost, objective))"
                if objective != .bytes { line += " (\(MinimizeFormat.size(need.marginalBytes)) shipped)" }
                return line
            }
            return "\(name(p)): comes with \(name(root))\(keep.contains(root) ? " (kept)" : ""), no extra cost"
        }
    }

    /// Why a module is in the core, in a few words.
    func reason(_ member: Member) -> String {
        var parts: [String] = []
        if member.kept { parts.append("kept") }
        if !member.chosenFor.isEmpty {
            parts.append(
                "for "
                    + member.chosenFor.map { Display.sanitized(needs[$0].requirement.what) }
                    .joined(separator: "; "))
        }
        let meets = needs.filter { need in
            if case .module(let p, let root) = need.met { return p == member.module && root != p }
            return false
        }
        if !meets.isEmpty {
            parts.append("meets " + meets.map { Display.sanitized($0.requirement.what) }.joined(separator: "; "))
        }
        if !member.chain.isEmpty { parts.append("needed: " + member.chain.map(name).joined(separator: " → ")) }
        return parts.joined(separator: ", ")
    }
}
