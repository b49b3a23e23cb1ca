import Foundation
import Testing
import TestSupport

/// The hook in `.pre-commit-hooks.yaml`, driven by the real pre-commit framework (from PyPI) on a
/// scratch packaging repository: a rules change that breaks the split fails the commit with the
/// finding; the fix lets it through.
@Suite(.enabled(if: PreCommit.available, "pre-commit is not installed (scripts/install-deps installs it)"))
struct PreCommitTests {
    @Test func hookFailsABrokenSplitAndPassesTheFix() throws {
        let dir = try TemporaryDirectory("precommit")
        defer { dir.cleanup() }
        // A tiny tree: base exports base_fn, user needs it.
        let kernel = dir.url.appendingPathComponent("tree/lib/modules/6.1.0-hook/kernel")
        var base = FixtureModule(name: "base")
        base.exports = [.init("base_fn")]
        try base.build(in: kernel.appendingPathComponent("drivers/base"))
        var user = FixtureModule(name: "user")
        user.imports = ["base_fn"]
        try user.build(in: kernel.appendingPathComponent("drivers/user"))

        let repo = dir.url.appendingPathComponent("packaging")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        let head = try runChecked("git", ["-C", RealKernels.repositoryRoot.path, "rev-parse", "HEAD"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try """
            repos:
              - repo: \(RealKernels.repositoryRoot.path)
                rev: \(head)
                hooks:
                  - id: modsplit-check
                    args: [--rules, rules.yaml, --tree, \(dir.url.appendingPathComponent("tree").path)]

            """.write(to: repo.appendingPathComponent(".pre-commit-config.yaml"), atomically: true, encoding: .utf8)
        let good = """
            packages:
              - name: core
              - name: extra
                depends-on: [core]
            rules:
              - drivers/base/.*: core
              - drivers/user/.*: core
              - default: core

            """
        let broken = good.replacingOccurrences(of: "drivers/base/.*: core", with: "drivers/base/.*: extra\n    exact_pkg: true")
            .replacingOccurrences(of: "drivers/user/.*: core", with: "drivers/user/.*: core\n    exact_pkg: true")
        let env = ["PRE_COMMIT_HOME": dir.url.appendingPathComponent("cache").path, "NO_COLOR": "1"]
        func git(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try run("git", ["-c", "user.name=test", "-c", "user.email=test@example.org", "-C", repo.path] + args, environment: env)
        }
        _ = try git(["init", "-q"])
        try good.write(to: repo.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        try runChecked(PreCommit.command, ["install"], environment: env, currentDirectory: repo)
        _ = try git(["add", "-A"])
        let first = try git(["commit", "-q", "-m", "good split"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")

        try broken.write(to: repo.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        _ = try git(["add", "-A"])
        let second = try git(["commit", "-q", "-m", "move base to extra"])
        #expect(second.status != 0)
        #expect((second.stdout + second.stderr).contains("cross-package"), "\(second.stdout)\(second.stderr)")
        #expect((second.stdout + second.stderr).contains("base_fn"))

        // The fix: the provider goes back to core (with a remark, so the tree differs from the first commit).
        try (good + "# base stays in core: user needs base_fn\n").write(to: repo.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        _ = try git(["add", "-A"])
        let third = try git(["commit", "-q", "-m", "keep base in core"])
        #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
    }
}

enum PreCommit {
    static let command = "pre-commit"
    static var available: Bool { (try? run(command, ["--version"]).status) == 0 }
}
