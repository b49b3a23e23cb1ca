import Foundation
import TestSupport
import Testing

/// How the built binary writes `--out`/`--output` (ELFScan's `OutputFile`): a device, FIFO or symbolic link
/// at the destination stays what it is and receives the bytes, a regular file is replaced atomically under a
/// random temporary name created exclusively (a link planted at a predictable name is never followed), an
/// existing file keeps its mode, and a write that fails or is killed leaves the old file as it was.
@Suite(.serialized) struct OutputFileTests {
    /// A two-module tree, and the bytes `export json` writes for it (over 1 KiB: base exports 100 symbols).
    final class Scratch {
        let dir: TemporaryDirectory
        let tree: URL
        let expected: String
        init() throws {
            dir = try TemporaryDirectory("modsplit-output")
            tree = dir.url.appendingPathComponent("tree")
            let kernel = tree.appendingPathComponent("lib/modules/6.1.0-output/kernel")
            var base = FixtureModule(name: "base")
            base.exports = [.init("base_fn")] + (0..<100).map { .init("base_fn_\($0)") }
            try base.build(in: kernel)
            var user = FixtureModule(name: "user")
            user.imports = ["base_fn"]
            try user.build(in: kernel)
            let r = try TestSupport.run(Binary.url.path, ["export", "json", "--no-cache", "--tree", tree.path])
            expected = r.stdout
            #expect(r.status == 0 && expected.contains("base_fn_99"), "\(r.stderr)")
        }
        deinit { dir.cleanup() }

        func url(_ name: String) -> URL { dir.url.appendingPathComponent(name) }

        /// `modsplit export json --out path`.
        func write(to path: String, shell: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
            let args = ["export", "json", "--no-cache", "--tree", tree.path, "--out", path]
            guard let shell else { return try TestSupport.run(Binary.url.path, args) }
            // `shell` sets limits or signals up, then execs the binary with its arguments.
            return try TestSupport.run("bash", ["-c", shell + "; exec \"$0\" \"$@\"", Binary.url.path] + args)
        }
    }

    static func lstatMode(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode : nil
    }

    static func entries(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    @Test("a character device stays a device: our own node first, then /dev/null when that proved safe")
    func device() throws {
        let s = try Scratch()
        var null = stat()
        try #require(stat("/dev/null", &null) == 0)
        // As root, a node of our own with /dev/null's numbers: if the writer replaced devices, only it is lost.
        let own = s.url("null").path
        if geteuid() == 0 {
            try #require(mknod(own, S_IFCHR | 0o666, null.st_rdev) == 0, "mknod: \(String(cString: strerror(errno)))")
            let r = try s.write(to: own)
            #expect(r.status == 0, "\(r.stderr)")
            var st = stat()
            #expect(lstat(own, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == null.st_rdev)
            // A symbolic link to the device: written through, both stay as they were.
            let link = s.url("null-link").path
            try #require(symlink(own, link) == 0)
            #expect(try s.write(to: link).status == 0)
            #expect(Self.lstatMode(link).map { $0 & S_IFMT } == S_IFLNK)
            #expect(Self.lstatMode(own).map { $0 & S_IFMT } == S_IFCHR)
            guard st.st_mode & S_IFMT == S_IFCHR else { return }
        }
        // Now the real one (safe: our node survived, or we could not replace /dev/null anyway).
        let r = try s.write(to: "/dev/null")
        #expect(r.status == 0, "\(r.stderr)")
        var after = stat()
        #expect(stat("/dev/null", &after) == 0 && after.st_mode & S_IFMT == S_IFCHR && after.st_rdev == null.st_rdev)
        #expect(Self.entries(URL(fileURLWithPath: "/dev")).allSatisfy { !$0.hasPrefix(".null.") })
    }

    @Test("a FIFO receives the bytes and stays a FIFO")
    func fifo() throws {
        let s = try Scratch()
        let fifo = s.url("pipe").path
        try #require(mkfifo(fifo, 0o600) == 0)
        // The reader: cat, so that a writer that never comes cannot hang the test (we open and close it then).
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        let out = Pipe()
        reader.standardOutput = out
        try reader.run()
        let r = try s.write(to: fifo)
        #expect(r.status == 0, "\(r.stderr)")
        if r.status != 0 {
            let d = open(fifo, O_WRONLY | O_NONBLOCK)
            if d >= 0 { close(d) }
        }
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        reader.waitUntilExit()
        #expect(String(decoding: bytes, as: UTF8.self) == s.expected)
        #expect(Self.lstatMode(fifo).map { $0 & S_IFMT } == S_IFIFO)
        #expect(Self.entries(s.dir.url) == ["pipe", "tree"])
    }

    @Test("a symbolic link is written through: its target gets the bytes and keeps its mode, the link stays")
    func symbolicLink() throws {
        let s = try Scratch()
        let target = s.url("real.json").path, link = s.url("link.json").path
        try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
        try #require(chmod(target, 0o640) == 0)
        try #require(symlink("real.json", link) == 0)
        let r = try s.write(to: link)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.lstatMode(link).map { $0 & S_IFMT } == S_IFLNK)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.json")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == s.expected)
        #expect(Self.lstatMode(target).map { $0 & 0o7777 } == 0o640)
        #expect(Self.entries(s.dir.url) == ["link.json", "real.json", "tree"])
        // A link to nothing is refused, and nothing is created where it points.
        let dangling = s.url("dangling.json").path
        try #require(symlink("nowhere/x.json", dangling) == 0)
        let refused = try s.write(to: dangling)
        #expect(refused.status == 2 && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.url("nowhere").path))
    }

