import ELFScan
import Foundation
import Graph
import Split
import TestSupport
import Testing

@testable import Reports

/// Strings from modules, rules files and trees in every human-readable output: no terminal escape or line
/// break in text, no mention, issue link, autolink or markup in Markdown, valid percent-encoded URIs in SARIF.
@Suite struct UntrustedTextTests {
    /// What GitHub would act on in Markdown text: a mention, an issue reference, an autolink.
    static let live = [
        "@evil", "@ evil", "#1234", "GH-42", "http://", "https://", "://", "www.", "WWW.",
        "user@example.org",
    ]

    /// No GitHub trigger survives outside code spans: `@` or `#` directly before a name or number, `://`,
    /// `www.`, `GH-` before a number.
    func inert(_ markdown: String) -> Bool {
        // Code spans are left alone by GitHub; drop them first.
        let text = markdown.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 0 }.map(\.element).joined()
        let triggers = [#"@[A-Za-z0-9]"#, #"#[0-9]"#, #"://"#, #"(?i)www\."#, #"GH-[0-9]"#]
        return triggers.allSatisfy { text.range(of: $0, options: .regularExpression) == nil }
    }

    @Test(
        "markdownEscape: no mention, issue link, autolink or HTML, and the text reads the same",
        arguments: [
            "@torvalds", "ping @everyone now", "fixes #1234", "see GH-42", "owner/repo#7", "http://evil.example/x",
            "https://evil.example", "ftp://x", "www.evil.example", "WwW.Evil.example", "mail root@example.org",
            "mailto:root@example.org", "<img src=x onerror=alert(1)>", "a\u{1B}[31mred\u{9B}2J\nline",
        ])
    func markdownEscapeIsInert(_ input: String) {
        let out = markdownEscape(input)
        #expect(inert(out), "\(out)")
        #expect(!out.contains("<") && !out.contains(">"))
        #expect(!out.unicodeScalars.contains { Display.isControl($0) })
        // Invisible separators and backslashes aside, the reader sees the same text.
        let shown = out.replacingOccurrences(of: "\u{200B}", with: "").replacingOccurrences(of: "\\", with: "")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
        #expect(shown == Display.sanitized(input).replacingOccurrences(of: "\\", with: ""))
    }

    @Test("plain names and messages are left as they were")
    func plainTextUnchanged() {
        for s in [
            "virtio_net needs net_failover (modules-core)", "rules.yaml:20:5", "6.12.117+deb12-amd64",
            "pci:v00008086d000057BAsv*sd*bc*sc*i*",
        ] {
            #expect(!markdownEscape(s).contains("\u{200B}"), "\(s)")
        }
    }

    /// A split whose module names, paths and package names try everything.
    static func hostileAnalysis() throws -> SplitAnalysis {
        let name = "evil_@torvalds_#1234_www.x.org_http://x"
        var evil = exampleModule(name, imports: ["helper_fn"], modinfo: [("softdep", "pre: helper")])
        evil.path = "kernel/drivers/@admin #99/www.evil.example/\(name).ko.xz"
        let helper = exampleModule("helper", exports: ["helper_fn"])
        let example = CheckExample(
            "hostile", modules: [evil, helper], packages: [("core", []), ("@team-x", ["core"])],
            placed: [name: "core", "helper": "@team-x"])
        return try Analyse.facts([evil, helper], kernel: example.kernel, split: example.split)
    }

    @Test("check's Markdown, summary.md and the diff's Markdown neither ping nor link from module strings")
    func renderersAreInert() throws {
        let analysis = try Self.hostileAnalysis()
        #expect(!analysis.findings.isEmpty)
        let report = CheckReport(tool: "modsplit test", analysis: analysis)
        let check = try ReportFormat.markdown.reporter().render(report)
        let data = ReportData(tool: "modsplit test", analysis: analysis, split: "rules/split.yaml")
        let summary = SummaryReport.markdown(data)
        let old = try Analyse.facts([exampleModule("helper", exports: ["helper_fn"])])
        let diff = SplitDiff(before: old, after: analysis)
        for (name, md) in [
            ("check", check), ("summary.md", summary), ("diff", diff.markdown()),
            ("whole diff", diff.markdown(limit: nil)),
        ] {
            #expect(inert(md), "\(name): \(md)")
            #expect(md.contains("@\u{200B}torvalds"), "\(name) lost the name")
        }
    }

