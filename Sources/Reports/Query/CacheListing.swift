public import ELFScan

/// What `modsplit cache` says about the scan cache.
public enum CacheListing {
    /// Where the cache is, each cache file with its tree, and each unfinished file with who is writing it.
    public static func text(_ cache: ScanCache) -> String {
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
        return out
    }
}
