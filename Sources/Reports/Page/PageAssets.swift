/// The page's style sheet and script: `Resources/report.css` and `Resources/report.js`, real files that CSS
/// and JavaScript tools can check, compiled into the binary by SwiftPM (`.embedInCode`) so the page stays one
/// self-contained file and nothing is read at run time.
extension HTMLReport {
    /// Inlined in the page's `<style>` element.
    static let style = inlineText(PackageResources.report_css)

    /// Inlined in the page's last `<script>` element; the Content-Security-Policy pins the SHA-256 of exactly
    /// these bytes. It reads `#modsplit-data`, builds every node with createElement/createElementNS and text
    /// with textContent, so no module string is ever parsed as markup.
    static let script = inlineText(PackageResources.report_js)

    /// A resource as the page inlines it: UTF-8 text without the newline that ends the file, so the element's
    /// closing tag follows the last line directly.
    static func inlineText(_ bytes: [UInt8]) -> String {
        let text = bytes.last == UInt8(ascii: "\n") ? bytes.dropLast() : bytes[...]
        return String(decoding: text, as: UTF8.self)
    }
}
