// swift-tools-version:6.1
import PackageDescription

// esign's signing and verification core: OpenSSL 3 bindings, the PDF engine, appearances,
// PAdES/CAdES signing and verification, RFC 3161 timestamps, Decree 30 issuance. It depends on
// no package at all, so a service that only signs and verifies links no server or database code.
// The ledger, the servers and the command line (the package one folder up) build on it.
//
// Data flows one way: ESignIssuance -> ESignSignatures -> ESignPDF + ESignCrypto -> OpenSSL.
let package = Package(
    name: "esign-core",
    platforms: [.macOS(.v13)],
    products: [
        .library(
            name: "ESignSigning",
            targets: [
                "ESignSigning", "ESignCore", "ESignCrypto", "ESignPKCS11", "ESignPDF", "ESignXML", "ESignAppearance",
                "ESignTimestamps",
                "ESignSignatures", "ESignIssuance",
            ])
    ],
    targets: [
        // System OpenSSL 3 (libssl-dev) and zlib.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // System libxml2 (libxml2-dev): its parser and canonical XML, for XML signatures.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // The PKCS#11 v2.40 header as p11-kit ships it (libp11-kit-dev); modules are loaded with dlopen.
        .systemLibrary(name: "CPKCS11", pkgConfig: "p11-kit-1", providers: [.apt(["libp11-kit-dev"])]),
        // Real functions for the OpenSSL macros Swift cannot import.
        .target(name: "CESignShims", dependencies: ["COpenSSL"], linkerSettings: [.linkedLibrary("ssl")]),
        // Linux system calls Swift's Glibc module does not import (copy_file_range), a folder listing.
        .target(name: "CSystemShims"),
        // SHA-256 of up to four messages at once with the x86 SHA extensions (multi-buffer hashing).
        .target(name: "CSHA256MultiBuffer"),
        // XML character data checked 32 bytes at a time with AVX2 (UTF-8 and the characters XML allows).
        .target(name: "CXMLText"),
        // Small value types every layer shares (calendar arithmetic without ICU).
        .target(name: "ESignCore", dependencies: ["CSystemShims"]),
        // OpenSSL bindings and DER encoding: with ESignPKCS11, the only places with unsafe pointer code.
        .target(
            name: "ESignCrypto", dependencies: ["ESignCore", "COpenSSL", "CESignShims", "CSHA256MultiBuffer"]),
        // Keys on USB tokens and HSMs through PKCS#11: the other place with unsafe pointer code.
        .target(name: "ESignPKCS11", dependencies: ["ESignCore", "ESignCrypto", "CPKCS11"]),
        // PDF reading and incremental writing; knows nothing about signatures' cryptography.
        .target(name: "ESignPDF", dependencies: ["ESignCore", "CZlib", "CSystemShims"]),
        // PDF security handlers (ISO 32000-2 § 7.6): passwords, keys and crypt filters that
        // decrypt what an encrypted document protects.
        .target(name: "ESignPDFSecurity", dependencies: ["ESignCore", "ESignCrypto", "ESignPDF"]),
        // XML reading that hostile input cannot turn against its reader (no DTDs, entities or
        // network), canonical XML and byte-exact splicing: the only place with libxml2 pointer code.
        .target(name: "ESignXML", dependencies: ["CLibXML2", "CXMLText"]),
        // Visible signature appearances: PNG images, TrueType subsets, the form XObjects that draw them.
        .target(name: "ESignAppearance", dependencies: ["ESignCore", "ESignPDF"]),
        // RFC 3161: the client (and, next, the TSA).
        .target(name: "ESignTimestamps", dependencies: ["ESignCrypto"]),
        // PAdES/CAdES/XAdES signing and verification, identities, the demo PKI.
        .target(
            name: "ESignSignatures",
            dependencies: [
                "ESignCore", "ESignCrypto", "ESignPKCS11", "ESignPDF", "ESignPDFSecurity", "ESignXML",
                "ESignAppearance", "ESignTimestamps", "CSystemShims",
            ]),
        // Issuing documents as Vietnamese agencies do (Decree 30/2020): official and seal signatures
        // with their images, attachments and copies. Numbering from the ledger lives in ESignLedger.
        .target(
            name: "ESignIssuance",
            dependencies: [
                "ESignCore", "ESignCrypto", "ESignPDF", "ESignAppearance", "ESignSignatures", "ESignTimestamps",
            ]),
        // The core as one import.
        .target(
            name: "ESignSigning",
            dependencies: [
                "ESignCore", "ESignCrypto", "ESignPKCS11", "ESignPDF", "ESignPDFSecurity", "ESignXML",
                "ESignAppearance",
                "ESignTimestamps", "ESignSignatures", "ESignIssuance",
            ]),
    ]
)
