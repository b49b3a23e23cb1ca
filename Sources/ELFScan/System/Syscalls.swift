internal import Glibc

/// The POSIX calls modsplit makes, each wrapped once: retries on EINTR and short transfers, and errno
/// turned into text where it happens. Everything else in ELFScan goes through these.
enum Syscalls {
    /// The text of the current `errno` (`strerror`).
    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

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

    /// Reads up to `count` bytes at `offset` into `buffer` (`pread(2)`), retrying short reads and
    /// interruptions; returns the bytes read (fewer only at the end of the file), or the reason.
    static func preadAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, offset: Int) -> Result<Int, Failure> {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .failure(Failure(errnoText())) }
            if n == 0 { break }
            done += n
        }
        return .success(done)
    }

    /// Opens `path` read-only without blocking on a FIFO and without becoming its controlling terminal.
    static func openForReading(_ path: String) -> Result<Int32, Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        return fd >= 0 ? .success(fd) : .failure(Failure(errnoText()))
    }

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

    /// A failed call's reason.
    struct Failure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
