import ESign
import ESignTestSupport
import Foundation
import Testing

/// `esign serve` as the systems that call it see it: clients and their tokens, units and scopes,
/// signing checked by pyHanko, pdfsig and `openssl cms`, issuance, verification equal to
/// `esign verify --json`, the ledger, statistics, the audit chain, and configuration errors.
@Suite("esign serve: the HTTP service", .serialized)
struct ServeTests {
    static let decision = Fixtures.samples.appendingPathComponent("decision.pdf").path

    @Test func clientsGetATokenOnceAndRevokedOnesAreRefused() throws {
        let fixture = try ServiceFixture(clients: false)
        let add = try Peers.esign([
            "serve", "clients", "add", "qlvb-tinh", "--units", "75", "--scopes", "verify,stats", "--database",
            fixture.database,
        ])
        #expect(add.status == 0, "\(add.combined)")
        let token = try #require(add.stdout.split(separator: "\n").last.map(String.init))
        #expect(token.hasPrefix("esk_") && token.count > 40 && !token.contains(" "))
        // Only the hash is stored: the token appears nowhere in the database file or the listing.
        let list = try Peers.esign(["serve", "clients", "list", "--json", "--database", fixture.database])
        #expect(list.stdout.contains("qlvb-tinh") && !list.stdout.contains(token))
        let stored = try Data(contentsOf: URL(fileURLWithPath: fixture.database))
        #expect(stored.range(of: Data(token.utf8)) == nil)
        // A second client of the same name and an unknown unit are refused.
        let again = try Peers.esign([
            "serve", "clients", "add", "qlvb-tinh", "--units", "75", "--scopes", "stats", "--database",
            fixture.database,
        ])
        #expect(again.status != 0 && again.stderr.contains("exists"))
        let unknown = try Peers.esign([
            "serve", "clients", "add", "x", "--units", "99999", "--scopes", "stats", "--database", fixture.database,
        ])
        #expect(unknown.status == 65 && unknown.stderr.contains("99999"), "\(unknown.combined)")

        let server = try fixture.start()
        defer { server.stop() }
        #expect(try fixture.request(server, "GET", "/v1/stats", token: token).status == 200)
        let none = try fixture.request(server, "GET", "/v1/stats", token: nil)
        #expect(none.status == 401 && none.headers["content-type"] == "application/problem+json")
        #expect(none.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(try fixture.request(server, "GET", "/v1/stats", token: "esk_not-a-token").status == 401)
        // The scope it lacks.
        let sign = try fixture.request(
            server, "POST", "/v1/sign?key=dn-seal", token: token, file: Self.decision, contentType: "application/pdf")
        #expect(
            sign.status == 403 && sign.json?["detail"] as? String == "client qlvb-tinh does not have the scope sign")
        let revoke = try Peers.esign(["serve", "clients", "revoke", "qlvb-tinh", "--database", fixture.database])
        #expect(revoke.status == 0)
        Thread.sleep(forTimeInterval: 5.5)  // the token cache's lifetime
        #expect(try fixture.request(server, "GET", "/v1/stats", token: token).status == 401)
    }

    @Test func signsPDFsThatPeersAcceptAndRecordsThemWithTheAudit() throws {
        let fixture = try ServiceFixture()
        let server = try fixture.start()
        defer { server.stop() }
        let pki = Fixtures.pki
        let reply = try fixture.request(
            server, "POST", "/v1/sign?key=dn-seal&reason=Ph%C3%AA+duy%E1%BB%87t&unit=75-VP&number=12/Q%C4%90-UBND",
            file: Self.decision, contentType: "application/pdf")
        try #require(reply.status == 200, "\(reply.text)")
        #expect(reply.headers["content-type"] == "application/pdf")
        let signed = try fixture.save(reply, as: "signed.pdf")
        let digest = try Fixtures.sha256(ofFile: signed).map { String(format: "%02x", $0) }.joined()
        #expect(reply.headers["esign-document-sha256"] == digest)
        let pyhanko = try Peers.pyhankoValidate(signed, trust: pki.rootPath)
        #expect(pyhanko.status == 0 && pyhanko.stdout.contains("INTACT:TRUSTED"), "\(pyhanko.combined)")
        let pdfsig = try Peers.pdfsig(signed)
        #expect(pdfsig.stdout.contains("Signature is Valid"), "\(pdfsig.combined)")
        // The reason given in the query is the signature's /Reason (UTF-16BE: "Phê duyệt").
        let utf16 = Data([0xFE, 0xFF] + "Phê duyệt".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        let hex = utf16.map { String(format: "%02X", $0) }.joined()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: signed))
        #expect(bytes.range(of: utf16) != nil || bytes.range(of: Data(hex.utf8)) != nil)

        // Any other content type: a detached CAdES signature that openssl verifies, timestamped (B-T) at
        // the service's own TSA.
        let text = fixture.directory.appendingPathComponent("bien-ban.txt").path
        try "Biên bản họp ngày 30/11\n".write(toFile: text, atomically: true, encoding: .utf8)
        let detached = try fixture.request(
            server, "POST", "/v1/sign?key=dn-official&level=B-T", file: text, contentType: "text/plain")
        try #require(detached.status == 200, "\(detached.text)")
        #expect(detached.headers["content-type"] == "application/pkcs7-signature")
        let p7s = try fixture.save(detached, as: "bien-ban.txt.p7s")
        let cms = try Peers.run(
            "openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s, "-content", text, "-CAfile", pki.rootPath,
                "-purpose", "any", "-out", "/dev/null",
            ])
        #expect(cms.stderr.contains("Verification successful"), "\(cms.combined)")
        let verified = try Peers.esign(["verify", text, "--signature", p7s, "--trust", pki.rootPath, "--json"])
        #expect(verified.status == 0 && verified.stdout.contains("\"proven_signing_time\""), "\(verified.combined)")

        // The ledger has the signed PDF under its number; the audit chain has both signatures.
        let ledger = try Peers.esign(["ledger", "list", "--database", fixture.database, "--json"])
        #expect(ledger.stdout.contains("12/QĐ-UBND") && ledger.stdout.contains(digest), "\(ledger.combined)")
        let audit = try Peers.esign(["serve", "audit", "list", "--database", fixture.database])
        let events = audit.stdout.split(separator: "\n")
        #expect(events.count == 2 && events[0].contains(digest) && events[1].contains("dn-official"))
        #expect(try Peers.esign(["serve", "audit", "check", "--database", fixture.database]).status == 0)
        let metrics = try fixture.request(server, "GET", "/metrics", token: nil)
        #expect(metrics.text.contains("esign_signatures_total{key=\"dn-seal\",outcome=\"ok\"} 1"))
        #expect(metrics.text.contains("esign_http_requests_total{route=\"/v1/sign\",status=\"200\"} 2"))
    }

    @Test func keysOnATokenSignThroughTheService() throws {
        let tokens = try SoftHSMTokens.get()
        let fixture = try ServiceFixture(
            keys: [
                [
                    "id": "token-seal", "unit": "75",
                    "pkcs11": tokens.uri("province-seal", token: SoftHSMTokens.sealToken),
                    "pinFile": tokens.pinFile, "chain": Fixtures.pki.chainPath,
                ]
            ], environment: tokens.environment)
        let server = try fixture.start()
        defer { server.stop() }
        for _ in 0..<3 {
            let reply = try fixture.request(
                server, "POST", "/v1/sign?key=token-seal", file: Self.decision, contentType: "application/pdf")
            try #require(reply.status == 200, "\(reply.text)")
            let signed = try fixture.save(reply, as: "token.pdf")
            let pyhanko = try Peers.pyhankoValidate(signed, trust: Fixtures.pki.rootPath)
            #expect(pyhanko.status == 0 && pyhanko.stdout.contains("INTACT:TRUSTED"), "\(pyhanko.combined)")
        }
        // A token PIN that is wrong stops the service at start, naming the key.
        let wrong = fixture.directory.appendingPathComponent("wrong-pin.txt").path
        try "000000\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let config = fixture.directory.appendingPathComponent("token.json").path
        try """
        {"database": "\(fixture.database)", "keys": [{"id": "token-seal", "unit": "75", \
        "pkcs11": "\(tokens.uri("province-seal", token: SoftHSMTokens.sealToken))", "pinFile": "\(wrong)"}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try Peers.run(
            try Peers.esignBinary(), ["serve", "--config", config], environment: tokens.environment, timeout: 30)
        #expect(run.status == 77 && run.stderr.contains("keys[0]"), "\(run.combined)")
    }

    @Test func clientsSignOnlyForTheirUnitsWithKeysTheyMayUse() throws {
        let fixture = try ServiceFixture()
        let server = try fixture.start()
        defer { server.stop() }
        func sign(_ query: String, as client: String) throws -> ServiceFixture.Reply {
            try fixture.request(
                server, "POST", "/v1/sign?" + query, token: client, file: Self.decision,
                contentType: "application/pdf")
        }
        // The province's client reaches its commune's key; the commune's client does not reach the province's.
        #expect(try sign("key=dx-seal", as: "tinh").status == 200)
        #expect(try sign("key=dx-seal", as: "xa").status == 200)
        let up = try sign("key=dn-seal", as: "xa")
        #expect(up.status == 403 && (up.json?["detail"] as? String)?.contains("not for unit 75") == true)
        #expect(try sign("key=dn-seal", as: "hcm").status == 403)
        #expect(try sign("key=dx-seal&unit=79&number=1/TB", as: "tinh").status == 403)
        let missing = try sign("key=nope", as: "tinh")
        #expect(missing.status == 404 && missing.headers["content-type"] == "application/problem+json")
        #expect(try sign("key=dn-seal&unit=75", as: "tinh").status == 400)
        #expect(try sign("key=dn-seal&level=B-X", as: "tinh").status == 400)
        #expect(try sign("key=dn-seal&colour=red", as: "tinh").status == 400)
        // A refused signature is not a signature: only the two made are in the audit chain.
        let audit = try Peers.esign(["serve", "audit", "list", "--database", fixture.database])
        #expect(audit.stdout.split(separator: "\n").count == 2, "\(audit.combined)")
    }

    @Test func issuesNumberedDocumentsAndReportsCoverage() throws {
        let fixture = try ServiceFixture()
        let server = try fixture.start()
        defer { server.stop() }
        var numbers: [String] = []
        for _ in 0..<3 {
            let reply = try fixture.request(
                server, "POST", "/v1/issue?unit=75-VP&signer=dn-official&seal=dn-seal&symbol=Q%C4%90-UBND",
                file: Self.decision, contentType: "application/pdf")
            try #require(reply.status == 200, "\(reply.text)")
            numbers.append(reply.headers["esign-document-number"] ?? "")
            let issued = try fixture.save(reply, as: "issued-\(numbers.count).pdf")
            let verify = try Peers.esign(["verify", issued, "--trust", Fixtures.pki.rootPath])
            #expect(verify.status == 0 && verify.stdout.contains("2 signatures"), "\(verify.combined)")
        }
        #expect(numbers == ["01/QĐ-UBND", "02/QĐ-UBND", "03/QĐ-UBND"])
        // Unsigned documents recorded by the document system; the same array again changes nothing.
        let records = fixture.directory.appendingPathComponent("records.json").path
        try #"""
        [{"unit_code": "25195", "number": "7/TB", "issued_on": "2026-11-02", "signed": false},
         {"unit_code": "25195", "number": "8/TB", "issued_on": "2026-11-03", "signed": true, "classified": true}]
        """#.write(toFile: records, atomically: true, encoding: .utf8)
        let first = try fixture.request(
            server, "POST", "/v1/ledger/documents", file: records, contentType: "application/json")
        #expect(first.status == 200 && first.json?["appended"] as? Int == 2, "\(first.text)")
        let again = try fixture.request(
            server, "POST", "/v1/ledger/documents", file: records, contentType: "application/json")
        #expect(again.status == 200 && again.json?["unchanged"] as? Int == 2, "\(again.text)")
        // The province sees its three issued documents and the commune's unsigned one; the commune only its own.
        let province = try fixture.request(server, "GET", "/v1/stats?by=level")
        let overall = province.json?["overall"] as? [String: Any]
        #expect(overall?["eligible"] as? Int == 4 && overall?["signed"] as? Int == 3, "\(province.text)")
        let commune = try fixture.request(server, "GET", "/v1/stats", token: "xa")
        let own = commune.json?["overall"] as? [String: Any]
        #expect(own?["eligible"] as? Int == 1 && own?["classified"] as? Int == 1, "\(commune.text)")
        let csv = try fixture.request(server, "GET", "/v1/stats?by=unit&format=csv")
        #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true && csv.text.contains("75-VP"))
        let html = try fixture.request(server, "GET", "/v1/stats?format=html")
        #expect(html.text.contains("<svg") || html.text.contains("<table"), "\(html.text.prefix(200))")
        #expect(try fixture.request(server, "GET", "/v1/stats?from=2026-13-01").status == 400)
        #expect(try fixture.request(server, "GET", "/v1/stats", token: "hcm").status == 403)
        #expect(try Peers.esign(["ledger", "check", "--database", fixture.database]).status == 0)
        #expect(try Peers.esign(["serve", "audit", "check", "--database", fixture.database]).status == 0)
    }

    @Test func verificationReportsEqualTheCommandLine() throws {
        let fixture = try ServiceFixture()
        let server = try fixture.start()
        defer { server.stop() }
        let pki = Fixtures.pki
        let signed = fixture.directory.appendingPathComponent("quyet-dinh.pdf").path
        #expect(
            try Peers.esign([
                "sign", Self.decision, "-o", signed, "--p12", pki.signers["commune-seal"]!.pkcs12Path,
                "--password-file", pki.passwordPath,
            ]).status == 0)
        var tampered = [UInt8](try Data(contentsOf: URL(fileURLWithPath: signed)))
        tampered[400] ^= 0x20
        let forged = fixture.directory.appendingPathComponent("gia-mao.pdf").path
        try Data(tampered).write(to: URL(fileURLWithPath: forged))
        let note = fixture.directory.appendingPathComponent("note.txt").path
        try "Công văn\n".write(toFile: note, atomically: true, encoding: .utf8)
        #expect(
            try Peers.esign([
                "sign", note, "--detached", "--p12", pki.signers["commune-seal"]!.pkcs12Path, "--password-file",
                pki.passwordPath,
            ]).status == 0)

        func withoutTime(_ text: String) -> [String: Any]? {
            guard var object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                return nil
            }
            object["validation_time"] = nil
            return object
        }
        for (path, expected) in [(signed, "TOTAL-PASSED"), (forged, "TOTAL-FAILED")] {
            let name = (path as NSString).lastPathComponent
            let reply = try fixture.request(
                server, "POST", "/v1/verify?name=" + path.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
                file: path, contentType: "application/pdf")
            #expect(reply.status == 200)
            let cli = try Peers.esign(["verify", path, "--trust", pki.rootPath, "--json"])
            let service = withoutTime(reply.text)
            #expect(service?["indication"] as? String == expected, "\(name): \(reply.text.prefix(300))")
            #expect(
                NSDictionary(dictionary: service ?? [:]).isEqual(to: withoutTime(cli.stdout) ?? ["": 0]),
                "\(name)\nservice: \(reply.text)\ncli: \(cli.stdout)")
        }
        // Multipart: a file and its detached signature.
        let multipart = try fixture.request(
            server, "POST", "/v1/verify",
            arguments: ["-F", "file=@\(note);filename=\(note)", "-F", "signature=@\(note).p7s"])
        let cli = try Peers.esign(["verify", note, "--signature", note + ".p7s", "--trust", pki.rootPath, "--json"])
        #expect(multipart.status == 200 && withoutTime(multipart.text)?["indication"] as? String == "TOTAL-PASSED")
        #expect(
            NSDictionary(dictionary: withoutTime(multipart.text) ?? [:]).isEqual(
                to: withoutTime(cli.stdout) ?? ["": 0]),
            "service: \(multipart.text)\ncli: \(cli.stdout)")
        // A client without the verify scope is refused.
        #expect(
            try fixture.request(server, "POST", "/v1/verify", token: "xa", file: signed, contentType: "application/pdf")
                .status == 403)
    }

    @Test(arguments: [
        (#"{"listen": "localhost"}"#, "listen"),
        (#"{"keys": [{"id": "a", "unit": "75", "p12": "missing.p12", "passwordFile": "p.txt"}]}"#, "keys[0].p12"),
        (#"{"keys": [{"id": "a", "unit": "75"}]}"#, "keys[0]"),
        (#"{"limits": {"maxBodyBytes": "big"}}"#, "limits.maxBodyBytes"),
        (#"{"limits": {"maxBodySize": 10}}"#, "limits.maxBodySize"),
        (#"{"tsa": {"p12": "PKI/tsa.p12"}}"#, "tsa.passwordFile"),
        (#"{"trust": 5}"#, "trust"),
        (
            #"{"keys": [{"id": "a", "unit": "99999", "p12": "PKI/province-seal.p12", "passwordFile": "PW"}]}"#,
            "keys[0].unit"
        ),
        (#"{"keys": [{"id": "a", "unit": "75", "p12": "PKI/province-seal.p12", "passwordFile": "BAD"}]}"#, "keys[0]"),
        ("{", "not valid JSON"),
    ])
    func configurationErrorsNameTheField(config: String, field: String) throws {
        let fixture = try ServiceFixture(clients: false)
        let wrong = fixture.directory.appendingPathComponent("wrong.txt").path
        try "not the password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let text = config.replacingOccurrences(of: "PKI/", with: Fixtures.pki.directory + "/")
            .replacingOccurrences(of: "\"PW\"", with: "\"\(Fixtures.pki.passwordPath)\"")
            .replacingOccurrences(of: "\"BAD\"", with: "\"\(wrong)\"")
            .replacingOccurrences(of: "{\"keys\"", with: "{\"database\": \"\(fixture.database)\", \"keys\"")
        let path = fixture.directory.appendingPathComponent("bad.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try Peers.run(try Peers.esignBinary(), ["serve", "--config", path], timeout: 30)
        #expect([64, 77].contains(run.status), "\(run.combined)")
        #expect(run.stderr.contains(field), "\(run.combined)")
        // Secrets never appear in the message.
        let password = try String(contentsOfFile: Fixtures.pki.passwordPath, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!run.combined.contains(password))
    }
}
