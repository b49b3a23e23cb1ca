import ELFScan
public import Foundation

/// A module-like relocatable object, built at test time from C by clang for any target triple.
///
/// Provenance: the C below is written for these tests. It lays out `__ksymtab`, `__ksymtab_gpl`,
/// `__ksymtab_strings`, `__kcrctab*`, `__versions` and `.modinfo` as the kernel's module build does
/// (`{value, name, namespace}` entries, place-relative or absolute), so the reader meets the same
/// structures as in a real `.ko`.
public struct FixtureModule: Sendable {
    /// One symbol the fixture exports through `__ksymtab` or `__ksymtab_gpl`.
    public struct Export: Sendable {
        /// The symbol's name.
        public var name: String
        /// Exported into `__ksymtab_gpl` (GPL-only).
        public var gpl: Bool
        /// The symbol namespace; empty for none.
        public var namespace: String
        /// The CRC written into `__kcrctab` for it.
        public var crc: UInt32
        /// An export of `name`; not GPL-only, in no namespace and with CRC 0 unless given.
        public init(_ name: String, gpl: Bool = false, namespace: String = "", crc: UInt32 = 0) {
            self.name = name
            self.gpl = gpl
            self.namespace = namespace
            self.crc = crc
        }
    }

    /// The module name, written as `.modinfo`'s `name=`.
    public var name: String
    /// The symbols it exports.
    public var exports: [Export] = []
    /// Undefined symbols the module calls.
    public var imports: [String] = []
    /// Undefined weak symbols.
    public var weakImports: [String] = []
    /// `__versions` records (name, crc).
    public var versions: [(String, UInt32)] = []
    /// `.modinfo` strings, `key=value`.
    public var modinfo: [String] = []
    /// Absolute-pointer ksymtab entries (as s390x and 32-bit ARM build them) instead of place-relative ones.
    public var absoluteKsymtab = false

    /// A module called `name` with no symbols and no `.modinfo` beyond its name.
    public init(name: String) { self.name = name }

    /// The C source.
    public var source: String {
        var c = """
            #define ENTRY_REL(sym) ".long " #sym " - .\\n.long __kstrtab_" #sym " - .\\n" \\
                ".long __kstrtabns_" #sym " - .\\n"
            #if __SIZEOF_POINTER__ == 8
            # define PTR ".quad "
            #else
            # define PTR ".long "
            #endif
            #define ENTRY_ABS(sym) PTR #sym "\\n" PTR "__kstrtab_" #sym "\\n" PTR "__kstrtabns_" #sym "\\n"
            #define EXPORT(sym, sec, ns, crc, ENTRY) \\
              asm(".section \\"__ksymtab_strings\\",\\"aMS\\",%progbits,1\\n" \\
                  "__kstrtab_" #sym ": .asciz \\"" #sym "\\"\\n" \\
                  "__kstrtabns_" #sym ": .asciz \\"" ns "\\"\\n" \\
                  ".previous\\n" \\
                  ".section \\"__ksymtab" sec "\\",\\"a\\"\\n.balign 4\\n" \\
                  "__ksymtab_" #sym ":\\n" ENTRY(sym) ".previous\\n" \\
                  ".section \\"__kcrctab" sec "\\",\\"a\\"\\n__crc_" #sym ": .long " #crc "\\n.previous\\n")
            struct modversion_info { unsigned long crc; char name[64 - sizeof(unsigned long)]; };

            """
        for e in exports {
            c += "int \(e.name)(void) { return \(e.name.count); }\n"
            c += "EXPORT(\(e.name), \"\(e.gpl ? "_gpl" : "")\", \"\(e.namespace)\", \(e.crc), "
            c += "\(absoluteKsymtab ? "ENTRY_ABS" : "ENTRY_REL"));\n"
        }
        for i in imports { c += "extern int \(i)(void);\n" }
        for w in weakImports { c += "extern int \(w)(void) __attribute__((weak));\n" }
        c += "int fixture_use(void) { int r = 0;\n"
        for i in imports { c += "  r += \(i)();\n" }
        for w in weakImports { c += "  if (\(w)) r += \(w)();\n" }
        c += "  return r; }\n"
        if !versions.isEmpty {
            c +=
                "static const struct modversion_info fixture_versions[] __attribute__((used, section(\"__versions\"))) "
                + "= {\n"
            for (n, crc) in versions { c += "  { \(crc)u, \"\(n)\" },\n" }
            c += "};\n"
        }
        for (k, m) in modinfo.enumerated() {
            c += "static const char fixture_modinfo\(k)[] __attribute__((used, section(\".modinfo\"), aligned(1))) = "
            c += cString(m) + ";\n"
        }
        return c
    }

