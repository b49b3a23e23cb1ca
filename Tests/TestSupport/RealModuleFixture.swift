public import Foundation
internal import Synchronization

/// Two small kernel trees of real modules, built at test time: 25 modules of Debian's 6.1 amd64 kernel
/// (virtio as modules, the virtio block/net/SCSI drivers with failover, SCSI and AHCI, FAT, r8169 with its
/// PHY library and Realtek PHY driver, ALSA's core, e1000e, dummy) and the 24 of the same set in Debian's
/// 6.12 (virtio built into the kernel, virtio_snd new), each with its Module.symvers, modules.order and
/// modules.builtin; and a split of them in Fedora's filtermods format, with a revision of it. The golden
/// files of every report are written from these.
///
/// Why objects built by clang from recorded facts (`RealModuleFixture+Debian61.swift`, `+Debian612.swift`)
/// and not the real `.ko` files (a subset of the cached Debian trees, or a few committed): the outputs must
/// be the same on every machine and every day. A cached tree is absent on a fresh clone and changes with
/// each Debian point release (sizes, CRCs, symbols), and committed `.ko` files are GPL binaries without
/// their source. The objects carry the real names, paths, exports with their CRCs, imports, aliases,
/// softdeps and licenses, so the reports show what they show on the real trees. Each file is padded with
/// zeros to the real module's uncompressed size (the ELF reader ignores bytes past the section headers), so
/// sizes do not depend on the clang that built it.
public enum RealModuleFixture {
    /// One of the two trees.
    public enum Release: String, CaseIterable, Sendable {
        case debian61 = "6.1.0-fixture-amd64"
        case debian612 = "6.12.0-fixture-amd64"

        /// The kernel version (`lib/modules/<version>`).
        public var version: String { rawValue }
        /// The root's directory name under the fixture directory.
        public var directoryName: String { self == .debian61 ? "debian-6.1" : "debian-6.12" }

        var modules: [Recorded] { self == .debian61 ? RealModuleFixture.release61 : RealModuleFixture.release612 }
        var kernel: [String] { self == .debian61 ? RealModuleFixture.kernel61 : RealModuleFixture.kernel612 }
        /// What 6.12 builds into the kernel that 6.1 ships as modules.
        var builtin: [String] {
            self == .debian61 ? [] : ["kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_ring.ko"]
        }
    }

    /// A module's facts, recorded from Debian's linux-image-6.1.0-57-amd64 and linux-image-6.12.117+deb12-amd64
    /// (`modsplit export json` on each tree, and each Module.symvers) for the modules of the set only: its
    /// name, its path under `kernel/` (as a plain `.ko`), its uncompressed size, its exports (`name crc [gpl]`:
    /// those another module of the set imports, plus up to three the other release lacks, so the diff shows
    /// changed exports), its imports (`name crc`: per providing module of the set, at most six that both
    /// releases import and two that only this one does; in 6.12 the same virtio symbols as in 6.1, now from the
    /// kernel; two more of the kernel's) and its `.modinfo` (license, up to three aliases, softdeps, depends).
    /// The kernel's exports (`crc name type`) are the Module.symvers lines of the kernel symbols imported.
    /// Symbols, CRCs and aliases are the kernel's interface facts, not its code.
    struct Recorded {
        var name: String
        var path: String
        var size: Int
        var exports: [String]
        var imports: [String]
        var modinfo: [String]
        init(_ name: String, _ path: String, size: Int, exports: [String], imports: [String], modinfo: [String]) {
            self.name = name
            self.path = path
            self.size = size
            self.exports = exports
            self.imports = imports
            self.modinfo = modinfo
        }
    }

