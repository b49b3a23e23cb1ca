import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

@Suite struct SplitRulesParsingTests {
    let minimal = """
        packages:
          - name: core
            depends-on: []
          - name: extra
            depends-on:
            - core
        rules:
          - drivers/net/.*: extra
          - .*kunit.*: core
            exact_pkg: True
          - default: core

        """

    @Test func readsPackagesRulesAndDefault() throws {
        let r = try FiltermodsRules.parse(minimal, file: "r.yaml")
        #expect(r.packages.map(\.name) == ["core", "extra"])
        #expect(r.packages[1].dependsOn == ["core"])
        #expect(r.rules.map(\.kind) == [.wants, .needs])
        #expect(r.rules.map(\.package) == ["extra", "core"])
        #expect(r.rules[0].location == SourceLocation(file: "r.yaml", line: 8, column: 5))
        #expect(r.defaultPackage == "core")
        #expect(r.defaultLocation?.line == 11)
    }

    @Test("variants keep or drop packages and rules")
    func variants() throws {
        let text = """
            packages:
              - name: core
              - name: rt
                depends-on: [core]
                if_variant_in: [rt]
            rules:
              - kernel/sched/.*: rt
                if_variant_in: [rt]
              - default: core

            """
        #expect(try FiltermodsRules.parse(text, file: "v").packages.map(\.name) == ["core"])
        let rt = try FiltermodsRules.parse(text, file: "v", variants: ["rt"])
        #expect(rt.packages.map(\.name) == ["core", "rt"])
        #expect(rt.rules.count == 1)
    }

