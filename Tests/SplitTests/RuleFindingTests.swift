import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

/// What filtermods placement reports about the rules themselves.
@Suite struct RuleFindingTests {
    func module(_ path: String, exports: [String] = [], imports: [String] = []) -> ModuleFacts {
        var m = exampleModule(moduleName(fromFileName: path), exports: exports, imports: imports)
        m.path = path
        return m
    }

    let rules = """
        packages:
          - name: core
          - name: extra
            depends-on: [core]
        rules:
          - ^drivers/net/.*: extra
          - drivers/net/tunn.ko: extra
          - arch/arm64/crypto/.*: extra
          - drivers/net/.*: core
          - drivers/net/tun.ko: extra
          - .*kunit.*: extra
            exact_pkg: true
          - default: core

        """

    @Test("a rule that can never match is a warning, one that matches nothing here is information, both at their line")
    func matchesNothing() throws {
        let a = try Analyse.facts(
            [module("kernel/drivers/net/tun.ko"), module("kernel/drivers/net/veth.ko")],
            split: try FiltermodsRules.parse(rules, file: "r.yaml"))
        let found = a.findings.filter { $0.kind == "rule-matches-nothing" }
        let byLine = Dictionary(uniqueKeysWithValues: found.map { ($0.rule!.line, $0) })
        // Line 10's tun.ko is shadowed by line 9 for the only module it matches: it still matches something.
        #expect(byLine.keys.sorted() == [6, 7, 8, 11], "\(found.map(\.message))")
        let anchored = try #require(byLine[6])
        #expect(anchored.severity == .warning)
        #expect(anchored.message.contains("can never match"))
        #expect(anchored.rule == SourceLocation(file: "r.yaml", line: 6, column: 5))
        let typo = try #require(byLine[7])
        #expect(typo.severity == .info)
        #expect(
            typo.notes == [
                "the tree has 2 modules under drivers/net/, none of them matches: a misspelt name, "
                    + "or a module this build does not make?"
            ])
        #expect(byLine[8]?.notes.first?.contains("no module under arch/arm64/crypto/") == true)
        #expect(byLine[11]?.severity == .info && byLine[11]?.notes == [])
    }

    @Test("every kind of finding is described once, checks and split languages together")
    func kindsRegistered() throws {
        let ids = CheckRegistry.all.map(\.description.id) + RulesFindingKinds.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        for kind in RulesFindingKinds.all {
            #expect(!kind.summary.isEmpty && !kind.rationale.isEmpty && !kind.languages.isEmpty, "\(kind.id)")
            #expect(
                kind.languages.allSatisfy { SplitFormats.named($0) != nil || $0 == BuiltPackages.language },
                "\(kind.id): \(kind.languages)")
        }
        let a = try Analyse.facts([module("kernel/x.ko")], split: try FiltermodsRules.parse(rules, file: "r.yaml"))
        for f in a.findings {
            #expect(CheckRegistry.check(id: f.kind) != nil || RulesFindingKinds.kind(id: f.kind) != nil, "\(f.kind)")
        }
    }
}

/// Fedora's rules on Debian's 6.12 amd64 tree: the rules for other architectures and configurations are
/// information, and none is a warning.
@Suite(.enabled(if: RealKernels.enabled, "MODSPLIT_REAL_KERNELS=skip"), .serialized)
struct RealRuleFindingTests {
    @Test("Fedora's and RHEL's rules: 99 and 104 rules match nothing on Debian's tree, none can never match")
    func fedoraOnDebian() throws {
        for (flavour, count) in [("fedora", 99), ("rhel", 104)] {
            let a = try Analyse.tree(
                RealKernels.Tree("linux-image-6.12.117+deb12-amd64"),
                split: .rules(path: Fixtures.url("fedora/def_variants.yaml.\(flavour)").path, format: nil))
            let found = a.findings.filter { $0.kind == "rule-matches-nothing" }
            #expect(found.count == count, "\(flavour)")
            #expect(found.allSatisfy { $0.severity == .info }, "\(flavour)")
            #expect(
                found.contains {
                    $0.message.contains("'drivers/net/amt.ko'")
                        && $0.notes.first?.contains("modules under drivers/net/") == true
                })
        }
    }
}
