import Foundation

/// Wall time per phase of a command, printed to stderr when `MODSPLIT_TIMINGS=1`: how the
/// performance section of the README splits a run. Off by default, and then free.
enum Timings {
    static let enabled = ProcessInfo.processInfo.environment["MODSPLIT_TIMINGS"] == "1"
    /// From process start, as far as the kernel knows it: the first phase includes start-up.
    private static let start = processStart()
    nonisolated(unsafe) private static var last = start

    /// Ends the phase `name` (it began where the last one ended).
    static func mark(_ name: String) {
        guard enabled else { return }
        let t = now()
        let padded = name.padding(toLength: 10, withPad: " ", startingAt: 0)
        let line = String(
            format: "modsplit: timing %@ %7.1f ms  (at %7.1f ms)\n", padded, (t - last) * 1000, (t - start) * 1000)
        FileHandle.standardError.write(Data(line.utf8))
        last = now()
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The monotonic time the process started (field 22 of /proc/self/stat, in clock ticks since boot).
    private static func processStart() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return now() }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return now() }
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
