import ELFScan
import Foundation
import Graph
import Reports
import Split
import TestSupport
import Testing

/// Headless Chromium (Debian's `chromium`), driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: commands in on fd 3, replies out on fd 4, NUL-separated JSON). The protocol,
/// not `--screenshot`, because headless `--screenshot` paints a blank page once the page has scrolled, and
/// because it reports console messages, exceptions and CSP violations as events, each with its level.
final class HeadlessChromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static var installed: Bool { path != nil }

    /// Screenshots go to `$MODSPLIT_SCREENSHOT_DIR`, else a temporary directory, so a human can look.
    static var screenshotDirectory: URL {
        let dir =
            ProcessInfo.processInfo.environment["MODSPLIT_SCREENSHOT_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("modsplit-screenshots")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    struct Load {
        /// Console messages, uncaught exceptions and browser log entries (CSP violations, failed loads).
        var console: [String]
        /// The DOM after the script ran.
        var dom: String
    }

    struct ProtocolError: Error, CustomStringConvertible { var description: String }

    private let process = Process()
    private let commands = Pipe(), replies = Pipe()
    private let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
        "modsplit-chromium-\(UUID().uuidString)")
    private var buffer = Data()
    private var nextID = 0
    private var session: String?
    private var events: [[String: Any]] = []

    /// The window's size in screenshots.
    let width: Int, height: Int

    /// The browser's window is `surface` pixels tall, so pages do not scroll and screenshots are clips of it:
    /// headless Chromium paints a scrolled page shifted by its scroll offset (blank below the first window).
    init(width: Int = 1400, height: Int = 1000, surface: Int = 16000) throws {
        self.width = width
        self.height = height
        // Foundation cannot hand a child fds 3 and 4, so the shell moves our pipes there.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-extensions", "--hide-scrollbars", "--remote-debugging-pipe",
            "--user-data-dir=\(profile.path)", "--window-size=\(width),\(surface)",
        ]
        process.arguments =
            [
                "-c", "exec \"$0\" \"$@\" 3<&0 4>&1 0</dev/null 1>/dev/null 2>/dev/null",
                try #require(Self.path),
            ] + flags
        process.standardInput = commands
        process.standardOutput = replies
        try process.run()
        // A browser that stops answering ends the test instead of hanging it: the pipe closes, reads fail.
        DispatchQueue.global().asyncAfter(deadline: .now() + 300) { [process] in
            if process.isRunning { process.terminate() }
        }
        let target = try call("Target.createTarget", ["url": "about:blank"], browser: true)["targetId"] as? String
        session =
            try call("Target.attachToTarget", ["targetId": target ?? "", "flatten": true], browser: true)["sessionId"]
            as? String
        for domain in ["Runtime", "Page", "Log"] { _ = try call("\(domain).enable") }
        _ = try call(
            "Emulation.setDeviceMetricsOverride",
            ["width": width, "height": surface, "deviceScaleFactor": 1, "mobile": false])
    }

    deinit {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: profile)
    }

    /// Opens `url`, waits until the page sets `data-ready` (or reports a script error, or 60 s pass), and
    /// saves a screenshot of one window's height from the top of the page, or from the top of `section` (a
    /// CSS selector).
    func load(_ url: String, screenshot: URL, section: String? = nil) throws -> Load {
        // Through about:blank, so a URL that differs only in its fragment loads afresh.
        _ = try call("Page.navigate", ["url": "about:blank"])
        events.removeAll()
        _ = try call("Page.navigate", ["url": url])
        let deadline = Date().addingTimeInterval(60)
        var state = ""
        while Date() < deadline {
            state =
                try evaluate(
                    "(document.readyState === 'complete' && document.documentElement.dataset.ready) || "
                        + "(document.documentElement.dataset.scriptError ? 'error' : '')") as? String ?? ""
            if !state.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        // Two animation frames, so what the script drew is painted.
        _ = try call(
            "Runtime.evaluate",
            [
                "expression": "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))",
                "awaitPromise": true,
            ])
        let top =
            try section.map {
                try evaluate("document.querySelector('\($0)').getBoundingClientRect().top + scrollY") as? Double ?? 0
            } ?? 0
        let clip: [String: Any] = ["x": 0, "y": top, "width": width, "height": height, "scale": 1]
        let png = try call("Page.captureScreenshot", ["format": "png", "clip": clip])["data"] as? String ?? ""
        try Data(base64Encoded: png)?.write(to: screenshot)
        let dom = try evaluate("document.documentElement.outerHTML") as? String ?? ""
        var console: [String] = []
        for e in events {
            let p = e["params"] as? [String: Any] ?? [:]
            switch e["method"] as? String {
            case "Runtime.consoleAPICalled":
                let args = (p["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "")" }
                console.append("console.\(p["type"] ?? ""): \(args.joined(separator: " "))")
            case "Runtime.exceptionThrown":
                let d = p["exceptionDetails"] as? [String: Any] ?? [:]
                console.append(
                    "exception: \(d["text"] ?? "") \((d["exception"] as? [String: Any])?["description"] ?? "")")
            case "Log.entryAdded":
                let entry = p["entry"] as? [String: Any] ?? [:]
                console.append("\(entry["level"] ?? "") \(entry["source"] ?? ""): \(entry["text"] ?? "")")
            default: break
            }
        }
        return Load(console: console, dom: dom)
    }

    func evaluate(_ expression: String) throws -> Any? {
        let r = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        return (r["result"] as? [String: Any])?["value"]
    }

    /// Sends one command and reads until its reply; events read on the way are kept.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], browser: Bool = false) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if !browser, let session { message["sessionId"] = session }
        commands.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: message) + Data([0]))
        while true {
            let reply = try read()
            if reply["id"] as? Int == nextID {
                if let error = reply["error"] { throw ProtocolError(description: "\(method): \(error)") }
                return reply["result"] as? [String: Any] ?? [:]
            }
            if reply["method"] != nil { events.append(reply) }
        }
    }

    private func read() throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = buffer[buffer.startIndex..<end]
                buffer = Data(buffer[(end + 1)...])
                return try JSONSerialization.jsonObject(with: message) as? [String: Any] ?? [:]
            }
            let more = replies.fileHandleForReading.availableData
            if more.isEmpty { throw ProtocolError(description: "chromium closed the pipe") }
            buffer += more
        }
    }
}

