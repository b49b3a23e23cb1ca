import Foundation
import TestSupport
import Testing

/// `modsplit check` on a real tree in which hundreds of modules were damaged — bit flips, truncations,
/// ELF header and section-table corruption — plus decompression bombs, corrupt streams and special
/// files: it must finish in bounded time and memory, report every file it cannot read, and give the
/// untouched modules exactly the facts they have in the untampered tree.
@Suite(.enabled(if: RealKernels.enabled), .serialized)
struct HostileInputTests {
    /// A deterministic generator (SplitMix64), so a failure names a mutant that can be made again.
    struct Mutator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static func u64(_ d: Data, _ o: Int) -> Int { (0..<8).reduce(0) { $0 | Int(d[o + $1]) << (8 * $1) } }
    static func u16(_ d: Data, _ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
    static func put(_ d: inout Data, _ o: Int, _ value: UInt64, bytes: Int) {
        for i in 0..<bytes where o + i < d.count { d[o + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    /// One damage done to a module's bytes (ELF64 little-endian, as the cloud-amd64 tree is).
    static func mutate(_ d: inout Data, kind: Int, rng: inout Mutator) -> String {
        switch kind {
        case 0:  // bit flips anywhere
            let flips = [1, 4, 16, 64][rng.below(4)]
            for _ in 0..<flips { d[rng.below(d.count)] ^= UInt8(1 << rng.below(8)) }
            return "\(flips) bit flips"
        case 1:  // truncation: the header, the middle, one byte short
            let cut = [rng.below(64), rng.below(d.count), d.count - 1 - rng.below(64), d.count * rng.below(32) / 32][
                rng.below(4)]
            d = d.prefix(max(0, min(cut, d.count - 1)))
            return "truncated to \(d.count) bytes"
        case 2:  // ELF header fields
            let fields: [(String, Int, Int)] = [
                ("EI_CLASS", 4, 1), ("EI_DATA", 5, 1), ("e_type", 16, 2), ("e_machine", 18, 2), ("e_shoff", 0x28, 8),
                ("e_ehsize", 0x34, 2), ("e_shentsize", 0x3A, 2), ("e_shnum", 0x3C, 2), ("e_shstrndx", 0x3E, 2),
            ]
            let (name, offset, size) = fields[rng.below(fields.count)]
            put(&d, offset, [0, 1, 0xFFFF, UInt64.max, rng.next()][rng.below(5)], bytes: size)
            return "ELF header \(name)"
        default:  // one field of one section header
            let shoff = u64(d, 0x28), shnum = u16(d, 0x3C)
            guard shnum > 0, shoff + shnum * 64 <= d.count else { return "no section table" }
            let fields: [(String, Int, Int)] = [
                ("sh_name", 0, 4), ("sh_type", 4, 4), ("sh_offset", 24, 8), ("sh_size", 32, 8), ("sh_link", 40, 4),
                ("sh_info", 44, 4), ("sh_entsize", 56, 8),
            ]
            let (name, offset, size) = fields[rng.below(fields.count)]
            let section = rng.below(shnum)
            let value: UInt64 = [
                0, 1, 7, UInt64(shnum), UInt64(d.count), UInt64.max, rng.next() % 0x1_0000, rng.next(),
            ][rng.below(8)]
            put(&d, shoff + section * 64 + offset, value, bytes: size)
            return "section \(section) \(name) = \(value)"
        }
    }

    /// Runs the built binary under `/usr/bin/time` with a deadline; returns status, stdout and peak RSS (KiB).
    static func runBounded(_ args: [String], seconds: Double) throws -> (
        status: Int32, stdout: Data, peakKiB: Int, elapsed: Double
    ) {
        let dir = try TemporaryDirectory("hostile-run")
        defer { dir.cleanup() }
        let out = dir.url.appendingPathComponent("stdout"), rss = dir.url.appendingPathComponent("rss")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        // timeout kills modsplit at the deadline (status 137); /usr/bin/time reports its peak RSS.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments =
            ["-s", "KILL", String(Int(seconds)), "/usr/bin/time", "-f", "%M", "-o", rss.path, Binary.url.path] + args
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        let start = Date()
        try p.run()
        p.waitUntilExit()
        let elapsed = Date().timeIntervalSince(start)
        let peak =
            Int((try? String(contentsOf: rss, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? "")
            ?? -1
        return (p.terminationStatus, try Data(contentsOf: out), peak, elapsed)
    }

    /// Module facts by path from `modsplit export json`, without what depends on other modules (users,
    /// depends, and which module provides each import).
    static func facts(tree: URL) throws -> [String: NSDictionary] {
        let r = try Binary.run(["export", "json", "--tree", tree.path, "--no-cache"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        var out: [String: NSDictionary] = [:]
        for case var m as [String: Any] in doc["modules"] as? [Any] ?? [] {
            m["users"] = nil
            m["depends"] = nil
            m["imports"] = (m["imports"] as? [[String: Any]])?.map { i in
                var i = i; i["provider"] = nil; return i as NSDictionary
            }
            if let path = m["path"] as? String { out[path] = m as NSDictionary }
        }
        return out
    }

    @Test("hundreds of damaged real modules, bombs and special files: a finding for each, the rest intact")
    func hostileTree() throws {
        let source = try RealKernels.root(.init("cloud-amd64"))
        let tree = try TamperedTree(copying: source)
        defer { tree.cleanup() }
        let moduleDir = tree.moduleDirectory
        let all = try runChecked("find", [moduleDir.path, "-name", "*.ko", "-type", "f"])
            .split(separator: "\n").map(String.init).sorted()
        #expect(all.count > 1000)

        // Damage every other module up to 400 of them, in place (the hard link is broken first).
        var rng = Mutator(state: 0x6D6F_6473_706C_6974)
        var mutated: [String: String] = [:]  // relative path → what was done
        for (i, path) in all.enumerated() where i % 2 == 0 && mutated.count < 400 {
            let url = URL(fileURLWithPath: path)
            var bytes = try Data(contentsOf: url)
            let what = Self.mutate(&bytes, kind: mutated.count % 4, rng: &rng)
            try FileManager.default.removeItem(at: url)
            try bytes.write(to: url)
            mutated[String(path.dropFirst(moduleDir.path.count + 1))] = what
        }

        // Files that can never be read.
        let hostile = moduleDir.appendingPathComponent("kernel/hostile")
        try FileManager.default.createDirectory(at: hostile, withIntermediateDirectories: true)
        var unreadable: Set<String> = []
        func add(_ name: String, _ make: (URL) throws -> Void) rethrows {
            try make(hostile.appendingPathComponent(name))
            unreadable.insert("kernel/hostile/" + name)
        }
        // Bombs: 1 GiB of zeros each, refused from the size they declare (and capped while inflating).
        for (name, command) in [
            ("bomb.ko.xz", "xz -0 -T1 -c"), ("bomb.ko.gz", "gzip -1 -c"), ("bomb.ko.zst", "zstd -1 -q -c"),
        ] {
            try add(name) { url in
                try runChecked("/bin/sh", ["-c", "head -c 1G /dev/zero | \(command) > '\(url.path)'"])
            }
        }
        // Corrupt streams of a real module.
        let sample = URL(fileURLWithPath: all[1])
        for (suffix, command) in [("xz", "xz -c"), ("gz", "gzip -c"), ("zst", "zstd -q -c")] {
            let packed = hostile.appendingPathComponent("packed.ko.\(suffix)")
            try runChecked("/bin/sh", ["-c", "\(command) '\(sample.path)' > '\(packed.path)'"])
            let bytes = try Data(contentsOf: packed)
            try add("cut.ko.\(suffix)") { try bytes.prefix(bytes.count / 2).write(to: $0) }
            try add("flipped.ko.\(suffix)") { url in
                var b = bytes
                for i in stride(from: 16, to: b.count - 16, by: 97) { b[i] ^= 0xA5 }
                try b.write(to: url)
            }
            try FileManager.default.removeItem(at: packed)
        }
        add("empty.ko") { _ = FileManager.default.createFile(atPath: $0.path, contents: Data()) }
        try add("text.ko") { try Data("not a module\n".utf8).write(to: $0) }
        add("fifo.ko") { url in #expect(mkfifo(url.path, 0o644) == 0) }
        try add("dir.ko") { try FileManager.default.createDirectory(at: $0, withIntermediateDirectories: true) }
        add("loop.ko") { url in #expect(symlink("loop.ko", url.path) == 0) }
        add("dangling.ko") { url in #expect(symlink("nowhere.ko", url.path) == 0) }

        let run = try Self.runBounded(
            [
                "check", "--tree", tree.root.path, "--no-cache", "--format", "json",
                "--max-module-mib", "64",
            ], seconds: 120)
        print(
            "hostile tree: \(mutated.count) damaged modules, \(unreadable.count) unreadable files; "
                + "check took \(String(format: "%.1f", run.elapsed)) s, peak RSS \(run.peakKiB / 1024) MiB")
        #expect(run.status == 0 || run.status == 1, "exit status \(run.status) (137: killed at the deadline)")
        #expect(run.peakKiB > 0 && run.peakKiB < 1024 * 1024, "peak RSS \(run.peakKiB) KiB")
        let report = try #require(try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        let findings = report["findings"] as? [[String: Any]] ?? []
        let unreadableFound = Set(
            findings.filter { $0["kind"] as? String == "unreadable-module" }.compactMap { $0["path"] as? String })
        for path in unreadable.sorted() {
            #expect(unreadableFound.contains(path), "no unreadable-module finding for \(path)")
        }

        // Every damaged module was either read or reported; the untouched ones read as before.
        let after = try Self.facts(tree: tree.root)
        let before = try Self.facts(tree: source)
        for (path, what) in mutated.sorted(by: { $0.key < $1.key }) {
            #expect(after[path] != nil || unreadableFound.contains(path), "\(path) (\(what)) neither read nor reported")
        }
        let stillReadable = mutated.keys.filter { after[$0] != nil }.count
        print("hostile tree: \(mutated.count - stillReadable) damaged modules reported, \(stillReadable) still read")
        var intact = 0
        for (path, facts) in before where mutated[path] == nil {
            #expect(after[path] == facts, "\(path) reads differently in the tampered tree")
            intact += 1
        }
        #expect(intact == all.count - mutated.count)
    }
}
