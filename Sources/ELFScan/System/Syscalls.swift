internal import Glibc

/// The POSIX calls modsplit makes, each wrapped once: retries on EINTR and short transfers, and errno
/// turned into text where it happens. This directory (`System/`) is the one place modsplit calls C:
/// these, `FileAccess` (files around a tree, atomic output), `ElfImage` (libelf), `Inflater` (liblzma,
/// zlib, libzstd) and `ArchiveReader` (libarchive). The rest of ELFScan goes through them, and `Split`
/// and `Graph` through the public ones (`FileAccess`, `POSIXRegex`, `ShellPattern`); none imports Glibc.
enum Syscalls {
    /// A failed call's reason.
    struct Failure: Error {
        var reason: String
        /// The `errno` of the failure, 0 when it was not a failed call.
        var code: Int32
        init(_ reason: String, code: Int32 = 0) {
            self.reason = reason
            self.code = code
        }

        /// Whether the call failed because nothing is at the path (`ENOENT`).
        var isMissing: Bool { code == ENOENT }
        /// Whether the call failed on a loop of symbolic links (`ELOOP`).
        var isLinkLoop: Bool { code == ELOOP }

        /// The failure `errno` says, now.
        static func current() -> Failure {
            let code = errno
            return Failure(errnoText(code), code: code)
        }
    }

    /// The text of `errno` (`strerror`).
    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    // MARK: Reading and writing

