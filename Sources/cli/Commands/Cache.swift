import ArgumentParser
import ELFScan
import Foundation
import Reports

extension Modsplit {
    struct Cache: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The scan cache of module facts ($XDG_CACHE_HOME/modsplit, else ~/.cache/modsplit).",
            subcommands: [Info.self, Clear.self], defaultSubcommand: Info.self)

        struct Info: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Where the cache is and what it holds.")
            func run() throws {
                try emit(CacheListing.text(ScanCache(toolVersion: Modsplit.cacheVersion)), to: nil)
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
