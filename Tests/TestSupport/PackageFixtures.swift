public import Foundation

/// Debian's real installer module packages (udebs), fetched by `scripts/fetch-debian-udebs` into
/// `$MODSPLIT_DATA` and pinned by the SHA-256 list in `Tests/Fixtures/debian/udebs-<set>/`. Enabled
/// and required as `RealKernels` says (`MODSPLIT_REAL_KERNELS`).
public enum RealPackages {
    /// The set the tests use: the 52 udebs Debian built from `linux-image-6.1.0-50-amd64`.
    public static let udebSet = "6.1.0-50-amd64"
    /// The kernel they were built from (its headers' Module.symvers has the kernel's exports).
    public static let udebKernel = RealKernels.Tree("linux-image-6.1.0-50-amd64")

    private static let cache = Cache()

    /// The directory holding the udebs of `set`, fetched on first use.
    public static func udebDirectory(_ set: String = udebSet) throws -> URL {
        if let known = cache.get(set) { return known }
        let script = RealKernels.repositoryRoot.appendingPathComponent("scripts/fetch-debian-udebs").path
        let out = try runChecked(script, [set])
        let url = URL(fileURLWithPath: out.split(separator: "\n").last.map(String.init) ?? "")
        cache.set(set, url)
        return url
    }

    /// The udeb files of `set`, sorted by name.
    public static func udebs(_ set: String = udebSet) throws -> [URL] {
        let dir = try udebDirectory(set)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".udeb") }.sorted()
            .map { dir.appendingPathComponent($0) }
    }

    /// The udeb of `set` whose package name starts with `list`
    /// (`nic-modules` → nic-modules-6.1.0-50-amd64-di_….udeb).
    public static func udeb(_ list: String, set: String = udebSet) throws -> URL {
        guard let u = try udebs(set).first(where: { $0.lastPathComponent.hasPrefix("\(list)-\(set)-di_") }) else {
            throw CommandFailed(command: "udeb \(list)", result: (1, "", "no such udeb in \(set)"))
        }
        return u
    }

    /// An NSLock, not Synchronization's Mutex: the sanitized CI run's ThreadSanitizer sees a pthread mutex but not
    /// the futex under Mutex on Linux, and would report every access as a race. Hence `@unchecked`.
    private final class Cache: @unchecked Sendable {
        private var dirs: [String: URL] = [:]
        private let lock = NSLock()
        func get(_ key: String) -> URL? { lock.withLock { dirs[key] } }
        func set(_ key: String, _ url: URL) { lock.withLock { dirs[key] = url } }
    }
}

/// Tar archives written byte by byte, so that tests can say exactly what an entry claims: its name
/// (`..`, absolute, long), its type (links, FIFOs), its declared size. ustar headers, with a pax
/// header in front of names and link targets too long for them.
public struct TarWriter {
    /// The type of an entry: a file, a directory, a FIFO, or a link to a target.
    public enum Kind: Sendable {
        case file, directory, fifo
        case symlink(String)
        case hardlink(String)
    }

    /// The archive written so far, without the end-of-archive blocks.
    public private(set) var bytes: [UInt8] = []

    /// An empty archive.
    public init() {}

    /// An entry with `data`; `declaredSize` overrides the size the header states (the data written is
    /// still `data`, padded to 512 bytes).
    public mutating func add(_ name: String, _ data: [UInt8] = [], kind: Kind = .file, declaredSize: UInt64? = nil) {
        var link = ""
        var type: UInt8 = UInt8(ascii: "0")
        switch kind {
        case .file: break
        case .directory: type = UInt8(ascii: "5")
        case .fifo: type = UInt8(ascii: "6")
        case .symlink(let t): type = UInt8(ascii: "2"); link = t
        case .hardlink(let t): type = UInt8(ascii: "1"); link = t
        }
        if name.utf8.count > 99 || link.utf8.count > 99 {
            var records: [UInt8] = []
            for (key, value) in [("path", name), ("linkpath", link)] where !value.isEmpty {
                let body = " \(key)=\(value)\n"
                var length = body.utf8.count + 1
                while String(length).utf8.count + body.utf8.count != length { length += 1 }
                records += Array("\(length)\(body)".utf8)
            }
            bytes += Self.header("PaxHeader", size: UInt64(records.count), type: UInt8(ascii: "x"), link: "")
            append(records)
        }
        bytes += Self.header(
            String(name.utf8.prefix(99))!, size: declaredSize ?? UInt64(data.count), type: type,
            link: String(link.utf8.prefix(99))!)
        append(data)
    }

