import ELFScan
import Foundation
import TestSupport
import Testing

@Suite struct KernelTreeTests {
    func makeTree(_ dir: URL, _ sub: String) throws -> URL {
        let m = dir.appendingPathComponent(sub)
        try FileManager.default.createDirectory(
            at: m.appendingPathComponent("kernel"), withIntermediateDirectories: true)
        return m
    }

    @Test func moduleDirectoryItself() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let m = try makeTree(dir.url, "lib/modules/6.1.0-test")
        let tree = try KernelTree.locate(path: m.path)
        #expect(tree.kernelVersion == "6.1.0-test")
        // Named by its module directory, the tree still knows its root: build links and boot/ resolve under it.
        #expect(tree.root == dir.url.path)
        #expect(throws: TreeError.self) { try KernelTree.locate(path: m.path, kernelVersion: "other") }
        let usr = try makeTree(dir.url, "usr/lib/modules/6.2.0-test")
        #expect(try KernelTree.locate(path: usr.path).root == dir.url.path)
        // The system's own module directories have none (nil, not "/usr": /usr/src and /boot stay where they are).
        #expect(KernelTree.root(ofModuleDirectory: "/usr/lib/modules/6.1", version: "6.1") == nil)
        #expect(KernelTree.root(ofModuleDirectory: "/lib/modules/6.1", version: "6.1") == nil)
        #expect(KernelTree.root(ofModuleDirectory: "/srv/k/usr/lib/modules/6.1", version: "6.1") == "/srv/k")
        #expect(KernelTree.root(ofModuleDirectory: "/srv/k/lib/modules/6.1", version: "6.1") == "/srv/k")
        // A module directory elsewhere has no root.
        let bare = try makeTree(dir.url, "elsewhere/6.3.0-test")
        #expect(try KernelTree.locate(path: bare.path).root == nil)
    }

    @Test func rootWithOneKernel() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let m = try makeTree(dir.url, "usr/lib/modules/6.12.0-test")
        let tree = try KernelTree.locate(path: dir.url.path)
        #expect(tree.moduleDirectory == m.path)
        #expect(tree.root == dir.url.path)
    }

    @Test func rootWithSeveralKernelsNeedsAVersion() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        _ = try makeTree(dir.url, "lib/modules/6.1.0-a")
        let b = try makeTree(dir.url, "lib/modules/6.1.0-b")
        #expect { try KernelTree.locate(path: dir.url.path) } throws: { error in
            "\(error)".contains("--kernel-version") && "\(error)".contains("6.1.0-a, 6.1.0-b")
        }
        #expect(try KernelTree.locate(path: dir.url.path, kernelVersion: "6.1.0-b").moduleDirectory == b.path)
    }

    @Test func missingOrEmpty() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        #expect(throws: TreeError.self) { try KernelTree.locate(path: dir.url.appendingPathComponent("nope").path) }
        #expect(throws: TreeError.self) { try KernelTree.locate(path: dir.url.path) }
    }

    @Test("discovery finds every compression, follows links to files, skips build/source, reports bad entries")
    func discovery() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let m = try makeTree(dir.url, "lib/modules/6.1.0-test")
        let k = m.appendingPathComponent("kernel")
        let fm = FileManager.default
        for name in ["a.ko", "b.ko.xz", "c.ko.gz", "d.ko.zst", "notes.txt", "e.ko.bak"] {
            _ = fm.createFile(atPath: k.appendingPathComponent(name).path, contents: Data([1]))
        }
        try fm.createDirectory(at: m.appendingPathComponent("build/x"), withIntermediateDirectories: true)
        _ = fm.createFile(atPath: m.appendingPathComponent("build/x/skip.ko").path, contents: Data([1]))
        try fm.createSymbolicLink(atPath: k.appendingPathComponent("link.ko").path, withDestinationPath: "a.ko")
        try fm.createSymbolicLink(
            atPath: k.appendingPathComponent("dangling.ko").path, withDestinationPath: "nowhere.ko")
        try fm.createSymbolicLink(atPath: k.appendingPathComponent("loop1.ko").path, withDestinationPath: "loop2.ko")
        try fm.createSymbolicLink(atPath: k.appendingPathComponent("loop2.ko").path, withDestinationPath: "loop1.ko")
        try fm.createSymbolicLink(atPath: k.appendingPathComponent("up").path, withDestinationPath: "..")
        try fm.createDirectory(at: k.appendingPathComponent("dir.ko"), withIntermediateDirectories: true)

        let (files, problems) = TreeScanner.discover(try KernelTree.locate(path: m.path))
        #expect(
            files.map(\.path) == [
                "kernel/a.ko", "kernel/b.ko.xz", "kernel/c.ko.gz", "kernel/d.ko.zst", "kernel/link.ko",
            ])
        let reasons = Dictionary(uniqueKeysWithValues: problems.map { ($0.path, $0.reason) })
        #expect(reasons["kernel/dangling.ko"] == "dangling symbolic link")
        #expect(reasons["kernel/loop1.ko"] == "symbolic link loop")
        #expect(reasons["kernel/dir.ko"]?.contains("directory") == true)
    }
}

