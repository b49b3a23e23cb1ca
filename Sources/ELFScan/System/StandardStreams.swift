internal import Glibc

/// Standard output or standard error, for a command line that makes no POSIX call of its own.
public enum StandardStream: Sendable {
    /// Standard output (descriptor 1).
    case output
    /// Standard error (descriptor 2).
    case error

    private var descriptor: Int32 { self == .output ? 1 : 2 }

    /// Whether the stream is a terminal (`isatty(3)`).
    public var isTerminal: Bool { isatty(descriptor) == 1 }

    /// Writes all of `text` (`Syscalls.writeAll`: short writes and interruptions retried).
    public func write(_ text: String) throws(FileError) {
        var text = text
        let descriptor = descriptor
        let reason = text.withUTF8 { Syscalls.writeAll(descriptor, UnsafeRawBufferPointer($0)) }
        if let reason {
            throw FileError(path: self == .output ? "standard output" : "standard error", "cannot write: \(reason)")
        }
    }
}

/// The running process: its monotonic clock, when it started, and the binary it runs.
public enum RunningProcess {
    /// Seconds on the monotonic clock (`CLOCK_MONOTONIC`).
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The monotonic time the process started (field 22 of /proc/self/stat, in clock ticks since boot), or
    /// `now()` when the kernel does not tell.
    public static func startTime() -> Double {
        let stat = String(decoding: FileAccess.head("/proc/self/stat"), as: UTF8.self)
        guard let close = stat.lastIndex(of: ")") else { return now() }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return now() }
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The running binary's size and modification second as `SIZE.SECONDS`: the binary is `argument0`
    /// when it holds a slash, else /proc/self/exe (also when `argument0` cannot be stat'ed); nil when
    /// neither can.
    public static func binaryStamp(argument0: String?) -> String? {
        let binary = argument0.flatMap { $0.contains("/") ? $0 : nil } ?? "/proc/self/exe"
        guard let st = Syscalls.status(binary) ?? Syscalls.status("/proc/self/exe") else { return nil }
        return "\(st.size).\(st.modified / 1_000_000_000)"
    }
}
