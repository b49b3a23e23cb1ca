/// Reads built packages: a .deb or .udeb (an ar archive of debian-binary, control.tar and data.tar,
/// as dpkg-deb reads it) or an .rpm (lead, signature and header read by `RPMHeader`, the cpio payload
/// by libarchive). The file's magic decides, not its name.
public enum PackageReader {
    /// Reads `file`. Never throws: a file that cannot be read at all, or only in part, comes back with
    /// `failure` set and whatever was read before.
    public static func read(_ file: String, limits: PackageLimits = PackageLimits()) -> BuiltPackage {
        var package = BuiltPackage(
            file: file, format: file.hasSuffix(".rpm") ? .rpm : file.hasSuffix(".udeb") ? .udeb : .deb)
        let fd: Int32
        switch Syscalls.openForReading(file) {
        case .success(let d): fd = d
        case .failure(let f):
            package.failure = PackageError(file, "open: \(f.reason)")
            return package
        }
        defer { Syscalls.close(fd) }
        let st: Syscalls.FileStatus
        switch Syscalls.status(of: fd) {
        case .success(let s): st = s
        case .failure(let f):
            package.failure = PackageError(file, "fstat: \(f.reason)")
            return package
        }
        guard st.isRegular else {
            package.failure = PackageError(file, "not a regular file (\(st.typeName))")
            return package
        }
        var magic = [UInt8](repeating: 0, count: 8)
        let got = magic.withUnsafeMutableBytes { Syscalls.preadAll(fd, $0, offset: 0) }
        guard case .success(let count) = got else {
            package.failure = PackageError(file, "read failed")
            return package
        }
        var walk = PayloadWalk(package: package, limits: limits)
        do throws(PackageError) {
            if magic.prefix(count).starts(with: Array("!<arch>\n".utf8)) {
                if walk.package.format == .rpm { walk.package.format = .deb }
                try walk.readDebian(fd: fd)
            } else if magic.prefix(count).starts(with: [0xED, 0xAB, 0xEE, 0xDB]) {
                walk.package.format = .rpm
                try walk.readRPM(fd: fd, fileSize: UInt64(st.size))
            } else {
                throw PackageError(file, count == 0 ? "empty file" : "neither a Debian package (ar archive) nor an RPM")
            }
        } catch {
            walk.package.failure = error
        }
        walk.finish()
        return walk.package
    }
}

/// Where an entry of a payload sits, by its stored name.
enum PayloadPlace: Equatable {
    /// A module file (`*.ko`, `*.ko.xz`, `*.ko.gz`, `*.ko.zst`) under `lib/modules/<version>/` or
    /// `usr/lib/modules/<version>/`; `path` is relative to that directory.
    case module(version: String, path: String)
    /// `modules.order`, `modules.builtin` or `modules.builtin.modinfo` right in the module directory.
    case index(version: String, name: String)
    /// The module directory itself, or anything else in it that modsplit does not read.
    case moduleDirectory(version: String)
    case other
    /// A name with an empty, `.` or `..` component: in a tree it would alias another path.
    case refused

    /// Classifies a stored name: `./lib/…`, `/lib/…` and `lib/…` are the same path.
    init(_ stored: String) {
        var s = Substring(stored)
        while s.hasPrefix("./") { s = s.dropFirst(2) }
        while s.hasPrefix("/") { s = s.dropFirst() }
        if s.hasSuffix("/") { s = s.dropLast() }  // directories, in tar
        if s.isEmpty || s == "." {
            self = .other
            return
        }
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) {
            self = .refused
            return
        }
        let start: Int
        if parts.count >= 3 && parts[0] == "lib" && parts[1] == "modules" {
            start = 2
        } else if parts.count >= 4 && parts[0] == "usr" && parts[1] == "lib" && parts[2] == "modules" {
            start = 3
        } else {
            self = .other
            return
        }
        let version = String(parts[start])
        guard parts.count > start + 1 else {
            self = .moduleDirectory(version: version)
            return
        }
        let last = parts[parts.count - 1]
        // depmod skips directories named build and source (links to the kernel's trees) at any depth.
        let skipped = parts[(start + 1)..<(parts.count - 1)].contains { $0 == "build" || $0 == "source" }
        if Compression.announced(byName: last) != nil && !skipped {
            self = .module(version: version, path: parts[(start + 1)...].joined(separator: "/"))
        } else if parts.count == start + 2,
            last == "modules.order" || last == "modules.builtin" || last == "modules.builtin.modinfo"
        {
            self = .index(version: version, name: String(last))
        } else {
            self = .moduleDirectory(version: version)
        }
    }
}

