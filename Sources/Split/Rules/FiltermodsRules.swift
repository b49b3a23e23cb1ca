internal import ELFScan
internal import Foundation
public import Graph
internal import Yams

/// A package of the split, as the rules file defines it.
public struct PackageDefinition: Sendable, Hashable {
    /// The package's name, as rules and `depends-on` refer to it.
    public var name: String
    /// Packages this one requires (filtermods' `depends-on`): installing it installs them.
    public var dependsOn: [String]
    /// Profiles (see `GuestProfile`) this package must satisfy with its closure (modsplit's key `profiles`).
    public var profiles: [String]
    /// Where the package is defined in the rules file.
    public var location: SourceLocation

    /// A package called `name`, defined at `location`.
    public init(name: String, dependsOn: [String] = [], profiles: [String] = [], location: SourceLocation) {
        self.name = name
        self.dependsOn = dependsOn
        self.profiles = profiles
        self.location = location
    }
}

/// One placement rule: a path pattern and the package it names.
public struct PlacementRule: Sendable {
    /// How firmly a rule places a module: `exact_pkg` pins it, a plain rule caps it.
    public enum Kind: String, Sendable, Codable {
        /// `exact_pkg: true`: the module must be in this package.
        case needs
        /// The first matching rule: the package the module should be in (or one below it).
        case wants
    }

    /// Whether the rule pins the module (`needs`) or names the package it should be in or below (`wants`).
    public var kind: Kind
    /// The rule's regular expression, matched against module paths as filtermods matches it.
    public var pattern: PathPattern
    /// The package the rule names.
    public var package: String
    /// `ignore_deps: true` (with `exact_pkg`): the module's dependency edges are not propagated.
    public var ignoreDeps: Bool
    /// Where the rule is written in the rules file.
    public var location: SourceLocation

    /// A rule of `kind` placing modules that match `pattern` into `package`.
    public init(kind: Kind, pattern: PathPattern, package: String, ignoreDeps: Bool = false, location: SourceLocation) {
        self.kind = kind
        self.pattern = pattern
        self.package = package
        self.ignoreDeps = ignoreDeps
        self.location = location
    }
}

/// A split rules file in Fedora's filtermods format (`packages:` and `rules:`), read natively, with
/// variants applied. modsplit's own additions (`profiles:` at the top and in a package) are keys
/// filtermods ignores, so a file stays valid for both.
public struct FiltermodsRules: Sendable {
    /// The rules file as the user named it.
    public var file: String
    /// The packages in file order (variants applied).
    public var packages: [PackageDefinition]
    /// Rules in file order (variants applied). Within a list item, keys keep their YAML order.
    public var rules: [PlacementRule]
    /// The package of the `default:` rule.
    public var defaultPackage: String?
    /// Where the `default:` rule is written.
    public var defaultLocation: SourceLocation?
    /// Profiles the file defines (modsplit's top-level `profiles:` key).
    public var profiles: [GuestProfile]

    /// Rules read from `file`; rules, default and profiles default to none.
    public init(
        file: String, packages: [PackageDefinition], rules: [PlacementRule] = [], defaultPackage: String? = nil,
        defaultLocation: SourceLocation? = nil, profiles: [GuestProfile] = []
    ) {
        self.file = file
        self.packages = packages
        self.rules = rules
        self.defaultPackage = defaultPackage
        self.defaultLocation = defaultLocation
        self.profiles = profiles
    }

    /// Reads a rules file; every problem is a `RulesError` at file:line:column.
    public static func load(path: String, variants: [String] = []) throws(RulesError) -> FiltermodsRules {
        let bytes: [UInt8]
        do {
            bytes = try FileAccess.read(path, limit: RulesLimits.maxFileBytes)
        } catch {
            throw RulesError(file: path, error.reason)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RulesError(file: path, "the rules file is not UTF-8")
        }
        return try parse(text, file: path, variants: variants)
    }

    /// Parses rules-file text, keeping the items whose `if_variant_in` names one of `variants`; every problem is a
    /// `RulesError` at file:line:column.
    public static func parse(_ text: String, file: String, variants: [String] = []) throws(RulesError)
        -> FiltermodsRules
    {
        try RulesParser(file: file, variants: Set(variants)).parse(text)
    }
}

