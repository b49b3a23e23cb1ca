import ELFScan
import Foundation
import Graph
import Reports
import Split
import TestSupport
import Testing

@Suite struct ReporterTests {
    func report() -> CheckReport {
        ReportFixtures.checkReport()
    }

    @Test("JSON: versioned, every finding has the documented fields, deterministic")
    func json() throws {
        let a = try ReportFormat.json.reporter().render(report())
        #expect(a == (try ReportFormat.json.reporter().render(report())))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 1)
        let findings = try #require(object["findings"] as? [[String: Any]])
        let cross = try #require(findings.first { $0["kind"] as? String == "cross-package" })
        for key in [
            "kind", "severity", "module", "path", "package", "provider", "providerPackage", "symbols", "rule",
            "message",
        ] {
            #expect(cross[key] != nil, "missing \(key)")
        }
    }

    @Test("SARIF 2.1.0 with its schema, results located at the rule line")
    func sarif() throws {
        let s = try ReportFormat.sarif.reporter().render(report())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
        #expect(object["$schema"] as? String == "https://json.schemastore.org/sarif-2.1.0.json")
        #expect(object["version"] as? String == "2.1.0")
        #expect(s.contains("\"uri\" : \"rules.yaml\""))
        #expect(s.contains("\"ruleId\" : \"cross-package\""))
    }

    @Test("Markdown and text escape strings that come from modules")
    func escaping() throws {
        let md = try ReportFormat.markdown.reporter().render(report())
        #expect(!md.contains("<img"))
        #expect(md.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(md.contains("\\`rm -rf\\`"))
        #expect(!md.contains("\u{1B}"))
        let text = try ReportFormat.text.reporter().render(report())
        #expect(!text.contains("\u{1B}"))
        let coloured = try ReportFormat.text.reporter(colour: true).render(report())
        #expect(coloured.contains("\u{1B}[1;31merror"))
    }
}
