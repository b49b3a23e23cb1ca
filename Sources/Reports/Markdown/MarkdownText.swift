internal import Graph

/// U+200B ZERO WIDTH SPACE: invisible, and it breaks what GitHub would turn into a mention, an issue link or
/// an autolink. GitHub finds `@user`, `#123` and `GH-123` after rendering, in the text, so a backslash or an
/// HTML entity does not stop them (github/markup#1168, github/cmark-gfm#181); a character between the sign
/// and the name does.
let zeroWidthSpace: Unicode.Scalar = "\u{200B}"

/// Text from a module, a rules file or a tree, made inert for GitHub-flavoured Markdown: control characters
/// shown as `?` (`Display.sanitized`), `<`, `>` and `&` as entities so no HTML gets through, Markdown's
/// punctuation backslash-escaped, and a zero-width space where GitHub would otherwise ping someone (`@user`,
/// which also breaks e-mail autolinks), link an issue (`#123`, `GH-123`) or autolink an address (`://`,
/// `www.`).
func markdownEscape(_ s: String) -> String {
    let text = Array(Display.sanitized(s).unicodeScalars)
    func lowercased(_ i: Int) -> Character? {
        i >= 0 && i < text.count ? Character(text[i]).lowercased().first : nil
    }
    func isDigit(_ i: Int) -> Bool { i < text.count && ("0"..."9").contains(text[i]) }
    var out = String.UnicodeScalarView()
    for (i, u) in text.enumerated() {
        switch u {
        case "<": out.append(contentsOf: "&lt;".unicodeScalars)
        case ">": out.append(contentsOf: "&gt;".unicodeScalars)
        case "&": out.append(contentsOf: "&amp;".unicodeScalars)
        case "\\", "`", "*", "_", "[", "]", "|", "!", "~":
            out.append("\\")
            out.append(u)
        case "#":
            out.append(contentsOf: "\\#".unicodeScalars)
            if isDigit(i + 1) { out.append(zeroWidthSpace) }
        case "@":
            out.append(u)
            out.append(zeroWidthSpace)
        case ":":
            out.append(u)
            if i + 2 < text.count && text[i + 1] == "/" && text[i + 2] == "/" { out.append(zeroWidthSpace) }
        case ".":
            if lowercased(i - 3) == "w" && lowercased(i - 2) == "w" && lowercased(i - 1) == "w" {
                out.append(zeroWidthSpace)
            }
            out.append(u)
        case "-":
            if lowercased(i - 2) == "g" && lowercased(i - 1) == "h" && isDigit(i + 1) { out.append(zeroWidthSpace) }
            out.append(u)
        default: out.append(u)
        }
    }
    return String(out)
}

/// Text for inside a code span, where GitHub neither links nor mentions: only a backtick would end it.
func markdownCode(_ s: String) -> String { Display.sanitized(s).replacingOccurrences(of: "`", with: "'") }

/// The size of the Markdown that `check` and `diff` write for pull-request comments.
public enum PullRequestComment {
    /// GitHub refuses a comment body over 65,536 characters; this leaves room for what a workflow wraps
    /// around the report. Counted in UTF-8 bytes, never fewer than characters, Unicode scalars or UTF-16
    /// code units, however GitHub counts.
    public static let maximumBytes = 60_000
}

/// A pull-request comment that fits: GitHub refuses a comment body over 65,536 characters. Sections fold in
/// `<details>`; when everything does not fit, each section keeps its first lines (the most important, as the
/// caller orders them), then the sections fill in their order, and each cut section ends with how many lines
/// it left out and where the full report is.
struct MarkdownComment {
    static let defaultLimit = PullRequestComment.maximumBytes
    /// Lines every cut section keeps before any section gets more.
    static let fairShare = 10

    struct Section {
        var title: String
        /// One Markdown list item each (it may span lines).
        var items: [String]
    }

    /// The text above the sections (totals, tables), always shown whole.
    var head: String
    var sections: [Section]

    /// The comment within `limit` UTF-8 bytes (nil: everything); `fullReport` says where the rest is.
    func render(limit: Int?, fullReport: String) -> String {
        let sections = self.sections.filter { !$0.items.isEmpty }
        func opening(_ s: Section) -> String {
            "\n<details><summary><b>\(s.title)</b> (\(s.items.count))</summary>\n\n"
        }
        let closing = "\n</details>\n"
        func more(_ n: Int) -> String { "- … and \(n) more: \(fullReport)\n" }
        let whole = sections.map { opening($0) + $0.items.joined() + closing }.joined()
        guard let limit, head.utf8.count + whole.utf8.count > limit else { return head + whole }

        let notice = "\n> This summary is cut to fit a pull-request comment: \(fullReport)\n"
        var budget = limit - head.utf8.count - notice.utf8.count
        for s in sections { budget -= opening(s).utf8.count + closing.utf8.count + more(s.items.count).utf8.count }
        var kept = [Int](repeating: 0, count: sections.count)
        for share in [Self.fairShare, Int.max] {
            for (k, s) in sections.enumerated() {
                while kept[k] < min(s.items.count, share) {
                    let size = s.items[kept[k]].utf8.count
                    guard size <= budget else { break }
                    budget -= size
                    kept[k] += 1
                }
            }
        }
        var out = head + notice
        for (k, s) in sections.enumerated() {
            out += opening(s) + s.items.prefix(kept[k]).joined()
            if kept[k] < s.items.count { out += more(s.items.count - kept[k]) }
            out += closing
        }
        return out
    }
}

/// `n` and the noun, plural unless `n` is 1 ("1 module", "2 modules").
func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

/// "1 error, 2 warnings, 0 notes": finding counts as every report says them, each noun agreeing with its number.
func findingCounts(errors: Int, warnings: Int, notes: Int) -> String {
    return "\(counted(errors, "error")), \(counted(warnings, "warning")), \(counted(notes, "note"))"
}
