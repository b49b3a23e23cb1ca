internal import ELFScan
internal import Foundation
internal import Graph
public import Split

extension MinimalCore {
    /// The core as a package list for `--list core=FILE`: paths relative to the module directory, one a line, in
    /// byte order.
    public func list() -> String { paths.map { $0 + "\n" }.joined() }

    /// The core as a filtermods rules file: package `core` (bound to the profiles) and package `rest` that
    /// depends on it; an `exact_pkg` rule for each module of the core, and `default: rest`.
    ///
    /// Each rule is the module's path without its first component (`kernel/`), as filtermods matches, ending at
    /// `.ko`: rules match at the start of the path, so the rule fits the module whether or not it is compressed
    /// and no other file. Profiles a rules file defined (not built in) are written out too, so the file stands
    /// alone.
    public func rules(tool: String) -> String {
        var out = "# The minimal core"
        if let kernelVersion { out += " of \(Display.sanitized(kernelVersion))" }
        out += " for " + profiles.map { Display.sanitized($0.name) }.joined(separator: ", ") + ":\n"
        out +=
            "# \(members.count) modules, \(MinimizeFormat.size(bytes)) shipped, "
            + "\(MinimizeFormat.percent(bytes, of: treeBytes)) of the kernel's shipped bytes"
            + (search.optimal ? " (optimal).\n" : " (not proven optimal).\n")
        for need in lacking {
            out +=
                "# Left out: the kernel has no driver for \(Display.sanitized(need.requirement.what)) ("
                + need.profiles.map(Display.sanitized).joined(separator: ", ") + ").\n"
        }
        out += "# Written by \(Display.sanitized(tool)) minimize; every other module goes to rest.\n"
        let defined = profiles.filter { p in !GuestProfile.builtIn.contains(p) }
        if !defined.isEmpty {
            out += "profiles:\n"
            for p in defined {
                out += "  - name: \(Self.quoted(p.name))\n"
                if !p.description.isEmpty { out += "    description: \(Self.quoted(p.description))\n" }
                out += "    needs:\n"
                for r in p.requirements {
                    out += "      - what: \(Self.quoted(r.what))\n"
                    if !r.modaliases.isEmpty { out += "        modalias: \(Self.flow(r.modaliases))\n" }
                    if !r.modules.isEmpty { out += "        modules: \(Self.flow(r.modules))\n" }
                }
            }
        }
        out += "packages:\n"
        out += "  - name: core\n    depends-on: []\n    profiles: \(Self.flow(profiles.map(\.name)))\n"
        out += "  - name: rest\n    depends-on: [core]\n"
        out += "rules:\n"
        for path in paths {
            out += "  - \(Self.quoted(Self.pattern(for: path))): core\n    exact_pkg: true\n"
        }
        out += "  - default: rest\n"
        return out
    }

    /// The rule that matches the module at `path` (relative to the module directory) and nothing else.
    static func pattern(for path: String) -> String {
        var relative = Substring(uncompressedPath(path))
        if let slash = relative.firstIndex(of: "/") { relative = relative[relative.index(after: slash)...] }
        var out = ""
        for ch in relative {
            if "\\.^$*+?()[]{}|".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// A YAML single-quoted scalar: only the quote itself is escaped there (by doubling), so a backslash stays.
    static func quoted(_ s: String) -> String {
        "'" + Display.sanitized(s).replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func flow(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ", ") + "]" }
}