    @Test("links planted at predictable temporary names are not followed; no file appears outside")
    func plantedLinks() throws {
        let s = try Scratch()
        let outside = s.url("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let out = s.url("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let path = out.appendingPathComponent("graph.json").path
        try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
        // The names a writer might pick: the old `<path>.<pid>.tmp` for the next few hundred pids, and the
        // usual suffixes; each a link to its own file outside.
        var names = ["graph.json.tmp", ".graph.json.tmp", "graph.json~", ".graph.json.swp", "graph.json.new"]
        let last =
            Int(
                (try? String(contentsOfFile: "/proc/sys/kernel/ns_last_pid", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? Int(getpid())
        names += (last...(last + 400)).map { "graph.json.\($0).tmp" }
        for (i, name) in names.enumerated() {
            try #require(
                symlink(
                    outside.appendingPathComponent("victim-\(i)").path,
                    out.appendingPathComponent(name).path) == 0)
        }
        let r = try s.write(to: path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == s.expected)
        #expect(Self.entries(outside).isEmpty, "files appeared outside: \(Self.entries(outside).prefix(5))")
        #expect(Self.entries(out) == (names + ["graph.json"]).sorted(), "the directory gained or lost a file")
        for name in names {
            #expect(Self.lstatMode(out.appendingPathComponent(name).path).map { $0 & S_IFMT } == S_IFLNK)
        }
    }

    @Test("an existing file keeps its mode; a new one gets the umask's")
    func modes() throws {
        let s = try Scratch()
        let existing = s.url("existing.json").path
        try "old\n".write(toFile: existing, atomically: false, encoding: .utf8)
        try #require(chmod(existing, 0o640) == 0)
        #expect(try s.write(to: existing).status == 0)
        #expect(Self.lstatMode(existing).map { $0 & 0o7777 } == 0o640)
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == s.expected)
        let fresh = s.url("fresh.json").path
        #expect(try s.write(to: fresh, shell: "umask 027").status == 0)
        #expect(Self.lstatMode(fresh).map { $0 & 0o7777 } == 0o640)
        #expect(Self.entries(s.dir.url) == ["existing.json", "fresh.json", "tree"])
    }

    @Test("a write that fails, or is killed, leaves the old file as it was")
    func failedAndKilledWrites() throws {
        let s = try Scratch()
        let out = s.url("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let path = out.appendingPathComponent("graph.json").path
        let old = "old contents\n"
        try old.write(toFile: path, atomically: false, encoding: .utf8)
        try #require(chmod(path, 0o640) == 0)
        // RLIMIT_FSIZE below the output's size: with SIGXFSZ ignored the write fails (EFBIG) and modsplit
        // reports it; with the default action the kernel kills modsplit in the middle of the write.
        #expect(s.expected.utf8.count > 1024)
        let failed = try s.write(to: path, shell: "ulimit -f 1; trap '' XFSZ")
        #expect(failed.status == 2, "\(failed.stderr)")
        #expect(failed.stderr.hasPrefix("modsplit: \(path): cannot write: "), "\(failed.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == old)
        #expect(Self.lstatMode(path).map { $0 & 0o7777 } == 0o640)
        #expect(Self.entries(out) == ["graph.json"], "a failed write left \(Self.entries(out))")

        let killed = try s.write(to: path, shell: "ulimit -f 1")
        #expect(killed.status != 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == old)
        #expect(Self.lstatMode(path).map { $0 & 0o7777 } == 0o640)
        // A killed process cannot remove its temporary file; it is hidden, named after the output, and never
        // the output itself.
        let leftovers = Self.entries(out).filter { $0 != "graph.json" }
        #expect(leftovers.allSatisfy { $0.hasPrefix(".graph.json.") && $0.hasSuffix(".tmp") }, "\(leftovers)")
    }

    @Test("/dev/stdout and /dev/stderr write to the streams as they are: a pipe, or a file opened for appending")
    func standardStreams() throws {
        let s = try Scratch()
        let piped = try s.write(to: "/dev/stdout")
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == s.expected)
        let toError = try s.write(to: "/dev/stderr")
        #expect(toError.status == 0 && toError.stderr == s.expected)
        let log = s.url("log.json").path
        try "earlier\n".write(toFile: log, atomically: false, encoding: .utf8)
        let appended = try s.write(to: "/dev/stdout", shell: "exec >>'\(log)'")
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "earlier\n" + s.expected)
        #expect(try s.write(to: "/dev/fd/1").stdout == s.expected)
    }

    @Test("diff --full-output FILE writes the whole diff beside the summary, in the format its name says")
    func fullOutput() throws {
        let s = try Scratch()
        let before = s.url("before.yaml"), after = s.url("after.yaml")
        let core = "packages:\n  - name: core\n"
        try (core + "rules:\n  - default: core\n").write(to: before, atomically: false, encoding: .utf8)
        try (core + "  - name: extra\n    depends-on: [core]\nrules:\n  - .*user.*: extra\n  - default: core\n")
            .write(to: after, atomically: false, encoding: .utf8)
        let base = ["diff", "--no-cache", "--tree", s.tree.path, "--old-rules", before.path, "--rules", after.path]
        for (name, format) in [("full.json", "json"), ("full.txt", "text"), ("full.md", "markdown")] {
            let whole = try TestSupport.run(Binary.url.path, base + ["--format", format])
            let file = s.url(name).path
            let r = try TestSupport.run(Binary.url.path, base + ["--format", "markdown", "--full-output", file])
            #expect(r.status == 0 && whole.status == 0, "\(r.stderr)")
            #expect(try String(contentsOfFile: file, encoding: .utf8) == whole.stdout, "\(name)")
            #expect(r.stdout.hasPrefix("### modsplit diff: 0 added, 0 removed, 1 moved"), "\(r.stdout)")
        }
    }
}
