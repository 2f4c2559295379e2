import ESign
import ESignTestSupport
import Foundation
import Testing

/// The Cloud Signature Consortium API of `esign serve`: pyHanko's CSC client signs PDFs through it
/// with a PKCS#12 key and a SoftHSM key (PKCS#1 v1.5 and PSS), and the rules of signature
/// activation data hold: a wrong PIN, a hash not authorised, a SAD spent, expired, or presented
/// for another credential or by another client are all refused.
@Suite("esign serve: the CSC API", .serialized)
struct ServeCSCTests {
    static let pyhankoScript = Fixtures.packageRoot.appendingPathComponent("Tests/Scripts/csc_pyhanko_sign.py").path
    static let decision = Fixtures.samples.appendingPathComponent("decision.pdf").path

    static func fixture(sadLifetime: Int = 300, tokens: SoftHSMTokens? = nil) throws -> (ServiceFixture, String) {
        let pinFile = Fixtures.temporaryDirectory("csc-pin").appendingPathComponent("pin.txt").path
        try "246810\n".write(toFile: pinFile, atomically: true, encoding: .utf8)
        let pki = Fixtures.pki
        var keys: [[String: Any]] = [
            [
                "id": "csc-seal", "unit": "75", "p12": pki.signers["province-seal"]!.pkcs12Path,
                "passwordFile": pki.passwordPath, "authorizationPinFile": pinFile,
            ],
            [
                "id": "csc-commune", "unit": "25195", "p12": pki.signers["commune-seal"]!.pkcs12Path,
                "passwordFile": pki.passwordPath, "authorizationPinFile": pinFile,
            ],
        ]
        if let tokens {
            keys.append([
                "id": "csc-ec", "unit": "75", "pkcs11": tokens.uri("official-p256"), "pinFile": tokens.pinFile,
                "chain": pki.chainPath, "authorizationPinFile": pinFile,
            ])
            keys.append([
                "id": "csc-token", "unit": "75", "pkcs11": tokens.uri("province-seal", token: SoftHSMTokens.sealToken),
                "pinFile": tokens.pinFile, "chain": pki.chainPath, "authorizationPinFile": pinFile,
            ])
        }
        let fixture = try ServiceFixture(
            limits: ["sadLifetimeSeconds": sadLifetime], keys: keys, environment: tokens?.environment ?? [:])
        return (fixture, "246810")
    }

    /// POSTs a JSON object to a CSC endpoint.
    static func csc(
        _ fixture: ServiceFixture, _ server: LoopbackServer, _ method: String, _ body: [String: Any],
        token: String? = "tinh"
    ) throws -> ServiceFixture.Reply {
        let path = fixture.directory.appendingPathComponent("csc-\(UUID().uuidString.prefix(8)).json").path
        try JSONSerialization.data(withJSONObject: body).write(to: URL(fileURLWithPath: path))
        return try fixture.request(
            server, "POST", "/csc/v1/" + method, token: token, file: path, contentType: "application/json")
    }

    static func hash(_ text: String) throws -> (base64: String, file: String) {
        let file = Fixtures.temporaryDirectory("csc-hash").appendingPathComponent("hash.bin").path
        let digest = try Digest.hash(Array(text.utf8), .sha256)
        try Data(digest).write(to: URL(fileURLWithPath: file))
        return (Data(digest).base64EncodedString(), file)
    }

