internal import Glibc

/// A file modsplit could not read or write: which, and why. A tool failure (exit status 2).
public struct FileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

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
        var st = stat()
        guard stat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        default: return .other(Syscalls.fileTypeName(st.st_mode))
        }
    }

    /// The whole of a regular file, refused when it is larger than `limit` bytes or not a regular file.
    public static func read(_ path: String, limit: Int = 256 << 20) throws(FileError) -> [UInt8] {
        let fd: Int32
        switch Syscalls.openForReading(path) {
        case .success(let d): fd = d
        case .failure(let f): throw FileError(path: path, "cannot read: \(f.reason)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(path: path, "cannot read: \(Syscalls.errnoText())") }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw FileError(path: path, "cannot read: it is \(Syscalls.fileTypeName(st.st_mode)), not a regular file")
        }
        guard st.st_size <= limit else {
            throw FileError(path: path, "cannot read: \(st.st_size) bytes, more than the limit of \(limit)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
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
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        guard case .success(let n) = bytes.withUnsafeMutableBytes({ Syscalls.preadAll(fd, $0, offset: 0) }) else {
            return []
        }
        return Array(bytes.prefix(n))
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
    public let path: String
    private var fd: Int32
    /// The temporary name, for a regular file; nil when writing a special file directly.
    private var temporary: String?
    private let target: String
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
            fd = d
            temporary = nil
            target = path
            return
        }
        var target = path
        var st = stat()
        var existing: stat?
        if lstat(path, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFLNK {
                // stat, not realpath, decides what the link names: /proc's links to pipes name no path.
                guard stat(path, &st) == 0 else {
                    throw FileError(path: path, "cannot write: a symbolic link to nothing (\(Syscalls.errnoText()))")
                }
                if st.st_mode & S_IFMT == S_IFREG {
                    guard let resolved = realpath(path, nil) else {
                        throw FileError(path: path, "cannot write: \(Syscalls.errnoText())")
                    }
                    target = String(cString: resolved)
                    free(resolved)
                }
            }
            existing = st
        }
        self.target = target
        if let existing, existing.st_mode & S_IFMT != S_IFREG {
            guard existing.st_mode & S_IFMT != S_IFDIR else {
                throw FileError(path: path, "cannot write: it is a directory")
            }
            // A device, FIFO or socket: the user asked for the bytes to go there (through the link, if any).
            let d = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            guard d >= 0 else { throw FileError(path: path, "cannot write: \(Syscalls.errnoText())") }
            var opened = stat()
            // Replaced by a regular file since the lstat: writing it in place would leave a mix of old and new.
            guard fstat(d, &opened) == 0, opened.st_mode & S_IFMT != S_IFREG else {
                close(d)
                throw FileError(path: path, "cannot write: it changed while being opened")
            }
            fd = d
            temporary = nil
            return
        }
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { String(target[...$0]) } ?? ""
        let base = slash.map { String(target[target.index(after: $0)...]) } ?? target
        var generator = SystemRandomNumberGenerator()
        var lastError = "cannot create a temporary file"
        for _ in 0..<64 {
            let candidate = "\(directory).\(base).\(String(generator.next() as UInt64, radix: 36)).tmp"
            // O_EXCL with O_CREAT never follows a link planted at the name; the mode honours the umask.
            let d = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
            if d >= 0 {
                if let existing { _ = fchmod(d, existing.st_mode & 0o7777) }
                fd = d
                temporary = candidate
                return
            }
            lastError = Syscalls.errnoText()
            if errno != EEXIST { break }
        }
        throw FileError(path: path, "cannot write: \(lastError)")
    }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        guard failed == nil else { return }
        if let reason = Syscalls.writeAll(fd, bytes) {
            failed = reason
            throw FileError(path: path, "cannot write: \(reason)")
        }
    }

    /// Puts the file in place (renames the temporary file over the path).
    public func commit() throws(FileError) {
        let closed = close(fd) == 0 ? nil : Syscalls.errnoText()
        fd = -1
        guard let temporary else {
            if let reason = failed ?? closed { throw FileError(path: path, "cannot write: \(reason)") }
            return
        }
        self.temporary = nil
        if let reason = failed ?? closed {
            unlink(temporary)
            throw FileError(path: path, "cannot write: \(reason)")
        }
        guard rename(temporary, target) == 0 else {
            let reason = Syscalls.errnoText()
            unlink(temporary)
            throw FileError(path: path, "cannot write: \(reason)")
        }
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
        // Never committed: leave the old file as it was.
        if fd >= 0 { close(fd) }
        if let temporary { unlink(temporary) }
    }
}
