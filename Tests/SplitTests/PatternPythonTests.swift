import ELFScan
import Foundation
import TestSupport
import Testing

@testable import Split

/// Python's own `re`, as filtermods runs it: `re.match('[^/]+/' + pattern, path)`.
enum PythonRe {
    static let available: Bool = (try? run("python3", ["-c", "import re, json"]).status) == 0

    /// For each pattern: the indices of the paths it matches, or Python's error message.
    static func match(_ patterns: [String], _ paths: [String]) throws -> [Result<Set<Int>, PythonError>] {
        let dir = try TemporaryDirectory("modsplit-python-re")
        defer { dir.cleanup() }
        let input = dir.url.appendingPathComponent("input.json")
        try JSONSerialization.data(withJSONObject: ["patterns": patterns, "paths": paths]).write(to: input)
        let script = """
            import json, re, sys, warnings
            warnings.simplefilter("ignore")
            data = json.load(open(sys.argv[1], encoding="utf-8"))
            out = []
            for p in data["patterns"]:
                try:
                    rx = re.compile("[^/]+/" + p)
                except (re.error, RecursionError, OverflowError, ValueError) as e:
                    out.append({"error": str(e)})
                    continue
                out.append({"matches": [i for i, path in enumerate(data["paths"]) if rx.match(path)]})
            json.dump(out, sys.stdout)
            """
        let r = try run("python3", ["-c", script, input.path])
        guard r.status == 0 else { throw PythonError(message: r.stderr) }
        let results = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        return results.map { entry in
            if let e = entry["error"] as? String { return .failure(PythonError(message: e)) }
            return .success(Set(entry["matches"] as? [Int] ?? []))
        }
    }

    struct PythonError: Error { var message: String }
}

@Suite(.enabled(if: PythonRe.available, "python3 is not installed: Python's re cannot be compared"))
struct PatternPythonTests {
    /// Paths at the edges of the syntax: ASCII, as Kbuild writes them (see PythonRegex on other characters).
    static let paths = [
        "kernel/drivers/net/tun.ko.xz", "kernel/drivers/net/ethernet/intel/ice/ice.ko.zst", "kernel/sound/core/snd.ko",
        "kernel/fs/nfsd/nfsd.ko", "kernel/fs/nfs/nfs.ko", "updates/drivers/block/loop.ko", "x.ko", "/kernel/x.ko",
        "kernel/", "kernel//x.ko", "kernel/a-b_c.ko", "kernel/ab]x.ko", "kernel/]x", "kernel/drivers/net/a.b",
        "kernel/ZZZ/Upper.KO", "kernel/drivers/net/eth\tx.ko", "kernel/ceph/ceph.ko", "ceph/x.ko", "kernel/zzz",
        "kernel/net/ipv4/netfilter/ip_tables.ko", "kernel/net/ipv4/netfilter/iptable_nat.ko", "extra/a/b/c/test.ko.gz",
        "kernel/123/x.ko", "kernel/a{2}b", "kernel/a^b", "kernel/a$b", "kernel/a\\b", "kernel/[x]", "kernel/-x",
        "kernel/ x", "kernel/_", "kernel/aab/x.ko", "kernel/drivers/42/x.ko", "kernel/kernel/trace/x.ko",
        "kernel/lib/test_bpf.ko", "kernel/net/core/selftests.ko.xz", "kernel/drivers/a.ko", "kernel/ab", "kernel/aaa",
        "kernel/x\u{1C}y", "kernel/drivers/DRIVERS/x", "a/b",
    ]

