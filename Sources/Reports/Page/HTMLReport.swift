internal import ELFScan
internal import Foundation
internal import Graph
public import Split

/// `index.html` of `modsplit report`: one self-contained page (inline CSS, JS and SVG; nothing is fetched).
///
/// What needs no script is rendered here: the summary, the package graph (laid out in Swift, so it is the
/// same on every browser and without JavaScript), the size bars and the findings. The module table and the
/// module neighbourhoods are drawn by the page's script from `ReportData` embedded as JSON, because a static
/// table of 4,000 rows and 4,000 pre-drawn neighbourhoods would make the page slow to open.
///
/// Everything that comes from a module (names, paths, licenses, messages that quote them) is untrusted:
/// whoever built the module wrote its `.modinfo`. Swift escapes it with `escape(_:)`; the script only ever
/// sets `textContent` and attributes, never `innerHTML`; the JSON cannot close its `<script>` element; and a
/// Content-Security-Policy lets only this page's own script (pinned by its SHA-256) run.
public enum HTMLReport {
    /// The page for `data`, with the split's core beside the minimal core when `comparison` is given
    /// (`report --minimal-core`). Same data, same bytes.
    public static func render(_ data: ReportData, comparison: CoreComparison? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(data), as: UTF8.self)
        let title = "modsplit report: \(data.kernelVersion)" + (data.split.map { " · \(fileName($0))" } ?? "")
        var body = header(data)
        body += "<main>\n"
        body += summarySection(data)
        body += packageGraphSection(data)
        body += sizeSection(data)
        if let comparison { body += coreComparisonSection(comparison) }
        body += findingsSection(data)
        body += modulesSection(data)
        body += "</main>\n"
        return document(
            title: title, tool: data.tool, schemaVersion: data.schemaVersion, body: body, json: json,
            view: try viewJSON(packages: data.packages.count))
    }

    /// The page around `body`: the policy that lets only the page's own script run, the style, the footer, the
    /// data (`json`) and view settings (`view`) as script-safe JSON, and the script.
    static func document(title: String, tool: String, schemaVersion: Int, body: String, json: String, view: String)
        -> String
    {
        let scriptHash = Data(SHA256.digest(Array(script.utf8))).base64EncodedString()
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-\(scriptHash)'; \
            style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="\(escape(tool))">
            <title>\(escape(title))</title>
            <style>\(style)</style>
            </head>
            <body>

            """
        page += body
        page += "<footer>Written by \(escape(tool)). Data schema \(schemaVersion); the page's data is the "
        page += "JSON in <code>#modsplit-data</code>.</footer>\n"
        page += "<script type=\"application/json\" id=\"modsplit-data\">\(scriptSafeJSON(json))</script>\n"
        page += "<script type=\"application/json\" id=\"modsplit-view\">\(scriptSafeJSON(view))</script>\n"
        page += "<script>\(script)</script>\n</body>\n</html>\n"
        return page
    }

    /// Text made safe for HTML and SVG text and for double- or single-quoted attribute values. C0 control
    /// characters other than tab and newline (which HTML cannot carry) become U+FFFD.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(u)
            case "\r": out += "\n"
            case _ where u.value < 0x20 || u.value == 0x7F: out += "\u{FFFD}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` become `\u003c`,
    /// `\u003e`, `\u0026` (so neither `</script>` nor `<!--` can end or confuse the element), and U+2028/U+2029
    /// are escaped too. All of these occur only inside JSON strings, where the escapes mean the same text.
    public static func scriptSafeJSON(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count)
        for u in json.unicodeScalars {
            switch u {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A link target that selects a module (or filters the table to a package) in the page's script.
    static func fragment(_ key: String, _ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.")
        return "#\(key)=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }

    // MARK: - Colours and numbers

    /// Package colours, by package index: distinct in hue and readable as text on white.
    static let palette = [
        "#2f6db5", "#d9782d", "#2e9457", "#8b5ac4", "#c23f77", "#16929f", "#9c8318", "#5f7186",
        "#b3502d", "#4f7f26", "#3f51b5", "#a3468f",
    ]
    static let unplacedColour = "#8a8f98"

    static func colour(_ package: Int) -> String { package < 0 ? unplacedColour : palette[package % palette.count] }

    /// What the script needs beside the data: the package colours.
    static func viewJSON(packages: Int) throws -> String {
        struct View: Encodable { var colours: [String]; var unplacedColour: String }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let view = View(colours: (0..<packages).map(colour), unplacedColour: unplacedColour)
        return String(decoding: try encoder.encode(view), as: UTF8.self)
    }

    /// 1.5 MiB, 320.0 KiB, 12 B: binary units, one decimal, the same as the page's script prints.
    static func bytes(_ n: UInt64) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var v = Double(n) / 1024, u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return String(format: "%.1f", v) + " " + units[u]
    }

    /// 4,230.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func percent(_ part: UInt64, of whole: UInt64) -> String {
        whole == 0 ? "0%" : String(format: "%.0f%%", Double(part) * 100 / Double(whole))
    }

    static func plural(_ n: Int, _ word: String, _ words: String? = nil) -> String {
        "\(count(n)) \(n == 1 ? word : words ?? word + "s")"
    }

    static func fileName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
}