    /// Only a header (a data stream the caller writes itself, e.g. a bomb compressed separately).
    public static func header(_ name: String, size: UInt64, type: UInt8 = UInt8(ascii: "0"), link: String = "")
        -> [UInt8]
    {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ offset: Int, _ length: Int) {
            for (i, b) in s.utf8.prefix(length).enumerated() { h[offset + i] = b }
        }
        func octal(_ v: UInt64, _ offset: Int, _ length: Int) {
            put(String(String(v, radix: 8).suffix(length - 1)).leftPadded(to: length - 1), offset, length - 1)
        }
        put(name, 0, 100)
        octal(type == UInt8(ascii: "5") ? 0o755 : 0o644, 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        octal(size, 124, 12)
        octal(1_700_000_000, 136, 12)
        h[156] = type
        put(link, 157, 100)
        put("ustar", 257, 6)
        put("00", 263, 2)
        put("root", 265, 32)
        put("root", 297, 32)
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(String(String(sum, radix: 8)).leftPadded(to: 6), 148, 6)
        h[154] = 0
        h[155] = 0x20
        return h
    }

    /// The end-of-archive blocks.
    public static let trailer = [UInt8](repeating: 0, count: 1024)

    /// The archive with its end-of-archive blocks.
    public func finished() -> [UInt8] { bytes + Self.trailer }

    private mutating func append(_ data: [UInt8]) {
        bytes += data
        let pad = (512 - data.count % 512) % 512
        bytes += [UInt8](repeating: 0, count: pad)
    }
}

/// ar archives as dpkg-deb writes them: `!<arch>`, then 60-byte member headers, members padded to even.
public enum ArWriter {
    /// An ar archive of `members`, in order.
    public static func archive(_ members: [(name: String, data: [UInt8])]) -> [UInt8] {
        var out = Array("!<arch>\n".utf8)
        for (name, data) in members {
            var header = ""
            header += name.padding(toLength: 16, withPad: " ", startingAt: 0)
            header += "0".padding(toLength: 12, withPad: " ", startingAt: 0)
            header += "0".padding(toLength: 6, withPad: " ", startingAt: 0)
            header += "0".padding(toLength: 6, withPad: " ", startingAt: 0)
            header += "100644".padding(toLength: 8, withPad: " ", startingAt: 0)
            header += String(data.count).padding(toLength: 10, withPad: " ", startingAt: 0)
            header += "`\n"
            out += Array(header.utf8)
            out += data
            if data.count % 2 == 1 { out.append(UInt8(ascii: "\n")) }
        }
        return out
    }
}

/// Compression with the command-line tools (xz, gzip, zstd, bzip2, lz4 where installed).
public enum Compressor {
    /// `bytes` through `program -c` (e.g. `xz`, `gzip -n`, `zstd -q`).
    public static func compress(_ bytes: [UInt8], with program: String) throws -> [UInt8] {
        let dir = try TemporaryDirectory("compress")
        defer { dir.cleanup() }
        let input = dir.url.appendingPathComponent("in"), output = dir.url.appendingPathComponent("out")
        try Data(bytes).write(to: input)
        try runChecked("sh", ["-c", "\(program) -c < '\(input.path)' > '\(output.path)'"])
        return Array(try Data(contentsOf: output))
    }

    /// `count` zero bytes compressed by `program`, without holding them in memory.
    public static func zeros(_ count: UInt64, with program: String) throws -> [UInt8] {
        let dir = try TemporaryDirectory("zeros")
        defer { dir.cleanup() }
        let output = dir.url.appendingPathComponent("out")
        try runChecked("sh", ["-c", "head -c \(count) /dev/zero | \(program) -c > '\(output.path)'"])
        return Array(try Data(contentsOf: output))
    }
}

