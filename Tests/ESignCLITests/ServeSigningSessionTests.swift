import ESign
import ESignTestSupport
import Foundation
import Testing

/// Two-step signing through `esign serve`, driven as a browser's signing plugin would: the
/// service prepares the PDF, the signer's key signs the digest on "the official's machine"
/// (`openssl pkeyutl` with a key file, `pkcs11-tool` with a SoftHSM token), the service finishes
/// the PDF; refusals for a signature by another key, over another digest, after expiry, twice.
@Suite("esign serve: two-step signing sessions", .serialized)
struct ServeSigningSessionTests {
    static let decision = Fixtures.samples.appendingPathComponent("decision.pdf").path

    struct Session {
        var id: String
        var digest: [UInt8]
    }

    static func prepare(
        _ fixture: ServiceFixture, _ server: LoopbackServer, signer: String, token: String = "tinh"
    ) throws -> Session {
        let pki = Fixtures.pki
        let chain = fixture.directory.appendingPathComponent("chain-\(signer).pem").path
        let pem =
            try String(contentsOfFile: pki.signers[signer]!.certificatePath, encoding: .utf8)
            + (try String(contentsOfFile: pki.chainPath, encoding: .utf8))
        try pem.write(toFile: chain, atomically: true, encoding: .utf8)
        let reply = try fixture.request(
            server, "POST", "/v1/signing-sessions?reason=K%C3%BD+s%E1%BB%91", token: token,
            arguments: ["-F", "file=@\(decision);type=application/pdf", "-F", "chain=@\(chain)"])
        guard reply.status == 200, let id = reply.json?["id"] as? String,
            let digest = (reply.json?["digest"] as? String).flatMap({ Data(base64Encoded: $0) })
        else { throw Peers.PeerError.missing("prepare: \(reply.status) \(reply.text)") }
        #expect(reply.json?["signature_algorithm"] as? String == "rsa-pkcs1-v1_5")
        return Session(id: id, digest: [UInt8](digest))
    }

