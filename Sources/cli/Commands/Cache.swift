import ArgumentParser
import ELFScan
import Foundation

extension Modsplit {
    struct Cache: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The scan cache of module facts ($XDG_CACHE_HOME/modsplit, else ~/.cache/modsplit).",
            subcommands: [Info.self, Clear.self], defaultSubcommand: Info.self)

        struct Info: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Where the cache is and what it holds.")
            func run() throws {
                let cache = ScanCache(toolVersion: Modsplit.cacheVersion)
                var out = "cache directory \(cache.directory)\n"
                let files = cache.info()
                let temporaries = cache.temporaries()
                if files.isEmpty && temporaries.isEmpty { out += "  (empty)\n" }
                for f in files {
                    out += "  \(f.moduleDirectory): \(f.modules) modules, \((f.bytes + 1023) / 1024) KiB (\(f.file))\n"
                }
                for t in temporaries {
                    let state =
                        t.isStale
                        ? "left by a run that is gone; removed by the next scan or by cache clear"
                        : "being written by process \(t.pid)"
                    out += "  unfinished: \((t.bytes + 1023) / 1024) KiB (\(t.file)), \(state)\n"
                }
                try emit(out, to: nil)
            }
        }

        struct Clear: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Remove every cache file, and what killed runs left (not files a running modsplit is writing).")
            func run() throws {
                let cache = ScanCache(toolVersion: Modsplit.cacheVersion)
                try emit("removed \(cache.clear()) cache files from \(cache.directory)\n", to: nil)
            }
        }
    }
}