/// Debian packages put together member by member.
public enum DebFixture {
    /// A control.tar.gz holding `./control`.
    public static func controlTar(_ control: String) throws -> [UInt8] {
        var tar = TarWriter()
        tar.add("./", kind: .directory)
        tar.add("./control", Array(control.utf8))
        return try Compressor.compress(tar.finished(), with: "gzip -n")
    }

    /// A control file for a module package.
    public static func control(
        _ package: String, version: String = "1.0", depends: String? = nil,
        provides: String? = nil, udeb: Bool = true
    ) -> String {
        var c = "Package: \(package)\nVersion: \(version)\nArchitecture: amd64\n"
        if udeb { c += "Package-Type: udeb\n" }
        if let depends { c += "Depends: \(depends)\n" }
        if let provides { c += "Provides: \(provides)\n" }
        return c + "Description: modsplit test package\n"
    }

    /// A whole .deb: debian-binary, control.tar.gz and `data` as `data.tar<suffix>` (already compressed).
    public static func deb(control: String, data: [UInt8], dataMember: String = "data.tar.xz") throws -> [UInt8] {
        ArWriter.archive([
            ("debian-binary", Array("2.0\n".utf8)), ("control.tar.gz", try controlTar(control)),
            (dataMember, data),
        ])
    }

    /// Writes `bytes` to `dir/name` and returns its URL.
    @discardableResult
    public static func write(_ bytes: [UInt8], to dir: URL, _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Unpacks `package` with `dpkg-deb -R`, lets `edit` change the tree (its root, with DEBIAN/), and
    /// builds it again with `dpkg-deb -b` as `output`.
    public static func repack(_ package: URL, to output: URL, _ edit: (URL) throws -> Void) throws {
        let dir = try TemporaryDirectory("repack")
        defer { dir.cleanup() }
        let root = dir.url.appendingPathComponent("root")
        try runChecked("dpkg-deb", ["-R", package.path, root.path])
        try edit(root)
        // gzip: xz would take seconds for the bigger udebs, and the reader takes either.
        try runChecked("dpkg-deb", ["--root-owner-group", "-Zgzip", "-z1", "-b", root.path, output.path])
    }
}

/// Small real RPMs built by `rpmbuild` in the tests: Fedora-shaped `kernel-modules-core` and
/// `kernel-modules` from Debian's modules (vsock and its transports), with Requires and Provides as
/// Fedora's kernel.spec writes them. Private `_topdir` and `_dbpath`: the user's rpm database is
/// never opened. Provenance: the spec below is written for these tests.
public enum RPMFixture {
    /// `uname -r` of the packages: an RPM version holds at most one `-`, so not Debian's release.
    public static let release = "6.1.0-50.cloud.x86_64"
    /// The modules, relative to the module directory; the first two go to -core.
    public static let core = [
        "kernel/net/vmw_vsock/vsock.ko", "kernel/net/vmw_vsock/vmw_vsock_virtio_transport_common.ko",
    ]
    /// The modules that go to `kernel-modules`.
    public static let rest = ["kernel/net/vmw_vsock/vsock_loopback.ko", "kernel/net/vmw_vsock/vsock_diag.ko"]