/// The state of reading one package: the package filled in as entries come, and what links wait for.
struct PayloadWalk {
    var package: BuiltPackage
    let limits: PackageLimits
    private var entries = 0
    /// Module path → index in `package.modules` (or, negated minus one, in `package.problems`).
    private var modulesByPath: [String: Int] = [:]
    /// cpio hard-link sets: every link but the last comes as an empty regular entry; the last carries
    /// the data and names the set's first path. Path → the set's first path, for links still empty.
    private var pendingLinks: [String: (first: String, entry: Int)] = [:]
    private var versions = Set<String>()
    /// Module paths the RPM header lists (not ghosts), to hold against the payload.
    private var headerModules: Set<String>?
    private var payloadModules = Set<String>()
    private var displayName: String

    init(package: BuiltPackage, limits: PackageLimits) {
        self.package = package
        self.limits = limits
        displayName = package.file.split(separator: "/").last.map(String.init) ?? package.file
    }

    // MARK: Debian

    /// The ar members in dpkg-deb's order: debian-binary, control.tar[.gz|.xz|.zst], data.tar[…].
    mutating func readDebian(fd: Int32) throws(PackageError) {
        let file = package.file
        let ar = try ArchiveReader(name: file, formats: [.ar], filters: [])
        try ar.open(fd: fd, from: 0)
        var member = 0
        var control: DebianControl?
        var sawData = false
        while let entry = try ar.next() {
            member += 1
            let name = entry.name
            if member == 1 {
                guard name == "debian-binary" else {
                    throw PackageError(
                        file, "its first member is \(quoted(name)), not debian-binary: not a Debian package")
                }
                let bytes = try ar.readBytes(declared: entry.declaredSize, limit: 64, entry: name)
                guard bytes.starts(with: Array("2.".utf8)) else {
                    throw PackageError(
                        file, "debian-binary says \(quoted(String(decoding: bytes, as: UTF8.self))), not format 2.x")
                }
                continue
            }
            let isControl = name.hasPrefix("control.tar"), isData = name.hasPrefix("data.tar")
            guard isControl || isData else {
                // dpkg-deb skips members whose names start with '_' (signatures) and refuses others.
                if name.hasPrefix("_") { continue }
                throw PackageError(file, "unexpected member \(quoted(name)) before data.tar (dpkg-deb refuses it too)")
            }
            if isData && control == nil { throw PackageError(file, "data.tar comes before control.tar") }
            if isControl && control != nil { throw PackageError(file, "a second control member \(quoted(name))") }
            let compression = String(name.dropFirst(isControl ? 11 : 8))
            let filter: ArchiveReader.Filter?
            switch compression {
            case "": filter = nil
            case ".gz": filter = .gzip
            case ".xz": filter = .xz
            case ".zst": filter = .zstd
            default:
                throw PackageError(
                    file,
                    "\(quoted(name)): compression \(quoted(compression)) is not one modsplit reads (data.tar, .gz, "
                        + ".xz, .zst)"
                )
            }
            let inner = try ArchiveReader(name: "\(file)(\(name))", formats: [.tar], filters: filter.map { [$0] } ?? [])
            do throws(PackageError) {
                try inner.open(nestedIn: ar)
            } catch {
                throw PackageError(
                    error.file,
                    "not a \(filter.map { $0.rawValue + "-compressed " } ?? "")tar archive (\(error.reason))")
            }
            let expected = filter?.rawValue ?? "none"
            guard inner.decompressorName == expected else {
                throw PackageError(inner.name, "its name says \(expected), libarchive found \(inner.decompressorName)")
            }
            if isControl {
                control = try readControl(inner)
                try applyControl(control!)
            } else {
                try readPayload(inner)
                sawData = true
                break  // dpkg-deb reads nothing after data.tar
            }
        }
        // libarchive ends an ar archive cut inside a member header as if it were complete.
        guard control != nil else { throw PackageError(file, "no control.tar member (truncated?)") }
        guard sawData else { throw PackageError(file, "no data.tar member (truncated?)") }
    }