    @Test(
        "SARIF artifact URIs are percent-encoded URI references; relative stays relative",
        arguments: [
            ("rules.yaml", "rules.yaml"),
            ("Tests/Fixtures/fedora/def_variants.yaml.fedora", "Tests/Fixtures/fedora/def_variants.yaml.fedora"),
            ("my rules/split #2?.yaml", "my%20rules/split%20%232%3F.yaml"),
            ("100%/ünï.yaml", "100%25/%C3%BCn%C3%AF.yaml"),
            ("c:split.yaml", "c%3Asplit.yaml"),
            (
                "/srv/kernel packaging/6.12.117+deb12/rules.yaml",
                "file:///srv/kernel%20packaging/6.12.117+deb12/rules.yaml"
            ),
        ])
    func sarifURI(_ path: String, _ expected: String) throws {
        let uri = SARIFReporter.uri(path)
        #expect(uri == expected)
        let url = try #require(URL(string: uri), "not a URI reference: \(uri)")
        #expect((url.scheme != nil) == path.hasPrefix("/"))
        #expect(uri.removingPercentEncoding == (path.hasPrefix("/") ? "file://" + path : path))
        let allowed = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyz" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                + "0123456789-._~!$&'()*+,;=@/:%")
        #expect(uri.unicodeScalars.allSatisfy { allowed.contains($0) }, "\(uri)")
    }

    @Test("SARIF locates a finding without a rule at its module file, relative to the module directory")
    func sarifModuleLocation() throws {
        var report = CheckReport(tool: "modsplit 1.0", analysis: try Self.hostileAnalysis())
        report.moduleDirectory = "/lib/modules/6.1.0 test"
        report.findings = [
            Finding(
                kind: "unreadable-module", severity: .error, module: "x",
                path: "kernel/a b/x#1.ko", message: "cannot read")
        ]
        let sarif = try ReportFormat.sarif.reporter().render(report)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let base = (run["originalUriBaseIds"] as? [String: [String: String]])?["MODULEDIR"]?["uri"]
        #expect(base == "file:///lib/modules/6.1.0%20test/")
        let results = try #require(run["results"] as? [[String: Any]])
        let artifact =
            ((results.first?["locations"] as? [[String: Any]])?.first?["physicalLocation"]
            as? [String: Any])?["artifactLocation"] as? [String: String]
        #expect(artifact == ["uri": "kernel/a%20b/x%231.ko", "uriBaseId": "MODULEDIR"])
    }

    @Test("scan's text shows file names without escape sequences or line breaks")
    func scanTextIsSanitized() throws {
        var a = exampleModule("dup")
        a.path = "kernel/a/\u{1B}]0;owned\u{7}dup.ko"
        var b = exampleModule("dup")
        b.path = "kernel/b/dup\u{9B}2J.ko"
        let scan = TreeScan(
            tree: KernelTree(
                root: nil, moduleDirectory: "/lib/modules/6.1.0-\u{1B}[31mx",
                kernelVersion: "6.1.0-\u{1B}[31mx"),
            modules: [a, b], problems: [ELFScanError(.notELF, path: "kernel/evil\n\u{1B}[2J.ko", "not ELF\r\u{1B}[0m")])
        let text = ScanSummary(scan: scan, graph: ModuleGraph(scan: scan)).text()
        #expect(!text.unicodeScalars.contains { $0 != "\n" && Display.isControl($0) }, "\(text)")
        #expect(text.contains("unreadable: kernel/evil??[2J.ko: not ELF??[0m\n"))
        #expect(text.contains("shadowed    "))
        #expect(text.split(separator: "\n").count == 9, "\(text)")
    }

    @Test("DOT strings carry no control characters")
    func dotQuoted() {
        #expect(DotGraph.quoted("a\"b\\c\nd\u{1B}e\u{9B}f") == "\"a\\\"b\\\\c\\nd?e?f\"")
    }
}
