import ArgumentParser
import ELFScan
import Foundation
import Graph

/// Which tree to read and where the kernel's own exports come from.
struct TreeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A module directory (lib/modules/<version>) or a root holding one; default: the running kernel's.",
        valueName: "path"))
    var tree: String?

    @Option(name: .long, help: "Which kernel under --tree, when the root holds several.")
    var kernelVersion: String?

    @Option(name: .long, help: ArgumentHelp("Module.symvers (plain, .gz, .xz or .zst) for the kernel's exports.", valueName: "file"))
    var symvers: String?

    @Option(name: .long, help: ArgumentHelp("System.map for the kernel's exports, when there is no Module.symvers.", valueName: "file"))
    var systemMap: String?

    @Option(name: .long, help: "Worker threads for reading modules (default: one per core).")
    var jobs: Int?

    @Option(name: .long, help: "Refuse modules that inflate past this many MiB.")
    var maxModuleMib: UInt64 = 512

    @Flag(help: "Read every module, bypassing (and not updating) the scan cache.")
    var noCache = false

    func validate() throws {
        if symvers != nil && systemMap != nil {
            throw ValidationError("--symvers and --system-map exclude each other")
        }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    /// Locates and scans the tree; unusable input becomes a `UsageFailure`.
    func scan() throws -> TreeScan {
        let located: KernelTree
        do {
            located = try KernelTree.locate(path: tree, kernelVersion: kernelVersion)
        } catch {
            throw UsageFailure(error.message)
        }
        for file in [symvers, systemMap].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
            throw UsageFailure("\(file): cannot read")
        }
        let progress = Progress.forTerminal(label: "reading modules")
        let options = ScanOptions(symvers: symvers, systemMap: systemMap,
                                  limits: ScanLimits(maxUncompressedBytes: maxModuleMib << 20),
                                  threads: jobs, progress: progress?.update,
                                  cache: noCache ? nil : ScanCache(toolVersion: Modsplit.cacheVersion))
        defer { progress?.finish() }
        do {
            return try TreeScanner.scan(located, options: options)
        } catch {
            throw UsageFailure(error.message)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Writes `contents` to `path`, or to stdout when `path` is nil or `-`.
///
/// A file is replaced atomically, as depmod does: written under a temporary name beside it, then
/// renamed over it. Plain POSIX calls on the String's own UTF-8 storage: Foundation's atomic write
/// copied each file into a `Data` and synced it to disk, which cost more than rendering it.
func emit(_ contents: String, to path: String?) throws {
    var contents = contents
    guard let path, path != "-" else {
        try contents.withUTF8 { bytes in
            guard writeAll(1, bytes) else { throw UsageFailure("standard output: cannot write: \(errnoText())") }
        }
        return
    }
    let temporary = "\(path).\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
    guard fd >= 0 else { throw UsageFailure("\(path): cannot write: \(errnoText())") }
    let written = contents.withUTF8 { writeAll(fd, $0) }
    let reason = errnoText()
    guard close(fd) == 0, written else {
        unlink(temporary)
        throw UsageFailure("\(path): cannot write: \(written ? errnoText() : reason)")
    }
    guard rename(temporary, path) == 0 else {
        let reason = errnoText()
        unlink(temporary)
        throw UsageFailure("\(path): cannot write: \(reason)")
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes and interruptions.
private func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return false }
        done += n
    }
    return true
}

private func errnoText() -> String { String(cString: strerror(errno)) }

extension ModuleGraph {
    /// The module a user named (by name, file name or path), or a usage failure.
    func lookup(_ name: String) throws -> Int {
        if let i = module(named: name) { return i }
        if let i = modules.firstIndex(where: { $0.path == name || $0.path.hasSuffix("/" + name) }) { return i }
        if builtin.contains(normalizedModuleName(name)) {
            throw UsageFailure("\(name) is built into the kernel, not a loadable module")
        }
        throw UsageFailure("no module \(name) in this tree")
    }
}

/// A one-line progress meter on stderr, only when stderr is a terminal.
final class Progress: @unchecked Sendable {
    private let label: String
    private let lock = NSLock()
    private var lastPercent = -1

    private init(label: String) { self.label = label }

    static func forTerminal(label: String) -> Progress? {
        isatty(2) == 1 ? Progress(label: label) : nil
    }

    func update(_ done: Int, _ total: Int) {
        let percent = total == 0 ? 100 : done * 100 / total
        lock.lock()
        defer { lock.unlock() }
        guard percent != lastPercent else { return }
        lastPercent = percent
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(total) (\(percent)%)".utf8))
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if lastPercent >= 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