    private func readControl(_ tar: ArchiveReader) throws(PackageError) -> DebianControl {
        var control: DebianControl?
        while let e = try tar.next() {
            guard tar.inflatedBytes + (e.declaredSize ?? 0) <= PackageLimits.maxControlBytes else {
                throw PackageError(tar.name, "inflates past \(PackageLimits.maxControlBytes) bytes")
            }
            if (e.name == "./control" || e.name == "control") && e.kind == .regular {
                let bytes = try tar.readBytes(declared: e.declaredSize, limit: DebianControl.maxBytes, entry: e.name)
                control = try DebianControl(bytes, file: package.file)
            }
        }
        guard let control else { throw PackageError(tar.name, "no control file") }
        return control
    }

    private mutating func applyControl(_ control: DebianControl) throws(PackageError) {
        let file = package.file
        guard let name = control["Package"], !name.isEmpty else {
            throw PackageError(file, "control: no Package field")
        }
        guard let version = control["Version"], !version.isEmpty else {
            throw PackageError(file, "control: no Version field")
        }
        package.name = name
        package.version = version
        package.architecture = control["Architecture"]
        if control["Package-Type"] == "udeb" { package.format = .udeb }
        var depends: [[PackageRelation]] = []
        for field in ["Pre-Depends", "Depends"] {
            if let value = control[field] {
                depends += try DebianControl.relations(value, fieldName: field, file: file)
            }
        }
        package.depends = depends
        if let value = control["Provides"] {
            let provides = try DebianControl.relations(value, fieldName: "Provides", file: file)
            guard provides.allSatisfy({ $0.count == 1 }) else {
                throw PackageError(file, "control, Provides: alternatives ('|') are not allowed there")
            }
            package.provides = provides.map { $0[0] }
        }
        let qualified = depends.joined().filter { $0.architectureQualifier != nil }
        if !qualified.isEmpty {
            package.remarks.append(
                PackageRemark(
                    .note,
                    "\(qualified.map(\.description).joined(separator: ", ")): "
                        + "architecture qualifiers are matched by name alone"
                ))
        }
    }

    // MARK: RPM

