import Foundation
import TestSupport
import Testing

/// `scripts/fetch-debian-kernel` run as the suite runs it: several at once on an empty cache, and killed
/// half-way. Each test has its own empty cache (`MODSPLIT_DATA`) and fetches Debian's small cloud image
/// without headers (about 27 MB).
@Suite(.enabled(if: RealKernels.enabled && FetchRun.flavour != nil, "MODSPLIT_REAL_KERNELS=skip, or no cloud flavour"))
struct FetchConcurrencyTests {
    @Test("four fetches of one package at once into an empty cache all print the same complete root")
    func concurrentFetches() throws {
        let cache = try TemporaryDirectory("fetch-concurrent")
        defer { cache.cleanup() }
        let runs = try (0..<4).map { try FetchRun(cache: cache.url, label: "run\($0)") }
        let results = runs.map { $0.wait() }
        for r in results { #expect(r.status == 0, "\(r.stderr)") }
        let roots = Set(results.map(\.root))
        #expect(roots.count == 1)
        let root = try #require(roots.first)
        try FetchRun.expectComplete(root: root, cache: cache.url)
        // One run downloaded; the others waited for its lock and found the tree complete.
        #expect(results.filter { $0.stderr.contains("Fetched") }.count <= 1)
    }

    @Test("a run killed while unpacking leaves nothing complete; the next run resumes and cleans up")
    func killedRunResumes() throws {
        let cache = try TemporaryDirectory("fetch-killed")
        defer { cache.cleanup() }
        let partial = cache.url.appendingPathComponent(".partial")
        let first = try FetchRun(cache: cache.url, label: "killed")
        // Kill it (and everything it started) once dpkg-deb is writing the modules.
        var name: String?
        let deadline = Date().addingTimeInterval(600)
        while first.process.isRunning && Date() < deadline {
            if let n = (try? FileManager.default.contentsOfDirectory(atPath: partial.path))?.first,
                FileManager.default.fileExists(atPath: partial.path + "/\(n)/tree/root/lib/modules")
            {
                name = n
                first.killTree()
                break
            }
            usleep(10_000)
        }
        let killed = first.wait()
        let n = try #require(name, "the first run ended (\(killed.status)) before it could be killed: \(killed.stderr)")
        #expect(killed.status != 0)
        let dest = cache.url.appendingPathComponent(n)
        #expect(
            !FileManager.default.fileExists(atPath: dest.path), "a killed run must leave no tree under its final name")

        // What older runs leave too: a tree filled in place without .complete, and junk in the work area.
        let fm = FileManager.default
        try fm.createDirectory(
            at: dest.appendingPathComponent("root/lib/modules/0-half"), withIntermediateDirectories: true)
        try fm.createDirectory(at: partial.appendingPathComponent("\(n)/dl"), withIntermediateDirectories: true)
        try Data("truncated".utf8).write(to: partial.appendingPathComponent("\(n)/dl/\(n)_0_all.deb"))
        try Data("junk".utf8).write(to: partial.appendingPathComponent("\(n)/tree/root/junk"))

        let again = try FetchRun(cache: cache.url, label: "again").wait()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.root == dest.appendingPathComponent("root").path)
        #expect(!again.stderr.contains("Fetched"), "the package downloaded before the kill is reused: \(again.stderr)")
        try FetchRun.expectComplete(root: again.root, cache: cache.url)
        #expect(!fm.fileExists(atPath: again.root + "/junk"))
        #expect(!fm.fileExists(atPath: again.root + "/lib/modules/0-half"))
    }
}

/// One `scripts/fetch-debian-kernel --no-headers FLAVOUR` process with its own cache; output goes to files.
final class FetchRun: @unchecked Sendable {
    /// The host's small cloud flavour (Debian has cloud images for amd64 and arm64 only).
    static let flavour: String? = {
        guard let out = try? runChecked("dpkg", ["--print-architecture"]) else { return nil }
        switch out.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "amd64": return "cloud-amd64"
        case "arm64": return "cloud-arm64"
        default: return nil
        }
    }()

    let process = Process()
    let stdout: URL
    let stderr: URL

    init(cache: URL, label: String) throws {
        stdout = cache.deletingLastPathComponent().appendingPathComponent("\(cache.lastPathComponent)-\(label).out")
        stderr = cache.deletingLastPathComponent().appendingPathComponent("\(cache.lastPathComponent)-\(label).err")
        for f in [stdout, stderr] { _ = FileManager.default.createFile(atPath: f.path, contents: nil) }
        process.executableURL = RealKernels.repositoryRoot.appendingPathComponent("scripts/fetch-debian-kernel")
        process.arguments = ["--no-headers", Self.flavour ?? "cloud-amd64"]
        process.environment = ProcessInfo.processInfo.environment.merging(["MODSPLIT_DATA": cache.path]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
    }

    /// Waits; the status, the last line of stdout (the root) and stderr. Removes the output files.
    func wait() -> (status: Int32, root: String, stderr: String) {
        process.waitUntilExit()
        let out = (try? String(contentsOf: stdout, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: stdout)
        try? FileManager.default.removeItem(at: stderr)
        return (process.terminationStatus, out.split(separator: "\n").last.map(String.init) ?? "", err)
    }

    /// SIGKILL the script and every process it started, as a machine crash or a killed CI job would:
    /// stop it first so that it cannot start another while its descendants are listed.
    func killTree() {
        let pid = process.processIdentifier
        kill(pid, SIGSTOP)
        var all = [pid]
        var k = 0
        while k < all.count {
            all += Self.children(of: all[k])
            k += 1
        }
        for p in all { kill(p, SIGKILL) }
    }

    private static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let p = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.range(of: ")", options: .backwards)
            else { return nil }
            // After "pid (comm) ": state, then the parent's pid.
            let fields = stat[close.upperBound...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid ? p : nil
        }
    }

    /// A complete tree: modules unpacked, `.complete` beside `root`, and no work area left in the cache.
    static func expectComplete(root: String, cache: URL) throws {
        let fm = FileManager.default
        let tree = URL(fileURLWithPath: root).deletingLastPathComponent()
        #expect(tree.deletingLastPathComponent().standardizedFileURL.path == cache.standardizedFileURL.path)
        #expect(fm.fileExists(atPath: tree.appendingPathComponent(".complete").path))
        let moduleDir = try RealKernels.moduleDirectory(in: URL(fileURLWithPath: root))
        let modules = try runChecked("find", [moduleDir.path, "-name", "*.ko*"]).split(separator: "\n")
        #expect(modules.count > 500)
        #expect(fm.fileExists(atPath: moduleDir.appendingPathComponent("modules.order").path))
        let left = (try? fm.contentsOfDirectory(atPath: cache.appendingPathComponent(".partial").path)) ?? []
        #expect(left.isEmpty, "work area left: \(left)")
        let entries = try fm.contentsOfDirectory(atPath: cache.path).filter { !$0.hasPrefix(".") }
        #expect(entries == [tree.lastPathComponent])
    }
}
