internal import Glibc

/// A file modsplit could not read or write: which, and why. A tool failure (exit status 2).
public struct FileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it.
    public var path: String
    /// What went wrong, usually the failing call and its `strerror`.
    public var reason: String

    /// A failure on `path`, explained by `reason`.
    public init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `path: reason`, as printed.
    public var description: String { "\(path): \(reason)" }
}

/// Reading and writing the files around a tree (rules, lists, reports), with the same care as the
/// module reader: sizes bounded, special files never blocking a run, outputs replaced atomically.
public enum FileAccess {
    /// What is at a path, without following it into a FIFO or device.
    public enum Kind: Sendable, Equatable {
        case missing, regular, directory, other(String)
    }

    /// The kind of the file at `path` (symbolic links followed).
    public static func kind(_ path: String) -> Kind {
        guard let st = Syscalls.status(path) else { return .missing }
        return kind(of: st)
    }

    /// The whole of a regular file, refused when it is larger than `limit` bytes or not a regular file.
    public static func read(_ path: String, limit: Int = 256 << 20) throws(FileError) -> [UInt8] {
        let fd: Int32
        switch Syscalls.openForReading(path) {
        case .success(let d): fd = d
        case .failure(let f): throw FileError(path: path, "cannot read: \(f.reason)")
        }
        defer { Syscalls.close(fd) }
        let st: Syscalls.FileStatus
        switch Syscalls.status(of: fd) {
        case .success(let s): st = s
        case .failure(let f): throw FileError(path: path, "cannot read: \(f.reason)")
        }
        guard st.isRegular else {
            throw FileError(path: path, "cannot read: it is \(st.typeName), not a regular file")
        }
        guard st.size <= limit else {
            throw FileError(path: path, "cannot read: \(st.size) bytes, more than the limit of \(limit)")
        }
        var bytes = [UInt8](repeating: 0, count: st.size)
        let result = bytes.withUnsafeMutableBytes { Syscalls.preadAll(fd, $0, offset: 0) }
        switch result {
        case .success(let n): bytes.removeSubrange(n...)
        case .failure(let f): throw FileError(path: path, "cannot read: \(f.reason)")
        }
        return bytes
    }

    /// The first `count` bytes of a regular file (fewer when it is shorter); empty for anything else.
    public static func head(_ path: String, count: Int = 4096) -> [UInt8] {
        guard case .success(let fd) = Syscalls.openForReading(path) else { return [] }
        defer { Syscalls.close(fd) }
        guard case .success(let st) = Syscalls.status(of: fd), st.isRegular else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        guard case .success(let n) = bytes.withUnsafeMutableBytes({ Syscalls.preadAll(fd, $0, offset: 0) }) else {
            return []
        }
        return Array(bytes.prefix(n))
    }

    /// The absolute path of `path` without symbolic links, `.` or `..` (`realpath(3)`); nil when it
    /// does not resolve.
    public static func realPath(_ path: String) -> String? { Syscalls.realPath(path) }

    /// One name in a directory and what it is itself, a symbolic link not followed (`lstat(2)`).
    public struct Entry: Sendable, Equatable {
        /// The name, without the directory.
        public var name: String
        /// What the name is: `.other("a symbolic link")` for a link; `.missing` when it could not be
        /// stat'ed (it vanished while being listed).
        public var kind: Kind
        /// Whether the name is a symbolic link.
        public var isSymbolicLink: Bool
        /// Whether the name is not UTF-8: `name` shows it with `\xNN` escapes and cannot open it.
        public var undecodable = false
    }

    /// Every name in the directory `path` but `.` and `..`, in no particular order, each with what it is
    /// (links not followed); the reason (`strerror`) when the directory cannot be listed.
    public static func entries(of path: String) throws(FileError) -> [Entry] {
        let directory: Syscalls.Directory
        do {
            directory = try Syscalls.Directory(path)
        } catch {
            throw FileError(path: path, error.reason)
        }
        let names: [Syscalls.Directory.Entry]
        switch directory.entries() {
        case .success(let e): names = e
        case .failure(let f): throw FileError(path: path, f.reason)
        }
        return names.map { entry in
            guard case .success(let st) = directory.status(entry, followingLinks: false) else {
                return Entry(name: entry.name, kind: .missing, isSymbolicLink: false, undecodable: entry.undecodable)
            }
            return Entry(
                name: entry.name, kind: kind(of: st), isSymbolicLink: st.isSymbolicLink, undecodable: entry.undecodable)
        }
    }