@Suite struct KernelExportsTests {
    @Test("Module.symvers in the 5.10+ and the 5.4 column orders; only vmlinux lines count")
    func symversColumnOrders() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let f = dir.url.appendingPathComponent("Module.symvers")
        try """
        0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t
        0x0badf00d\tusb_thing\tvmlinux\tEXPORT_SYMBOL_GPL\tUSB_NS
        0x00000001\tmod_sym\tdrivers/foo/bar\tEXPORT_SYMBOL\t
        0xcafe0001\told_style\tOLD_NS\tvmlinux\tEXPORT_SYMBOL_GPL

        """.write(to: f, atomically: true, encoding: .utf8)
        let k = try KernelExports.load(symvers: f.path, displayPath: "Module.symvers")
        #expect(k.symbols.count == 3)
        #expect(k.symbols["printk"] == KernelExport(name: "printk", crc: 0x1234_5678, gplOnly: false, namespace: nil))
        #expect(
            k.symbols["usb_thing"]
                == KernelExport(name: "usb_thing", crc: 0x0BAD_F00D, gplOnly: true, namespace: "USB_NS"))
        #expect(
            k.symbols["old_style"]
                == KernelExport(name: "old_style", crc: 0xCAFE_0001, gplOnly: true, namespace: "OLD_NS"))
        // Compressed like Fedora's symvers.xz.
        try runChecked("xz", ["-k", f.path])
        #expect(try KernelExports.load(symvers: f.path + ".xz", displayPath: "x").symbols == k.symbols)
    }

    @Test("a malformed Module.symvers line is an error naming the line")
    func malformedSymvers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let f = dir.url.appendingPathComponent("Module.symvers")
        try "0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\nnonsense\n".write(to: f, atomically: true, encoding: .utf8)
        #expect { try KernelExports.load(symvers: f.path, displayPath: "Module.symvers") } throws: { error in
            "\(error)".contains("Module.symvers") && "\(error)".contains("line 2")
        }
    }

    @Test("System.map: __ksymtab_ entries are exports; Debian's placeholder is recognised")
    func systemMap() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let real = dir.url.appendingPathComponent("System.map")
        try "ffffffff81000000 T _stext\nffffffff82000000 r __ksymtab_printk\n".write(
            to: real, atomically: true, encoding: .utf8)
        #expect(try KernelExports.load(systemMap: real.path, displayPath: "x")?.symbols.keys.sorted() == ["printk"])
        let placeholder = dir.url.appendingPathComponent("System.map-placeholder")
        try "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n"
            .write(to: placeholder, atomically: true, encoding: .utf8)
        #expect(try KernelExports.load(systemMap: placeholder.path, displayPath: "x") == nil)
    }
}
