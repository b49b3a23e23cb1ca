import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

/// Rules files written to hurt: each is refused at once with file:line:column, or read correctly.
@Suite struct HostileRulesTests {
    func parseError(_ text: String, file: String = "evil.yaml") -> RulesError? {
        do {
            _ = try FiltermodsRules.parse(text, file: file)
            return nil
        } catch {
            return error
        }
    }

    /// 487 bytes: nine anchors, each a list of nine aliases to the one before, the last used as a key.
    static let billionLaughs = """
        a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
        ? *i
        : packages

        """

    @Test("a billion-laughs alias used as a mapping key is refused in under a second, at the alias")
    func billionLaughs() throws {
        #expect(Self.billionLaughs.utf8.count < 500)
        let start = ContinuousClock.now
        let e = try #require(parseError(Self.billionLaughs))
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(e.reason.contains("RulesLimits.maxAliasNodes"), "\(e)")
        #expect(e.line == 6 && e.column != nil, "\(e)")
    }

    @Test("aliases of modest size still work")
    func modestAliases() throws {
        let text = """
            packages:
              - name: core
              - name: extra
                depends-on: &base [core]
              - name: more
                depends-on: *base
            rules:
              - drivers/.*: extra
                if_variant_in: &all [default, rt]
              - fs/.*: more
                if_variant_in: *all

            """
        let r = try FiltermodsRules.parse(text, file: "ok.yaml", variants: ["rt"])
        #expect(r.packages.map(\.dependsOn) == [[], ["core"], ["core"]])
        #expect(r.rules.count == 2)
    }

    /// libyaml's scanner looks ahead on a line for a possible key, and stops at 1,000 levels itself; below
    /// that, the pre-scan stops at the first collection past the limit.
    @Test("collections nested deeper than RulesLimits.maxYAMLDepth are refused without recursion")
    func deepNesting() throws {
        let start = ContinuousClock.now
        func nested(_ n: Int) -> String {
            "packages: " + String(repeating: "[", count: n) + String(repeating: "]", count: n) + "\n"
        }
        let huge = try #require(parseError(nested(100_000)))
        #expect(huge.line == 1 && huge.column != nil, "\(huge)")
        let deep = try #require(parseError(nested(500)))
        #expect(deep.reason.contains("RulesLimits.maxYAMLDepth"), "\(deep)")
        #expect(deep.line == 1 && deep.column == 11 + RulesLimits.maxYAMLDepth - 1, "\(deep)")
        var block = "packages:\n"
        for level in 0..<40 { block += String(repeating: " ", count: 2 * level + 2) + "- x:\n" }
        let blockError = try #require(parseError(block))
        #expect(blockError.reason.contains("RulesLimits.maxYAMLDepth"), "\(blockError)")
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test(
        "a package name that is no plain file name is refused where it is written",
        arguments: [
            "../../victim", "a/b", ".hidden", "..", "tab\there", "next\u{85}line", String(repeating: "x", count: 201),
        ])
    func unsafePackageName(name: String) throws {
        let quoted = name.replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(
            of: "\u{85}", with: "\\u0085")
        let e = try #require(parseError("packages:\n  - name: core\n  - name: \"\(quoted)\"\n"))
        #expect(e.reason.contains("cannot name a file"), "\(e)")
        #expect(e.line == 3 && e.column == 11, "\(e)")
        #expect(!e.reason.contains("\t"))
    }

    @Test("a file over RulesLimits.maxFileBytes is refused before it is read as YAML")
    func tooLarge() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.url.appendingPathComponent("huge.yaml").path
        try Data(repeating: UInt8(ascii: "#"), count: RulesLimits.maxFileBytes + 1).write(
            to: URL(fileURLWithPath: path))
        do {
            _ = try FiltermodsRules.load(path: path)
            Issue.record("accepted")
        } catch {
            #expect(error.file == path)
        }
        let e = try #require(parseError(String(repeating: "#", count: RulesLimits.maxFileBytes + 1)))
        #expect(e.reason.contains("RulesLimits.maxFileBytes"))
    }
}
