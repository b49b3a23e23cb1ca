import ELFScan
internal import Glibc

/// The libFuzzer target over the module reader: each input is a module file — plain, xz, gzip or zstd,
/// since the reader decides by magic — read exactly as a tree scan reads one. Any `ELFScanError` is a
/// correct answer; a crash, a sanitizer report, a hang or memory past `-rss_limit_mb` is a finding.
///
/// Built by `scripts/fuzz` with `-sanitize=fuzzer` (libFuzzer provides `main`) and `-DFUZZING`. An
/// ordinary build is a replayer with its own `main`: `modsplit-fuzz FILE…` reads each file once and
/// prints what the reader said, which is how a crashing input is reproduced.
enum ModuleFuzzer {
    /// The limit the fuzzer runs with: small, so that a bomb is refused within `-rss_limit_mb`.
    static let limits = ScanLimits(maxUncompressedBytes: 64 << 20, maxCompressedInputBytes: 64 << 20)

    /// An in-memory file the input is written to, opened again by path like any module.
    nonisolated(unsafe) static var scratch: (fd: Int32, path: String)?

    static func scratchFile() -> (fd: Int32, path: String) {
        if let scratch { return scratch }
        // memfd_create is not in Swift's Glibc module: an unlinked file in /dev/shm (else /tmp) is as good,
        // reached again through /proc/self/fd.
        let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(dir)/modsplit-fuzz-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        precondition(fd >= 0, "mkstemp failed")
        unlink(template)
        let made = (fd, "/proc/self/fd/\(fd)")
        scratch = made
        return made
    }

    static func run(_ data: UnsafeRawBufferPointer) -> String {
        let (fd, path) = scratchFile()
        precondition(ftruncate(fd, 0) == 0)
        var done = 0
        while done < data.count {
            let n = pwrite(fd, data.baseAddress! + done, data.count - done, off_t(done))
            precondition(n > 0, "pwrite failed")
            done += n
        }
        do {
            let facts = try ModuleReader.read(absolutePath: path, path: "fuzz.ko", limits: limits)
            return
                "read: \(facts.name), \(facts.exports.count) exports, \(facts.imports.count) imports, "
                + "\(facts.modinfo.count) modinfo"
        } catch {
            return "error: \(error.kind.rawValue): \(error.reason)"
        }
    }
}

/// libFuzzer's entry point: reads one input as a module file; any outcome but a crash is fine.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = ModuleFuzzer.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

#if !FUZZING
    @main struct Replay {
        static func main() {
            let files = CommandLine.arguments.dropFirst()
            if files.isEmpty {
                print("usage: modsplit-fuzz FILE…  (replays fuzzer inputs; scripts/fuzz builds the fuzzer)")
                exit(2)
            }
            for file in files {
                guard let f = fopen(file, "rb") else {
                    print("\(file): cannot open")
                    continue
                }
                var bytes: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = fread(&chunk, 1, chunk.count, f)
                    if n <= 0 { break }
                    bytes += chunk[0..<n]
                }
                fclose(f)
                print("\(file): \(bytes.withUnsafeBytes { ModuleFuzzer.run($0) })")
            }
        }
    }
#endif
