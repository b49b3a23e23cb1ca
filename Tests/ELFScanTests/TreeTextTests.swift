import ELFScan
import Foundation
import TestSupport
import Testing

/// The kernel tree's text files read the same with CRLF line ends as with LF (a tree copied through
/// Windows, or edited there), and a Module.symvers that cannot say what the kernel exports is refused.
@Suite struct TreeTextTests {
    static let symvers = """
        0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t
        0x0badf00d\tusb_thing\tvmlinux\tEXPORT_SYMBOL_GPL\tUSB_NS
        0x00000001\tmod_sym\tdrivers/foo/bar\tEXPORT_SYMBOL\t
        0xcafe0001\told_style\tOLD_NS\tvmlinux\tEXPORT_SYMBOL_GPL

        """

    static func crlf(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: "\r\n") }

    @Test("a CRLF Module.symvers gives the same exports, namespaces without a carriage return")
    func crlfSymvers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let lf = dir.url.appendingPathComponent("lf.symvers"), crlf = dir.url.appendingPathComponent("crlf.symvers")
        try Self.symvers.write(to: lf, atomically: true, encoding: .utf8)
        try Self.crlf(Self.symvers).write(to: crlf, atomically: true, encoding: .utf8)
        let expected = try KernelExports.load(symvers: lf.path, displayPath: "lf").symbols
        let got = try KernelExports.load(symvers: crlf.path, displayPath: "crlf").symbols
        #expect(got == expected)
        #expect(got["usb_thing"]?.namespace == "USB_NS")
        #expect(got["printk"]?.namespace == nil)
    }

    @Test("a CRLF System.map gives the same exports")
    func crlfSystemMap() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let map = dir.url.appendingPathComponent("System.map")
        try Self.crlf("ffffffff81000000 T _stext\nffffffff82000000 r __ksymtab_printk\n")
            .write(to: map, atomically: true, encoding: .utf8)
        #expect(try KernelExports.load(systemMap: map.path, displayPath: "x")?.symbols.keys.sorted() == ["printk"])
    }

    /// A module directory with no modules, only the text files.
    func treeScan(order: String, builtin: String, modinfo: [UInt8]) throws -> TreeScan {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let m = dir.url.appendingPathComponent("lib/modules/6.1.0-text")
        try FileManager.default.createDirectory(
            at: m.appendingPathComponent("kernel"), withIntermediateDirectories: true)
        try order.write(to: m.appendingPathComponent("modules.order"), atomically: true, encoding: .utf8)
        try builtin.write(to: m.appendingPathComponent("modules.builtin"), atomically: true, encoding: .utf8)
        try Data(modinfo).write(to: m.appendingPathComponent("modules.builtin.modinfo"))
        return try TreeScanner.scan(
            try KernelTree.locate(path: m.path), options: ScanOptions(discoverKernelSymbols: false))
    }

    @Test("CRLF modules.order, modules.builtin and modules.builtin.modinfo read as their LF forms")
    func crlfLists() throws {
        let order = "kernel/fs/fat/fat.ko\nkernel/fs/fat/vfat.ko\nkernel/drivers/block/loop.ko\n"
        let builtin = "kernel/fs/ext4/ext4.ko\nkernel/crypto/crc32c_generic.ko\n"
        let records = ["ext4.alias=fs-ext4", "ext4.license=GPL", "crc32c_generic.alias=crypto-crc32c"]
        let modinfo = Array(records.map { $0 + "\0" }.joined().utf8)
        let expected = try treeScan(order: order, builtin: builtin, modinfo: modinfo)
        #expect(expected.order.count == 3)
        #expect(expected.builtinModules == ["ext4", "crc32c_generic"])
        #expect(expected.builtinModinfo["ext4"]?.count == 2)

        // Records ended by NUL and a line break, and records on CRLF lines without NULs.
        for crlfModinfo in [records.map { $0 + "\0\r\n" }.joined(), records.map { $0 + "\r\n" }.joined()] {
            let got = try treeScan(
                order: Self.crlf(order), builtin: Self.crlf(builtin), modinfo: Array(crlfModinfo.utf8))
            #expect(got.order == expected.order)
            #expect(got.builtinModules == expected.builtinModules)
            #expect(got.builtinModinfo == expected.builtinModinfo)
        }
    }

    @Test(
        "an empty Module.symvers, or one without vmlinux lines, is an input error naming the file",
        arguments: ["", "\n\n", "0x00000001\tmod_sym\tdrivers/foo/bar\tEXPORT_SYMBOL\t\n"])
    func emptySymvers(contents: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let f = dir.url.appendingPathComponent("Module.symvers")
        try contents.write(to: f, atomically: true, encoding: .utf8)
        #expect { try KernelExports.load(symvers: f.path, displayPath: "given/Module.symvers") } throws: { error in
            "\(error)".hasPrefix("given/Module.symvers: ") && "\(error)".contains("vmlinux")
        }
        // Named with --symvers, it stops the scan (exit status 2 in the CLI).
        let m = dir.url.appendingPathComponent("lib/modules/6.1.0-empty")
        try FileManager.default.createDirectory(
            at: m.appendingPathComponent("kernel"), withIntermediateDirectories: true)
        #expect {
            try TreeScanner.scan(try KernelTree.locate(path: m.path), options: ScanOptions(symvers: f.path))
        } throws: {
            error in "\(error)".contains(f.path) && "\(error)".contains("vmlinux")
        }
    }
}
