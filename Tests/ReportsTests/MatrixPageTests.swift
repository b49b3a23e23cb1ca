import ELFScan
import Foundation
import Graph
import Reports
import Split
import TestSupport
import Testing

/// A page of several kernels: the same escaping and policy as one tree's, unique ids, and a tree switcher that
/// works in a browser.
@Suite struct MatrixPageTests {
    static let evil = "evil</script><script>alert(1)</script>"

    /// Two in-memory trees of hostile names: on both, the evil module needs a helper its package lacks.
    static func hostile() throws -> MatrixReportData {
        let rules = try FiltermodsRules.parse(
            """
            packages:
              - name: core
              - name: "Q&A <pkg>"
                depends-on: [core]
            rules:
              - evil.*: core
                exact_pkg: true
              - helper.*: "Q&A <pkg>"
                exact_pkg: true
              - default: core

            """, file: "rules.yaml")
        var trees: [SplitAnalysis] = []
        for (version, machine) in [("6.12.0-<b>x</b>", UInt16(62)), ("6.12.0-arm64", UInt16(183))] {
            var evil = exampleModule(evil, imports: ["helper_fn"], license: "GPL</script><!--")
            evil.identity = ELFIdentity(bits: 64, bigEndian: false, machine: machine)
            var helper = exampleModule("helper", exports: ["helper_fn"])
            helper.identity = evil.identity
            trees.append(try Analyse.facts([evil, helper], kernel: ["printk"], split: rules, version: version))
        }
        let matrix = try MatrixAnalysis(analyses: trees)
        return MatrixReportData(tool: "modsplit test", matrix: matrix, split: "rules/<i>split</i>.yaml")
    }

    @Test("module strings are escaped; three script elements; ids are unique")
    func escapedAndUnique() throws {
        let data = try Self.hostile()
        #expect(data.findings.contains { $0.finding.kind == "cross-package" && $0.trees.count == 2 })
        let page = try HTMLReport.render(data)
        #expect(!page.contains("<script>alert") && !page.contains("<!--") && !page.contains("<b>x</b>"))
        #expect(page.components(separatedBy: "<script").count - 1 == 3)
        #expect(page.contains("Q&amp;A &lt;pkg&gt;"))
        let ids = page.matches(of: /\sid="([^"]+)"/).map { String($0.output.1) }
        #expect(Set(ids).count == ids.count, "duplicate ids: \(ids.sorted())")
        #expect(page.contains("url(#t1-a-brk)") || page.contains("url(#t1-a-mod)") || page.contains("url(#t1-a-dep)"))
        // The chips name each tree by machine: x86_64 and aarch64.
        #expect(page.contains("<span class=\"arch on\" title=\"6.12.0-&lt;b&gt;x&lt;/b&gt;\">x86_64</span>"))
        #expect(try HTMLReport.render(data) == page)
    }

    @Test(
        "the page opens in headless Chromium without a console message, and the switcher shows each tree",
        .enabled(if: HeadlessChromium.installed, "chromium is not installed"))
    func opensInChromium() throws {
        let dir = try TemporaryDirectory("modsplit-matrix-page")
        defer { dir.cleanup() }
        let built = try RealModuleFixture.build(in: dir.url)
        let trees = try RealModuleFixture.Release.allCases.map {
            MatrixTree(tree: try KernelTree.locate(path: built.root($0).path), scan: ScanOptions())
        }
        let matrix = try MatrixAnalysis(
            MatrixAnalysis.Request(
                trees: trees,
                split: .rules(
                    path: built.rules.path,
                    format: nil)))
        let shots = HeadlessChromium.screenshotDirectory
        let page = shots.appendingPathComponent("matrix-report.html")
        try HTMLReport.render(MatrixReportData(tool: "modsplit test", matrix: matrix, split: "rules/split.yaml"))
            .write(to: page, atomically: true, encoding: .utf8)
        let browser = try HeadlessChromium()
        let top = try browser.load(page.absoluteString, screenshot: shots.appendingPathComponent("matrix-top.png"))
        #expect(top.console.isEmpty, "\(top.console)")
        #expect(top.dom.contains("data-ready=\"true\"") && !top.dom.contains("data-script-error=\""))
        // The first tree shows; the second's sections are hidden; findings of the other kernel only are dimmed.
        #expect(top.dom.contains("<div class=\"tree-view\" data-tree=\"1\" hidden=\"\">"))
        #expect(top.dom.contains("<button type=\"button\" data-tree=\"0\" aria-pressed=\"true\""))
        #expect(top.dom.contains("class=\"elsewhere\""))
        // A click on the second kernel: its sections and its modules.
        let count =
            try browser.evaluate(
                """
                document.querySelector('#tree-switch button[data-tree="1"]').click();
                [
                    document.querySelector('.tree-view[data-tree="0"]').hidden,
                    document.getElementById('count').textContent,
                ]
                    .join(' ')
                """) as? String
        #expect(count == "true 24 modules", "\(count ?? "nil")")
        // A module only the second kernel has: the page switches to it.
        let snd = try browser.load(
            page.absoluteString + "#module=virtio_snd",
            screenshot: shots.appendingPathComponent("matrix-virtio_snd.png"), section: "#modules")
        #expect(snd.console.isEmpty, "\(snd.console)")
        #expect(snd.dom.contains("<h3>virtio_snd</h3>"))
        #expect(snd.dom.contains("<button type=\"button\" data-tree=\"1\" aria-pressed=\"true\""))
        let chosen = try browser.load(
            page.absoluteString + "#tree=6.12.0-fixture-amd64",
            screenshot: shots.appendingPathComponent("matrix-tree.png"))
        #expect(chosen.console.isEmpty && chosen.dom.contains("<div class=\"tree-view\" data-tree=\"0\" hidden=\"\">"))
        // For a human: the findings with their kernels, the second kernel's dimmed off the first.
        let findings = try browser.load(
            page.absoluteString, screenshot: shots.appendingPathComponent("matrix-findings.png"),
            section: "#findings")
        #expect(findings.console.isEmpty)
    }
}