    /// A cloud split: virtio, storage, r8169 and the file systems a guest boots from in the core, sound in
    /// extra, the rest in modules. Its findings: `ahci` is pinned to the core and `libata` to modules
    /// (`exact_pkg`), so ahci and libahci (dragged into the core by ahci) need a package the core does not
    /// depend on (cross-package errors); scsi_common, asked for extra, and r8169's PHY library are dragged
    /// into the core (forced moves); r8169's softdep names the Realtek PHY driver, left in modules.
    public static let rules = """
        # A small cloud split of the fixture's modules (Fedora's filtermods format).
        packages:
          - name: modules-core
            depends-on: []
          - name: modules
            depends-on:
            - modules-core
          - name: modules-extra
            depends-on:
            - modules-core
            - modules

        rules:
          - drivers/virtio/.*: modules-core
          - drivers/block/virtio_blk.*: modules-core
          - drivers/net/(virtio_net|net_failover).*: modules-core
          - net/core/failover.*: modules-core
          - drivers/scsi/(scsi_mod|sd_mod|virtio_scsi).*: modules-core
          - drivers/scsi/.*: modules-extra
          - drivers/ata/ahci.*: modules-core
            exact_pkg: True
          - drivers/ata/libata.*: modules
            exact_pkg: True
          - drivers/net/ethernet/realtek/.*: modules-core
          - fs/fat/.*: modules-core
          - sound/.*: modules-extra
          - default: modules

        """

    /// The split revised: all of ATA and the PHY drivers in the core (the errors and the softdep warning go
    /// away), sound in modules.
    public static let revisedRules = """
        # The split revised: ATA and the PHY drivers join the core, sound moves to modules.
        packages:
          - name: modules-core
            depends-on: []
          - name: modules
            depends-on:
            - modules-core
          - name: modules-extra
            depends-on:
            - modules-core
            - modules

        rules:
          - drivers/virtio/.*: modules-core
          - drivers/block/virtio_blk.*: modules-core
          - drivers/net/(virtio_net|net_failover).*: modules-core
          - net/core/failover.*: modules-core
          - drivers/scsi/(scsi_mod|sd_mod|virtio_scsi).*: modules-core
          - drivers/scsi/.*: modules-extra
          - drivers/ata/.*: modules-core
          - drivers/net/ethernet/realtek/.*: modules-core
          - drivers/net/phy/.*: modules-core
          - fs/fat/.*: modules-core
          - sound/.*: modules
          - default: modules

        """

    /// Where a built fixture lies: `<directory>/debian-6.1`, `<directory>/debian-6.12` (roots),
    /// `<directory>/rules/split.yaml` and `<directory>/rules/revised.yaml`.
    public struct Built: Sendable {
        /// The directory that holds both roots and the rules.
        public let directory: URL
        /// The root of `release` (it holds `lib/modules/<version>` and `usr/src/linux-headers-<version>`).
        public func root(_ release: Release) -> URL { directory.appendingPathComponent(release.directoryName) }
        /// `rules/split.yaml`, the rules the fixture's first checks use.
        public var rules: URL { directory.appendingPathComponent("rules/split.yaml") }
        /// `rules/revised.yaml`, the changed rules a diff compares with.
        public var revisedRules: URL { directory.appendingPathComponent("rules/revised.yaml") }
    }