/// A split with hostile module strings: a module named like markup, a license that tries to close the data
/// element, and a path with a comment opener. `evil` sits in core and needs `extra_mod` from extra, which
/// core does not depend on, so there is a cross-package error quoting the hostile name.
enum HostileSplit {
    static let evilName = "evil</script><script>alert(1)</script>"
    static let evilLicense = "GPL</script><!--<img src=x onerror=alert(2)>"

    static func data() throws -> ReportData {
        var evil = exampleModule(
            evilName, imports: ["printk", "extra_fn", "helper_fn"], license: evilLicense,
            modinfo: [("description", "<script>alert(3)</script>"), ("alias", "pci:v*d*")])
        evil.path = "kernel/drivers/<!--evil-->/\(evilName).ko.xz"
        let modules = [
            evil,
            exampleModule("helper", exports: ["helper_fn"], imports: ["printk"], size: 4000),
            exampleModule("extra_mod", exports: ["extra_fn", "extra_gpl"], imports: ["helper_fn"], size: 12000),
            exampleModule("user-of-extra", imports: ["extra_fn", "extra_gpl"], size: 2000),
            exampleModule("lonely", imports: ["printk"], modinfo: [("alias", "usb:v1234p*")], size: 500),
        ]
        let example = CheckExample(
            "hostile strings", modules: modules,
            packages: [("core", []), ("extra", ["core"]), ("Q&A <pkg>", ["core"])],
            placed: [
                evilName: "core", "helper": "core", "extra_mod": "extra", "user-of-extra": "Q&A <pkg>",
                "lonely": "Q&A <pkg>",
            ])
        let analysis = try Analyse.facts(
            modules, kernel: example.kernel, split: example.split,
            version: "6.12.0-<b>test</b>")
        return ReportData(tool: "modsplit test", analysis: analysis, split: "rules/<i>split</i>.yaml")
    }
}

