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

        let repo = try PackagingRepository(
            in: dir, hookArgs: "--rules, rules.yaml, --tree, \(dir.url.appendingPathComponent("tree").path)")
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
        let first = try repo.commit(rules: good, message: "good split")
        #expect(first.status == 0, "\(first.output)")

        let second = try repo.commit(rules: broken, message: "move base to extra")
        #expect(second.status != 0)
        #expect(second.output.contains("cross-package"), "\(second.output)")
        #expect(second.output.contains("base_fn"))

        // The fix: the provider goes back to core (with a remark, so the tree differs from the first commit).
        let third = try repo.commit(
            rules: good + "# base stays in core: user needs base_fn\n", message: "keep base in core")
        #expect(third.status == 0, "\(third.output)")
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
        let repo = try PackagingRepository(in: dir, hookArgs: "--rules, rules.yaml, " + trees.joined(separator: ", "))
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
        let first = try repo.commit(rules: good, message: "good split")
        #expect(first.status == 0, "\(first.output)")

        let second = try repo.commit(rules: broken, message: "PHY drivers to extra")
        let output = second.output
        #expect(second.status != 0)
        #expect(output.contains("cross-package") && output.contains("socphy_fn"), "\(output)")
        #expect(output.contains("on 6.1.0-hook-arm64 (aarch64)"), "\(output)")

        let third = try repo.commit(
            rules: good + "# the SoC PHY stays with its network driver\n", message: "keep the PHY in core")
        #expect(third.status == 0, "\(third.output)")
    }
}

enum PreCommit {
    static let command = "pre-commit"
    static var available: Bool { (try? run(command, ["--version"]).status) == 0 }
}

/// A scratch kernel packaging repository whose `.pre-commit-config.yaml` runs this checkout's hook (at HEAD) with
/// `hookArgs`, with pre-commit installed as its git hook; each `commit` writes `rules.yaml` and commits it.
struct PackagingRepository {
    let path: URL
    let environment: [String: String]

    init(in dir: TemporaryDirectory, hookArgs: String) throws {
        path = dir.url.appendingPathComponent("packaging")
        environment = ["PRE_COMMIT_HOME": dir.url.appendingPathComponent("cache").path, "NO_COLOR": "1"]
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        let head = try runChecked("git", ["-C", RealKernels.repositoryRoot.path, "rev-parse", "HEAD"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try """
        repos:
          - repo: \(RealKernels.repositoryRoot.path)
            rev: \(head)
            hooks:
              - id: modsplit-check
                args: [\(hookArgs)]

        """.write(to: path.appendingPathComponent(".pre-commit-config.yaml"), atomically: true, encoding: .utf8)
        _ = try git(["init", "-q"])
        try runChecked(PreCommit.command, ["install"], environment: environment, currentDirectory: path)
    }

    func git(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(
            "git", ["-c", "user.name=test", "-c", "user.email=test@example.org", "-C", path.path] + args,
            environment: environment)
    }

    /// Writes `rules` as rules.yaml and commits everything: the commit's exit status and what the hook printed.
    func commit(rules: String, message: String) throws -> (status: Int32, output: String) {
        try rules.write(to: path.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        _ = try git(["add", "-A"])
        let r = try git(["commit", "-q", "-m", message])
        return (r.status, r.stdout + r.stderr)
    }
}