    mutating func readRPM(fd: Int32, fileSize: UInt64) throws(PackageError) {
        let file = package.file
        let header = try RPMHeader(file: file, fileSize: fileSize) { offset, count throws(PackageError) in
            // What lies past the end is never allocated: a header may claim 256 MiB of data.
            let available = Int(clamping: fileSize) > offset ? min(count, Int(clamping: fileSize) - offset) : 0
            var out = [UInt8](repeating: 0, count: available)
            let got = out.withUnsafeMutableBytes { Syscalls.preadAll(fd, $0, offset: offset) }
            switch got {
            case .success(let n): return Array(out.prefix(n))
            case .failure(let f): throw PackageError(file, "read: \(f.reason)")
            }
        }
        guard let name = header.string(RPMHeader.name), !name.isEmpty else {
            throw PackageError(file, "RPM header: no NAME")
        }
        package.name = name
        var version = (header.string(RPMHeader.version) ?? "") + "-" + (header.string(RPMHeader.release) ?? "")
        if let epoch = header.int32s(RPMHeader.epoch).first { version = "\(epoch):" + version }
        package.version = version
        package.architecture = header.string(RPMHeader.arch)
        package.provides = try header.capabilities(
            names: RPMHeader.provideName, flags: RPMHeader.provideFlags,
            versions: RPMHeader.provideVersion, file: file
        ).map(\.relation)
        var requires: [[PackageRelation]] = []
        var rich: [String] = []
        for c in try header.capabilities(
            names: RPMHeader.requireName, flags: RPMHeader.requireFlags,
            versions: RPMHeader.requireVersion, file: file)
        {
            // rpm meets rpmlib() itself; scriptlet-only and config() dependencies are not the files'.
            if c.flags & RPMHeader.Capability.rpmlib != 0 || c.name.hasPrefix("rpmlib(") { continue }
            if c.flags & RPMHeader.Capability.config != 0 || c.name.hasPrefix("config(") { continue }
            let scriptletOnly = c.flags & (RPMHeader.Capability.interpreter | RPMHeader.Capability.scriptlets) != 0
            if scriptletOnly
                && c.flags & ~(RPMHeader.Capability.interpreter | RPMHeader.Capability.scriptlets | 0xE) == 0
            {
                continue
            }
            if c.name.hasPrefix("(") {
                rich.append(c.name)
                continue
            }
            let relation = c.relation
            if !requires.contains([relation]) { requires.append([relation]) }
        }
        package.depends = requires
        if !rich.isEmpty {
            package.remarks.append(
                PackageRemark(.note, "rich dependencies are not followed: \(rich.joined(separator: ", "))"))
        }
        let paths = try header.fileNames(file: file)
        package.paths = paths
        let ghosts = header.ghosts(count: paths.count)
        var listed = Set<String>()
        for (path, ghost) in zip(paths, ghosts) where !ghost {
            if case .module(let v, let p) = PayloadPlace(path) { listed.insert(v + "/" + p) }
        }
        headerModules = listed
        if let declared = header.declaredPayloadSize, declared > limits.maxPayloadBytes {
            throw PackageError(
                file,
                "its payload inflates to \(declared) bytes (as its signature says), "
                    + "past the limit of \(limits.maxPayloadBytes) (--max-package-mib)"
            )
        }
        let format = header.string(RPMHeader.payloadFormat) ?? "cpio"
        guard format == "cpio" else { throw PackageError(file, "payload format \(quoted(format)), not cpio") }
        // Without PAYLOADCOMPRESSOR rpm assumes gzip, and its gzip reader passes a plain stream through:
        // so does this one (w0.ufdio packages have no compressor tag).
        let stated = header.string(RPMHeader.payloadCompressor)
        let compressor = stated ?? "gzip"
        let filter: ArchiveReader.Filter?
        switch compressor {
        case "gzip": filter = .gzip
        case "xz": filter = .xz
        case "lzma": filter = .lzma
        case "zstd": filter = .zstd
        case "bzip2": filter = .bzip2
        case "identity": filter = nil
        default: throw PackageError(file, "payload compressor \(quoted(compressor)) is not one modsplit reads")
        }
        let payload = try ArchiveReader(name: "\(file)(payload)", formats: [.cpio], filters: filter.map { [$0] } ?? [])
        do throws(PackageError) {
            try payload.open(fd: fd, from: header.payloadOffset)
            let found = payload.decompressorName
            guard found == (filter?.rawValue ?? "none") || (stated == nil && found == "none") else {
                throw PackageError(payload.name, "libarchive found \(found)")
            }
        } catch {
            throw PackageError(payload.name, "not \(compressor)-compressed cpio as the header says (\(error.reason))")
        }
        do throws(PackageError) {
            try readPayload(payload)
        } catch  where entries == 0 && error.reason.contains("Unrecognized archive format") {
            // rpm ≥ 4.12 writes files of 4 GiB or more, and RPM v6 every file, as a stripped cpio
            // (magic 07070X) that libarchive 3.6 does not read.
            throw PackageError(
                payload.name,
                "the payload is not a cpio archive libarchive reads (rpm's stripped 07070X cpio of large-file and v6 "
                    + "packages?): \(error.reason)"
            )
        }
        if let declared = header.declaredPayloadSize, UInt64(payload.inflatedBytes) != declared {
            package.remarks.append(
                PackageRemark(
                    .warning,
                    "the signature declares a payload of \(declared) bytes, it inflated to \(payload.inflatedBytes)"))
        }
    }

    // MARK: Payload