    /// The digest signed with a key file, as `openssl pkeyutl` does it.
    static func signWithOpenSSL(_ digest: [UInt8], signer: String, in dir: URL, pss: Bool = false) throws -> String {
        let pki = Fixtures.pki
        let input = dir.appendingPathComponent("digest-\(UUID().uuidString.prefix(6)).bin").path
        try Data(digest).write(to: URL(fileURLWithPath: input))
        let output = input + ".sig"
        let run = try Peers.run(
            "openssl",
            [
                "pkeyutl", "-sign", "-inkey", pki.signers[signer]!.keyPath, "-passin", "file:\(pki.passwordPath)",
                "-in", input, "-pkeyopt", "digest:sha256", "-out", output,
            ] + (pss ? ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest"] : []))
        guard run.status == 0 else { throw Peers.PeerError.missing("openssl pkeyutl: \(run.combined)") }
        return output
    }

    static func complete(
        _ fixture: ServiceFixture, _ server: LoopbackServer, _ id: String, signature: String, token: String = "tinh"
    ) throws -> ServiceFixture.Reply {
        try fixture.request(
            server, "POST", "/v1/signing-sessions/\(id)/signature", token: token, file: signature,
            contentType: "application/octet-stream")
    }

    @Test func aKeyFileAndATokenSignTheDigestAndTheServiceFinishesThePDF() throws {
        let tokens = try SoftHSMTokens.get()
        let fixture = try ServiceFixture()
        let server = try fixture.start()
        defer { server.stop() }
        // A key file, as openssl pkeyutl signs.
        let session = try Self.prepare(fixture, server, signer: "district-official")
        let signature = try Self.signWithOpenSSL(session.digest, signer: "district-official", in: fixture.directory)
        let reply = try Self.complete(fixture, server, session.id, signature: signature)
        try #require(reply.status == 200, "\(reply.text)")
        let signed = try fixture.save(reply, as: "two-step.pdf")
        #expect(try Peers.pyhankoValidate(signed, trust: Fixtures.pki.rootPath).stdout.contains("INTACT:TRUSTED"))
        #expect(try Peers.pdfsig(signed).stdout.contains("Signature is Valid"))
        #expect(try Peers.esign(["verify", signed, "--trust", Fixtures.pki.rootPath]).status == 0)

        // A SoftHSM token, as pkcs11-tool signs: CKM_RSA_PKCS over the DigestInfo of the digest. The key
        // is named by its id (01 on the seal's token): pkcs11-tool 0.23 picked another object by label on
        // some token layouts, and its C_Sign failed.
        let tokenSession = try Self.prepare(fixture, server, signer: "province-seal")
        let digestInfo =
            [
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
                0x00, 0x04, 0x20,
            ].map(UInt8.init) + tokenSession.digest
        let input = fixture.directory.appendingPathComponent("digestinfo.bin").path
        try Data(digestInfo).write(to: URL(fileURLWithPath: input))
        let tokenSignature = input + ".sig"
        let run = try Peers.run(
            "pkcs11-tool",
            [
                "--module", tokens.module, "--token-label", SoftHSMTokens.sealToken, "--login", "--pin", tokens.pin,
                "--sign", "--mechanism", "RSA-PKCS", "--id", "01", "--input-file", input,
                "--output-file", tokenSignature,
            ], environment: tokens.environment)
        try #require(run.status == 0, "pkcs11-tool: \(run.combined.replacingOccurrences(of: "\n", with: " | "))")
        let tokenReply = try Self.complete(fixture, server, tokenSession.id, signature: tokenSignature)
        try #require(tokenReply.status == 200, "\(tokenReply.text)")
        let tokenSigned = try fixture.save(tokenReply, as: "two-step-token.pdf")
        #expect(try Peers.pyhankoValidate(tokenSigned, trust: Fixtures.pki.rootPath).stdout.contains("INTACT:TRUSTED"))
        // Both in the audit chain.
        let audit = try Peers.esign(["serve", "audit", "list", "--database", fixture.database])
        #expect(audit.stdout.components(separatedBy: "\"two-step-sign\"").count - 1 == 2, "\(audit.stdout)")
    }

    @Test func anotherKeyAnotherDigestAnExpiredOrUsedSessionAreRefused() throws {
        let fixture = try ServiceFixture(limits: ["signingSessionSeconds": 3])
        let server = try fixture.start()
        defer { server.stop() }
        let dir = fixture.directory
        // Signed by another key than the certificate's.
        let one = try Self.prepare(fixture, server, signer: "district-official")
        let wrongKey = try Self.signWithOpenSSL(one.digest, signer: "commune-official", in: dir)
        let refused = try Self.complete(fixture, server, one.id, signature: wrongKey)
        #expect(refused.status == 422 && refused.text.contains("does not verify"), "\(refused.text)")
        // Over another digest.
        let other = try Self.signWithOpenSSL([UInt8](repeating: 7, count: 32), signer: "district-official", in: dir)
        #expect(try Self.complete(fixture, server, one.id, signature: other).status == 422)
        // Another client's session is not found; the right signature then completes it, once.
        let right = try Self.signWithOpenSSL(one.digest, signer: "district-official", in: dir)
        #expect(try Self.complete(fixture, server, one.id, signature: right, token: "xa").status == 404)
        #expect(try Self.complete(fixture, server, one.id, signature: right).status == 200)
        #expect(try Self.complete(fixture, server, one.id, signature: right).status == 404)
        // Expired.
        let late = try Self.prepare(fixture, server, signer: "district-official")
        let lateSignature = try Self.signWithOpenSSL(late.digest, signer: "district-official", in: dir)
        Thread.sleep(forTimeInterval: 3.5)
        let expired = try Self.complete(fixture, server, late.id, signature: lateSignature)
        #expect(expired.status == 410 && expired.headers["content-type"] == "application/problem+json")
        #expect(try Peers.esign(["serve", "audit", "check", "--database", fixture.database]).status == 0)
    }

    @Test func theCommandLineSignsInTwoSteps() throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("two-step-cli")
        let input = dir.appendingPathComponent("quyet-dinh.pdf").path
        try FileManager.default.copyItem(atPath: Self.decision, toPath: input)
        let prepare = try Peers.esign([
            "sign", input, "--prepare", "--cert", pki.signers["district-official"]!.certificatePath, "--chain",
            pki.chainPath, "--json",
        ])
        try #require(prepare.status == 0, "\(prepare.combined)")
        let answer = try JSONSerialization.jsonObject(with: Data(prepare.stdout.utf8)) as? [String: String]
        let digest = try #require(answer?["digest"].flatMap { Data(base64Encoded: $0) })
        let signature = try Self.signWithOpenSSL([UInt8](digest), signer: "district-official", in: dir)
        let output = dir.appendingPathComponent("signed.pdf").path
        let complete = try Peers.esign(["sign", input, "--complete", signature, "-o", output])
        #expect(complete.status == 0, "\(complete.combined)")
        #expect(try Peers.pyhankoValidate(output, trust: pki.rootPath).stdout.contains("INTACT:TRUSTED"))
        #expect(try Peers.qpdfCheck(output).status == 0)
        // Another key's signature, or another document, is refused and writes nothing.
        let other = try Self.signWithOpenSSL([UInt8](digest), signer: "commune-official", in: dir)
        let refused = dir.appendingPathComponent("refused.pdf").path
        #expect(try Peers.esign(["sign", input, "--complete", other, "-o", refused]).status == 77)
        let changed = dir.appendingPathComponent("changed.pdf").path
        try FileManager.default.copyItem(
            atPath: Fixtures.samples.appendingPathComponent("notice.pdf").path, toPath: changed)
        let wrongDocument = try Peers.esign([
            "sign", changed, "--complete", signature, "--prepared", input + ".prepared.json", "-o", refused,
        ])
        #expect(wrongDocument.status == 65, "\(wrongDocument.combined)")
        #expect(!FileManager.default.fileExists(atPath: refused))
    }

    @Test("Two steps with RSASSA-PSS: the key (openssl pkeyutl) pads with PSS; a PKCS#1 v1.5 answer is refused")
    func twoStepsWithPSS() throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("two-step-pss")
        let input = dir.appendingPathComponent("quyet-dinh.pdf").path
        try FileManager.default.copyItem(atPath: Self.decision, toPath: input)
        let prepare = try Peers.esign([
            "sign", input, "--prepare", "--rsa-pss", "--cert", pki.signers["district-official"]!.certificatePath,
            "--chain", pki.chainPath, "--json",
        ])
        try #require(prepare.status == 0, "\(prepare.combined)")
        let answer = try JSONSerialization.jsonObject(with: Data(prepare.stdout.utf8)) as? [String: String]
        #expect(answer?["padding"] == "pss")
        let digest = try #require(answer?["digest"].flatMap { Data(base64Encoded: $0) })
        let pkcs1 = try Self.signWithOpenSSL([UInt8](digest), signer: "district-official", in: dir)
        let refused = dir.appendingPathComponent("refused.pdf").path
        #expect(try Peers.esign(["sign", input, "--complete", pkcs1, "-o", refused]).status == 77)
        let signature = try Self.signWithOpenSSL([UInt8](digest), signer: "district-official", in: dir, pss: true)
        let output = dir.appendingPathComponent("signed.pdf").path
        let complete = try Peers.esign(["sign", input, "--complete", signature, "-o", output])
        try #require(complete.status == 0, "\(complete.combined)")
        #expect(try Peers.pyhankoValidate(output, trust: pki.rootPath).stdout.contains("INTACT:TRUSTED"))
        let verify = try Peers.esign(["verify", output, "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains("RSASSA-PSS (SHA256, MGF1 SHA256, salt 32)"))
    }

    @Test(.enabled(if: TestDatabase.enabled.contains(.postgres)))
    func aSessionPreparedOnOneInstanceCompletesOnAnother() throws {
        let fixture = try ServiceFixture(location: try TestDatabase.postgres.freshLocation())
        let a = try fixture.start()
        let b = try fixture.start()
        defer {
            a.stop()
            b.stop()
        }
        let session = try Self.prepare(fixture, a, signer: "district-official")
        let signature = try Self.signWithOpenSSL(session.digest, signer: "district-official", in: fixture.directory)
        let reply = try Self.complete(fixture, b, session.id, signature: signature)
        try #require(reply.status == 200, "\(reply.text)")
        let signed = try fixture.save(reply, as: "across.pdf")
        #expect(try Peers.pyhankoValidate(signed, trust: Fixtures.pki.rootPath).stdout.contains("INTACT:TRUSTED"))
        #expect(try Self.complete(fixture, a, session.id, signature: signature).status == 404)
    }
}
