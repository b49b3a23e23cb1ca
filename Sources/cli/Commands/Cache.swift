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
                if files.isEmpty { out += "  (empty)\n" }
                for f in files {
                    out += "  \(f.moduleDirectory): \(f.modules) modules, \((f.bytes + 1023) / 1024) KiB (\(f.file))\n"
                }
                try emit(out, to: nil)
            }
        }

        struct Clear: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove every cache file.")
            func run() throws {
                let cache = ScanCache(toolVersion: Modsplit.cacheVersion)
                try emit("removed \(cache.clear()) cache files from \(cache.directory)\n", to: nil)
            }
        }
    }
}