@Suite struct HTMLReportTests {
    @Test("escape neutralises markup in text and in attribute values")
    func escapeFunction() {
        #expect(
            HTMLReport.escape("<script>alert('x') & \"y\"</script>")
                == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
        #expect(HTMLReport.escape("plain_name-1") == "plain_name-1")
        #expect(HTMLReport.escape("a\u{0}b\u{1B}c\td\r\ne") == "a\u{FFFD}b\u{FFFD}c\td\n\ne")
        #expect(HTMLReport.escape("ünïcödé ✓") == "ünïcödé ✓")
    }

    @Test("JSON for a script element cannot close it or open a comment, and still decodes to the same text")
    func scriptSafeJSON() throws {
        let text = "</script><!-- & \u{2028}"
        let json = String(decoding: try JSONEncoder().encode([text]), as: UTF8.self)
        let safe = HTMLReport.scriptSafeJSON(json)
        #expect(!safe.contains("<") && !safe.contains(">") && !safe.contains("&") && !safe.contains("\u{2028}"))
        #expect(try JSONDecoder().decode([String].self, from: Data(safe.utf8)) == [text])
    }

    @Test("every module string is escaped in the page; the data element cannot be broken out of")
    func hostileStringsAreEscaped() throws {
        let data = try HostileSplit.data()
        #expect(data.findings.contains { $0.kind == "cross-package" && $0.module == HostileSplit.evilName })
        let page = try HTMLReport.render(data)
        #expect(!page.contains("<script>alert"))
        #expect(!page.contains("<img"))
        #expect(!page.contains("<!--"))
        #expect(!page.contains("<b>test</b>") && !page.contains("<i>split</i>"))
        // Exactly the page's own three script elements: the data, the view settings, the code.
        #expect(page.components(separatedBy: "<script").count - 1 == 3)
        #expect(page.components(separatedBy: "</script>").count - 1 == 3)
        #expect(page.contains("evil&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("Q&amp;A &lt;pkg&gt;"))
        #expect(page.contains("6.12.0-&lt;b&gt;test&lt;/b&gt;"))
        // The JSON in the page decodes to the same strings.
        let start = try #require(page.range(of: "<script type=\"application/json\" id=\"modsplit-data\">"))
        let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
        let json = String(page[start.upperBound..<end.lowerBound])
        #expect(!json.contains("<"))
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let modules = try #require(decoded?["modules"] as? [[String: Any]])
        #expect(
            modules.contains {
                $0["name"] as? String == HostileSplit.evilName && $0["license"] as? String == HostileSplit.evilLicense
            })
        // No network: nothing is loaded from anywhere, and only the page's own script may run.
        #expect(!page.contains("src=\"") && !page.contains("href=\"http") && !page.contains("url(http"))
        #expect(page.contains("Content-Security-Policy") && page.contains("script-src 'sha256-"))
    }

    @Test("same data, same bytes")
    func deterministic() throws {
        let a = try HTMLReport.render(try HostileSplit.data()), b = try HTMLReport.render(try HostileSplit.data())
        #expect(a == b)
    }

    @Test("the package graph is drawn in the page, with the broken edge in red")
    func packageGraphIsStatic() throws {
        let page = try HTMLReport.render(try HostileSplit.data())
        #expect(page.contains("<svg class=\"pkg-graph\""))
        #expect(page.contains("class=\"e brk\""))
        #expect(page.contains("#package=Q%26A%20%3Cpkg%3E"))
    }

    @Test(
        "the page opens in headless Chromium without a console message, and its script never runs module text",
        .enabled(if: HeadlessChromium.installed, "chromium is not installed"))
    func opensInChromium() throws {
        let dir = HeadlessChromium.screenshotDirectory
        let page = dir.appendingPathComponent("hostile-report.html")
        try HTMLReport.render(try HostileSplit.data()).write(to: page, atomically: true, encoding: .utf8)
        let selected =
            "#module=" + (HostileSplit.evilName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        let browser = try HeadlessChromium()
        for (fragment, shot) in [("", "hostile-top.png"), (selected, "hostile-module.png")] {
            let png = dir.appendingPathComponent(shot)
            let load = try browser.load(
                page.absoluteString + fragment, screenshot: png,
                section: fragment.isEmpty ? nil : "#modules")
            #expect(load.console.isEmpty, "\(shot): \(load.console)")
            // Booleans first, so a failure does not print the whole page.
            let ready = load.dom.contains("data-ready=\"true\""), failed = load.dom.contains("data-script-error=\"")
            let injected = load.dom.contains("<script>alert") || load.dom.contains("<img")
            #expect(ready, "\(shot): the script did not finish")
            #expect(!failed, "\(shot): the script reported an error")
            #expect(!injected, "\(shot): module text became markup")
            #expect(FileManager.default.fileExists(atPath: png.path))
            if !fragment.isEmpty {
                // The explorer shows the hostile module by its name and license, as text.
                let name = load.dom.contains("<h3>evil&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h3>")
                let license = load.dom.contains("<dd>GPL&lt;/script&gt;&lt;!--&lt;img src=x onerror=alert(2)&gt;</dd>")
                #expect(name && license, "the explorer does not show the hostile module as text")
            }
        }
    }
}

