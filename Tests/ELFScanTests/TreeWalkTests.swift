import ELFScan
import Foundation
import Synchronization
import TestSupport
import Testing

/// The tree walk finds modules at any depth it can open, and names every directory it cannot open
/// instead of leaving out what is below it.
@Suite struct TreeWalkTests {
    /// A module directory with one empty `kernel/`, and the fixture module built once.
    struct Tree {
        let dir: TemporaryDirectory
        let moduleDirectory: URL
        let module: Data

        init() throws {
            dir = try TemporaryDirectory("walk")
            moduleDirectory = dir.url.appendingPathComponent("lib/modules/6.1.0-walk")
            try FileManager.default.createDirectory(
                at: moduleDirectory.appendingPathComponent("kernel"),
                withIntermediateDirectories: true)
            var m = FixtureModule(name: "deep")
            m.exports = [.init("deep_fn")]
            module = try Data(contentsOf: try m.build(in: dir.url.appendingPathComponent("build-area")))
        }

        /// Creates the directories of `components` under the module directory one by one, each relative to
        /// the last (so that paths longer than PATH_MAX can be made), and puts the module in the last.
        func nest(_ components: [String], moduleName: String = "deep.ko") throws {
            var fd = open(moduleDirectory.path, O_RDONLY | O_DIRECTORY)
            #expect(fd >= 0)
            for c in components {
                _ = mkdirat(fd, c, 0o755)
                let next = openat(fd, c, O_RDONLY | O_DIRECTORY)
                close(fd)
                #expect(next >= 0, "openat \(c): \(String(cString: strerror(errno)))")
                fd = next
            }
            let out = openat(fd, moduleName, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            #expect(out >= 0)
            _ = module.withUnsafeBytes { write(out, $0.baseAddress, $0.count) }
            close(out)
            close(fd)
        }

        func discover() throws -> ([ModuleFile], [ELFScanError]) {
            TreeScanner.discover(try KernelTree.locate(path: moduleDirectory.path))
        }
    }

    @Test("a module 70 directories deep is found and read")
    func deepModule() throws {
        let tree = try Tree()
        defer { tree.dir.cleanup() }
        let components = ["kernel"] + Array(repeating: "d", count: 70)
        try tree.nest(components)
        let (files, problems) = try tree.discover()
        #expect(problems.isEmpty)
        #expect(files.map(\.path) == [(components + ["deep.ko"]).joined(separator: "/")])
        let scan = try TreeScanner.scan(
            try KernelTree.locate(path: tree.moduleDirectory.path),
            options: ScanOptions(discoverKernelSymbols: false))
        #expect(scan.modules.map(\.name) == ["deep"])
    }

    @Test("names that are not UTF-8 are reported as such, shown with \\x escapes, never misread or skipped")
    func undecodableNames() throws {
        let tree = try Tree()
        defer { tree.dir.cleanup() }
        try tree.nest(["kernel"], moduleName: "ok.ko")
        // Raw bytes: a Latin-1 é in a module's name, a 0xFF in a directory's (with a module inside).
        let kernel = open(tree.moduleDirectory.appendingPathComponent("kernel").path, O_RDONLY | O_DIRECTORY)
        defer { close(kernel) }
        let file: [CChar] = Array("b".utf8CString.dropLast()) + [CChar(bitPattern: 0xE9)] + Array("x.ko".utf8CString)
        let made = openat(kernel, file, O_WRONLY | O_CREAT, 0o644)
        #expect(made >= 0)
        close(made)
        let directory: [CChar] = Array("d".utf8CString.dropLast()) + [CChar(bitPattern: 0xFF), 0]
        #expect(mkdirat(kernel, directory, 0o755) == 0)
        let (files, problems) = try tree.discover()
        #expect(files.map(\.path) == ["kernel/ok.ko"])
        let named = Dictionary(uniqueKeysWithValues: problems.map { ($0.path, $0.reason) })
        #expect(named["kernel/b\\xE9x.ko"]?.contains("not UTF-8") == true, "\(problems)")
        #expect(named["kernel/d\\xFF"]?.contains("not UTF-8") == true, "\(problems)")
    }

    @Test("a directory whose path is too long to open is reported, not skipped")
    func pathTooLong() throws {
        let tree = try Tree()
        defer { tree.dir.cleanup() }
        let long = String(repeating: "x", count: 200)
        let components = ["kernel"] + Array(repeating: long, count: 25)
        try tree.nest(components)
        let (files, problems) = try tree.discover()
        #expect(files.isEmpty)
        #expect(problems.count == 1)
        let problem = try #require(problems.first)
        // The first directory whose path (from the module directory) reaches PATH_MAX.
        let depth = (1...components.count).first {
            components.prefix($0).joined(separator: "/").utf8.count >= PATH_MAX
        }!
        #expect(problem.path == components.prefix(depth).joined(separator: "/"))
        #expect(problem.reason.contains("cannot open directory"))
        #expect(problem.reason.contains(String(cString: strerror(ENAMETOOLONG))))
    }

    @Test("a directory that cannot be opened is reported with the reason")
    func unopenableDirectory() throws {
        let tree = try Tree()
        defer { tree.dir.cleanup() }
        try tree.nest(["kernel", "locked"])
        try tree.nest(["kernel", "open"], moduleName: "fine.ko")
        let locked = tree.moduleDirectory.appendingPathComponent("kernel/locked")
        #expect(chmod(locked.path, 0) == 0)
        defer { chmod(locked.path, 0o755) }
        let located = try KernelTree.locate(path: tree.moduleDirectory.path)
        let (files, problems) = withoutRootFileAccess { TreeScanner.discover(located) }
        #expect(files.map(\.path) == ["kernel/open/fine.ko"])
        #expect(problems.map(\.path) == ["kernel/locked"])
        #expect(problems.first?.reason.contains(String(cString: strerror(EACCES))) == true)
    }
}

/// Runs `body` on a thread of its own whose file-system user is `nobody` when the tests run as root, so
/// that permission bits apply to it: setfsuid(2) changes only the calling thread, and moving away from
/// uid 0 drops that thread's CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH. Restored before the thread ends.
func withoutRootFileAccess<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
    typealias SetFsuid = @convention(c) (UInt32) -> Int32
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        let setfsuid = getuid() == 0 ? dlsym(nil, "setfsuid").map { unsafeBitCast($0, to: SetFsuid.self) } : nil
        _ = setfsuid?(65534)
        let value = body()
        _ = setfsuid?(0)
        result.withLock { $0 = value }
        done.signal()
    }
    thread.start()
    done.wait()
    return result.withLock { $0! }
}