    /// The kind a status says.
    private static func kind(of status: Syscalls.FileStatus) -> Kind {
        status.isRegular ? .regular : status.isDirectory ? .directory : .other(status.typeName)
    }

    /// Writes `contents` to `path` (see `OutputFile`).
    public static func write(_ contents: String, to path: String) throws(FileError) {
        let file = try OutputFile(path)
        var text = contents
        let failure: FileError? = text.withUTF8 { bytes in
            do throws(FileError) {
                try file.write(UnsafeRawBufferPointer(bytes))
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        try file.commit()
    }
}

/// A file being written: a regular file (or a new one) is written under a temporary name created
/// exclusively beside it and renamed over it on `commit`, so readers never see half a file, a killed
/// run leaves the old file, and a link planted at a predictable name cannot redirect the write. An
/// existing file keeps its mode. A device, FIFO or socket at the path (`/dev/null`) is written
/// directly, never replaced; a symbolic link is followed to the file it names. `/dev/stdout`,
/// `/dev/stderr` and `/dev/fd/N` (`/proc/self/fd/N`) are the process's own descriptors, written as
/// they are: a pipe, or a file the shell opened for appending, gets the bytes at its end.
public final class OutputFile {
    /// The path as given, which is where the bytes end up on `commit`.
    public let path: String
    private enum Destination {
        /// A regular file (or a new one), written under a temporary name.
        case replacement(ReplacementFile)
        /// A device, FIFO, socket or descriptor of the process, written directly.
        case special(fd: Int32)
    }
    private var destination: Destination?
    private var failed: String?

    /// Opens `path` for writing; nothing at `path` changes until `commit`.
    public init(_ path: String) throws(FileError) {
        self.path = path
        guard !path.isEmpty else { throw FileError(path: path, "cannot write: empty file name") }
        if let stream = Self.descriptor(named: path) {
            // The descriptor itself, not the file behind it: reopening would lose a pipe (its /proc link
            // names no file) or the shell's O_APPEND, and replacing would clobber what `>>` appends to.
            let d = fcntl(stream, F_DUPFD_CLOEXEC, 0)
            guard d >= 0 else { throw FileError(path: path, "cannot write: \(Syscalls.errnoText())") }
            destination = .special(fd: d)
            return
        }
        var target = path
        var existing: Syscalls.FileStatus?
        if var st = Syscalls.status(path, followingLinks: false) {
            if st.isSymbolicLink {
                // stat, not realpath, decides what the link names: /proc's links to pipes name no path.
                guard let followed = Syscalls.status(path) else {
                    throw FileError(path: path, "cannot write: a symbolic link to nothing (\(Syscalls.errnoText()))")
                }
                st = followed
                if st.isRegular {
                    guard let resolved = Syscalls.realPath(path) else {
                        throw FileError(path: path, "cannot write: \(Syscalls.errnoText())")
                    }
                    target = resolved
                }
            }
            existing = st
        }
        if let existing, !existing.isRegular {
            guard !existing.isDirectory else {
                throw FileError(path: path, "cannot write: it is a directory")
            }
            // A device, FIFO or socket: the user asked for the bytes to go there (through the link, if any).
            let d = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            guard d >= 0 else { throw FileError(path: path, "cannot write: \(Syscalls.errnoText())") }
            // Replaced by a regular file since the lstat: writing it in place would leave a mix of old and new.
            guard case .success(let opened) = Syscalls.status(of: d), !opened.isRegular else {
                Syscalls.close(d)
                throw FileError(path: path, "cannot write: it changed while being opened")
            }
            destination = .special(fd: d)
            return
        }
        do {
            destination = .replacement(
                try ReplacementFile(replacing: target, mode: existing.map(\.permissions)))
        } catch {
            throw FileError(path: path, "cannot write: \(error.reason)")
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        guard failed == nil else { return }
        let reason: String?
        switch destination {
        case .replacement(let file): reason = file.write(bytes)
        case .special(let fd): reason = Syscalls.writeAll(fd, bytes)
        case nil: reason = "already committed"
        }
        if let reason {
            failed = reason
            throw FileError(path: path, "cannot write: \(reason)")
        }
    }

    /// Puts the file in place (renames the temporary file over the path).
    public func commit() throws(FileError) {
        let reason: String?
        switch destination {
        case .replacement(let file): reason = failed ?? file.commit()
        case .special(let fd):
            let closed = Syscalls.closeReporting(fd)
            reason = failed ?? closed
        case nil: reason = nil
        }
        destination = nil
        if let reason { throw FileError(path: path, "cannot write: \(reason)") }
    }

    /// The descriptor a path names by convention: `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
    /// `/proc/self/fd/N`; nil for any other path.
    static func descriptor(named path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
                let number = path.dropFirst(prefix.count)
                guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int32(number)
                else { return nil }
                return n
            }
            return nil
        }
    }

    deinit {
        // Never committed: leave the old file as it was (the replacement removes its temporary file).
        if case .special(let fd) = destination { Syscalls.close(fd) }
    }
}

/// A new file written under a temporary name beside the file it replaces, and renamed over it on
/// `commit`: readers never see half a file, a killed run leaves the old file, and concurrent writers
/// each put a whole file in place. The temporary file is created exclusively (`O_CREAT | O_EXCL |
/// O_NOFOLLOW`), so a link planted at its name cannot redirect the write. The one temp-then-rename of
/// modsplit: `OutputFile` and the scan cache both write through it.
final class ReplacementFile {
    /// The path this file replaces on `commit`.
    let target: String
    /// Where the file is written until then: `.<name>.<pid>.<random>.tmp` beside `target`. The pid
    /// tells a later run whether the writer is still alive (see `TemporaryName`).
    let temporaryPath: String
    private var fd: Int32
    private var failed: String?