    @Test func pyHankoSignsThroughTheCSCAPI() throws {
        let tokens = try SoftHSMTokens.get()
        let (fixture, pin) = try Self.fixture(tokens: tokens)
        let server = try fixture.start()
        defer { server.stop() }
        let info = try Self.csc(fixture, server, "info", [:], token: nil)
        #expect(info.json?["specs"] as? String == "1.0.4.0", "\(info.text)")
        let list = try Self.csc(fixture, server, "credentials/list", [:])
        #expect(
            list.json?["credentialIDs"] as? [String] == ["csc-commune", "csc-ec", "csc-seal", "csc-token"],
            "\(list.text)")
        for (credential, pss) in [("csc-seal", false), ("csc-seal", true), ("csc-token", false), ("csc-ec", false)] {
            let output = fixture.directory.appendingPathComponent("\(credential)-\(pss).pdf").path
            let run = try Peers.run(
                "python3",
                [Self.pyhankoScript, server.url, fixture.tokens["tinh"]!, credential, pin, Self.decision, output]
                    + (pss ? ["--pss"] : []), timeout: 120)
            try #require(run.status == 0, "\(credential) pss=\(pss): \(run.combined.suffix(1500))")
            let validation = try Peers.pyhankoValidate(output, trust: Fixtures.pki.rootPath)
            #expect(validation.stdout.contains("INTACT:TRUSTED"), "\(credential) pss=\(pss): \(validation.combined)")
            #expect(try Peers.pdfsig(output).stdout.contains("Signature is Valid"), "\(credential) pss=\(pss)")
            let verified = try Peers.esign(["verify", output, "--trust", Fixtures.pki.rootPath])
            #expect(verified.status == 0, "\(verified.combined)")
        }
        // Every authorisation and signature is in the audit chain.
        let audit = try Peers.esign(["serve", "audit", "list", "--database", fixture.database, "--limit", "50"])
        #expect(audit.stdout.components(separatedBy: "\"csc-authorize\"").count - 1 == 4, "\(audit.stdout)")
        #expect(audit.stdout.components(separatedBy: "\"csc-sign\"").count - 1 == 4)
        #expect(try Peers.esign(["serve", "audit", "check", "--database", fixture.database]).status == 0)
    }

    @Test func esignSignsThroughACSCService() throws {
        let tokens = try SoftHSMTokens.get()
        let (fixture, pin) = try Self.fixture(tokens: tokens)
        let server = try fixture.start()
        defer { server.stop() }
        let dir = fixture.directory
        let tokenFile = dir.appendingPathComponent("csc-token.txt").path
        try (fixture.tokens["tinh"]! + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let pinFile = dir.appendingPathComponent("csc-pin.txt").path
        try (pin + "\n").write(toFile: pinFile, atomically: true, encoding: .utf8)
        func esign(
            _ arguments: [String], credential: String = "csc-seal", service: String? = nil
        ) throws
            -> Peers.Output
        {
            try Peers.esign(
                arguments + [
                    "--csc", service ?? server.url, "--credential", credential, "--csc-token-file", tokenFile,
                    "--pin-file", pinFile,
                ])
        }
        // One PDF, then a batch of three (one authorisation for the three), then a detached signature.
        let one = dir.appendingPathComponent("one.pdf").path
        #expect(try esign(["sign", Self.decision, "-o", one]).status == 0)
        let inputs = try (1...3).map { i -> String in
            let path = dir.appendingPathComponent("batch-\(i).pdf").path
            try FileManager.default.copyItem(atPath: Self.decision, toPath: path)
            return path
        }
        let out = dir.appendingPathComponent("signed").path
        let batch = try esign(["sign"] + inputs + ["--out-dir", out], credential: "csc-token")
        #expect(batch.status == 0, "\(batch.combined)")
        // RSASSA-PSS through the API (signAlgo id-RSASSA-PSS with its signAlgoParams), with the key in a
        // file and with the key on the service's token.
        var pss: [String] = []
        for credential in ["csc-seal", "csc-token"] {
            let output = dir.appendingPathComponent("pss-\(credential).pdf").path
            let run = try esign(["sign", Self.decision, "-o", output, "--rsa-pss"], credential: credential)
            #expect(run.status == 0, "\(run.combined)")
            let verified = try Peers.esign(["verify", output, "--trust", Fixtures.pki.rootPath])
            #expect(verified.stdout.contains("RSASSA-PSS (SHA256, MGF1 SHA256, salt 32)"), "\(verified.combined)")
            pss.append(output)
        }
        // --rsa-pss concerns RSA keys only: an EC credential signs with ECDSA as always.
        let ecOutput = dir.appendingPathComponent("ec.pdf").path
        let ecPSS = try esign(["sign", Self.decision, "-o", ecOutput, "--rsa-pss"], credential: "csc-ec")
        #expect(ecPSS.status == 0, "\(ecPSS.combined)")
        let ecVerified = try Peers.esign(["verify", ecOutput, "--trust", Fixtures.pki.rootPath])
        #expect(ecVerified.status == 0 && !ecVerified.stdout.contains("RSASSA-PSS"), "\(ecVerified.combined)")
        let note = dir.appendingPathComponent("note.txt").path
        try "Công văn số 7\n".write(toFile: note, atomically: true, encoding: .utf8)
        #expect(try esign(["sign", note, "--detached"]).status == 0)
        // XML documents through the same credentials: XAdES with RSA PSS and with ECDSA.
        let xml = dir.appendingPathComponent("cong-van.xml").path
        try "<CongVan so=\"7/UBND-VP\">Công văn số 7</CongVan>\n".write(toFile: xml, atomically: true, encoding: .utf8)
        for (credential, extra) in [("csc-seal", ["--rsa-pss"]), ("csc-ec", [])] {
            let output = dir.appendingPathComponent("cong-van-\(credential).xml").path
            let run = try esign(["sign", xml, "-o", output] + extra, credential: credential)
            #expect(run.status == 0, "\(run.combined)")
            let verified = try Peers.esign(["verify", output, "--trust", Fixtures.pki.rootPath])
            #expect(verified.status == 0 && verified.stdout.contains("XAdES B-B"), "\(verified.combined)")
        }
        for signed in [one] + pss + inputs.map({ out + "/" + ($0 as NSString).lastPathComponent }) {
            let validation = try Peers.pyhankoValidate(signed, trust: Fixtures.pki.rootPath)
            #expect(validation.stdout.contains("INTACT:TRUSTED"), "\(signed): \(validation.combined)")
            #expect(try Peers.pdfsig(signed).stdout.contains("Signature is Valid"))
        }
        let cms = try Peers.run(
            "openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", note + ".p7s", "-content", note, "-CAfile",
                Fixtures.pki.rootPath, "-purpose", "any", "-out", "/dev/null",
            ])
        #expect(cms.stderr.contains("Verification successful"), "\(cms.combined)")
        let audit = try Peers.esign(["serve", "audit", "list", "--database", fixture.database, "--limit", "50"])
        let authorisations = audit.stdout.split(separator: "\n").filter { $0.contains("\"csc-authorize\"") }
        #expect(authorisations.count == 8, "one per command: \(audit.stdout)")
        #expect(authorisations.contains { $0.contains("3 signatures") })

        // A wrong PIN fails before anything is signed (77); an unreachable service is 69.
        try "000000\n".write(toFile: pinFile, atomically: true, encoding: .utf8)
        let wrong = try esign(["sign", Self.decision, "-o", dir.appendingPathComponent("wrong.pdf").path])
        #expect(wrong.status == 77 && wrong.stderr.contains("csc-seal"), "\(wrong.combined)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("wrong.pdf").path))
        let away = try esign(
            ["sign", Self.decision, "-o", dir.appendingPathComponent("away.pdf").path],
            service: "http://127.0.0.1:\(try LoopbackServer.freePort())")
        #expect(away.status == 69, "\(away.combined)")
        // Neither the PIN nor the token appears in any message.
        #expect(!(wrong.combined + away.combined).contains(fixture.tokens["tinh"]!))
    }

    @Test func esignReachesACSCServiceOverHTTPSAndChecksItsCertificate() throws {
        let (fixture, pin) = try Self.fixture()
        let server = try fixture.start()
        defer { server.stop() }
        let dir = fixture.directory
        // The service behind a TLS-terminating proxy whose certificate names 127.0.0.1.
        let cert = dir.appendingPathComponent("tls.pem").path
        let key = dir.appendingPathComponent("tls.key").path
        let made = try Peers.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", cert, "-days", "2", "-subj", "/CN=esign test service", "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
        try #require(made.status == 0, "\(made.combined)")
        let proxy = try LoopbackServer(
            "python3",
            [
                Fixtures.packageRoot.appendingPathComponent("Tests/Scripts/tls_proxy.py").path, "{port}",
                String(server.port), cert, key,
            ])
        defer { proxy.stop() }
        let tokenFile = dir.appendingPathComponent("token.txt").path
        try fixture.tokens["tinh"]!.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let pinFile = dir.appendingPathComponent("pin.txt").path
        try pin.write(toFile: pinFile, atomically: true, encoding: .utf8)
        func sign(_ output: String, trusting: String?) throws -> Peers.Output {
            try Peers.esign(
                [
                    "sign", Self.decision, "-o", output, "--csc", "https://127.0.0.1:\(proxy.port)", "--credential",
                    "csc-seal", "--csc-token-file", tokenFile, "--pin-file", pinFile,
                ], environment: trusting.map { ["SSL_CERT_FILE": $0] } ?? ["SSL_CERT_FILE": Fixtures.pki.rootPath])
        }
        let signed = dir.appendingPathComponent("over-tls.pdf").path
        let trusted = try sign(signed, trusting: cert)
        #expect(trusted.status == 0, "\(trusted.combined)")
        #expect(try Peers.pyhankoValidate(signed, trust: Fixtures.pki.rootPath).stdout.contains("INTACT:TRUSTED"))
        // A service whose certificate the trust store does not vouch for is not talked to.
        let untrusted = try sign(dir.appendingPathComponent("refused.pdf").path, trusting: nil)
        #expect(
            untrusted.status == 69 && untrusted.stderr.contains("certificate verify failed"), "\(untrusted.combined)")
    }

    @Test func signatureActivationDataIsHeldToWhatItAuthorises() throws {
        let (fixture, pin) = try Self.fixture(sadLifetime: 2)
        let server = try fixture.start()
        defer { server.stop() }
        let (h1, h1File) = try Self.hash("văn bản 1")
        let (h2, _) = try Self.hash("văn bản 2")
        let (h3, _) = try Self.hash("văn bản 3")
        func authorize(_ body: [String: Any], token: String = "tinh") throws -> String? {
            try Self.csc(fixture, server, "credentials/authorize", body, token: token).json?["SAD"] as? String
        }
        func sign(
            _ sad: String?, _ hashes: [String], credential: String = "csc-seal", token: String = "tinh"
        ) throws
            -> ServiceFixture.Reply
        {
            try Self.csc(
                fixture, server, "signatures/signHash",
                [
                    "credentialID": credential, "SAD": sad ?? "", "hash": hashes,
                    "signAlgo": "1.2.840.113549.1.1.11",
                ], token: token)
        }
        func refused(_ reply: ServiceFixture.Reply, _ why: String) -> Bool {
            reply.status == 400 && reply.json?["error"] as? String == "invalid_request"
                && (reply.json?["error_description"] as? String)?.contains(why) == true
        }

        // A wrong PIN gets no SAD.
        let wrong = try Self.csc(
            fixture, server, "credentials/authorize", ["credentialID": "csc-seal", "numSignatures": 1, "PIN": "000000"])
        #expect(refused(wrong, "Invalid PIN"), "\(wrong.text)")
        // A SAD bound to two hashes signs each of them once, and nothing else.
        let bound = try authorize(["credentialID": "csc-seal", "numSignatures": 2, "hash": [h1, h2], "PIN": pin])
        #expect(bound != nil)
        #expect(refused(try sign(bound, [h3]), "does not authorise this hash"))
        let first = try sign(bound, [h1])
        #expect(first.status == 200, "\(first.text)")
        // The signature is the key's over the hash: openssl checks it against the certificate.
        let signature = try #require(
            (first.json?["signatures"] as? [String])?.first.flatMap { Data(base64Encoded: $0) })
        let signatureFile = fixture.directory.appendingPathComponent("sig.bin").path
        try signature.write(to: URL(fileURLWithPath: signatureFile))
        let check = try Peers.run(
            "openssl",
            [
                "pkeyutl", "-verify", "-certin", "-inkey", Fixtures.pki.signers["province-seal"]!.certificatePath,
                "-in", h1File, "-sigfile", signatureFile, "-pkeyopt", "digest:sha256",
            ])
        #expect(check.stdout.contains("Signature Verified Successfully"), "\(check.combined)")
        #expect(refused(try sign(bound, [h1]), "does not authorise"))
        #expect(try sign(bound, [h2]).status == 200)
        #expect(refused(try sign(bound, [h2]), "does not authorise"))
        // An unbound SAD for one signature signs one hash, once.
        let one = try authorize(["credentialID": "csc-seal", "numSignatures": 1, "PIN": pin])
        #expect(refused(try sign(one, [h1, h2]), "this many"))
        #expect(try sign(one, [h3]).status == 200)
        #expect(refused(try sign(one, [h1]), "this many"))
        // A SAD is its credential's and its client's.
        let other = try authorize(["credentialID": "csc-seal", "numSignatures": 5, "PIN": pin])
        #expect(refused(try sign(other, [h1], credential: "csc-commune"), "Invalid SAD"))
        let communeSAD = try authorize(["credentialID": "csc-commune", "numSignatures": 5, "PIN": pin])
        #expect(refused(try sign(communeSAD, [h1], credential: "csc-commune", token: "xa"), "Invalid SAD"))
        #expect(refused(try sign("sad_made-up", [h1]), "Invalid SAD"))
        // A commune's client cannot see the province's credential at all.
        #expect(refused(try sign(other, [h1], token: "xa"), "credentialID"))
        // It expires.
        let expiring = try authorize(["credentialID": "csc-seal", "numSignatures": 1, "PIN": pin])
        Thread.sleep(forTimeInterval: 3)
        #expect(refused(try sign(expiring, [h1]), "expired"))
        // signatures/timestamp: an RFC 3161 token over a hash, from the service's TSA; openssl checks it.
        let stamped = try Self.csc(
            fixture, server, "signatures/timestamp", ["hash": h1, "hashAlgo": "2.16.840.1.101.3.4.2.1"])
        let token = try #require((stamped.json?["timestamp"] as? String).flatMap { Data(base64Encoded: $0) })
        let tokenFile = fixture.directory.appendingPathComponent("token.tst").path
        try token.write(to: URL(fileURLWithPath: tokenFile))
        let digestHex = try Data(contentsOf: URL(fileURLWithPath: h1File)).map { String(format: "%02x", $0) }.joined()
        let tsVerify = try Peers.run(
            "openssl",
            [
                "ts", "-verify", "-token_in", "-in", tokenFile, "-digest", digestHex, "-CAfile", Fixtures.pki.rootPath,
                "-untrusted", Fixtures.pki.tsa.certificatePath,
            ])
        #expect(tsVerify.stdout.contains("Verification: OK"), "\(tsVerify.combined)")
        // Without a token: 401 in CSC's form.
        let anonymous = try Self.csc(fixture, server, "credentials/list", [:], token: nil)
        #expect(anonymous.status == 401 && anonymous.json?["error"] as? String == "invalid_token")
        // Every refusal is audited, and the chain holds.
        let audit = try Peers.esign(["serve", "audit", "list", "--database", fixture.database, "--limit", "100"])
        #expect(audit.stdout.contains("invalid PIN") && audit.stdout.contains("SAD expired"))
        #expect(try Peers.esign(["serve", "audit", "check", "--database", fixture.database]).status == 0)
    }
}
