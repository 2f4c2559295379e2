// swift-tools-version:6.1
import PackageDescription

// esign: sign, verify and timestamp Vietnamese administrative documents over OpenSSL 3.
//
// Data flows one way: ESignCLI -> ESign (umbrella) -> ESignSignatures -> ESignPDF + ESignCrypto -> OpenSSL.
let package = Package(
    name: "esign",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ESign", targets: ["ESign"]),
        .executable(name: "esign", targets: ["ESignCLI"]),
        .executable(name: "esign-fuzz", targets: ["ESignFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
    ],
    targets: [
        // System OpenSSL 3 (libssl-dev) and zlib.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Real functions for the OpenSSL macros Swift cannot import.
        .target(name: "CESignShims", dependencies: ["COpenSSL"]),
        // Linux system calls Swift's Glibc module does not import (copy_file_range).
        .target(name: "CSystemShims"),
        // SHA-256 of up to four messages at once with the x86 SHA extensions (multi-buffer hashing).
        .target(name: "CSHA256MultiBuffer"),
        // Small value types every layer shares (calendar arithmetic without ICU).
        .target(name: "ESignCore"),
        // The only place with unsafe pointer code: OpenSSL bindings and DER encoding.
        .target(name: "ESignCrypto", dependencies: ["ESignCore", "COpenSSL", "CESignShims", "CSHA256MultiBuffer"]),
        // PDF reading and incremental writing; knows nothing about signatures' cryptography.
        .target(name: "ESignPDF", dependencies: ["ESignCore", "CZlib", "CSystemShims"]),
        // Visible signature appearances: PNG images, TrueType subsets, the form XObjects that draw them.
        .target(name: "ESignAppearance", dependencies: ["ESignCore", "ESignPDF"]),
        // RFC 3161: the client (and, next, the TSA).
        .target(name: "ESignTimestamps", dependencies: ["ESignCrypto"]),
        // PAdES/CAdES signing and verification, identities, the demo PKI.
        .target(name: "ESignSignatures", dependencies: ["ESignCore", "ESignCrypto", "ESignPDF", "ESignAppearance", "ESignTimestamps", "CSystemShims"]),
        // The ledger of issued documents (SQLite via GRDB, PostgreSQL via PostgresNIO) and the
        // signing-coverage statistics and reports computed from it.
        .target(name: "ESignLedger", dependencies: [
            "ESignCore", "ESignCrypto",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Issuing documents as Vietnamese agencies do (Decree 30/2020): official and seal signatures
        // with their images, numbering from the ledger, attachments and copies.
        .target(name: "ESignIssuance", dependencies: ["ESignCore", "ESignCrypto", "ESignPDF", "ESignAppearance", "ESignSignatures",
                                                      "ESignTimestamps", "ESignLedger"]),
        // HTTP services on Hummingbird: the time-stamping authority.
        .target(name: "ESignServer", dependencies: [
            "ESignCore", "ESignCrypto", "ESignTimestamps",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // What other services import.
        .target(name: "ESign", dependencies: ["ESignCore", "ESignCrypto", "ESignPDF", "ESignTimestamps", "ESignSignatures", "ESignAppearance", "ESignLedger", "ESignIssuance", "ESignServer"]),
        .executableTarget(
            name: "ESignCLI",
            dependencies: ["ESign", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            // Link with lld and packed relative relocations (DT_RELR, glibc 2.36+): the binary holds
            // NIO, GRDB, PostgresNIO and Hummingbird, and resolving 135,000 relocations one by one
            // at every start cost more than the whole of a one-document `esign sign`. Its 48,000
            // symbols are not exported (the dynamic loader set them all up at start, 1.4 ms).
            // It stays position-independent: -no-pie would save another 0.7 ms, but esign reads
            // hostile PDFs and an image at a fixed address is a gift to an exploit.
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "--no-export-dynamic", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"], .when(platforms: [.linux]))]
        ),
        // libFuzzer target over the PDF reader, the verifier and the CMS reader (see its source).
        .executableTarget(name: "ESignFuzz", dependencies: ["ESignCrypto", "ESignPDF", "ESignSignatures"]),
        // Fixtures shared by the test targets: a demo PKI, peer tools, the shared corpus.
        .target(name: "ESignTestSupport", dependencies: ["ESign"], path: "Tests/ESignTestSupport"),
        .testTarget(name: "ESignPDFTests", dependencies: ["ESignCore", "ESignPDF", "ESignTestSupport"]),
        .testTarget(name: "ESignSignaturesTests", dependencies: ["ESign", "ESignTestSupport"]),
        .testTarget(name: "ESignLedgerTests", dependencies: ["ESignLedger", "ESignTestSupport"]),
        .testTarget(name: "ESignCLITests", dependencies: ["ESign", "ESignTestSupport"]),
    ]
)
