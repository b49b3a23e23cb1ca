public import Foundation

/// The real split data checked in under `Tests/Fixtures/` (Fedora's and RHEL's rules with the lists
/// filtermods wrote, Debian's kernel-wedge configuration, SUSE's supported.conf, Ubuntu's inclusion
/// lists). `Tests/Fixtures/README.md` records where each file came from. Tests read only these, never
/// anything beside the repository, so a fresh clone runs the whole suite.
public enum Fixtures {
    /// `Tests/Fixtures`, found from this file's path (`Tests/TestSupport/Fixtures.swift`).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures", isDirectory: true)
    }()

    /// A file or directory under `Tests/Fixtures`, e.g. `url("fedora/def_variants.yaml.fedora")`.
    public static func url(_ relative: String) -> URL {
        root.appendingPathComponent(relative)
    }
}