    /// Patterns: what real rules use, every escape and quantifier form, and what Python refuses.
    static let patterns = [
        "drivers/net/.*", "drivers/net/tun.ko", ".*test[^/]*.ko", "fs/nfs.*", "fs/nfs/.*", "kernel/.*",
        "drivers/(net|block)/.*", "drivers/net|sound/.*", "drivers/net|kernel/sound/.*", "drivers/a+b/.*",
        "drivers/ab?c/.*", "drivers/\\d+/.*", "\\d+/.*", "[a-z0-9\\-_]+\\.ko", "[a-z0-9\\-_]+", "[\\]x]+",
        "[\\]x]+\\.ko",
        "[]x]", "[^]x]+", "(?:net|sound)/.*", "(?P<d>drivers)/.*", "(?P<d>x)(?P<d>y)", "zzz)|(ceph.*", "(zzz", "zzz)",
        "^drivers/.*", "\\Adrivers", "x|^kernel/ceph.*", "x|\\Aceph/.*", ".*\\.ko$", ".*\\.ko\\Z", ".*\\bnet\\b.*",
        ".*\\Bet.*", "[\\w-]+/[\\w.-]+", "\\w+/\\W", "\\s", ".*\\S+\\s\\S", "[\\s\\S]*tun", "[^\\d]+", "\\D\\W", "a{,}",
        "a{}", "a{1", "a{1,2", "a{ 1}", "a{2}", "a{2,}", "[a-c]{1,3}", "(ab){0,2}x", "{2}", "*net.*", "+net.*",
        "?net.*", ".*?ko", ".{0,3}/", "(?i:DRIVERS)/.*", "(?i:[^a-z])", "(?i)drivers", "(?x: d r i v e r s / .* )",
        "(?x: d r i v e r s # comment\n / .*)", "(?#comment)drivers/.*", "\\x64rivers/.*", "\\144rivers/.*",
        "\\u0064rivers/.*", "\\U00000064rivers", "\\0", "\\x00?drivers", "(\\x00|d)rivers", "a**", "a{2,1}", "\\e",
        "[z-a]", "[a-\\d]", "[\\d-]", "[\\d-z]", "x\\", "[", "[^", "[]", "()", "(|a)b", "(a|)x", "a||b", "(?:)*x",
        "(a*)*b", "[[]", "[a[]", "[-a]", "[a-]", "[\\b]", "[\\1]", "[\\8]", "\\.", "\\\\", "\\/", "\\-", "\\]", "\\}",
        "\\{", "a\\|b", "]", "}", "a}", "a{2}{3}", "net/ipv4/netfilter/ip[_t].*", "net/ipv6/netfilter/ip6[_t].*",
        "(?s:.)", "(?m:$)", "(?a:\\w+)", "(?u:\\w+)", "(?-i:x)", "(?i-i:x)", "(?L:x)", "(?au:x)", "(?z:x)", "(?P=d)",
        "(?Px)", "(?<x)", "(?", "\\xg", "\\u12", "\\777", "\\400", "[\\777]", "x{4294967295}", "\\9", "\\12", "é",
    ]

    /// What Python accepts and modsplit refuses because a POSIX regular expression cannot say it (or, for
    /// `\N{…}` and non-ASCII classes, because modsplit does not: see PythonRegex).
    static let refusedByModsplitOnly: Set<String> = [
        "(?<=x)y", "(?<!x)y", "(?=d)drivers", "(?!x)drivers", "(a)\\1", "(?P<a>x)(?P=a)", "a*+", "a++", "(?>a)",
        "(?(1)a|b)", "(a)(?(1)a|b)", "\\N{LATIN SMALL LETTER D}rivers", "[é]", "[^é]", "[a-é]",
        "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)\\11",
    ]

    func compare(_ patterns: [String], _ paths: [String]) throws -> Int {
        let python = try PythonRe.match(patterns, paths)
        var pairs = 0
        for (pattern, answer) in zip(patterns, python) {
            let ours: PathPattern
            do {
                ours = try PathPattern(pattern)
            } catch {
                if case .success = answer, !Self.refusedByModsplitOnly.contains(pattern) {
                    Issue.record("'\(pattern)': Python accepts it, modsplit refuses: \(error.message)")
                }
                continue
            }
            switch answer {
            case .failure(let e):
                Issue.record(
                    "'\(pattern)': Python refuses it (\(e.message)), modsplit accepts it as \(ours.posix ?? "nothing")")
            case .success(let matched):
                for (k, path) in paths.enumerated() {
                    pairs += 1
                    let mine = ours.matches(path)
                    if mine != matched.contains(k) {
                        Issue.record(
                            Comment(
                                rawValue: "'\(pattern)' on '\(path)': Python \(matched.contains(k)), modsplit \(mine) "
                                    + "(\(ours.posix ?? "nothing"))"))
                    }
                    #expect(ours.matchesByRegex(ModulePath(path)) == mine, "short cuts of '\(pattern)' on '\(path)'")
                }
            }
        }
        return pairs
    }

    @Test("every pattern of the table means what it means to Python's re.match, or both refuse it")
    func table() throws {
        let pairs = try compare(Self.patterns + Array(Self.refusedByModsplitOnly), Self.paths)
        #expect(pairs > 3000)
    }

