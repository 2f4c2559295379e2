import ESign
import ESignTestSupport
import Foundation
import Testing

/// esign's RFC 3161 client against another implementation (`openssl ts -reply` on loopback):
/// .tsr files that `openssl ts -verify` accepts, PAdES B-T signatures and document timestamps that
/// pyHanko and `esign verify` accept, and a revoked signer whose timestamp predates the revocation.
@Suite("Timestamps", .serialized)
struct TimestampTests {
    @Test func tsrFilesVerifyWithOpenSSL() throws {
        let pki = Fixtures.pki
        let tsa = try OpenSSLTimestampAuthority(pki: pki)
        defer { tsa.server.stop() }
        let dir = Fixtures.temporaryDirectory("esign-tsr")
        let file = dir.appendingPathComponent("to-trinh.docx").path
        try Data((0..<5000).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: file))
        let run = try Peers.esign(["timestamp", file, "--tsa", tsa.url])
        try #require(run.status == 0, "\(run.combined)")
        let verify = try Peers.run(
            "openssl",
            [
                "ts", "-verify", "-data", file, "-in", file + ".tsr", "-CAfile", pki.rootPath,
                "-untrusted", pki.tsa.certificatePath,
            ])
        #expect(verify.status == 0 && verify.combined.contains("Verification: OK"), "\(verify.combined)")
        #expect(try Peers.esign(["timestamp", "verify", file, file + ".tsr", "--trust", pki.rootPath]).status == 0)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: file))
        #expect(try Peers.esign(["timestamp", "verify", file, file + ".tsr", "--trust", pki.rootPath]).status == 1)
        // An unreachable TSA: a clear error, exit 69, no output.
        let down = try Peers.esign([
            "timestamp", file, "--tsa", "http://127.0.0.1:9/", "-o", dir.appendingPathComponent("x.tsr").path,
        ])
        #expect(down.status == 69 && down.stderr.contains("TSA"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.tsr").path))
    }

    @Test func pAdESBTAndDocumentTimestampsValidate() throws {
        let pki = Fixtures.pki
        let tsa = try OpenSSLTimestampAuthority(pki: pki)
        defer { tsa.server.stop() }
        let dir = Fixtures.temporaryDirectory("esign-bt")
        let bt = dir.appendingPathComponent("bt.pdf").path
        let sign = try Peers.esign([
            "sign", Fixtures.samples.appendingPathComponent("decision.pdf").path, "-o", bt, "--tsa", tsa.url,
            "--p12", pki.signers["province-official"]!.pkcs12Path, "--password-file", pki.passwordPath,
        ])
        try #require(sign.status == 0, "\(sign.combined)")
        let report = try PeerReport.of(bt, trust: pki.rootPath)
        #expect(report.pyhanko.values.first?.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>") == true, "\(report.pyhanko)")
        #expect(report.pdfsig.first?.valid == true && report.pdfsig.first?.total == true)
        var options = VerificationOptions()
        options.trustAnchors = [pki.root.certificate]
        let verified = PDFSignatureVerifier(options: options).verify(path: bt)
        #expect(
            verified.indication == .totalPassed && verified.signatures.first?.provenSigningTime != nil,
            "\(verified.summary)")

        let stamped = dir.appendingPathComponent("bt.ts.pdf").path
        let stamp = try Peers.esign(["timestamp", bt, "--document", "--tsa", tsa.url, "-o", stamped])
        try #require(stamp.status == 0, "\(stamp.combined)")
        let after = PDFSignatureVerifier(options: options).verify(path: stamped)
        #expect(after.indication == .totalPassed, "\(after.summary)")
        #expect(after.signatures.map(\.kind) == [.signature, .documentTimestamp])
        #expect(after.signatures.first?.modificationLevel == .ltaUpdates)
        let hanko = try Peers.pyhankoValidate(stamped, trust: pki.rootPath)
        #expect(
            hanko.stdout.contains("INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_LTA_UPDATES"),
            "\(hanko.combined)")
        #expect(try Peers.qpdfCheck(stamped).status == 0)
    }

    @Test func timestampBeforeRevocationKeepsTheSignatureValid() throws {
        let port = try LoopbackServer.freePort()
        var pkiOptions = DemoPKI.Options()
        pkiOptions.ocspURL = "http://127.0.0.1:\(port)"
        let pki = try DemoPKI.create(in: Fixtures.temporaryDirectory("esign-bt-revoked").path, options: pkiOptions)
        let signer = pki.signers["commune-official"]!.certificate
        let index = Fixtures.temporaryDirectory("esign-bt-ocsp").appendingPathComponent("index.txt")
        // Revoked an hour from now: after the signature is timestamped.
        let revokedAt = CivilTime(secondsSince1970: Int(Date().addingTimeInterval(3600).timeIntervalSince1970))
        let stamp = String(
            format: "%02d%02d%02d%02d%02d%02dZ", revokedAt.year % 100, revokedAt.month, revokedAt.day, revokedAt.hour,
            revokedAt.minute, revokedAt.second)
        try "R\t301231235959Z\t\(stamp)\t\(signer.serialNumberHex)\tunknown\t/CN=x\n".write(
            to: index, atomically: true, encoding: .utf8)
        let responder = try LoopbackServer(
            "openssl",
            [
                "ocsp", "-index", index.path, "-port", String(port), "-rsigner", pki.ocsp.certificatePath,
                "-rkey", pki.ocsp.keyPath, "-passin", "file:\(pki.passwordPath)", "-CA", pki.issuingCA.certificatePath,
            ],
            port: port)
        defer { responder.stop() }
        let tsa = try OpenSSLTimestampAuthority(pki: pki)
        defer { tsa.server.stop() }
        let password = Secret(
            try String(contentsOfFile: pki.passwordPath, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines))
        let identity = try SigningIdentity.load(pkcs12: pki.signers["commune-official"]!.pkcs12Path, password: password)
        var signing = PAdESOptions()
        signing.timestampClient = TimestampClient(url: tsa.url)
        let withTimestamp = try PAdESSigner(identity: identity, options: signing).sign(
            pdf: MinimalPDF.make(lines: ["Bien ban"]))
        let without = try PAdESSigner(identity: identity).sign(pdf: MinimalPDF.make(lines: ["Bien ban"]))
        var options = VerificationOptions()
        options.trustAnchors = [pki.root.certificate]
        options.networkTimeout = 3
        let verifier = PDFSignatureVerifier(options: options)
        let kept = try #require(verifier.verify(source: MemoryByteSource(withTimestamp), name: "t").signatures.first)
        #expect(kept.indication == .totalPassed, "\(kept.summary) \(kept.checks)")
        #expect(kept.checks.contains { ($0.detail ?? "").contains("after the signature was proven to exist") })
        let lost = try #require(verifier.verify(source: MemoryByteSource(without), name: "n").signatures.first)
        #expect(lost.indication == .totalFailed && lost.subIndication == .revoked, "\(lost.summary)")
    }
}