    /// Reads a tar or cpio payload: modules and index files, everything else skipped, with the inflated
    /// size checked before every entry.
    mutating func readPayload(_ reader: ArchiveReader) throws(PackageError) {
        while let entry = try reader.next() {
            entries += 1
            guard entries <= limits.maxEntries else {
                throw PackageError(reader.name, "more than \(limits.maxEntries) entries")
            }
            // Every entry's data passes through the decompressor, read or skipped: bound it first.
            let declared = entry.declaredSize ?? 0
            guard declared >= 0, UInt64(reader.inflatedBytes) + UInt64(declared) <= limits.maxPayloadBytes else {
                throw PackageError(
                    reader.name,
                    "\(quoted(entry.name)) (\(declared) bytes) would take the payload past \(limits.maxPayloadBytes) "
                        + "bytes inflated (--max-package-mib)"
                )
            }
            let place = PayloadPlace(entry.name)
            switch place {
            case .module(let version, let path):
                versions.insert(version)
                try readModuleEntry(entry, path: path, version: version, reader: reader)
            case .index(let version, let name):
                versions.insert(version)
                if entry.kind == .regular, !(entry.linkCount > 1 && declared == 0) {
                    let bytes = try reader.readBytes(
                        declared: entry.declaredSize, limit: PackageLimits.maxIndexFileBytes,
                        entry: entry.name)
                    readIndexFile(name, bytes)
                } else {
                    package.remarks.append(
                        PackageRemark(.note, "\(quoted(entry.name)) is a \(entry.kind.rawValue) entry; it is not read"))
                    if declared > 0 { try reader.skipData(entry: entry.name) }
                }
            case .refused:
                package.remarks.append(
                    PackageRemark(
                        .error,
                        "entry \(entries), \(quoted(entry.name)), is refused: a path with an empty, "
                            + "'.' or '..' component"
                    ))
                if declared > 0 { try reader.skipData(entry: entry.name) }
            case .moduleDirectory(let version):
                versions.insert(version)
                if declared > 0 { try reader.skipData(entry: entry.name) }
            case .other:
                if declared > 0 { try reader.skipData(entry: entry.name) }
            }
        }
    }

    private mutating func readModuleEntry(
        _ entry: ArchiveReader.Entry, path: String, version: String,
        reader: ArchiveReader
    ) throws(PackageError) {
        let declared = entry.declaredSize ?? 0
        let key = version + "/" + path
        func problem(_ reason: String) -> ELFScanError { ELFScanError(.io, path: path, "\(displayName): \(reason)") }
        switch entry.kind {
        case .regular where entry.linkCount > 1 && declared == 0:
            // cpio: an early link of a hard-link set; its data comes with the set's last link.
            pendingLinks[key] = (key, entries)
            payloadModules.insert(key)
        case .regular:
            payloadModules.insert(key)
            try readModule(path: path, key: key, reader: reader, entry: entry)
        case .hardlink:
            payloadModules.insert(key)
            let target = PayloadPlace(entry.target ?? "")
            var targetKey = entry.target ?? ""
            if case .module(let v, let p) = target { targetKey = v + "/" + p }
            if declared > 0 {
                // cpio: the last link carries the set's data (its target is the set's first name); the
                // empty links before it get the same facts.
                try readModule(path: path, key: key, reader: reader, entry: entry)
                let waiting = pendingLinks.filter { $0.key == targetKey || $0.value.first == targetKey }
                for (waitingKey, w) in waiting.sorted(by: { $0.value.entry < $1.value.entry }) {
                    pendingLinks[waitingKey] = nil
                    copy(from: key, to: waitingKey, entry: w.entry)
                }
            } else if let first = pendingLinks[targetKey]?.first {
                // cpio: a middle link of a set of three or more, as empty as the first.
                pendingLinks[key] = (first, entries)
            } else if modulesByPath[targetKey] != nil {
                // tar: the first link carried the data.
                copy(from: targetKey, to: key, entry: entries)
            } else {
                record(
                    .failure(
                        problem(
                            "a hard link to \(quoted(entry.target ?? "")), which is no module of the package before it")
                    ),
                    key: key)
            }
        case .symlink:
            payloadModules.insert(key)
            package.links.append(PackagedLink(path: path, target: entry.target ?? "", entry: entries))
        case .directory:
            record(.failure(problem("not a regular file (a directory)")), key: key)
        case .other:
            record(.failure(problem("not a regular file")), key: key)
            if declared > 0 { try reader.skipData(entry: entry.name) }
        }
    }