    static let spec = """
        %{!?kver: %{error: define kver}}
        %{!?moddir: %{error: define moddir}}
        %global ext %{?zipmodules:.xz}
        %global vsock kernel/net/vmw_vsock
        %global debug_package %{nil}
        %global _build_id_links none
        %global __os_install_post %{nil}
        Name: kernel
        Version: 6.1.0
        Release: 50
        Summary: modsplit test fixture (not a kernel)
        License: GPL-2.0-only
        AutoReqProv: no
        %description
        Debian modules repackaged as Fedora-style subpackages, for modsplit's tests.
        %package modules-core
        Summary: core modules (fixture)
        Provides: kernel-modules-core-uname-r = %{kver}
        Provides: kernel-modules-core = %{version}-%{release}
        Requires: kernel-uname-r = %{kver}
        %description modules-core
        vsock and its virtio transport.
        %package modules
        Summary: more modules (fixture)
        Provides: kernel-modules-uname-r = %{kver}
        Requires: kernel-uname-r = %{kver}
        Requires: kernel-modules-core-uname-r = %{kver}
        %description modules
        vsock_loopback and vsock_diag, which need the core package's exports.
        %install
        mkdir -p %{buildroot}/lib/modules/%{kver}/%{vsock}
        for m in vsock vsock_loopback vsock_diag %{!?broken:vmw_vsock_virtio_transport_common}; do
            install -m 0644 %{moddir}/%{vsock}/$m.ko %{buildroot}/lib/modules/%{kver}/%{vsock}/$m.ko
            %{?zipmodules:xz --check=crc32 --lzma2=dict=1MiB %{buildroot}/lib/modules/%{kver}/%{vsock}/$m.ko}
        done
        %files modules-core
        %dir /lib/modules/%{kver}
        /lib/modules/%{kver}/%{vsock}/vsock.ko%{ext}
        %{!?broken:/lib/modules/%{kver}/%{vsock}/vmw_vsock_virtio_transport_common.ko%{ext}}
        %files modules
        /lib/modules/%{kver}/%{vsock}/vsock_loopback.ko%{ext}
        /lib/modules/%{kver}/%{vsock}/vsock_diag.ko%{ext}

        """

    /// Whether `rpmbuild` is installed; the RPM tests are disabled without it.
    public static var available: Bool { (try? runChecked("sh", ["-c", "command -v rpmbuild"])) != nil }

    /// Builds `spec` (its text) with `defines` into `output`, reproducibly and offline, and returns the
    /// RPMs written (named NAME-VERSION-RELEASE.ARCH.rpm).
    public static func build(
        spec: String, defines: [String: String] = [:], payload: String = "w19.zstdio",
        into output: URL
    ) throws -> [URL] {
        let top = try TemporaryDirectory("rpmbuild")
        defer { top.cleanup() }
        let specFile = top.url.appendingPathComponent("fixture.spec")
        try spec.write(to: specFile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? [])
        var args = [
            "-bb", "--quiet",
            "--define", "_topdir \(top.url.path)", "--define", "_dbpath \(top.url.path)/rpmdb",
            "--define", "_rpmdir \(output.path)",
            "--define", "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
            "--define", "_binary_payload \(payload)",
            "--define", "use_source_date_epoch_as_buildtime 1", "--define", "clamp_mtime_to_source_date_epoch 1",
            "--define", "_buildhost modsplit-test",
        ]
        for (k, v) in defines.sorted(by: { $0.key < $1.key }) { args += ["--define", "\(k) \(v)"] }
        args.append(specFile.path)
        try runChecked("rpmbuild", args, environment: ["SOURCE_DATE_EPOCH": "1700000000", "HOME": top.url.path])
        let after = try FileManager.default.contentsOfDirectory(atPath: output.path)
        return after.filter { !before.contains($0) && $0.hasSuffix(".rpm") }.sorted().map {
            output.appendingPathComponent($0)
        }
    }

    /// Builds the two packages from the module directory `moduleDirectory` (Debian's 6.1.0-50 cloud
    /// modules) into `output` and returns (core, modules). `payload` is rpm's io flags (`w19.zstdio`,
    /// `w2.xzdio`, `w9.gzdio`, `w9.bzdio`); `broken` leaves vmw_vsock_virtio_transport_common out of
    /// -core; `compressedModules` ships `.ko.xz` as Fedora does.
    public static func build(
        from moduleDirectory: URL, into output: URL, payload: String = "w19.zstdio",
        broken: Bool = false, compressedModules: Bool = false
    ) throws -> (core: URL, modules: URL) {
        var defines = ["kver": release, "moddir": moduleDirectory.path]
        if broken { defines["broken"] = "1" }
        if compressedModules { defines["zipmodules"] = "1" }
        let built = try build(spec: spec, defines: defines, payload: payload, into: output)
        guard let core = built.first(where: { $0.lastPathComponent.hasPrefix("kernel-modules-core-") }),
            let modules = built.first(where: { $0.lastPathComponent.hasPrefix("kernel-modules-6") })
        else { throw CommandFailed(command: "rpmbuild", result: (1, "", "built \(built)")) }
        return (core, modules)
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
