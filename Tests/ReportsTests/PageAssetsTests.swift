import Foundation
import TestSupport
import Testing

@testable import Reports

/// The page's style and script are files under `Sources/Reports/Page/Resources`, compiled into the binary;
/// the page inlines them byte for byte and its Content-Security-Policy pins the SHA-256 of the inlined script.
@Suite struct PageAssetsTests {
    static let resources = RealKernels.repositoryRoot.appendingPathComponent("Sources/Reports/Page/Resources")

    /// The bytes of `name` in the repository, as the page inlines them (without the file's final newline).
    func resource(_ name: String) throws -> String {
        var text = try String(contentsOf: Self.resources.appendingPathComponent(name), encoding: .utf8)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// `text` between the first `open` and the `close` after it (`last`: the last `open`).
    func element(_ page: String, _ open: String, _ close: String, last: Bool = false) throws -> String {
        let start = try #require(last ? page.range(of: open, options: .backwards) : page.range(of: open))
        let end = try #require(page.range(of: close, range: start.upperBound..<page.endIndex))
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test("the page inlines report.css and report.js exactly as the files hold them")
    func inlinedAsFiles() throws {
        let page = try HTMLReport.render(try HostileSplit.data())
        #expect(try element(page, "<style>", "</style>") == (try resource("report.css")))
        #expect(try element(page, "<script>", "</script>", last: true) == (try resource("report.js")))
        #expect(HTMLReport.style == (try resource("report.css")))
        #expect(HTMLReport.script == (try resource("report.js")))
    }

    @Test("the Content-Security-Policy hash is coreutils' SHA-256 of the inlined script")
    func cspHashCoversTheScript() throws {
        let page = try HTMLReport.render(try HostileSplit.data())
        let script = try element(page, "<script>", "</script>", last: true)
        let hash = try element(page, "script-src 'sha256-", "'")
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = dir.url.appendingPathComponent("script.js")
        try Data(script.utf8).write(to: file)
        let hex = try runChecked("sha256sum", [file.path]).prefix(64)
        #expect(hash == Data(hexBytes(String(hex))).base64EncodedString())
    }

    @Test("SHA-256 equals coreutils' on lengths around the block and padding boundaries")
    func sha256MatchesCoreutils() throws {
        #expect(hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            hex(SHA256.digest(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var generator = SystemRandomNumberGenerator()
        for length in [1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 65_537] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let file = dir.url.appendingPathComponent("\(length)")
            try Data(bytes).write(to: file)
            let expected = try runChecked("sha256sum", [file.path]).prefix(64)
            #expect(hex(SHA256.digest(bytes)) == String(expected), "length \(length)")
        }
    }

    @Test(
        "report.js is valid JavaScript to node",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/node"), "node is not installed"))
    func scriptParses() throws {
        let r = try run("node", ["--check", Self.resources.appendingPathComponent("report.js").path])
        #expect(r.status == 0, "\(r.stderr)")
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func hexBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex) {
            out.append(UInt8(hex[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }
}
