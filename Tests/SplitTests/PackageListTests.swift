import ELFScan
import Foundation
import Graph
import TestSupport
import Testing

@testable import Split

/// `--list NAME=FILE` files as editors and other tools write them, and files that are no list at all.
@Suite struct PackageListTests {
    let modules: [ModuleFacts] = ["kernel/drivers/a.ko", "kernel/drivers/b.ko.xz"].map { path in
        var m = exampleModule(moduleName(fromFileName: path))
        m.path = path
        return m
    }

    func place(_ files: [(String, [UInt8])], requires: [(package: String, dependency: String)] = []) throws
        -> SplitAnalysis
    {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var lists: [(package: String, file: String)] = []
        for (name, bytes) in files {
            let path = dir.url.appendingPathComponent(name + ".list").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            lists.append((package: name, file: path))
        }
        return try Analyse.facts(modules, split: PackageLists(lists: lists, requires: requires))
    }

    func refusal(_ files: [(String, [UInt8])], requires: [(package: String, dependency: String)] = []) -> String? {
        do {
            _ = try place(files, requires: requires)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("CRLF line ends, a byte order mark, blanks and comments: every entry read, at its line")
    func crlfAndBOM() throws {
        let text = "\u{FEFF}# core modules\r\n/lib/modules/6.1.0-test/kernel/drivers/a.ko\r\n\r\n  b  \r\n"
        let a = try place([("core", Array(text.utf8))])
        #expect(a.placement.packageOf == [0, 0])
        #expect(a.placement.location(of: try #require(a.graph.module(named: "a")))?.line == 2)
        #expect(a.placement.location(of: try #require(a.graph.module(named: "b")))?.line == 4)
        #expect(a.findings.filter { $0.kind == "unplaced-module" }.isEmpty)
    }

    @Test("a file with a NUL byte or that is not UTF-8 is no list: refused at its line")
    func binary() throws {
        let nul = try #require(refusal([("core", Array("kernel/drivers/a.ko\nx\0y\n".utf8))]))
        #expect(nul.contains("core.list:2: a NUL byte"), "\(nul)")
        let latin1 = try #require(refusal([("core", [0x61, 0x0A, 0xE9, 0x0A])]))
        #expect(latin1.contains("core.list:2: not UTF-8"), "\(latin1)")
    }

    @Test("a FIFO or a directory as a list is refused at once, not waited on")
    func notARegularFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let fifo = dir.url.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let start = ContinuousClock.now
        for path in [fifo, dir.url.path] {
            do {
                _ = try Analyse.facts(
                    modules, split: PackageLists(lists: [(package: "core", file: path)], requires: []))
                Issue.record("\(path) accepted")
            } catch {
                #expect("\(error)".contains("not a regular file"), "\(error)")
            }
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test("a list over RulesLimits.maxFileBytes is refused")
    func tooLarge() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.url.appendingPathComponent("huge.list").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, off_t(RulesLimits.maxFileBytes + 1)) == 0)
        do {
            _ = try Analyse.facts(modules, split: PackageLists(lists: [(package: "core", file: path)], requires: []))
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("more than the limit"), "\(error)")
        }
    }

    @Test("a package given twice, and a cycle of --requires, are refused naming them")
    func packagesAndRequires() throws {
        let twice = try #require(refusal([("core", Array("a\n".utf8)), ("core", Array("b\n".utf8))]))
        #expect(twice.contains("package core is given twice"), "\(twice)")
        let cycle = try #require(
            refusal(
                [("a", []), ("b", []), ("c", [])],
                requires: [("a", "b"), ("b", "c"), ("c", "a")]))
        #expect(cycle.contains("cycle in package requirements: a → b → c → a"), "\(cycle)")
    }
}
