import Foundation
import Split
import TestSupport
import Testing

@testable import Reports

/// GitHub refuses a comment body over 65,536 characters: the Markdown of `check` and `diff` summarise within
/// it, most important first, and say what they left out and where the whole report is.
@Suite struct CommentLimitTests {
    static let githubLimit = 65_536

    @Test("a cut comment stays within its limit, keeps every section's first lines, and counts what it left out")
    func budget() {
        let sections = (0..<4).map { s in
            MarkdownComment.Section(
                title: "section \(s)",
                items: (0..<(s == 0 ? 5 : 2_000)).map {
                    "- item \($0) of section \(s) " + String(repeating: "x", count: 40) + "\n"
                })
        }
        let comment = MarkdownComment(head: "### head\n", sections: sections)
        let whole = comment.render(limit: nil, fullReport: "see the whole")
        #expect(whole.utf8.count > 20_000)
        #expect(!whole.contains("more: see the whole"))
        let cut = comment.render(limit: 20_000, fullReport: "see the whole")
        #expect(cut.utf8.count <= 20_000)
        #expect(cut.contains("> This summary is cut to fit a pull-request comment: see the whole"))
        for (s, section) in sections.enumerated() {
            let kept = section.items.filter { cut.contains($0) }.count
            #expect(kept >= min(section.items.count, MarkdownComment.fairShare), "section \(s)")
            // The first lines are the ones kept.
            #expect(section.items.prefix(kept).allSatisfy { cut.contains($0) })
            let left = section.items.count - kept
            #expect(left == 0 || cut.contains("- … and \(left) more: see the whole\n"), "section \(s)")
            #expect(cut.contains("<b>section \(s)</b> (\(section.items.count))"))
        }
        // The earlier sections fill first once each has its share.
        let kept = sections.map { section in section.items.filter { cut.contains($0) }.count }
        #expect(kept[1] > kept[3])
    }

    @Test("the diff's Markdown points to the full report the caller wrote")
    func pointer() throws {
        let before = try Analyse.facts((0..<3_000).map { exampleModule("old_module_\($0)") })
        let after = try Analyse.facts((0..<3_000).map { exampleModule("new_module_\($0)") })
        let diff = SplitDiff(before: before, after: after)
        let md = diff.markdown(limit: 20_000, fullReport: "diff-full.json")
        #expect(md.utf8.count <= 20_000)
        #expect(md.contains("more: see the full report in `diff-full.json`"))
        #expect(diff.markdown(limit: 20_000).contains("`modsplit diff --format json` (or `--full-output FILE`)"))
        #expect(diff.markdown(limit: nil).contains("new_module_2999"))
    }

    /// The diff that made the limit matter: Debian's 6.1 and 6.12 amd64 kernels under Fedora's rules, 654,000
    /// characters whole.
    @Test(
        "the Markdown diff of Debian 6.1 → 6.12 under Fedora's rules fits a pull-request comment",
        .enabled(if: RealKernels.enabled))
    func realDiffFits() throws {
        let rules = SplitInput.rules(path: Fixtures.url("fedora/def_variants.yaml.fedora").path, format: nil)
        let before = try Analyse.tree(RealKernels.Tree("amd64"), split: rules)
        let after = try Analyse.tree(RealKernels.Tree("linux-image-6.12.117+deb12-amd64"), split: rules)
        let diff = SplitDiff(before: before, after: after)
        let whole = diff.markdown(limit: nil)
        let md = diff.markdown()
        print("diff markdown: \(whole.count) characters whole, \(md.count) cut (\(md.utf8.count) UTF-8 bytes)")
        #expect(whole.count > Self.githubLimit)
        #expect(md.count <= Self.githubLimit && md.utf16.count <= Self.githubLimit && md.utf8.count <= Self.githubLimit)
        // Totals whole, the findings that appear whole, every section present with its full count.
        #expect(md.hasPrefix("### modsplit diff: \(diff.added.count) added, \(diff.removed.count) removed"))
        for f in diff.findingsAppeared { #expect(md.contains(markdownEscape(f.message))) }
        #expect(md.contains("<b>changed modules</b> (\(diff.changed.count))"))
        #expect(md.contains("more: see the full report"))
    }
}
