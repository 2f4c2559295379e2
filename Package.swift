// swift-tools-version:6.1
import PackageDescription

// esign: sign, verify and timestamp Vietnamese administrative documents over OpenSSL 3.
//
// Two packages. Core/ (esign-core) is the signing and verification core, the ESignSigning
// product, with no package dependencies. This one adds what a deployment needs around it: the
// ledger and coverage statistics (GRDB, PostgresNIO), the HTTP services (Hummingbird), the `esign`
// command and the tests.
//
// Data flows one way: ESignCLI -> ESign (umbrella) -> ESignServer -> ESignLedger -> ESignSigning.
/// The signing core (Core/, no package dependencies).
let signing: Target.Dependency = .product(name: "ESignSigning", package: "Core")

let package = Package(
    name: "esign",
    platforms: [.macOS(.v13)],
    products: [
        // The ledger of issued documents and the coverage statistics (GRDB, PostgresNIO).
        .library(name: "ESignLedger", targets: ["ESignLedger"]),
        // The HTTP services (Hummingbird).
        .library(name: "ESignServer", targets: ["ESignServer"]),
        // Everything in one import: ESignSigning (from Core/), ESignLedger, ESignServer.
        .library(name: "ESign", targets: ["ESign"]),
        .executable(name: "esign", targets: ["ESignCLI"]),
        .executable(name: "esign-fuzz", targets: ["ESignFuzz"]),
    ],
    dependencies: [
        .package(path: "Core"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
    ],
    targets: [
        // The ledger of issued documents (SQLite via GRDB, PostgreSQL via PostgresNIO), the
        // signing-coverage statistics and reports computed from it, and numbered issuance.
        .target(
            name: "ESignLedger",
            dependencies: [
                signing,
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // HTTP services on Hummingbird: the time-stamping authority, and `esign serve` (signing,
        // verification, ledger and statistics for other systems, with web pages for people).
        .target(
            name: "ESignServer",
            dependencies: [
                signing, "ESignLedger",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // What other services import when they want everything.
        .target(name: "ESign", dependencies: [signing, "ESignLedger", "ESignServer"]),
        .executableTarget(
            name: "ESignCLI",
            dependencies: [
                "ESign", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Link with lld and packed relative relocations (DT_RELR, glibc 2.36+): the binary holds
            // NIO, GRDB, PostgresNIO and Hummingbird, and resolving 135,000 relocations one by one
            // at every start cost more than the whole of a one-document `esign sign`. Its 48,000
            // symbols are not exported (the dynamic loader set them all up at start, 1.4 ms).
            // It stays position-independent: -no-pie would save another 0.7 ms, but esign reads
            // hostile PDFs and an image at a fixed address is a gift to an exploit.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "--no-export-dynamic", "-Xlinker", "-z", "-Xlinker",
                        "pack-relative-relocs",
                    ],
                    .when(platforms: [.linux]))
            ]
        ),
        // libFuzzer target over the PDF and XML readers, the verifiers and the CMS reader (see its source).
        .executableTarget(name: "ESignFuzz", dependencies: [signing]),
        // Fixtures shared by the test targets: a demo PKI, peer tools, the shared corpus.
        .target(name: "ESignTestSupport", dependencies: ["ESign"], path: "Tests/ESignTestSupport"),
        .testTarget(name: "ESignPDFTests", dependencies: [signing, "ESignTestSupport"]),
        .testTarget(name: "ESignXMLTests", dependencies: [signing]),
        .testTarget(name: "ESignSignaturesTests", dependencies: ["ESign", "ESignTestSupport"]),
        .testTarget(name: "ESignLedgerTests", dependencies: ["ESignLedger", "ESignTestSupport"]),
        .testTarget(name: "ESignCLITests", dependencies: ["ESign", "ESignTestSupport"]),
    ]
)
