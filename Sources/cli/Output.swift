import ArgumentParser
import ELFScan
import Foundation
import Graph
import Synchronization

/// Writes `contents` to `path`, or to standard output when `path` is nil or `-`. A regular file is
/// replaced atomically; a device or FIFO is written as it is (see `OutputFile`).
func emit(_ contents: String, to path: String?) throws {
    do {
        guard let path, path != "-" else { return try StandardStream.output.write(contents) }
        try FileAccess.write(contents, to: path)
    } catch {
        throw UsageFailure(error.description)
    }
}

/// Creates `path` as a directory (and its parents) for a command's output files.
func makeDirectory(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw UsageFailure("\(path): cannot create directory")
    }
}

/// Files that could not be read are named on stderr; the rest of the output is still complete.
func reportProblems(_ problems: [ELFScanError]) {
    // File names come from the tree: no escape sequence or line break reaches the terminal.
    for p in problems {
        FileHandle.standardError.write(Data("modsplit: unreadable: \(Display.sanitized(p.description))\n".utf8))
    }
}

/// Keeps `values` alive until the process exits, so that nothing in them is freed piece by piece:
/// freeing ~200k strings and arrays one by one would take ~10 ms, for nothing (LLVM's BuryPointer and
/// clang's -disable-free do the same). Only for the results of a command that ends the process. They
/// stay reachable from a global, so leak checkers (valgrind) see them as still reachable, not lost.
func buryAtExit(_ values: Any...) {
    buried.append(contentsOf: values)
}

/// Touched only by `buryAtExit`, on the main thread at the end of a command.
nonisolated(unsafe) private var buried: [Any] = []

/// A one-line progress meter on stderr, only when stderr is a terminal.
final class Progress: Sendable {
    private let label: String
    private let lastPercent = Mutex(-1)

    private init(label: String) { self.label = label }

    static func forTerminal(label: String) -> Progress? {
        StandardStream.error.isTerminal ? Progress(label: label) : nil
    }

    func update(_ done: Int, _ total: Int) {
        let percent = total == 0 ? 100 : done * 100 / total
        lastPercent.withLock { last in
            guard percent != last else { return }
            last = percent
            FileHandle.standardError.write(Data("\r\(label): \(done)/\(total) (\(percent)%)".utf8))
        }
    }

    func finish() {
        lastPercent.withLock { last in
            if last >= 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            last = -1
        }
    }
}
