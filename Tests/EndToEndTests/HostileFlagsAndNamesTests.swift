import Foundation
import TestSupport
import Testing

/// Values a careless script or an attacker passes: flags with an empty side, a package given twice, and module
/// names carrying terminal escape sequences and line breaks, through the built binary.
@Suite struct HostileFlagsAndNamesTests {
    /// A tree whose module names (from their file names) and soft dependency carry escape sequences.
    static func evilTree(_ dir: URL) throws -> URL {
        let kernel = dir.appendingPathComponent("lib/modules/6.1.0-evil/kernel")
        var evil = FixtureModule(name: "evil")
        evil.exports = [.init("evil_fn")]
        try evil.build(in: kernel, fileName: "evil\u{1B}]0;owned\u{7}\u{1B}[31m.ko")
        var user = FixtureModule(name: "user")
        user.imports = ["evil_fn"]
        user.modinfo = ["softdep=pre: \u{1B}[2Jgone\u{9B}31m", "license=GPL"]
        try user.build(in: kernel, fileName: "us\ner.ko")
        return dir
    }

    /// True when `text` holds a control character other than a line feed or a tab.
    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { s in
            s != "\n" && s != "\t" && (s.value < 0x20 || s.value == 0x7F || (0x80...0x9F).contains(s.value))
        }
    }

    @Test(
        "--list, --requires and --profile with an empty side, and a package given twice: exit 2, one line",
        arguments: [
            ["--list", "core="], ["--list", "=LIST"], ["--requires", "a:"], ["--requires", ":a"],
            ["--profile", "kvm-guest="], ["--profile", "=core"], ["--list", "x=LIST", "--list", "x=LIST"],
        ])
    func emptySides(_ flags: [String]) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let tree = try Self.evilTree(dir.url)
        let list = dir.url.appendingPathComponent("core.list")
        try "kernel/user.ko\n".write(to: list, atomically: true, encoding: .utf8)
        let args = flags.map { $0.replacingOccurrences(of: "LIST", with: list.path) }
        let r = try Binary.run(["check", "--tree", tree.path] + args)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("modsplit: "))
    }

    @Test("errors quoting a rules file or a flag carry no control characters and stay one readable line")
    func cleanErrors() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let tree = try Self.evilTree(dir.url).path
        let escape = dir.url.appendingPathComponent("escape.yaml")
        try "packages:\n  - name: core\nrules:\n  - \"\\e]0;PWN\\a\\e[31m(\": core\n"
            .write(to: escape, atomically: true, encoding: .utf8)
        let huge = dir.url.appendingPathComponent("huge.yaml")
        try ("packages:\n  - name: core\nrules:\n  - \"(" + String(repeating: "a", count: 1 << 20) + "\": core\n")
            .write(to: huge, atomically: true, encoding: .utf8)
        let runs = [
            ["check", "--tree", tree, "--rules", escape.path], ["check", "--tree", tree, "--rules", huge.path],
            ["check", "--tree", tree, "--requires", "b:zz\u{1B}[31m"], ["scan", "--tree", tree, "--jobs", "5000"],
            ["symbol", "", "--tree", tree],
        ]
        for args in runs {
            let r = try Binary.run(args)
            #expect(r.status == 2, "\(args.prefix(5)): \(r.stderr.prefix(300))")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.count < 2200, "\(r.stderr.prefix(300))")
            #expect(!Self.hasControl(r.stderr), "\(r.stderr.prefix(300).debugDescription)")
        }
    }

    @Test("a Module.symvers in the tree that cannot be parsed: check warns that the kernel's exports are unknown, why")
    func brokenSymversInTree() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let tree = try Self.evilTree(dir.url)
        var needy = FixtureModule(name: "needy")
        needy.imports = ["printk"]
        try needy.build(in: tree.appendingPathComponent("lib/modules/6.1.0-evil/kernel"))
        let symvers = tree.appendingPathComponent("lib/modules/6.1.0-evil/symvers")
        try "not a symvers line\n".write(to: symvers, atomically: true, encoding: .utf8)
        let r = try Binary.run(["check", "--tree", tree.path, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let findings = doc?["findings"] as? [[String: Any]] ?? []
        let unknown = try #require(findings.first { $0["kind"] as? String == "kernel-exports-unknown" })
        #expect(unknown["severity"] as? String == "warning")
        let notes = unknown["notes"] as? [String] ?? []
        #expect(notes.contains { $0.contains("symvers") && $0.contains("ignored") }, "\(notes)")
    }

    @Test("deps, why, explain and symbol print module names without escape sequences or line breaks")
    func cleanQueries() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let tree = try Self.evilTree(dir.url).path
        let evil = "evil\u{1B}]0;owned\u{7}\u{1B}[31m"
        let runs = [
            ["deps", "us\ner", "--tree", tree], ["deps", evil, "--reverse", "--tree", tree],
            ["why", "us\ner", evil, "--tree", tree], ["explain", "us\ner", "--tree", tree],
            ["symbol", "evil_fn", "--tree", tree], ["check", "--tree", tree],
        ]
        for args in runs {
            let r = try Binary.run(args)
            #expect(r.status != 2, "\(args.prefix(1)): \(r.stderr)")
            #expect(!r.stdout.isEmpty, "\(args.prefix(1))")
            #expect(!Self.hasControl(r.stdout), "\(args.prefix(1)): \(r.stdout.debugDescription)")
            #expect(!Self.hasControl(r.stderr), "\(args.prefix(1)): \(r.stderr.debugDescription)")
            #expect(!r.stdout.contains("us\ner"), "\(args.prefix(1)): a raw line break in a name")
        }
    }
}