    /// Compiles the module for `triple` into `directory/<name>.ko` and returns its path.
    @discardableResult
    public func build(in directory: URL, triple: String = "x86_64-linux-gnu", fileName: String? = nil) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let src = directory.appendingPathComponent("\(name)-\(triple).c")
        try source.write(to: src, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent(fileName ?? "\(name).ko")
        try run(
            "clang",
            [
                "--target=\(triple)", "-O1", "-fno-pic", "-fno-asynchronous-unwind-tables", "-w",
                "-c", src.path, "-o", out.path,
            ])
        return out
    }

    private func cString(_ s: String) -> String {
        var out = "\""
        for u in s.utf8 {
            if u == UInt8(ascii: "\"") || u == UInt8(ascii: "\\") {
                out += "\\" + String(UnicodeScalar(u))
            } else if u < 0x20 || u >= 0x7f {
                out += String(format: "\\%03o", u)
            } else {
                out += String(UnicodeScalar(u))
            }
        }
        return out + "\""
    }
}

/// The target triples clang can build fixtures for, with what each exercises.
public enum FixtureTarget {
    /// (triple, ELF class, big-endian, `e_machine`) for every target, 32- and 64-bit, both byte orders.
    public static let all: [(triple: String, bits: Int, bigEndian: Bool, machine: UInt16)] = [
        ("x86_64-linux-gnu", 64, false, 62),
        ("i386-linux-gnu", 32, false, 3),
        ("aarch64-linux-gnu", 64, false, 183),
        ("armv7a-linux-gnueabihf", 32, false, 40),
        ("s390x-linux-gnu", 64, true, 22),
        ("powerpc64le-linux-gnu", 64, false, 21),
        ("powerpc-linux-gnu", 32, true, 20),
    ]
}

/// Runs a program, failing with its stderr when it exits non-zero.
@discardableResult
public func run(
    _ program: String, _ arguments: [String], environment: [String: String]? = nil,
    currentDirectory: URL? = nil
) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [program] + arguments
    if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let currentDirectory { p.currentDirectoryURL = currentDirectory }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes while the program runs so that a full pipe cannot stall it.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Runs a program and throws when it fails.
@discardableResult
public func runChecked(
    _ program: String, _ arguments: [String], environment: [String: String]? = nil,
    currentDirectory: URL? = nil
) throws -> String {
    let r = try run(program, arguments, environment: environment, currentDirectory: currentDirectory)
    guard r.status == 0 else { throw CommandFailed(command: ([program] + arguments).joined(separator: " "), result: r) }
    return r.stdout
}

/// A program `runChecked` ran that exited non-zero.
public struct CommandFailed: Error, CustomStringConvertible {
    /// The command line, joined with spaces.
    public var command: String
    /// Its exit status and what it wrote.
    public var result: (status: Int32, stdout: String, stderr: String)
    /// The command, its status and its standard error.
    public var description: String { "\(command) exited \(result.status): \(result.stderr)" }
}

/// A fresh temporary directory, removed by `cleanup()`.
public struct TemporaryDirectory: Sendable {
    /// The directory's URL.
    public let url: URL
    /// Creates a directory named `label` and a UUID under the system's temporary directory.
    public init(_ label: String = "modsplit-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    /// Removes the directory and everything in it.
    public func cleanup() { try? FileManager.default.removeItem(at: url) }
}
