import Foundation
import TestSupport
import Testing

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
        let broken = good.replacingOccurrences(
            of: "drivers/base/.*: core", with: "drivers/base/.*: extra\n    exact_pkg: true"
        )
        .replacingOccurrences(of: "drivers/user/.*: core", with: "drivers/user/.*: core\n    exact_pkg: true")
        let env = ["PRE_COMMIT_HOME": dir.url.appendingPathComponent("cache").path, "NO_COLOR": "1"]
        func git(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try run(
                "git", ["-c", "user.name=test", "-c", "user.email=test@example.org", "-C", repo.path] + args,
                environment: env)
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
        try (good + "# base stays in core: user needs base_fn\n").write(
            to: repo.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        _ = try git(["add", "-A"])
        let third = try git(["commit", "-q", "-m", "keep base in core"])
        #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
    }
}

extension PreCommitTests {
    /// The hook over two kernels, as the docs configure it: a change that breaks only the aarch64 tree fails
    /// the commit and names that tree; the fix lets it through.
    @Test func hookChecksEveryKernel() throws {
        let dir = try TemporaryDirectory("precommit-matrix")
        defer { dir.cleanup() }
        var trees: [String] = []
        for (version, triple, arm) in [
            ("6.1.0-hook-amd64", "x86_64-linux-gnu", false),
            ("6.1.0-hook-arm64", "aarch64-linux-gnu", true),
        ] {
            let root = dir.url.appendingPathComponent(version)
            let kernel = root.appendingPathComponent("lib/modules/\(version)/kernel")
            var base = FixtureModule(name: "base")
            base.exports = [.init("base_fn")]
            try base.build(in: kernel.appendingPathComponent("drivers/base"), triple: triple)
            if arm {
                // Only the arm64 kernel has the SoC's PHY driver and the network driver that needs it.
                var phy = FixtureModule(name: "socphy")
                phy.exports = [.init("socphy_fn")]
                try phy.build(in: kernel.appendingPathComponent("drivers/phy"), triple: triple)
                var net = FixtureModule(name: "socnet")
                net.imports = ["socphy_fn", "base_fn"]
                try net.build(in: kernel.appendingPathComponent("drivers/net"), triple: triple)
            }
            trees += ["--tree", root.path]
        }
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
                args: [--rules, rules.yaml, \(trees.joined(separator: ", "))]

        """.write(to: repo.appendingPathComponent(".pre-commit-config.yaml"), atomically: true, encoding: .utf8)
        let good = """
            packages:
              - name: core
              - name: extra
                depends-on: [core]
            rules:
              - drivers/net/.*: core
                exact_pkg: true
              - default: core

            """
        let broken = good.replacingOccurrences(
            of: "  - default: core", with: "  - drivers/phy/.*: extra\n    exact_pkg: true\n  - default: core")
        let env = ["PRE_COMMIT_HOME": dir.url.appendingPathComponent("cache").path, "NO_COLOR": "1"]
        func git(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try run(
                "git", ["-c", "user.name=test", "-c", "user.email=test@example.org", "-C", repo.path] + args,
                environment: env)
        }
        _ = try git(["init", "-q"])
        try good.write(to: repo.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        try runChecked(PreCommit.command, ["install"], environment: env, currentDirectory: repo)
        _ = try git(["add", "-A"])
        let first = try git(["commit", "-q", "-m", "good split"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")

        try broken.write(to: repo.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        _ = try git(["add", "-A"])
        let second = try git(["commit", "-q", "-m", "PHY drivers to extra"])
        let output = second.stdout + second.stderr
        #expect(second.status != 0)
        #expect(output.contains("cross-package") && output.contains("socphy_fn"), "\(output)")
        #expect(output.contains("on 6.1.0-hook-arm64 (aarch64)"), "\(output)")

        try (good + "# the SoC PHY stays with its network driver\n").write(
            to: repo.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        _ = try git(["add", "-A"])
        let third = try git(["commit", "-q", "-m", "keep the PHY in core"])
        #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
    }
}

enum PreCommit {
    static let command = "pre-commit"
    static var available: Bool { (try? run(command, ["--version"]).status) == 0 }
}