    /// Reads the current entry's bytes and parses them as a module named `path`.
    private mutating func readModule(path: String, key: String, reader: ArchiveReader, entry: ArchiveReader.Entry)
        throws(PackageError)
    {
        // Stored modules are checked against the module limits before a byte is read: a plain one is
        // the image itself, a compressed one is inflated by the module reader under the same limits.
        let plain = path.hasSuffix(".ko")
        let limit = plain ? limits.modules.maxUncompressedBytes : limits.modules.maxCompressedReadBytes
        let declared = entry.declaredSize ?? 0
        if UInt64(max(declared, 0)) > limit {
            record(
                .failure(
                    ELFScanError(
                        .compression, path: path, "\(displayName): \(declared) bytes, past the limit of \(limit)")),
                key: key)
            try reader.skipData(entry: entry.name)
            return
        }
        let bytes = try reader.readData(declared: entry.declaredSize, limit: Int(clamping: limit), entry: entry.name)
        do throws(ELFScanError) {
            var facts = try ModuleReader.read(owning: bytes, path: path, limits: limits.modules)
            facts.path = path
            record(.success(facts), key: key)
        } catch {
            record(.failure(ELFScanError(error.kind, path: path, "\(displayName): \(error.reason)")), key: key)
        }
    }

    private mutating func record(_ result: Result<ModuleFacts, ELFScanError>, key: String, entry: Int? = nil) {
        switch result {
        case .success(let facts):
            modulesByPath[key] = package.modules.count
            package.modules.append(facts)
            package.moduleEntries.append(entry ?? entries)
        case .failure(let error):
            modulesByPath[key] = -2 - package.problems.count
            package.problems.append(error)
        }
    }

    /// Another path of the same file (a hard link): the same facts under its own path.
    private mutating func copy(from source: String, to key: String, entry: Int) {
        let path = String(key[key.index(after: key.firstIndex(of: "/")!)...])
        guard let i = modulesByPath[source] else { return }
        if i >= 0 {
            var facts = package.modules[i]
            facts.path = path
            record(.success(facts), key: key, entry: entry)
        } else {
            var problem = package.problems[-2 - i]
            problem.path = path
            record(.failure(problem), key: key, entry: entry)
        }
    }

    private mutating func readIndexFile(_ name: String, _ bytes: [UInt8]) {
        // Lines cut at LF bytes, a CR before the LF dropped (as the tree reader does).
        func lines() -> [String] {
            bytes.split(separator: UInt8(ascii: "\n")).map { line in
                String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
                    .trimmingSpaces()
            }.filter { !$0.isEmpty }
        }
        switch name {
        case "modules.order": package.order = lines()
        case "modules.builtin": package.builtin = lines().map { moduleName(fromFileName: $0) }
        default: package.builtinModinfo = TreeScanner.parseBuiltinModinfo(bytes)
        }
    }

    /// Checks what only the whole payload shows.
    mutating func finish() {
        package.kernelVersions = versions.sorted()
        if let (key, _) = pendingLinks.min(by: { $0.value.entry < $1.value.entry }) {
            let path = String(key[key.index(after: key.firstIndex(of: "/")!)...])
            package.problems.append(
                ELFScanError(.io, path: path, "\(displayName): an empty hard link whose data never came"))
        }
        if let listed = headerModules, package.failure == nil {
            let missing = listed.subtracting(payloadModules).sorted()
            let unlisted = payloadModules.subtracting(listed).sorted()
            if !missing.isEmpty {
                package.remarks.append(
                    PackageRemark(
                        .error,
                        "the header lists \(missing.count) module(s) the payload lacks: "
                            + "\(missing.prefix(5).joined(separator: ", "))"
                    ))
            }
            if !unlisted.isEmpty {
                package.remarks.append(
                    PackageRemark(
                        .error,
                        "the payload holds \(unlisted.count) module(s) the header does not list: "
                            + "\(unlisted.prefix(5).joined(separator: ", "))"
                    ))
            }
        }
    }
}