    /// Creates the temporary file; `mode` is given to it (else 0666 less the umask).
    init(replacing target: String, mode: mode_t? = nil) throws(Syscalls.Failure) {
        self.target = target
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { String(target[...$0]) } ?? ""
        let base = slash.map { String(target[target.index(after: $0)...]) } ?? target
        var generator = SystemRandomNumberGenerator()
        var last = Syscalls.Failure("cannot create a temporary file")
        for _ in 0..<64 {
            let name = TemporaryName(base: base, pid: Syscalls.processID, tag: generator.next()).fileName
            let candidate = directory + name
            // O_EXCL with O_CREAT never follows a link planted at the name; the mode honours the umask.
            let d = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
            if d >= 0 {
                if let mode { _ = fchmod(d, mode) }
                fd = d
                temporaryPath = candidate
                return
            }
            last = .current()
            if last.code != EEXIST { break }
        }
        throw last
    }

    /// Appends `bytes`; the reason when this or an earlier write failed.
    func write(_ bytes: UnsafeRawBufferPointer) -> String? {
        if failed == nil { failed = Syscalls.writeAll(fd, bytes) }
        return failed
    }

    /// Renames the file over `target`; the reason when it could not be put in place (the temporary
    /// file is then removed).
    func commit() -> String? {
        let closed = Syscalls.closeReporting(fd)
        fd = -1
        if let reason = failed ?? closed ?? Syscalls.rename(temporaryPath, to: target) {
            Syscalls.remove(temporaryPath)
            return reason
        }
        return nil
    }

    deinit {
        // Never committed: the target stays as it was.
        if fd >= 0 {
            Syscalls.close(fd)
            Syscalls.remove(temporaryPath)
        }
    }
}

/// The name of a `ReplacementFile`'s temporary file: `.<base>.<pid>.<tag>.tmp`, the tag random in base 36.
struct TemporaryName: Equatable {
    /// The name of the file it will replace.
    var base: String
    /// The writing process.
    var pid: Int32
    var tag: UInt64

    var fileName: String { ".\(base).\(pid).\(String(tag, radix: 36)).tmp" }

    init(base: String, pid: Int32, tag: UInt64) {
        self.base = base
        self.pid = pid
        self.tag = tag
    }

    /// Reads a temporary file's name back; nil for any other name.
    init?(fileName: String) {
        guard fileName.hasPrefix("."), fileName.hasSuffix(".tmp") else { return nil }
        let parts = fileName.dropFirst().dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]),
            let tag = UInt64(parts[parts.count - 1], radix: 36)
        else { return nil }
        let base = parts.dropLast(2).joined(separator: ".")
        guard !base.isEmpty else { return nil }
        self.init(base: base, pid: pid, tag: tag)
    }
}
