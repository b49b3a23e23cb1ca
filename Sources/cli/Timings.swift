import ELFScan
import Foundation

/// Wall time per phase of a command, printed to stderr when `MODSPLIT_TIMINGS=1`: how the
/// performance section of the README splits a run. Off by default, and then free.
enum Timings {
    static let enabled = ProcessInfo.processInfo.environment["MODSPLIT_TIMINGS"] == "1"
    /// From process start, as far as the kernel knows it: the first phase includes start-up.
    private static let start = RunningProcess.startTime()
    nonisolated(unsafe) private static var last = start

    /// Ends the phase `name` (it began where the last one ended).
    static func mark(_ name: String) {
        guard enabled else { return }
        let t = RunningProcess.now()
        let padded = name.padding(toLength: 10, withPad: " ", startingAt: 0)
        let line = String(
            format: "modsplit: timing %@ %7.1f ms  (at %7.1f ms)\n", padded, (t - last) * 1000, (t - start) * 1000)
        FileHandle.standardError.write(Data(line.utf8))
        last = RunningProcess.now()
    }
}