@Suite(.enabled(if: HeadlessChromium.installed, "chromium is not installed"))
struct HeadlessChromiumTests {
    @Test("the harness sees console errors, uncaught exceptions and CSP violations")
    func harnessSeesErrors() throws {
        let page = HeadlessChromium.screenshotDirectory.appendingPathComponent("harness-check.html")
        try """
        <!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="script-src 'unsafe-inline'; img-src 'none'">
        <script>console.error('seen');
        setTimeout(() => { document.documentElement.dataset.ready = 'true'; null.x; }, 10);</script>
        <img src="https://example.invalid/x.png">
        """.write(to: page, atomically: true, encoding: .utf8)
        let load = try HeadlessChromium().load(page.absoluteString, screenshot: page.appendingPathExtension("png"))
        #expect(load.console.contains { $0.contains("seen") })
        #expect(load.console.contains { $0.hasPrefix("exception:") })
        #expect(load.console.contains { $0.contains("Content Security Policy") })
    }
}

/// The real thing: Debian's 6.12 amd64 kernel with Fedora's rules and with the example cloud split, opened in
/// Chromium; screenshots of the top (package graph) and of virtio_net's neighbourhood.
@Suite(.enabled(if: RealKernels.enabled && HeadlessChromium.installed, "needs real kernels and chromium"), .serialized)
struct RealBrowserReportTests {
    @Test(
        "reports of a real 4,000-module tree open without a console message",
        arguments: [
            ("fedora", Fixtures.url("fedora/def_variants.yaml.fedora").path),
            ("cloud", RealKernels.repositoryRoot.appendingPathComponent("examples/cloud-split.yaml").path),
        ])
    func realTree(name: String, rules: String) throws {
        let analysis = try Analyse.tree(
            RealKernels.Tree("linux-image-6.12.117+deb12-amd64"),
            split: .rules(path: rules, format: nil))
        let data = ReportData(tool: "modsplit", analysis: analysis, split: rules)
        let dir = HeadlessChromium.screenshotDirectory
        let page = dir.appendingPathComponent("\(name)-report.html")
        let html = try HTMLReport.render(data)
        try html.write(to: page, atomically: true, encoding: .utf8)
        print("\(name) report: \(html.utf8.count) bytes, \(page.path)")
        let browser = try HeadlessChromium()
        for (fragment, shot) in [
            ("", "\(name)-top.png"), ("#module=virtio_net", "\(name)-virtio_net.png"),
            ("#module=usbnet", "\(name)-usbnet.png"),
        ] {
            let load = try browser.load(
                page.absoluteString + fragment, screenshot: dir.appendingPathComponent(shot),
                section: fragment.isEmpty ? nil : "#modules")
            #expect(load.console.isEmpty, "\(shot): \(load.console.prefix(5))")
            let ready = load.dom.contains("data-ready=\"true\""), failed = load.dom.contains("data-script-error=\"")
            #expect(ready && !failed, "\(shot): the script did not finish")
            if let module = fragment.split(separator: "=").last, !fragment.isEmpty {
                let shown = load.dom.contains("<h3>\(module)</h3>")
                #expect(shown, "\(module) is not in the explorer")
            }
        }
    }
}