    /// Writes all of `bytes` to `fd` (`write(2)`), retrying short writes and interruptions.
    /// Returns nil on success, else the reason.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return errnoText() }
            if n == 0 { return "no progress writing" }
            done += n
        }
        return nil
    }

    /// Reads up to `buffer.count` bytes at `offset` into `buffer` (`pread(2)`), retrying short reads and
    /// interruptions; returns the bytes read (fewer only at the end of the file), or the reason.
    static func preadAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, offset: Int) -> Result<Int, Failure> {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .failure(.current()) }
            if n == 0 { break }
            done += n
        }
        return .success(done)
    }

    /// Opens `path` read-only (`open(2)`) without blocking on a FIFO and without becoming its
    /// controlling terminal.
    static func openForReading(_ path: String) -> Result<Int32, Failure> {
        openForReading(path, relativeTo: AT_FDCWD)
    }

    /// Opens `name` relative to the open directory `directory` (or `AT_FDCWD`) read-only (`openat(2)`),
    /// without blocking on a FIFO and without becoming its controlling terminal.
    static func openForReading(_ name: String, relativeTo directory: Int32) -> Result<Int32, Failure> {
        let fd = openat(directory, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        return fd >= 0 ? .success(fd) : .failure(.current())
    }

    /// Opens the directory `path` (`open(2)` with `O_DIRECTORY`), to open files relative to it.
    static func openDirectory(_ path: String) -> Result<Int32, Failure> {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        return fd >= 0 ? .success(fd) : .failure(.current())
    }

    /// `close(2)`; the descriptor is gone whatever it returns.
    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// `close(2)`, with the reason when it reports a failure (a write that did not reach the file).
    static func closeReporting(_ fd: Int32) -> String? { Glibc.close(fd) == 0 ? nil : errnoText() }

    // MARK: What is at a path

    /// What `stat(2)` says about a file, in the terms the rest of ELFScan asks about.
    struct FileStatus {
        private let raw: stat
        init(_ raw: stat) { self.raw = raw }

        private var type: mode_t { raw.st_mode & S_IFMT }
        /// Whether it is a regular file.
        var isRegular: Bool { type == S_IFREG }
        /// Whether it is a directory.
        var isDirectory: Bool { type == S_IFDIR }
        /// Whether it is a symbolic link (only from a status that does not follow links).
        var isSymbolicLink: Bool { type == S_IFLNK }
        /// What kind of file it is, in words ("a FIFO").
        var typeName: String { fileTypeName(raw.st_mode) }
        /// Its permission bits (`st_mode & 07777`).
        var permissions: mode_t { raw.st_mode & 0o7777 }
        /// Its size in bytes.
        var size: Int { Int(raw.st_size) }
        /// Its last modification, in nanoseconds since the epoch.
        var modified: Int64 { Int64(raw.st_mtim.tv_sec) * 1_000_000_000 + Int64(raw.st_mtim.tv_nsec) }
        /// Its last status change, in nanoseconds since the epoch.
        var changed: Int64 { Int64(raw.st_ctim.tv_sec) * 1_000_000_000 + Int64(raw.st_ctim.tv_nsec) }
        /// Its inode number.
        var inode: UInt64 { UInt64(raw.st_ino) }
        /// The device it is on.
        var device: UInt64 { UInt64(raw.st_dev) }
    }

    /// `fstat(2)`.
    static func status(of fd: Int32) -> Result<FileStatus, Failure> {
        var st = stat()
        return fstat(fd, &st) == 0 ? .success(FileStatus(st)) : .failure(.current())
    }

    /// `stat(2)`, or `lstat(2)` when links are not followed; nil when there is nothing to stat.
    static func status(_ path: String, followingLinks: Bool = true) -> FileStatus? {
        var st = stat()
        let result = followingLinks ? stat(path, &st) : lstat(path, &st)
        return result == 0 ? FileStatus(st) : nil
    }

    /// Whether `path` is a directory (links followed).
    static func isDirectory(_ path: String) -> Bool { status(path)?.isDirectory ?? false }

    /// Whether anything is at `path` (links followed).
    static func exists(_ path: String) -> Bool { status(path) != nil }

    /// What kind of file a mode says, in words ("a FIFO"), for messages.
    static func fileTypeName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "mode \(String(mode, radix: 8))"
        }
    }

    /// The target of the symbolic link `path` (`readlink(2)`); nil when it is not a link.
    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `realpath(3)`: the absolute path without links, `.` or `..`; nil when it does not resolve.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// `path` made absolute against the working directory (`getcwd(3)`); leading `./` dropped.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { return path }
        let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        if p == "." || p.isEmpty { return cwd }
        return cwd + "/" + p
    }

    /// `rename(2)`; nil on success, else the reason.
    static func rename(_ from: String, to: String) -> String? {
        Glibc.rename(from, to) == 0 ? nil : errnoText()
    }

    /// `unlink(2)`; whether the name is gone.
    @discardableResult
    static func remove(_ path: String) -> Bool { unlink(path) == 0 }

    // MARK: Directories

    /// An open directory (`openat(2)` and `fdopendir(3)`), listed once by `entries()` and kept open so
    /// that its entries can be stat'ed relative to it: the kernel then resolves a short name instead of
    /// the whole path.
    final class Directory {
        /// A name and what `readdir` said it is (`d_type`, `DT_UNKNOWN` when the file system does not say).
        struct Entry {
            /// The name; bytes that are not UTF-8 shown as `\xNN` (then `undecodable`).
            var name: String
            var type: UInt8
            /// Whether the name is not UTF-8: `name` then only shows it and cannot open it.
            var undecodable = false
            /// The name's bytes when it is not UTF-8, to reach the file with.
            var bytes: [UInt8] = []
            var isDirectory: Bool { Int32(type) == Int32(DT_DIR) }
            var isSymbolicLink: Bool { Int32(type) == Int32(DT_LNK) }
            var isRegular: Bool { Int32(type) == Int32(DT_REG) }
            var isUnknownType: Bool { Int32(type) == Int32(DT_UNKNOWN) }
        }

        private let stream: OpaquePointer

        /// Opens the directory `path`, relative to the open directory `directory` (or `AT_FDCWD`); a
        /// symbolic link as its last component is followed only when `followingLinks`.
        init(_ path: String, relativeTo directory: Int32 = AT_FDCWD, followingLinks: Bool = true) throws(Failure) {
            let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followingLinks ? 0 : O_NOFOLLOW)
            let fd = openat(directory, path, flags)
            guard fd >= 0 else { throw .current() }
            guard let stream = fdopendir(fd) else {
                let failure = Failure.current()
                Glibc.close(fd)
                throw failure
            }
            self.stream = stream
        }

        /// The descriptor of the open directory, for opening files relative to it while it is open.
        var descriptor: Int32 { dirfd(stream) }

        /// Every entry but `.` and `..`, in the order `readdir(3)` gives them; a failure part way
        /// through (an I/O error) is a failure of the whole listing.
        func entries() -> Result<[Entry], Failure> {
            var out: [Entry] = []
            while true {
                errno = 0
                guard let entry = readdir(stream) else {
                    if errno != 0 { return .failure(.current()) }
                    return .success(out)
                }
                let bytes = withUnsafeBytes(of: &entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
                if let name = String(validating: bytes, as: UTF8.self) {
                    if name != "." && name != ".." { out.append(Entry(name: name, type: entry.pointee.d_type)) }
                } else {
                    out.append(
                        Entry(name: Self.escaped(bytes), type: entry.pointee.d_type, undecodable: true, bytes: bytes))
                }
            }
        }

        /// A name that is not UTF-8, for messages: its UTF-8 runs as they are, every other byte as `\xNN`.
        static func escaped(_ bytes: [UInt8]) -> String {
            var out = ""
            var i = 0
            while i < bytes.count {
                let lead = bytes[i]
                let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
                if length > 0, i + length <= bytes.count,
                    let run = String(validating: bytes[i..<(i + length)], as: UTF8.self)
                {
                    out += run
                    i += length
                } else {
                    out += "\\x" + String(lead, radix: 16, uppercase: true).leftPadded(to: 2)
                    i += 1
                }
            }
            return out
        }

        /// `fstatat(2)` of an entry, by its bytes when its name is not UTF-8.
        func status(_ entry: Entry, followingLinks: Bool) -> Result<FileStatus, Failure> {
            guard entry.undecodable else { return status(entry.name, followingLinks: followingLinks) }
            var st = stat()
            let flags = followingLinks ? 0 : AT_SYMLINK_NOFOLLOW
            let done = (entry.bytes.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { name in
                fstatat(dirfd(stream), name.baseAddress!, &st, flags) == 0
            }
            return done ? .success(FileStatus(st)) : .failure(.current())
        }

        /// `fstatat(2)` of an entry.
        func status(_ name: String, followingLinks: Bool) -> Result<FileStatus, Failure> {
            var st = stat()
            let flags = followingLinks ? 0 : AT_SYMLINK_NOFOLLOW
            return fstatat(dirfd(stream), name, &st, flags) == 0 ? .success(FileStatus(st)) : .failure(.current())
        }

        deinit { closedir(stream) }
    }

    /// The names in directory `path` but `.` and `..`; empty when it cannot be listed.
    static func names(in path: String) -> [String] {
        guard let directory = try? Directory(path), case .success(let entries) = directory.entries() else { return [] }
        return entries.map(\.name)
    }

    // MARK: Memory and processes

    /// The directory relative paths start from (`AT_FDCWD`), for calls that take an open directory.
    static var currentDirectory: Int32 { AT_FDCWD }

    /// Where the byte `byte` first occurs in the `count` bytes at `start` (`memchr(3)`), as an offset
    /// from `start`; nil when it does not.
    @inline(__always)
    static func offset(of byte: UInt8, in start: UnsafeRawPointer, count: Int) -> Int? {
        memchr(start, Int32(byte), count).map { start.distance(to: UnsafeRawPointer($0)) }
    }

    /// Whether the `count` bytes at `a` and at `b` are the same (`memcmp(3)`).
    @inline(__always)
    static func equalBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        memcmp(a, b, count) == 0
    }

    /// `count` bytes from `malloc(3)` (at least one), for a reader that takes them over; nil when there
    /// is no memory. Released by `release`.
    static func allocate(_ count: Int) -> UnsafeMutableRawPointer? { malloc(max(count, 1)) }

    /// Releases memory from `allocate` (`free(3)`).
    static func release(_ pointer: UnsafeMutableRawPointer?) { free(pointer) }

    /// `count` bytes of fresh anonymous memory, its pages populated at once (`mmap(2)` with
    /// `MAP_POPULATE`): faster to fill than memory faulted in page by page. Released by `unmap`.
    static func populatedMemory(_ count: Int) -> UnsafeMutableRawPointer? {
        let base = mmap(nil, max(count, 1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)
        guard let base, base != MAP_FAILED else { return nil }
        return base
    }

    /// Releases memory from `populatedMemory` (`munmap(2)`).
    static func unmap(_ base: UnsafeRawPointer?, count: Int) {
        munmap(UnsafeMutableRawPointer(mutating: base), max(count, 1))
    }

    /// This process's id (`getpid(2)`).
    static var processID: Int32 { getpid() }

    /// Whether a process `pid` exists (`kill(2)` with signal 0; one we may not signal exists too).
    static func processExists(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// The wall-clock time, in seconds since the epoch.
    static var now: Int64 { Int64(time(nil)) }

    /// Online processors (`sysconf(_SC_NPROCESSORS_ONLN)`), at least 1.
    static var onlineProcessors: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The running kernel's release (`uname(2)`), as `uname -r` prints it.
    static func kernelRelease() -> String {
        var u = utsname()
        _ = uname(&u)
        return withUnsafeBytes(of: &u.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

/// A POSIX extended regular expression compiled by the C library (`regcomp(3)` with `REG_EXTENDED |
/// REG_NOSUB`) and matched by it (`regexec(3)`): polynomial time in the input, whatever the pattern.
/// Matching does not change the compiled form, so one value serves many threads.
public final class POSIXRegex: @unchecked Sendable {
    private var compiled = regex_t()
    private var live = false

    /// What `regcomp` refused, as `regerror(3)` says it.
    public struct CompileError: Error, Sendable {
        /// `regerror`'s text.
        public var message: String
    }

    /// Compiles `pattern`; throws `regerror`'s text when the C library refuses it.
    public init(_ pattern: String) throws(CompileError) {
        let rc = regcomp(&compiled, pattern, REG_EXTENDED | REG_NOSUB)
        if rc != 0 {
            var buf = [CChar](repeating: 0, count: 256)
            regerror(rc, &compiled, &buf, buf.count)
            let message = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CompileError(message: message)
        }
        live = true
    }

    deinit { if live { regfree(&compiled) } }

    /// Whether the expression matches the NUL-terminated string `text` (its last byte must be the NUL).
    public func matches(nulTerminated text: UnsafeBufferPointer<UInt8>) -> Bool {
        precondition(text.last == 0, "POSIXRegex.matches needs a NUL-terminated string")
        return text.withMemoryRebound(to: CChar.self) { regexec(&compiled, $0.baseAddress!, 0, nil, 0) == 0 }
    }
}

/// Shell wildcard patterns as the C library matches them.
public enum ShellPattern {
    /// Whether `name` matches the wildcard `pattern` (`fnmatch(3)` with no flags: `*` and `?` match `/`
    /// and a leading `.`, a backslash quotes).
    public static func matches(_ pattern: String, _ name: String) -> Bool { fnmatch(pattern, name, 0) == 0 }
}

extension String {
    /// The string with `0`s in front up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