/// Turns the YAML node tree into `FiltermodsRules`, checking every value's type and reference.
private struct RulesParser {
    let file: String
    let variants: Set<String>

    func error(_ node: Node?, _ reason: String) -> RulesError {
        RulesError(file: file, line: node?.mark?.line, column: node?.mark?.column, reason)
    }

    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column)
    }

    func parse(_ text: String) throws(RulesError) -> FiltermodsRules {
        if text.utf8.count > RulesLimits.maxFileBytes {
            throw RulesError(
                file: file,
                "larger than \(RulesLimits.maxFileBytes >> 20) MiB (modsplit's limit: RulesLimits.maxFileBytes)")
        }
        // Before Yams builds anything: what aliases stand for, and how deep collections nest.
        try YAMLBudget.check(text, file: file)
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: text) else { throw error(nil, "the rules file is empty") }
            root = r
        } catch let e as RulesError {
            throw e
        } catch let e as YamlError {
            throw yamlError(e)
        } catch {
            throw RulesError(file: file, "\(error)")
        }
        guard let top = root.mapping else { throw error(root, "expected a mapping with packages: and rules:") }
        var packagesNode: Node?
        var rulesNode: Node?
        var profilesNode: Node?
        for (k, v) in top {
            switch try string(k, "a top-level key") {
            case "packages": packagesNode = v
            case "rules": rulesNode = v
            case "profiles": profilesNode = v
            case let other:
                throw error(k, "unknown top-level key '\(other)' (expected packages, rules or profiles)")
            }
        }
        guard let packagesNode else { throw error(root, "no packages: list") }
        let profiles = try profilesNode.map(parseProfiles) ?? []
        let packages = try parsePackages(
            packagesNode, knownProfiles: Set(profiles.map(\.name) + GuestProfile.builtIn.map(\.name)))
        var result = FiltermodsRules(file: file, packages: packages, profiles: profiles)
        if let rulesNode { try parseRules(rulesNode, into: &result) }
        return result
    }

    func yamlError(_ e: YamlError) -> RulesError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return RulesError(file: file, line: mark.line, column: mark.column, "invalid YAML: \(problem)")
        case .reader(let problem, _, _, _):
            return RulesError(file: file, "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return RulesError(
                file: file, line: context.mark.line, column: context.mark.column,
                "duplicate keys in a mapping: \(duplicates.joined(separator: ", "))")
        default:
            return RulesError(file: file, "invalid YAML: \(e)")
        }
    }

    func string(_ node: Node, _ what: String) throws(RulesError) -> String {
        guard case .scalar(let s) = node else { throw error(node, "\(what) must be a string") }
        return s.string
    }

    func strings(_ node: Node, _ what: String) throws(RulesError) -> [String] {
        guard case .sequence(let seq) = node else { throw error(node, "\(what) must be a list") }
        var out: [String] = []
        for item in seq { out.append(try string(item, "each entry of \(what)")) }
        return out
    }

    func bool(_ node: Node, _ what: String) throws(RulesError) -> Bool {
        guard case .scalar(let s) = node else { throw error(node, "\(what) must be true or false") }
        switch s.string {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: throw error(node, "\(what) must be true or false, not '\(s.string)'")
        }
    }

    /// `if_variant_in`: kept when it names one of the selected variants.
    func variantSelected(_ node: Node) throws(RulesError) -> Bool {
        !Set(try strings(node, "if_variant_in")).isDisjoint(with: variants)
    }

    func parsePackages(_ node: Node, knownProfiles: Set<String>) throws(RulesError) -> [PackageDefinition] {
        guard case .sequence(let seq) = node else { throw error(node, "packages: must be a list") }
        var all: [(PackageDefinition, Node, [Node])] = []
        var seen: [String: SourceLocation] = [:]
        for item in seq {
            guard let map = item.mapping else { throw error(item, "each package must be a mapping with a name") }
            var name: String?
            var deps: [String] = []
            var depNodes: [Node] = []
            var profiles: [String] = []
            var keep = true
            var nameNode = item
            for (k, v) in map {
                switch try string(k, "a package key") {
                case "name":
                    name = try string(v, "name")
                    nameNode = v
                case "depends-on":
                    deps = try strings(v, "depends-on")
                    if case .sequence(let s) = v { depNodes = Array(s) }
                case "if_variant_in": keep = try variantSelected(v)
                case "profiles":
                    profiles = try strings(v, "profiles")
                    if case .sequence(let s) = v {
                        for (p, pn) in zip(profiles, s) where !knownProfiles.contains(p) {
                            throw error(
                                pn, "unknown profile '\(p)' (known: \(knownProfiles.sorted().joined(separator: ", ")))")
                        }
                    }
                case let other:
                    throw error(
                        k, "unknown package key '\(other)' (expected name, depends-on, if_variant_in or profiles)")
                }
            }
            guard let name, !name.isEmpty else { throw error(item, "package without a name") }
            // `place` writes <name>.list into its output directory: a name with a '/' (or '..', or a
            // control character) would write elsewhere. filtermods would follow it; no RPM package can
            // have such a name, so it is refused here, where it is written.
            guard PackageSet.isSafeFileName(name) else {
                throw error(
                    nameNode,
                    "package name '\(Display.sanitized(name))' cannot name a file "
                        + "(no '/', no leading '.', no control characters, at most 200 bytes)")
            }
            if let first = seen[name] {
                throw error(item, "package \(name) is defined twice (first at line \(first.line))")
            }
            seen[name] = location(item)
            if keep {
                all.append(
                    (
                        PackageDefinition(name: name, dependsOn: deps, profiles: profiles, location: location(item)),
                        item, depNodes
                    ))
            }
        }
        // depends-on must name packages defined before (as filtermods requires), which also rules out
        // cycles; a cycle is named as such because that is the mistake to fix.
        let index = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1.0.name, $0) })
        for (i, (p, _, nodes)) in all.enumerated() {
            for (d, dn) in zip(p.dependsOn, nodes) {
                guard let j = index[d] else { throw error(dn, "package \(p.name) depends on unknown package \(d)") }
                if j >= i {
                    if let cycle = cycle(from: j, to: i, all.map(\.0), index) {
                        throw error(dn, "cycle in depends-on: \(([p.name] + cycle).joined(separator: " → "))")
                    }
                    throw error(dn, "package \(p.name) depends on \(d), which is defined after it")
                }
            }
        }
        return all.map(\.0)
    }

    /// A depends-on path from package `from` back to package `to`, if there is one.
    func cycle(from: Int, to: Int, _ packages: [PackageDefinition], _ index: [String: Int]) -> [String]? {
        var stack: [(Int, [String])] = [(from, [packages[from].name])]
        var seen = Set<Int>()
        while let (p, path) = stack.popLast() {
            if p == to { return path }
            guard seen.insert(p).inserted else { continue }
            for d in packages[p].dependsOn { if let j = index[d] { stack.append((j, path + [d])) } }
        }
        return nil
    }

    func parseRules(_ node: Node, into result: inout FiltermodsRules) throws(RulesError) {
        guard case .sequence(let seq) = node else { throw error(node, "rules: must be a list") }
        let known = Set(result.packages.map(\.name))
        if seq.count > RulesLimits.maxRules {
            throw error(node, "more than \(RulesLimits.maxRules) rules (modsplit's limit: RulesLimits.maxRules)")
        }
        var patternCost = 0
        // As in filtermods, a rule naming a package that variants dropped is an error unless the rule is dropped too.
        for item in seq {
            guard let map = item.mapping else {
                throw error(item, "each rule must be a mapping of a pattern to a package")
            }
            var exact = false
            var ignoreDeps = false
            var keep = true
            var pairs: [(Node, Node)] = []
            for (k, v) in map {
                let key = try string(k, "a rule key")
                switch key {
                case "exact_pkg": exact = try bool(v, "exact_pkg")
                case "ignore_deps": ignoreDeps = try bool(v, "ignore_deps")
                case "if_variant_in": keep = try variantSelected(v)
                default: pairs.append((k, v))
                }
            }
            if ignoreDeps && !exact { throw error(item, "ignore_deps needs exact_pkg: true") }
            guard keep else { continue }
            for (k, v) in pairs {
                let key = try string(k, "a rule pattern")
                let package = try string(v, "the package of rule '\(key)'")
                guard known.contains(package) else {
                    throw error(v, "rule '\(key)' names unknown package \(package)")
                }
                if key == "default" && !exact {
                    if let first = result.defaultLocation {
                        throw error(k, "a second default: rule (the first is at line \(first.line))")
                    }
                    result.defaultPackage = package
                    result.defaultLocation = location(k)
                    continue
                }
                if result.rules.count >= RulesLimits.maxRules {
                    throw self.error(
                        k, "more than \(RulesLimits.maxRules) rules (modsplit's limit: RulesLimits.maxRules)")
                }
                let pattern: PathPattern
                do {
                    pattern = try PathPattern(key)
                } catch {
                    let at = error.position.map { " at position \($0)" } ?? ""
                    throw self.error(k, "bad regular expression '\(key)': \(error.message)\(at)")
                }
                patternCost += pattern.expandedSize * pattern.expandedSize
                if patternCost > RulesLimits.maxPatternCost {
                    throw self.error(
                        k,
                        "the rules' patterns together are too costly to compile (the sum of their nodes "
                            + "squared exceeds \(RulesLimits.maxPatternCost), "
                            + "modsplit's limit RulesLimits.maxPatternCost)"
                    )
                }
                result.rules.append(
                    PlacementRule(
                        kind: exact ? .needs : .wants, pattern: pattern, package: package,
                        ignoreDeps: ignoreDeps, location: location(k)))
            }
        }
    }

    func parseProfiles(_ node: Node) throws(RulesError) -> [GuestProfile] {
        guard case .sequence(let seq) = node else { throw error(node, "profiles: must be a list") }
        var out: [GuestProfile] = []
        for item in seq {
            guard let map = item.mapping else { throw error(item, "each profile must be a mapping") }
            var name: String?
            var description = ""
            var requirements: [GuestProfile.Requirement] = []
            for (k, v) in map {
                switch try string(k, "a profile key") {
                case "name": name = try string(v, "name")
                case "description": description = try string(v, "description")
                case "needs":
                    guard case .sequence(let reqs) = v else { throw error(v, "needs: must be a list") }
                    for r in reqs { requirements.append(try parseRequirement(r)) }
                case let other: throw error(k, "unknown profile key '\(other)' (expected name, description, needs)")
                }
            }
            guard let name else { throw error(item, "profile without a name") }
            out.append(GuestProfile(name: name, description: description, requirements: requirements))
        }
        return out
    }

    func parseRequirement(_ node: Node) throws(RulesError) -> GuestProfile.Requirement {
        guard let map = node.mapping else { throw error(node, "each requirement must be a mapping") }
        var what = ""
        var modaliases: [String] = []
        var modules: [String] = []
        for (k, v) in map {
            switch try string(k, "a requirement key") {
            case "what": what = try string(v, "what")
            case "modalias", "modaliases": modaliases = try strings(v, "modalias")
            case "modules", "any-of": modules = try strings(v, "modules")
            case let other: throw error(k, "unknown requirement key '\(other)' (expected what, modalias, modules)")
            }
        }
        if modaliases.isEmpty && modules.isEmpty { throw error(node, "a requirement needs modalias: or modules:") }
        return GuestProfile.Requirement(
            what: what.isEmpty ? (modules + modaliases).joined(separator: " | ") : what,
            modaliases: modaliases, modules: modules)
    }
}

extension FiltermodsRules: SplitDefinition {
    /// The rules file as the user named it.
    public var name: String? { file }

    /// Each package's `profiles:`, bound at the package's definition.
    public var profileBindings: [(profile: String, package: String, location: SourceLocation)] {
        packages.flatMap { p in p.profiles.map { (profile: $0, package: p.name, location: p.location) } }
    }

    /// Places every module as filtermods' `sort` would, with findings for rules that match nothing.
    public func place(_ graph: ModuleGraph) throws(RulesError) -> RulesPlacement {
        FiltermodsPlacement.placeReporting(graph, rules: self)
    }
}
