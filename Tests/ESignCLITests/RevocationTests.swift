import ESign
import ESignTestSupport
import Foundation
import Testing

/// Revocation for real: an OCSP responder (`openssl ocsp`) and a CRL served over HTTP, both on
/// loopback; signers good and revoked; offline and unreachable cases.
@Suite("Revocation checking", .serialized)
struct RevocationTests {
    /// A demo PKI whose end-entity certificates point at `ocsp` and/or `crl`.
    static func pki(ocsp: String?, crl: String?) throws -> DemoPKI {
        var options = DemoPKI.Options()
        options.ocspURL = ocsp
        options.crlURL = crl
        return try DemoPKI.create(in: Fixtures.temporaryDirectory("esign-revocation-pki").path, options: options)
    }

    static func sign(_ pki: DemoPKI, _ signer: String) throws -> [UInt8] {
        let password = Secret(
            try String(contentsOfFile: pki.passwordPath, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines))
        let identity = try SigningIdentity.load(pkcs12: pki.signers[signer]!.pkcs12Path, password: password)
        return try PAdESSigner(identity: identity).sign(pdf: MinimalPDF.make(lines: ["Quyet dinh"]))
    }

    static func verify(_ bytes: [UInt8], pki: DemoPKI, offline: Bool = false) -> SignatureReport? {
        var options = VerificationOptions()
        options.trustAnchors = [pki.root.certificate]
        options.offline = offline
        options.networkTimeout = 3
        return PDFSignatureVerifier(options: options).verify(source: MemoryByteSource(bytes), name: "doc").signatures
            .first
    }

    static func indexLine(_ cert: Certificate, revokedAt: Date?) -> String {
        func stamp(_ d: Date) -> String {
            let c = CivilTime(secondsSince1970: Int(d.timeIntervalSince1970))
            return String(format: "%02d%02d%02d%02d%02d%02dZ", c.year % 100, c.month, c.day, c.hour, c.minute, c.second)
        }
        return [
            revokedAt == nil ? "V" : "R", stamp(cert.notAfter), revokedAt.map(stamp) ?? "", cert.serialNumberHex,
            "unknown", "/CN=demo",
        ]
        .joined(separator: "\t")
    }

    @Test func ocspResponderOnLoopback() throws {
        // The responder's port must be in the certificates, so it is chosen before the PKI exists.
        let port = try LoopbackServer.freePort()
        let pki = try Self.pki(ocsp: "http://127.0.0.1:\(port)", crl: nil)
        let revoked = pki.signers["district-official"]!.certificate
        let index = Fixtures.temporaryDirectory("esign-ocsp").appendingPathComponent("index.txt")
        try
            (Self.indexLine(pki.signers["province-official"]!.certificate, revokedAt: nil) + "\n"
            + Self.indexLine(revoked, revokedAt: Date().addingTimeInterval(-3600)) + "\n").write(
                to: index, atomically: true, encoding: .utf8)
        let responder = try LoopbackServer(
            "openssl",
            [
                "ocsp", "-index", index.path, "-port", String(port),
                "-rsigner", pki.ocsp.certificatePath, "-rkey", pki.ocsp.keyPath, "-passin", "file:\(pki.passwordPath)",
                "-CA", pki.issuingCA.certificatePath,
            ], port: port)
        defer { responder.stop() }

        let good = try #require(Self.verify(try Self.sign(pki, "province-official"), pki: pki))
        #expect(good.indication == .totalPassed, "\(good.summary) \(good.checks)")
        #expect(
            good.checks.contains {
                $0.name == "revocation" && ($0.detail ?? "").contains("good (OCSP http://127.0.0.1")
            })

        let bad = try #require(Self.verify(try Self.sign(pki, "district-official"), pki: pki))
        #expect(bad.indication == .totalFailed && bad.subIndication == .revoked, "\(bad.summary)")

        let offline = try #require(Self.verify(try Self.sign(pki, "province-official"), pki: pki, offline: true))
        #expect(offline.indication == .indeterminate && offline.subIndication == .tryLater, "\(offline.summary)")

        responder.stop()
        let down = try #require(Self.verify(try Self.sign(pki, "province-official"), pki: pki))
        #expect(down.indication == .indeterminate && down.subIndication == .tryLater, "\(down.summary)")
    }

    @Test func crlOverHTTPOnLoopback() throws {
        let port = try LoopbackServer.freePort()
        let pki = try Self.pki(ocsp: nil, crl: "http://127.0.0.1:\(port)/issuing-ca.crl")
        var builder = CRLBuilder(issuer: pki.issuingCA.certificate, issuerKey: pki.issuingCA.privateKey)
        builder.revoke(pki.signers["commune-seal"]!.certificate, at: Date().addingTimeInterval(-600))
        let dir = Fixtures.temporaryDirectory("esign-crl")
        try Data(try builder.issue()).write(to: dir.appendingPathComponent("issuing-ca.crl"))
        let server = try LoopbackServer(
            "python3", ["-m", "http.server", "--bind", "127.0.0.1", String(port)], directory: dir, port: port)
        defer { server.stop() }

        let good = try #require(Self.verify(try Self.sign(pki, "commune-official"), pki: pki))
        #expect(good.indication == .totalPassed, "\(good.summary)")
        #expect(good.checks.contains { ($0.detail ?? "").contains("CRL http://127.0.0.1") })
        let bad = try #require(Self.verify(try Self.sign(pki, "commune-seal"), pki: pki))
        #expect(bad.indication == .totalFailed && bad.subIndication == .revoked, "\(bad.summary)")
        #expect(bad.summary.contains("revoked"))
    }
}