    func parseError(_ text: String) -> RulesError? {
        do {
            _ = try FiltermodsRules.parse(text, file: "bad.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "malformed files: a clear file:line:column error",
        arguments: [
            ("packages: [\n  - name: core\n", "invalid YAML", 2),
            ("packages:\n  - name: core\nrules:\n  - drivers/.*: nosuch\n", "unknown package nosuch", 4),
            ("packages:\n  - name: core\nrules:\n  - 'drivers/(': core\n", "bad regular expression", 4),
            (
                "packages:\n  - name: a\n    depends-on: [b]\n  - name: b\n    depends-on: [a]\n",
                "cycle in depends-on", 3
            ),
            ("packages:\n  - name: a\n    depends-on: [zzz]\n", "unknown package zzz", 3),
            ("packages:\n  - name: a\n    depends_on: [b]\n", "unknown package key 'depends_on'", 3),
            ("packages:\n  - name: a\n  - name: a\n", "defined twice", 3),
            ("packages:\n  - name: a\nrule:\n  - x: a\n", "unknown top-level key 'rule'", 3),
            ("packages: core\n", "packages: must be a list", 1),
            ("packages:\n  - name: a\nrules:\n  - x: a\n    exact_pkg: maybe\n", "exact_pkg must be true or false", 5),
            ("packages:\n  - name: a\nrules:\n  - x: a\n    ignore_deps: true\n", "ignore_deps needs exact_pkg", 4),
            ("packages:\n  - name: a\nrules:\n  - default: a\n  - default: a\n", "second default", 5),
            ("packages:\n  - name: a\nrules:\n  - x: [a]\n", "must be a string", 4),
            ("packages:\n  - name: a\n    profiles: [no-such-guest]\n", "unknown profile", 3),
            ("", "empty", nil),
        ] as [(String, String, Int?)])
    func malformed(text: String, reason: String, line: Int?) throws {
        let e = try #require(parseError(text))
        #expect(e.reason.contains(reason), "\(e)")
        #expect(e.line == line, "\(e)")
        #expect(e.file == "bad.yaml")
        if line != nil { #expect(e.column != nil) }
    }

    @Test("the real Fedora and RHEL rules load")
    func realRules() throws {
        let dir = RealData.fedora
        let fedora = try FiltermodsRules.load(path: dir + "/def_variants.yaml.fedora")
        #expect(
            fedora.packages.map(\.name) == [
                "modules-core", "modules", "modules-internal", "modules-extra", "modules-akmods",
            ])
        #expect(fedora.defaultPackage == "modules")
        #expect(fedora.rules.count > 300)
        let rhel = try FiltermodsRules.load(path: dir + "/def_variants.yaml.rhel")
        #expect(rhel.packages.count >= 3)
        #expect(rhel.defaultPackage != nil)
    }

    @Test("a huge rules file and a pathological pattern stay fast")
    func boundedTime() throws {
        var text = "packages:\n  - name: core\nrules:\n"
        for i in 0..<20_000 { text += "  - drivers/x\(i)/.*: core\n" }
        text += "  - '(a*)*(b|a*)*c': core\n"
        let start = ContinuousClock.now
        let r = try FiltermodsRules.parse(text, file: "huge")
        #expect(r.rules.count == 20_001)
        #expect(!r.rules.last!.pattern.matches("kernel/" + String(repeating: "a", count: 40)))
        #expect(ContinuousClock.now - start < .seconds(20))
    }
}

@Suite struct PathPatternTests {
    @Test(
        "matched like filtermods: first component skipped, anchored at the start only",
        arguments: [
            ("drivers/net/.*", "kernel/drivers/net/tun.ko.xz", true),
            ("drivers/net/.*", "kernel/fs/drivers/net/x.ko", false),
            ("drivers/net/tun.ko", "kernel/drivers/net/tun.ko.xz", true),
            (".*test[^/]*.ko", "kernel/net/core/selftests.ko.xz", true),
            (".*test[^/]*.ko", "kernel/net/core/selftests/x.ko", false),
            ("fs/nfs.*", "kernel/fs/nfsd/nfsd.ko", true),
            ("kernel/.*", "kernel/kernel/trace/x.ko", true),
            ("kernel/.*", "kernel/drivers/x.ko", false),
            ("drivers/(net|block)/.*", "updates/drivers/block/loop.ko", true),
            // filtermods pastes the key after `[^/]+/` as text: a top-level `|` leaves the wrapper behind.
            ("drivers/net|sound/.*", "kernel/sound/core/snd.ko", false),
            ("drivers/net|kernel/sound/.*", "kernel/sound/core/snd.ko", true),
            ("drivers/net|sound/.*", "kernel/drivers/sound/x.ko", false),
            ("drivers/a+b/.*", "kernel/drivers/aab/x.ko", true),
            ("drivers/ab?c/.*", "kernel/drivers/ac/x.ko", true),
            ("drivers/\\d+/.*", "kernel/drivers/42/x.ko", true),
            ("x", "x.ko", false),
        ])
    func semantics(pattern: String, path: String, expected: Bool) throws {
        #expect(try PathPattern(pattern).matches(path) == expected)
    }

    @Test(
        "literal runs a match must contain after its literal prefix",
        arguments: [
            (".*kunit.*", ["kunit"]),
            (".*test[^/]*.ko", ["test", "ko"]),
            ("drivers/ab?c/.*", ["c/"]),
            ("drivers/a+b/x", ["b/x"]),
            ("[]x]y{2}z\\.ko", ["z.ko"]),
            ("net/(ipv4)?/.*", ["/"]),
            ("net/(ipv4|ipv6)/.*", ["/"]),
            ("drivers/net|sound", [String]()),
        ])
    func requiredLiterals(pattern: String, expected: [String]) throws {
        #expect(try PathPattern(pattern).requiredLiterals.map { String(decoding: $0, as: UTF8.self) } == expected)
    }

    /// The short cuts (literal prefix, prefix-only patterns, required literals, the prefix trie) must
    /// never change an answer. Paths: every module of Debian's 6.12 amd64 tree, as filtermods listed
    /// them (Tests/Fixtures/fedora/filtermods-deb612), and made-up ones at the edges.
    @Test("short cuts agree with the regex alone on Fedora's and RHEL's rules")
    func shortCutsAgree() throws {
        var paths = [
            "x.ko", "/kernel/x.ko", "kernel/", "kernel/kunit.ko", "updates/drivers/net/tun.ko",
            "kernel/drivers/net/ethernet/intel/ice/ice.ko.zst", "kernel/lib/test_bpf.ko", "extra/a/b/c/test.ko.gz",
        ]
        let lists = RealData.fedora + "/filtermods-deb612"
        for name in try FileManager.default.contentsOfDirectory(atPath: lists) {
            // modules-akmods.list is empty; Foundation leaks a 4 KiB buffer reading an empty file (LeakSanitizer, CI).
            let size = try FileManager.default.attributesOfItem(atPath: lists + "/" + name)[.size] as? Int ?? 0
            guard size > 0 else { continue }
            paths += try String(contentsOfFile: lists + "/" + name, encoding: .utf8).split(separator: "\n").map(
                String.init)
        }
        #expect(paths.count > 4000)
        for flavour in ["fedora", "rhel"] {
            let patterns = try FiltermodsRules.load(path: RealData.fedora + "/def_variants.yaml." + flavour).rules.map(
                \.pattern)
            let set = PatternSet(patterns)
            for path in paths.map(ModulePath.init) {
                var first: Int?
                for (k, p) in patterns.enumerated() {
                    let byRegex = p.matchesByRegex(path)
                    if p.matches(path) != byRegex {
                        Issue.record("\(p.source) on \(String(decoding: path.bytes.dropLast(), as: UTF8.self))")
                    }
                    if byRegex && first == nil { first = k }
                }
                #expect(set.firstMatch(path) == first)
            }
        }
    }

    @Test(
        "patterns POSIX cannot express are refused", arguments: ["(?i)drivers", "a*+", "(a)\\1", "(?=x)", "[abc", "\\"])
    func refused(pattern: String) {
        #expect(throws: PathPattern.PatternError.self) { try PathPattern(pattern) }
    }
}

enum RealData {
    /// Fedora's and RHEL's rules and filtermods' lists, checked in (Tests/Fixtures/README.md).
    static let fedora = Fixtures.url("fedora").path
}