    /// Builds both trees and both rules files under `directory` (which must exist).
    public static func build(in directory: URL) throws -> Built {
        let built = Built(directory: directory)
        let rulesDirectory = directory.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rulesDirectory, withIntermediateDirectories: true)
        try rules.write(to: built.rules, atomically: false, encoding: .utf8)
        try revisedRules.write(to: built.revisedRules, atomically: false, encoding: .utf8)
        for release in Release.allCases { try build(release, root: built.root(release)) }
        return built
    }

    static func build(_ release: Release, root: URL) throws {
        let moduleDirectory = root.appendingPathComponent("lib/modules/\(release.version)")
        let kernel = moduleDirectory.appendingPathComponent("kernel")
        let work = root.appendingPathComponent("build-sources")
        let vermagic = "vermagic=\(release.version) SMP preempt mod_unload modversions "
        let modules = release.modules
        // clang once per module, on every core.
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: modules.count) { i in
            do {
                try build(modules[i], vermagic: vermagic, kernel: kernel, work: work)
            } catch {
                failures.add("\(modules[i].name): \(error)")
            }
        }
        if let first = failures.first { throw FixtureError(description: first) }
        try FileManager.default.removeItem(at: work)
        func write(_ text: String, _ relative: String, in base: URL) throws {
            let url = base.appendingPathComponent(relative)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true)
            try text.write(to: url, atomically: false, encoding: .utf8)
        }
        try write(modules.map { "kernel/\($0.path)\n" }.joined(), "modules.order", in: moduleDirectory)
        try write(release.builtin.map { $0 + "\n" }.joined(), "modules.builtin", in: moduleDirectory)
        // Module.symvers as kbuild writes it: the kernel's exports, then each module's, tab-separated.
        var symvers = ""
        for line in release.kernel {
            let f = line.split(separator: " ")
            symvers += "\(f[0])\t\(f[1])\tvmlinux\t\(f[2])\t\n"
        }
        for m in modules {
            for e in m.exports {
                let f = e.split(separator: " ")
                let object = m.path.replacingOccurrences(of: ".ko", with: "")
                symvers += "\(f[1])\t\(f[0])\t\(object)\tEXPORT_SYMBOL\(f.count > 2 ? "_GPL" : "")\t\n"
            }
        }
        let headers = "usr/src/linux-headers-\(release.version)"
        try write(symvers, headers + "/Module.symvers", in: root)
        // As Debian's packages have it: the module directory's `build` names the headers.
        try FileManager.default.createSymbolicLink(
            atPath: moduleDirectory.appendingPathComponent("build").path,
            withDestinationPath: "/" + headers)
    }

    static func build(_ m: Recorded, vermagic: String, kernel: URL, work: URL) throws {
        var module = FixtureModule(name: m.name)
        module.exports = m.exports.map { e in
            let f = e.split(separator: " ")
            return .init(String(f[0]), gpl: f.count > 2, crc: UInt32(f[1].dropFirst(2), radix: 16) ?? 0)
        }
        let imports = m.imports.map { i in
            let f = i.split(separator: " ")
            return (String(f[0]), UInt32(f[1].dropFirst(2), radix: 16) ?? 0)
        }
        module.imports = imports.map(\.0)
        module.versions = imports
        module.modinfo = m.modinfo + ["name=\(m.name)", vermagic]
        let file = kernel.appendingPathComponent(m.path)
        let directory = work.appendingPathComponent(m.name)
        let object = try module.build(in: directory)
        let size = try FileManager.default.attributesOfItem(atPath: object.path)[.size] as? Int ?? 0
        guard size <= m.size else {
            throw FixtureError(description: "\(m.name): clang wrote \(size) bytes, more than the real \(m.size)")
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: object, to: file)
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: UInt64(m.size))
        try handle.close()
    }

    struct FixtureError: Error, CustomStringConvertible { var description: String }

    private final class Failures: Sendable {
        private let messages = Mutex<[String]>([])
        func add(_ message: String) { messages.withLock { $0.append(message) } }
        var first: String? { messages.withLock { $0.sorted().first } }
    }
}

/// The golden files of the reports (`Tests/ReportsTests/Golden`): each output of the commands on
/// `RealModuleFixture`, with the fixture's directory written `<TREE>` and modsplit's version `<VERSION>`.
/// `MODSPLIT_RECORD_GOLDEN=1` makes ReportsTests rewrite them (and fail, so a recording is never taken for a
/// pass); review the change with `git diff Tests/ReportsTests/Golden`.
public enum GoldenFiles {
    /// `Tests/ReportsTests/Golden`.
    public static let directory = Fixtures.root.deletingLastPathComponent()
        .appendingPathComponent("ReportsTests/Golden")

    /// True when the golden files are to be rewritten.
    public static var recording: Bool { ProcessInfo.processInfo.environment["MODSPLIT_RECORD_GOLDEN"] == "1" }

    /// `text` with the machine-specific parts replaced by placeholders.
    public static func normalised(_ text: String, fixture: URL, version: String) -> String {
        text.replacingOccurrences(of: fixture.path, with: "<TREE>").replacingOccurrences(of: version, with: "<VERSION>")
    }

    /// The golden file `name`, or nil when it has not been recorded.
    public static func expected(_ name: String) -> String? {
        try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
}
