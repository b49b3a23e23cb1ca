// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "modsplit",
    products: [
        .executable(name: "modsplit", targets: ["cli"]),
        .library(name: "ELFScan", targets: ["ELFScan"]),
        .library(name: "Graph", targets: ["Graph"]),
        .library(name: "Split", targets: ["Split"]),
        .library(name: "Reports", targets: ["Reports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // System libraries: each is a module map over the Debian -dev package's headers.
        .systemLibrary(
            name: "CLibELF", path: "Sources/CLibELF", pkgConfig: "libelf",
            providers: [.apt(["libelf-dev"])]),
        .systemLibrary(
            name: "CLibKmod", path: "Sources/CLibKmod", pkgConfig: "libkmod",
            providers: [.apt(["libkmod-dev"])]),
        .systemLibrary(
            name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(
            name: "CLzma", path: "Sources/CLzma", pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // libarchive reads built packages (--package): ar, tar and cpio, behind gzip/xz/zstd/bzip2 filters.
        .systemLibrary(
            name: "CLibArchive", path: "Sources/CLibArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]),
        .target(
            name: "ELFScan", dependencies: ["CLibELF", "CZstd", "CLzma", "CZlib", "CLibArchive"],
            swiftSettings: strict),
        .target(name: "Graph", dependencies: ["ELFScan"], swiftSettings: strict),
        .target(
            name: "Split", dependencies: ["ELFScan", "Graph", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        // The report page's style and script are real files, compiled into the binary (the page stays one file).
        .target(
            name: "Reports", dependencies: ["ELFScan", "Graph", "Split"],
            resources: [.embedInCode("Page/Resources/report.css"), .embedInCode("Page/Resources/report.js")],
            swiftSettings: strict),
        .executableTarget(
            name: "cli",
            dependencies: [
                "ELFScan", "Graph", "Split", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .target(
            name: "TestSupport", dependencies: ["ELFScan", "Graph", "Split", "CLibKmod"], path: "Tests/TestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "ELFScanTests", dependencies: ["ELFScan", "TestSupport"], exclude: ["Regressions"],
            swiftSettings: strict),
        .testTarget(name: "GraphTests", dependencies: ["Graph", "ELFScan", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "SplitTests", dependencies: ["Split", "Graph", "ELFScan", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "ReportsTests", dependencies: ["Reports", "Split", "Graph", "ELFScan", "TestSupport"],
            exclude: ["Golden"], swiftSettings: strict),
        // Runs the built `modsplit` binary as a user runs it (it needs the executable product built).
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"], swiftSettings: strict),
        // The libFuzzer target over the module reader (scripts/fuzz builds it with -sanitize=fuzzer and
        // -DFUZZING); an ordinary build is a replayer: `modsplit-fuzz FILE…` reads each input once.
        .executableTarget(name: "modsplit-fuzz", dependencies: ["ELFScan"], path: "Tests/Fuzz", swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
