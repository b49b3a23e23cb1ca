import Foundation
import TestSupport
import Testing

/// A fresh clone has nothing beside it: no code, test or script may read a path outside the repository.
///
/// A static scan of Sources/, Tests/, scripts/, bench/, .ci/ and Package.swift. Tests/Fixtures is
/// skipped: it is distribution data copied byte for byte (Debian's module lists `#include ../…`
/// among themselves), read by the tests, never a reader of paths. So is this file, whose examples
/// are the very patterns the scan looks for.
@Suite struct RepositoryHygieneTests {
    @Test("nothing in the repository reads a path outside it")
    func nothingReadsOutside() throws {
        let files = try RepositoryScan.files()
        #expect(files.count > 30)
        #expect(files.contains("Tests/TestSupport/Fixtures.swift"))
        var found: [String] = []
        for file in files {
            let text = try String(contentsOf: RealKernels.repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            found += RepositoryScan.escapes(file: file, text: text)
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }

    @Test("the fixtures the tests read are in the repository")
    func fixturesPresent() {
        for path in [
            "README.md", "fedora/def_variants.yaml.fedora", "fedora/def_variants.yaml.rhel",
            "fedora/filtermods-deb612/modules-core.list", "debian/installer-6.1.176-1/package-list",
            "debian/udebs-6.1.0-50-amd64/udeb-sha256.txt", "suse/supported.conf",
            "suse/kernel-default-base.modules.txt", "ubuntu/ccab78d9/generic.inclusion-list",
            "ubuntu/420a2928/generic.inclusion-list",
        ] {
            #expect(FileManager.default.fileExists(atPath: Fixtures.url(path).path), "\(path)")
        }
        #expect(Fixtures.root.path.hasPrefix(RealKernels.repositoryRoot.standardizedFileURL.path))
    }

    /// The scan catches what the repository did before the fixtures moved in (each line as it was).
    @Test(
        "the scan catches each way the repository used to reach outside",
        arguments: [
            (
                "Tests/GraphTests/RulesTests.swift",
                """
                static let fedora: String = {
                    var url = #filePath
                    for _ in 0..<4 { url = String(url[..<url.lastIndex(of: "/")!]) }
                    return url
                }()
                """
            ),
            (
                "Tests/SplitTests/RealSplitTests.swift",
                "static let fedora = "
                    + "RealKernels.repositoryRoot.deletingLastPathComponent().appendingPathComponent(\"x\")"
            ),
            (
                "Tests/TestSupport/RealKernels.swift",
                """
                var url = URL(fileURLWithPath: #filePath)
                url.deleteLastPathComponent()
                for _ in 0..<3 { url.deleteLastPathComponent() }
                """
            ),
            ("Tests/EndToEndTests/X.swift", "let f = Fixtures.url(\"../../elsewhere/rules.yaml\")"),
            ("scripts/make-reports", "cd \"$(dirname \"$0\")/..\"\nfedora=../elsewhere/def_variants.yaml.fedora"),
            (
                "bench/depmod-vs-modsplit",
                "here=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"\nrules=\"$here/../elsewhere/x.yaml\""
            ),
            ("scripts/compare-with-depmod", "bin=\"$(dirname \"$0\")/../../elsewhere/modsplit\""),
            ("scripts/x", "data=$HOME/src/shared/data/fedora"),
        ])
    func catchesEscapes(file: String, text: String) {
        #expect(!RepositoryScan.escapes(file: file, text: text).isEmpty)
    }

    @Test(
        "the scan lets the repository's own ways to its root pass",
        arguments: [
            (
                "Tests/TestSupport/RealKernels.swift",
                "var url = URL(fileURLWithPath: #filePath)\nfor _ in 0..<3 { url.deleteLastPathComponent() }"
            ),
            (
                "Tests/ELFScanTests/FuzzRegressionTests.swift",
                "URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(\"Regressions\")"
            ),
            ("scripts/compare-with-depmod", "bin=\"$(dirname \"$0\")/../.build/release/modsplit\""),
            ("bench/depmod-vs-modsplit", "here=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"\nrules=\"$here/Tests/x\""),
            ("Tests/EndToEndTests/HostileInputTests.swift", "let name = \"../../victim\""),
        ])
    func allowsInside(file: String, text: String) {
        #expect(RepositoryScan.escapes(file: file, text: text).isEmpty)
    }

    /// docs/contributing.md's habits: a file over 600 lines holds more than one responsibility; and
    /// `swift format lint` (run by .ci/run) reports code past 120 columns, but not a string literal or a
    /// comment it could not break itself, so the width is checked here too, on every Swift file.
    @Test("no Swift file under Sources/ or Tests/ is over 600 lines, and no line of one is over 120 columns")
    func swiftFileSizes() throws {
        let root = RealKernels.repositoryRoot
        var files: [String] = []
        for top in ["Sources", "Tests"] {
            let entries = try FileManager.default.subpathsOfDirectory(atPath: root.appendingPathComponent(top).path)
            files += entries.filter { $0.hasSuffix(".swift") }.map { top + "/" + $0 }
        }
        #expect(files.count > 100)
        var long: [String] = []
        var wide: [String] = []
        for file in files.sorted() {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            // Lines as `wc -l` counts them: newline characters.
            let count = text.utf8.count { $0 == UInt8(ascii: "\n") }
            if count > 600 { long.append("\(file): \(count) lines") }
            for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.count > 120 {
                wide.append("\(file):\(k + 1): \(line.count) columns")
            }
        }
        #expect(long.isEmpty, "split by responsibility: \(long.joined(separator: "; "))")
        #expect(wide.isEmpty, "wrap at 120 columns: \(wide.joined(separator: "; "))")
    }
}

/// The static scan: which files, and what in them reaches outside the repository.
enum RepositoryScan {
    static let roots = ["Sources", "Tests", "scripts", "bench", ".ci", "Package.swift"]
    /// Fixtures are data; this file holds the patterns it looks for, as examples.
    static let skipped = ["Tests/Fixtures/", "Tests/EndToEndTests/RepositoryHygieneTests.swift"]

    /// Repository-relative paths of every regular file to scan.
    static func files() throws -> [String] {
        let root = RealKernels.repositoryRoot
        var out: [String] = []
        for top in roots {
            let url = root.appendingPathComponent(top)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else { continue }
            guard isDir.boolValue else { out.append(top); continue }
            let entries = try FileManager.default.subpathsOfDirectory(atPath: url.path)
            for entry in entries.sorted() {
                let rel = top + "/" + entry
                guard !skipped.contains(where: { rel.hasPrefix($0) }) else { continue }
                var d: ObjCBool = false
                if FileManager.default.fileExists(atPath: root.appendingPathComponent(rel).path, isDirectory: &d),
                    !d.boolValue, isText(root.appendingPathComponent(rel))
                {
                    out.append(rel)
                }
            }
        }
        return out
    }

    static func isText(_ url: URL) -> Bool {
        guard let data = try? Data(contentsOf: url) else { return false }
        return !data.contains(0) && String(data: data, encoding: .utf8) != nil
    }

    /// Findings (`file:line: why`) for one file's text; `file` is its repository-relative path.
    static func escapes(file: String, text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Components from the file up to the root: Tests/TestSupport/X.swift → 3 (its directory is 2 deep).
        let depth = file.split(separator: "/").count
        var found: [String] = []
        func note(_ k: Int, _ why: String) {
            found.append("\(file):\(k + 1): \(why): \(lines[k].trimmingCharacters(in: .whitespaces))")
        }
        // Spelled in pieces, so that this file does not itself name the directories it looks for.
        let neighbours = [".." + "/shared", "shared" + "/data", "/" + "work/"]
        for (k, line) in lines.enumerated() {
            for n in neighbours where line.contains(n) { note(k, "names a directory beside the repository (\(n))") }
        }
        if file.hasSuffix(".swift") {
            swiftEscapes(lines: lines, depth: depth, note: note)
        } else {
            shellEscapes(lines: lines, depth: depth, note: note)
        }
        return found
    }

    /// Swift: climbs from `#filePath` past the root, climbs from the root, or `..` into a root-relative path.
    private static func swiftEscapes(lines: [String], depth: Int, note: (Int, String) -> Void) {
        for (k, line) in lines.enumerated() {
            if line.contains("repositoryRoot.deletingLastPathComponent") {
                note(k, "climbs above the repository root")
            }
            for call in [
                "Fixtures.url(\"", "repositoryRoot.appendingPathComponent(\"",
                "Fixtures.root.appendingPathComponent(\"",
            ] {
                if let r = line.range(of: call), line[r.upperBound...].hasPrefix("..") {
                    note(k, "a path from the root starts with ..")
                }
            }
            guard line.contains("#filePath") else { continue }
            // The few lines that turn #filePath into a directory: count the components they remove.
            var climbs = 0
            for j in k..<min(lines.count, k + 5) {
                let l = lines[j]
                let removes =
                    l.contains("eleteLastPathComponent") || l.contains("deletingLastPathComponent")
                    || l.contains("lastIndex(of: \"/\")")
                guard removes else { continue }
                if let r = l.range(of: #"0\.\.<(\d+)"#, options: .regularExpression) {
                    climbs += Int(l[r].dropFirst(4)) ?? 0
                } else {
                    climbs += l.components(separatedBy: "LastPathComponent").count - 1
                }
                if l.contains("\"..") || l.contains("\"/..") { climbs += depth + 1 }
            }
            if climbs > depth { note(k, "removes \(climbs) components from a file \(depth) below the root") }
        }
    }

    /// Shell: `$(dirname "$0")/..` past the root, `$ROOT/..`, and relative `../` paths after `cd` to the root.
    private static func shellEscapes(lines: [String], depth: Int, note: (Int, String) -> Void) {
        let text = lines.joined(separator: "\n")
        let scriptDir = #"$(dirname "$0")"#
        let cdToRoot = text.contains("cd \"\(scriptDir)/..\"") && depth == 2
        var rootVariables: [String] = []
        for line in lines {
            // NAME="$(cd "$(dirname "$0")/.." && pwd)" names the root when the script is one below it.
            if depth == 2,
                let r = line.range(
                    of: #"^\s*([A-Za-z_][A-Za-z0-9_]*)="\$\(cd "\$\(dirname "\$0"\)/\.\." && pwd\)""#,
                    options: .regularExpression)
            {
                rootVariables.append(String(line[r].trimmingCharacters(in: .whitespaces).prefix { $0 != "=" }))
            }
        }
        for (k, line) in lines.enumerated() {
            var rest = Substring(line)
            while let r = rest.range(of: scriptDir) {
                var ups = 0
                var tail = rest[r.upperBound...]
                while tail.hasPrefix("/..")
                    && (tail.count == 3 || tail.dropFirst(3).first.map { "/\"' ".contains($0) } == true)
                {
                    ups += 1
                    tail = tail.dropFirst(3)
                }
                if ups > depth - 1 { note(k, "climbs \(ups) directories from a script \(depth - 1) below the root") }
                rest = tail
            }
            for v in rootVariables where line.contains("$\(v)/..") || line.contains("${\(v)}/..") {
                note(k, "climbs above the repository root ($\(v))")
            }
            if cdToRoot, line.range(of: #"(^|[\s="'(])\.\./"#, options: .regularExpression) != nil {
                note(k, "a relative path above the repository root (the script runs from the root)")
            }
        }
    }
}