/// The page of three real kernels of three architectures under Fedora's rules (~12,000 modules in one page).
@Suite(.enabled(if: RealKernels.enabled && HeadlessChromium.installed, "needs real kernels and chromium"), .serialized)
struct RealMatrixPageTests {
    @Test("a page of three real kernels opens without a console message and switches between them")
    func threeArchitectures() throws {
        var trees: [MatrixTree] = []
        for t in [
            RealKernels.Tree("linux-image-6.12.117+deb12-amd64"), RealKernels.Tree("arm64", arch: "arm64"),
            RealKernels.Tree("s390x", arch: "s390x"),
        ] {
            let root = try RealKernels.root(t)
            trees.append(
                MatrixTree(
                    tree: try KernelTree.locate(path: root.path),
                    scan: ScanOptions(symvers: RealKernels.symvers(in: root)?.path)))
        }
        let rules = Fixtures.url("fedora/def_variants.yaml.fedora").path
        let matrix = try MatrixAnalysis(MatrixAnalysis.Request(trees: trees, split: .rules(path: rules, format: nil)))
        let shots = HeadlessChromium.screenshotDirectory
        let page = shots.appendingPathComponent("matrix-real-report.html")
        let html = try HTMLReport.render(MatrixReportData(tool: "modsplit", matrix: matrix, split: "def_variants.yaml"))
        try html.write(to: page, atomically: true, encoding: .utf8)
        print("three-kernel report: \(html.utf8.count) bytes, \(page.path)")
        let browser = try HeadlessChromium()
        for (fragment, shot) in [
            ("", "matrix-real-top.png"), ("#tree=6.1.0-50-s390x", "matrix-real-s390x.png"),
            ("#module=virtio_net", "matrix-real-virtio_net.png"),
        ] {
            let load = try browser.load(page.absoluteString + fragment, screenshot: shots.appendingPathComponent(shot))
            #expect(load.console.isEmpty, "\(shot): \(load.console.prefix(5))")
            let ready = load.dom.contains("data-ready=\"true\""), failed = load.dom.contains("data-script-error=\"")
            #expect(ready && !failed, "\(shot): the script did not finish")
        }
        let s390 = try browser.evaluate(
            "document.querySelector('#tree-switch button[aria-pressed=\"true\"]').textContent")
        #expect((s390 as? String)?.contains("x86_64") == true)
    }
}
