import Foundation
import TestSupport
import Testing

/// `scripts/install --prefix DIR`, as a packager runs it: a binary without the Swift runtime's shared
/// libraries, the man page and three completions, and a binary that runs with an empty environment.
/// The release build (static Swift stdlib and Foundation, in .build-install/) takes about a minute on a
/// fresh checkout and seconds after; `MODSPLIT_INSTALL_TEST=skip` leaves it out.
@Suite struct InstallTests {
    static let script = RealKernels.repositoryRoot.appendingPathComponent("scripts/install").path
    static let enabled = ProcessInfo.processInfo.environment["MODSPLIT_INSTALL_TEST"] != "skip"

    /// What a Debian system has anyway; the Swift runtime (libswift*, libFoundation*, lib_FoundationICU,
    /// libdispatch, libBlocksRuntime) must not be among them.
    static let systemLibraries = [
        "libelf.so.1", "libz.so.1", "liblzma.so.5", "libzstd.so.1", "libarchive.so.13", "libstdc++.so.6",
        "libgcc_s.so.1", "libm.so.6", "libc.so.6",
    ]

    @Test(
        "installs one self-contained binary, its man page and completions; it runs with an empty environment",
        .enabled(if: enabled, "MODSPLIT_INSTALL_TEST=skip"))
    func install() throws {
        let dir = try TemporaryDirectory("install")
        defer { dir.cleanup() }
        let prefix = dir.url.appendingPathComponent("usr")
        let r = try run(Self.script, ["--prefix", prefix.path])
        #expect(r.status == 0, "\(r.stderr)")
        let bin = prefix.appendingPathComponent("bin/modsplit").path
        #expect(FileManager.default.isExecutableFile(atPath: bin))

        let needed = try runChecked("readelf", ["-d", bin]).split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]")
            else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        #expect(needed.contains("libelf.so.1"))
        let foreign = needed.filter { !Self.systemLibraries.contains($0) && !$0.hasPrefix("ld-linux") }
        #expect(foreign.isEmpty, "needs \(foreign)")

        let files: [(String, String)] = [
            ("share/man/man1/modsplit.1", ".Dt MODSPLIT 1"),
            ("share/bash-completion/completions/modsplit", "complete -o filenames -F"),
            ("share/zsh/site-functions/_modsplit", "#compdef modsplit"),
            ("share/fish/vendor_completions.d/modsplit.fish", "complete -c 'modsplit'"),
        ]
        for (path, mark) in files {
            let text = (try? String(contentsOf: prefix.appendingPathComponent(path), encoding: .utf8)) ?? ""
            #expect(text.contains(mark), "\(path) lacks \(mark)")
            // Every subcommand is documented and completed.
            for sub in ["scan", "check", "report", "export"] { #expect(text.contains(sub), "\(path) lacks \(sub)") }
        }

        // An empty environment: no PATH, no HOME (the scan cache falls back to the passwd entry's home).
        let version = try run("env", ["-i", bin, "--version"])
        #expect(version.status == 0)
        #expect(!version.stdout.isEmpty)
        let tree = try Self.fixtureTree(in: dir.url)
        let scan = try run("env", ["-i", bin, "scan", "--tree", tree.path, "--format", "json"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any]
        #expect(summary?["modules"] as? Int == 2)
        let out = dir.url.appendingPathComponent("depmod")
        let export = try run("env", ["-i", bin, "export", "depmod", "--tree", tree.path, "--out", out.path])
        #expect(export.status == 0, "\(export.stderr)")
        let dep = try String(contentsOf: out.appendingPathComponent("modules.dep"), encoding: .utf8)
        #expect(Set(dep.split(separator: "\n")) == ["kernel/base.ko:", "kernel/top.ko: kernel/base.ko"])
    }

    @Test(
        "a bad --prefix is refused before any build, with one clear line",
        arguments: [
            ([String](), "usage: "),
            (["--prefix"], "--prefix needs a directory"),
            (["--prefix", ""], "--prefix is empty"),
            (["--prefix", "/x", "--frobnicate"], "unknown argument '--frobnicate'"),
            (["--prefix", "/dev/null"], "/dev/null exists and is not a directory"),
            (["--prefix", "/dev/null/x"], "cannot create files under /dev/null/x"),
        ])
    func refusesBadPrefix(arguments: [String], message: String) throws {
        let r = try run(Self.script, arguments)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count <= 2, "\(r.stderr)")
    }

    /// Two modules built by clang: top needs base.
    static func fixtureTree(in dir: URL) throws -> URL {
        let root = dir.appendingPathComponent("tree")
        let kernel = root.appendingPathComponent("lib/modules/6.1.0-fixture/kernel")
        var base = FixtureModule(name: "base")
        base.exports = [.init("base_fn", gpl: true)]
        try base.build(in: kernel)
        var top = FixtureModule(name: "top")
        top.imports = ["base_fn"]
        try top.build(in: kernel)
        return root
    }
}
