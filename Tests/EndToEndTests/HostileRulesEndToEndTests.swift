import Foundation
import TestSupport
import Testing

/// Hostile and careless split inputs through the built binary: exit status 2 with one line, nothing
/// written where it should not be, or the right result.
@Suite struct HostileRulesEndToEndTests {
    /// A temporary directory holding an empty module tree (`tree/lib/modules/6.1.0-empty`).
    struct Workspace {
        let dir: TemporaryDirectory
        var tree: String { dir.url.appendingPathComponent("tree").path }

        init() throws {
            dir = try TemporaryDirectory("modsplit-hostile")
            try FileManager.default.createDirectory(
                at: dir.url.appendingPathComponent("tree/lib/modules/6.1.0-empty/kernel"),
                withIntermediateDirectories: true)
        }

        func write(_ name: String, _ text: String) throws -> String {
            let path = dir.url.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// Every file under the workspace, relative to it.
        func files() -> Set<String> {
            let base = dir.url.resolvingSymlinksInPath().path
            let all = FileManager.default.enumerator(atPath: base)?.allObjects as? [String] ?? []
            return Set(all.filter { !$0.hasPrefix("tree") })
        }
    }

    @Test("place refuses a package named ../../victim: exit 2, one line, nothing written outside --out or in it")
    func packageNameEscapesOut() throws {
        let w = try Workspace()
        defer { w.dir.cleanup() }
        let rules = try w.write(
            "rules.yaml",
            "packages:\n  - name: core\n  - name: ../../victim\n    depends-on: [core]\nrules:\n  - default: core\n")
        let before = w.files()
        let out = w.dir.url.appendingPathComponent("a/b/out").path
        let r = try Binary.run(["place", "--tree", w.tree, "--rules", rules, "--out", out])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("rules.yaml:3:11: package name '../../victim' cannot name a file"), "\(r.stderr)")
        #expect(w.files() == before, "written: \(w.files().subtracting(before))")
    }

    @Test("a billion-laughs rules file: exit 2 at once with file:line:column")
    func billionLaughs() throws {
        let w = try Workspace()
        defer { w.dir.cleanup() }
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for (prev, name) in zip("abcdefgh", "bcdefghi") {
            text += "\(name): &\(name) [" + Array(repeating: "*\(prev)", count: 9).joined(separator: ", ") + "]\n"
        }
        text += "? *i\n: packages\n"
        let rules = try w.write("laughs.yaml", text)
        let start = ContinuousClock.now
        let r = try Binary.run(["check", "--tree", w.tree, "--rules", rules])
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("laughs.yaml:6:"), "\(r.stderr)")
    }

    @Test("rule patterns glibc cannot compile safely: exit 2 at once, naming the rule")
    func hostilePatterns() throws {
        let w = try Workspace()
        defer { w.dir.cleanup() }
        let deep = String(repeating: "(", count: 15_000) + "a" + String(repeating: ")", count: 15_000)
        for (name, pattern) in [("repeat", "(((.{0,255}){0,255}){0,255})"), ("deep", deep), ("escape", "zzz)|(ceph.*")]
        {
            // An explicit key (`? `): YAML limits implicit keys to 1,024 characters.
            let rules = try w.write(
                "\(name).yaml", "packages:\n  - name: core\nrules:\n  - ? '\(pattern)'\n    : core\n")
            let start = ContinuousClock.now
            let r = try Binary.run(["check", "--tree", w.tree, "--rules", rules])
            #expect(ContinuousClock.now - start < .seconds(5), "\(name)")
            #expect(r.status == 2, "\(name)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(name): \(r.stderr.prefix(300))")
            #expect(r.stderr.contains("\(name).yaml:4:7: bad regular expression"), "\(name): \(r.stderr.suffix(300))")
        }
    }

    @Test("65 packages: place writes 65 lists")
    func sixtyFivePackages() throws {
        let w = try Workspace()
        defer { w.dir.cleanup() }
        var text = "packages:\n  - name: p0\n"
        for p in 1...64 { text += "  - name: p\(p)\n    depends-on: [p\(p - 1)]\n" }
        text += "rules:\n  - default: p64\n"
        let rules = try w.write("wide.yaml", text)
        let out = w.dir.url.appendingPathComponent("out").path
        let r = try Binary.run(["place", "--tree", w.tree, "--rules", rules, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).count == 65)
    }

    @Test("modsplit rules lists what split languages report besides the checks")
    func rulesListsRuleFindings() throws {
        let r = try Binary.run(["rules"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("rule-matches-nothing  [warning]  (filtermods)"))
        #expect(r.stdout.contains("entry-matches-nothing  [warning]  (suse, ubuntu)"))
    }
}