    /// Fedora's and RHEL's real rules against every module of Debian's 6.12 amd64 tree, as filtermods
    /// listed them, and the table's paths.
    @Test("Fedora's and RHEL's rules match exactly the paths Python matches")
    func realRules() throws {
        var paths = Self.paths
        let lists = Fixtures.url("fedora/filtermods-deb612")
        for name in try FileManager.default.contentsOfDirectory(atPath: lists.path) where name.hasSuffix(".list") {
            let bytes = try FileAccess.read(lists.appendingPathComponent(name).path, limit: 1 << 24)
            paths += String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        #expect(paths.count > 4000)
        var patterns: [String] = []
        for flavour in ["fedora", "rhel"] {
            let rules = try FiltermodsRules.load(path: Fixtures.url("fedora/def_variants.yaml." + flavour).path)
            patterns += rules.rules.map(\.pattern.source)
        }
        #expect(patterns.count > 800)
        let pairs = try compare(Array(Set(patterns)).sorted(), paths)
        #expect(pairs > 1_000_000)
    }
}

/// Patterns that would exhaust glibc's memory or stack are refused before `regcomp`, at once.
@Suite struct PatternLimitTests {
    func refusal(_ pattern: String) -> String? {
        do {
            _ = try PathPattern(pattern)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("nested counted repetition that glibc would copy out 16 million times is refused")
    func nestedRepetition() throws {
        let start = ContinuousClock.now
        let message = try #require(refusal("(((.{0,255}){0,255}){0,255})"))
        #expect(message.contains("RulesLimits.maxPatternNodes"))
        #expect(refusal("x{100000}")?.contains("maxPatternNodes") == true)
        #expect(refusal("(a{4095}){4095}")?.contains("maxPatternNodes") == true)
        #expect(refusal(".{0,255}") == nil)
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test("15,000 nested groups are refused without touching the stack; 32 are accepted")
    func deepNesting() throws {
        let start = ContinuousClock.now
        let deep = String(repeating: "(", count: 15_000) + "a" + String(repeating: ")", count: 15_000)
        #expect(refusal(deep)?.contains("RulesLimits.maxPatternNesting") == true)
        let limit = RulesLimits.maxPatternNesting
        #expect(refusal(String(repeating: "(", count: limit) + "a" + String(repeating: ")", count: limit)) == nil)
        #expect(
            refusal(String(repeating: "(", count: limit + 1) + "a" + String(repeating: ")", count: limit + 1)) != nil)
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    /// Each `.{0,4000}` costs glibc 160 ms to compile: the fourth crosses the budget before it is compiled.
    @Test("a rules file whose patterns together cost too much to compile is refused at the rule that crosses the limit")
    func totalCost() throws {
        var text = "packages:\n  - name: core\nrules:\n"
        for i in 0..<300 { text += "  - 'x\(i)/.{0,4000}': core\n" }
        let start = ContinuousClock.now
        do {
            _ = try FiltermodsRules.parse(text, file: "big.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.reason.contains("RulesLimits.maxPatternCost"))
            #expect(error.line == 7)
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("more rules than RulesLimits.maxRules are refused before any is compiled")
    func tooManyRules() throws {
        var text = "packages:\n  - name: core\nrules:\n"
        for i in 0...RulesLimits.maxRules { text += "  - x\(i): core\n" }
        let start = ContinuousClock.now
        do {
            _ = try FiltermodsRules.parse(text, file: "many.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.reason.contains("RulesLimits.maxRules"))
            #expect(error.line == 4)
        }
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test("a pattern's errors name the rule's file:line:column and the position in the pattern")
    func errorPosition() throws {
        do {
            _ = try FiltermodsRules.parse("packages:\n  - name: core\nrules:\n  - zzz)|(ceph.*: core\n", file: "p.yaml")
            Issue.record("accepted")
        } catch {
            #expect(
                error.description
                    == "p.yaml:4:5: bad regular expression 'zzz)|(ceph.*': unbalanced parenthesis at position 3")
        }
    }

    @Test("a leading ^ can never match, in filtermods too; a later alternative's ^ can")
    func startAnchor() throws {
        #expect(try PathPattern("^drivers/.*").matchesNothing)
        #expect(try !PathPattern("x|^kernel/.*").matchesNothing)
        #expect(try PathPattern("x|^kernel/.*").matches("kernel/a.ko"))
        #expect(try PathPattern("drivers/.*").literalDirectory == "drivers/")
        #expect(try PathPattern("drivers/net/tun.ko").literalDirectory == "drivers/net/")
    }
}
