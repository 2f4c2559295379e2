import ESign
import ESignTestSupport
import Foundation
import Testing

/// PAdES B-LT and B-LTA made and checked for real: an `openssl ocsp` responder and a CRL over HTTP
/// on loopback, esign's TSA; pyHanko's AdES validation ten days ahead, when the signer's certificate
/// has expired, with the responders stopped, must accept what esign makes, and esign must accept
/// what pyHanko makes; the refusals a long-term level must give.
@Suite("Long-term signatures (B-LT, B-LTA)", .serialized)
struct LongTermTests {
    static let later = LongTermPKI.daysAhead(10)

    func sample(_ dir: URL, _ name: String = "decision.pdf") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: Fixtures.samples.appendingPathComponent(name).path, toPath: path)
        return path
    }

    /// pyHanko's AdES validation at `time` (nil: now); the last line, and the whole output.
    func pyhankoAdES(_ file: String, trust: String, at time: String?) throws -> Peers.Output {
        var arguments = ["sign", "adesverify", "--trust", trust, "--trust-replace"]
        if let time { arguments += ["--validation-time", time] }
        return try Peers.run("pyhanko", arguments + [file])
    }

    /// esign's verdict offline at `time`, as JSON.
    func esignOffline(_ file: String, trust: String, at time: String) throws -> [String: Any] {
        let run = try Peers.esign(["verify", file, "--trust", trust, "--offline", "--at", time, "--json"])
        return (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    func levels(_ report: [String: Any]) -> [String] {
        ((report["signatures"] as? [[String: Any]]) ?? []).compactMap { $0["level"] as? String }
    }

    @Test("esign sign --level B-LTA: pyHanko and esign accept it offline after the signer's certificate expired")
    func signedBLTA() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-blta")
        let (p12, passwordFile) = try ltv.identity()
        for name in ["decision.pdf", "report.pdf"] {
            let input = try sample(dir, name)
            let output = dir.appendingPathComponent("lta-" + name).path
            let run = try Peers.esign([
                "sign", input, "-o", output, "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL,
                "--level", "B-LTA",
            ])
            try #require(run.status == 0, "\(run.combined)")
            #expect(run.stdout.contains("PAdES B-LTA"))
        }
        ltv.goOffline()
        for name in ["decision.pdf", "report.pdf"] {
            let output = dir.appendingPathComponent("lta-" + name).path
            let pyhanko = try pyhankoAdES(output, trust: ltv.pki.rootPath, at: Self.later)
            #expect(pyhanko.status == 0 && pyhanko.stdout.contains("INTACT:TRUSTED"), "\(pyhanko.combined)")
            let report = try esignOffline(output, trust: ltv.pki.rootPath, at: Self.later)
            #expect(report["indication"] as? String == "TOTAL-PASSED", "\(report)")
            #expect(levels(report) == ["B-LTA"])
            #expect(
                (report["archive_protected_until"] as? String)?.hasPrefix(String(LongTermPKI.daysAhead(3000).prefix(4)))
                    == true)
            let pdfsig = try Peers.pdfsig(output)
            #expect(pdfsig.stdout.contains("Signature Validation: Signature is Valid."), "\(pdfsig.combined)")
            #expect(try Peers.qpdfCheck(output).status == 0)
        }
        // Without the document's own data, and ten days ahead, a B-B signature has nothing to stand on.
        let plain = dir.appendingPathComponent("bb.pdf").path
        let (p12b, pass) = try ltv.identity("province-seal")
        #expect(
            try Peers.esign([
                "sign", try sample(dir, "notice.pdf"), "-o", plain, "--p12", p12b, "--password-file", pass,
            ])
            .status == 0)
        let bare = try esignOffline(plain, trust: ltv.pki.rootPath, at: Self.later)
        #expect(bare["indication"] as? String == "INDETERMINATE", "\(bare)")
    }

    @Test("esign sign --level B-LT: the DSS holds what the chain needs; esign says B-LT, pyHanko agrees")
    func signedBLT() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-blt")
        let (p12, passwordFile) = try ltv.identity()
        let output = dir.appendingPathComponent("lt.pdf").path
        let run = try Peers.esign([
            "sign", try sample(dir), "-o", output, "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL,
            "--level", "B-LT",
        ])
        try #require(run.status == 0, "\(run.combined)")
        ltv.goOffline()
        // Ten days ahead the signer's certificate has expired; the signature timestamp and the DSS carry it.
        let report = try esignOffline(output, trust: ltv.pki.rootPath, at: Self.later)
        #expect(report["indication"] as? String == "TOTAL-PASSED", "\(report)")
        #expect(levels(report) == ["B-LT"], "\(report)")
        #expect(report["archive_protected_until"] == nil, "no document timestamp protects a B-LT document")
        let pyhanko = try pyhankoAdES(output, trust: ltv.pki.rootPath, at: Self.later)
        #expect(pyhanko.stdout.contains("INTACT:TRUSTED"), "\(pyhanko.combined)")
    }

    @Test("esign ltv extend raises pyHanko's B-T signatures to B-LTA, and esign accepts pyHanko's own B-LTA")
    func pyhankoDocuments() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-ltv-pyhanko")
        let (p12, passwordFile) = try ltv.identity()
        let input = try sample(dir)
        let bt = dir.appendingPathComponent("pyhanko-bt.pdf").path
        let lta = dir.appendingPathComponent("pyhanko-lta.pdf").path
        let common = ["--field", "Sig1", "--timestamp-url", ltv.tsaURL, "--use-pades"]
        let signBT = try Peers.run(
            "pyhanko", ["sign", "addsig"] + common + ["pkcs12", "--passfile", passwordFile, input, bt, p12])
        try #require(signBT.status == 0, "\(signBT.combined)")
        let signLTA = try Peers.run(
            "pyhanko",
            ["sign", "addsig"] + common + [
                "--with-validation-info", "--use-pades-lta", "--trust", ltv.pki.rootPath, "--trust-replace", "pkcs12",
                "--passfile", passwordFile, input, lta, p12,
            ])
        try #require(signLTA.status == 0, "\(signLTA.combined)")
        let extended = dir.appendingPathComponent("extended.pdf").path
        let run = try Peers.esign(["ltv", "extend", bt, "--level", "B-LTA", "--tsa", ltv.tsaURL, "-o", extended])
        try #require(run.status == 0, "\(run.combined)")
        // The change analysis agrees: the extension is allowed for the earlier signature.
        let online = try Peers.esign(["verify", extended, "--trust", ltv.pki.rootPath])
        #expect(online.stdout.contains("LTA_UPDATES") && online.status == 0, "\(online.combined)")
        ltv.goOffline()
        for file in [extended, lta] {
            let pyhanko = try pyhankoAdES(file, trust: ltv.pki.rootPath, at: Self.later)
            #expect(pyhanko.status == 0 && pyhanko.stdout.contains("INTACT:TRUSTED"), "\(file): \(pyhanko.combined)")
            let report = try esignOffline(file, trust: ltv.pki.rootPath, at: Self.later)
            #expect(report["indication"] as? String == "TOTAL-PASSED", "\(file): \(report)")
            #expect(levels(report) == ["B-LTA"], "\(file)")
        }
    }

    @Test(
        "Detached CAdES-LT: openssl cms accepts it, esign validates it offline after the signer's certificate expired")
    func detachedLT() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-cades-lt")
        let file = dir.appendingPathComponent("tờ trình.xml").path
        try "<vanban so=\"15/TTr-UBND\"/>\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (p12, passwordFile) = try ltv.identity()
        let run = try Peers.esign([
            "sign", file, "--detached", "--cades", "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL,
            "--level",
            "B-LT",
        ])
        try #require(run.status == 0, "\(run.combined)")
        #expect(run.stdout.contains("CAdES B-LT"))
        let cms = try Peers.run(
            "openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", file + ".p7s", "-content", file, "-CAfile",
                ltv.pki.rootPath, "-purpose", "any", "-out", "/dev/null",
            ])
        #expect(cms.status == 0, "\(cms.combined)")
        // The validation data is in SignedData (certificates, and crls with the OCSP responses as RFC 5940
        // other revocation info), where archive timestamps find it.
        let printed = try Peers.run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", file + ".p7s"])
        #expect(
            printed.stdout.contains("(1.3.6.1.5.5.7.16.2)") && printed.stdout.contains("d.crl:"), "\(printed.stdout)")
        #expect(!printed.stdout.contains("id-smime-aa-ets-certValues"))
        ltv.goOffline()
        let verify = try Peers.esign([
            "verify", file, "--signature", file + ".p7s", "--trust", ltv.pki.rootPath, "--offline", "--at", Self.later,
            "--json",
        ])
        #expect(verify.stdout.contains("\"indication\":\"TOTAL-PASSED\""), "\(verify.combined)")
        #expect(verify.stdout.contains("\"level\":\"B-LT\""), "\(verify.stdout)")

        // The form earlier esign versions wrote: the same revocation data in a revocation-values
        // attribute (CRLs, and each OCSP response's BasicOCSPResponse), SignedData.crls empty.
        var old = try SignedDataStructure(der: [UInt8](try Data(contentsOf: URL(fileURLWithPath: file + ".p7s"))))
        let (crls, responses) = old.revocationData
        let basics = responses.compactMap { response -> [UInt8]? in
            // OCSPResponse ::= SEQUENCE { status, [0] { SEQUENCE { type, OCTET STRING basic } } }
            let reader = DERReader(response)
            guard let top = reader.element(at: 0), let bytes = reader.children(of: top).last,
                let inner = reader.children(of: bytes).first, let octets = reader.children(of: inner).last
            else { return nil }
            return reader[octets.content]
        }
        #expect(!crls.isEmpty && basics.count == responses.count && !basics.isEmpty)
        old.revocationInfoChoices = []
        old.appendUnsignedAttribute(
            signer: 0, type: "1.2.840.113549.1.9.16.2.24",
            value: DER.sequence(DER.context(0, DER.sequence(of: crls)), DER.context(1, DER.sequence(of: basics))))
        let oldPath = file + ".old.p7s"
        try Data(old.encoded()).write(to: URL(fileURLWithPath: oldPath))
        let verifyOld = try Peers.esign([
            "verify", file, "--signature", oldPath, "--trust", ltv.pki.rootPath, "--offline", "--at", Self.later,
            "--json",
        ])
        #expect(verifyOld.stdout.contains("\"level\":\"B-LT\""), "\(verifyOld.combined)")
    }

    @Test("A batch asks the responder once per certificate, not once per document")
    func responsesAreCached() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-ltv-batch")
        let source = try sample(dir)
        var inputs: [String] = []
        for i in 0..<20 {
            let path = dir.appendingPathComponent("qd-\(i).pdf").path
            try FileManager.default.linkItem(atPath: source, toPath: path)
            inputs.append(path)
        }
        let out = dir.appendingPathComponent("signed").path
        let (p12, passwordFile) = try ltv.identity()
        let run = try Peers.esign(
            ["sign"] + inputs + [
                "--out-dir", out, "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL, "--level", "B-LT",
            ])
        try #require(run.status == 0, "\(run.combined)")
        // The official and the TSA: two certificates with an OCSP responder.
        #expect(ltv.ocspRequests == 2, "\(ltv.ocspRequests) OCSP requests for 20 documents")
        let extended = dir.appendingPathComponent("lta").path
        let files = try FileManager.default.contentsOfDirectory(atPath: out).map { "\(out)/\($0)" }
        let extend = try Peers.esign(
            ["ltv", "extend"] + files + ["--level", "B-LTA", "--tsa", ltv.tsaURL, "--out-dir", extended])
        #expect(extend.status == 0, "\(extend.combined)")
        #expect(ltv.ocspRequests == 4, "a second process asks once more per certificate")
        ltv.goOffline()
        let verify = try Peers.esign(["verify", extended, "--trust", ltv.pki.rootPath, "--offline"])
        #expect(verify.stdout.contains("20 passed"), "\(verify.stdout.suffix(300))")
    }

    @Test("ltv renew renews exactly the archives inside the window; earlier proofs still hold; a rerun renews nothing")
    func renewal() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        // A second TSA whose certificate expires in 100 days, for the archive that needs renewing.
        let (shortPKI, shortTSA) = try LongTermPKI.shortLivedTSA()
        defer { shortTSA.stop() }
        let dir = Fixtures.temporaryDirectory("esign-ltv-renew")
        let archive = dir.appendingPathComponent("archive")
        try FileManager.default.createDirectory(
            at: archive.appendingPathComponent("2026"), withIntermediateDirectories: true)
        let (p12, passwordFile) = try ltv.identity()
        let input = try sample(dir)
        let expiring = archive.appendingPathComponent("2026/expiring.pdf").path
        let lasting = archive.appendingPathComponent("lasting.pdf").path
        let bt = dir.appendingPathComponent("bt.pdf").path
        #expect(
            try Peers.esign([
                "sign", input, "-o", bt, "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL,
            ]).status == 0)
        #expect(
            try Peers.esign(["ltv", "extend", bt, "--level", "B-LTA", "--tsa", shortTSA.url, "-o", expiring]).status
                == 0)
        #expect(
            try Peers.esign(["ltv", "extend", bt, "--level", "B-LTA", "--tsa", ltv.tsaURL, "-o", lasting]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: expiring))
        let lastingBefore = try Data(contentsOf: URL(fileURLWithPath: lasting))

        let trust = [ltv.pki.rootPath, shortPKI.rootPath]
        let renew = try Peers.esign(
            ["ltv", "renew", archive.path, "--tsa", ltv.tsaURL, "--within", "1y", "--in-place", "--json"]
                + trust.flatMap { ["--trust", $0] })
        #expect(renew.status == 0, "\(renew.combined)")
        #expect(renew.stdout.contains("\"renewed\":1") && renew.stdout.contains("\"skipped\":1"), "\(renew.stdout)")
        let after = try Data(contentsOf: URL(fileURLWithPath: expiring))
        #expect(after.count > before.count && after.prefix(before.count) == before, "renewal only appends")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: lasting)) == lastingBefore, "the lasting archive is untouched")

        let again = try Peers.esign(
            ["ltv", "renew", archive.path, "--tsa", ltv.tsaURL, "--within", "1y", "--in-place", "--json"]
                + trust.flatMap { ["--trust", $0] })
        #expect(again.stdout.contains("\"renewed\":0") && again.stdout.contains("\"skipped\":2"), "\(again.stdout)")
        let pyhanko = try Peers.run(
            "pyhanko", ["sign", "validate", "--trust-replace"] + trust.flatMap { ["--trust", $0] } + [expiring])
        #expect(pyhanko.stdout.contains("INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "\(pyhanko.combined)")

        ltv.goOffline()
        let report = try Peers.esign(
            ["verify", expiring, "--offline", "--json"] + trust.flatMap { ["--trust", $0] })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let signatures = try #require(json["signatures"] as? [[String: Any]])
        #expect(signatures.count == 3, "the signature and two document timestamps")
        #expect(signatures.allSatisfy { $0["indication"] as? String == "TOTAL-PASSED" }, "\(report.stdout)")
        #expect(
            (json["archive_protected_until"] as? String)?.hasPrefix(String(LongTermPKI.daysAhead(3000).prefix(4)))
                == true)
    }

    @Test("--level is a promise: a responder that is down, a revoked signer, a slow or wrong answer refuse it")
    func refusals() throws {
        let ltv = try LongTermPKI(revoked: ["district-official"])
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-ltv-refusals")
        let input = try sample(dir)
        func sign(_ signer: String, level: String, output: String) throws -> Peers.Output {
            let (p12, passwordFile) = try ltv.identity(signer)
            return try Peers.esign([
                "sign", input, "-o", output, "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL,
                "--level", level,
            ])
        }
        let revoked = dir.appendingPathComponent("revoked.pdf").path
        let refused = try sign("district-official", level: "B-LT", output: revoked)
        #expect(refused.status == 77 && refused.stderr.contains("was revoked"), "\(refused.combined)")
        #expect(!FileManager.default.fileExists(atPath: revoked))

        // A responder that answers about another certificate: a recorded answer replayed for every request.
        let other = dir.appendingPathComponent("other.der").path
        let query = try Peers.run(
            "openssl",
            [
                "ocsp", "-issuer", ltv.pki.issuingCA.certificatePath, "-cert",
                ltv.pki.signers["commune-seal"]!.certificatePath, "-url", "http://127.0.0.1:\(ltv.ocspPortForTests)",
                "-respout", other, "-noverify",
            ])
        #expect(query.status == 0, "\(query.combined)")
        ltv.goOffline()
        let down = dir.appendingPathComponent("down.pdf").path
        let unreachable = try sign("province-official", level: "B-LT", output: down)
        #expect(unreachable.status == 69 && unreachable.stderr.contains("refused B-LT"), "\(unreachable.combined)")
        #expect(!FileManager.default.fileExists(atPath: down))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains("partial") })

        let replay = try LoopbackServer(
            "python3", ["-c", Self.replayServer, String(ltv.ocspPortForTests), other, "0"],
            port: ltv.ocspPortForTests)
        let wrong = dir.appendingPathComponent("wrong.pdf").path
        let mismatch = try sign("province-official", level: "B-LT", output: wrong)
        #expect(mismatch.status == 69 && mismatch.stderr.contains("about another certificate"), "\(mismatch.combined)")
        #expect(!FileManager.default.fileExists(atPath: wrong))
        replay.stop()

        // A responder that takes its time: ltv extend gives up after --timeout seconds.
        let signed = dir.appendingPathComponent("bt.pdf").path
        let (p12, passwordFile) = try ltv.identity()
        #expect(
            try Peers.esign(["sign", input, "-o", signed, "--p12", p12, "--password-file", passwordFile]).status == 0)
        let slow = try LoopbackServer(
            "python3", ["-c", Self.replayServer, String(ltv.ocspPortForTests), other, "30"], port: ltv.ocspPortForTests)
        defer { slow.stop() }
        let started = Date()
        let late = dir.appendingPathComponent("late.pdf").path
        let timedOut = try Peers.esign(["ltv", "extend", signed, "--level", "B-LT", "--timeout", "2", "-o", late])
        #expect(timedOut.status == 69, "\(timedOut.combined)")
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(!FileManager.default.fileExists(atPath: late))
    }

    /// An HTTP server that answers every POST with the file's bytes after a delay (argv: port, file, seconds).
    static let replayServer = """
        import http.server, sys, time
        body = open(sys.argv[2], 'rb').read()
        delay = float(sys.argv[3])
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get('Content-Length', 0)))
                time.sleep(delay)
                self.send_response(200)
                self.send_header('Content-Type', 'application/ocsp-response')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
        """
}

/// Refusals a CRL can cause: one that is stale, and one from another issuer.
@Suite("Long-term signatures: CRLs that must be refused", .serialized)
struct LongTermCRLTests {
    @Test("A stale CRL, or one that does not cover the certificate, refuses B-LT and leaves nothing")
    func badCRLs() throws {
        let port = try LoopbackServer.freePort()
        var options = DemoPKI.Options()
        options.crlURL = "http://127.0.0.1:\(port)/issuing-ca.crl"
        let dir = Fixtures.temporaryDirectory("esign-ltv-crl")
        let pki = try DemoPKI.create(in: dir.appendingPathComponent("pki").path, options: options)
        let served = dir.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        let server = try LoopbackServer(
            "python3", ["-m", "http.server", "--bind", "127.0.0.1", String(port)], directory: served, port: port)
        defer { server.stop() }
        let input = dir.appendingPathComponent("d.pdf").path
        try FileManager.default.copyItem(
            atPath: Fixtures.samples.appendingPathComponent("decision.pdf").path, toPath: input)
        let signed = dir.appendingPathComponent("signed.pdf").path
        let official = pki.signers["province-official"]!
        #expect(
            try Peers.esign([
                "sign", input, "-o", signed, "--p12", official.pkcs12Path, "--password-file", pki.passwordPath,
            ])
            .status == 0)
        let crlPath = served.appendingPathComponent("issuing-ca.crl")
        func extend(_ name: String) throws -> (Peers.Output, String) {
            let output = dir.appendingPathComponent(name).path
            return (
                try Peers.esign(["ltv", "extend", signed, "--level", "B-LT", "-o", output, "--trust", pki.rootPath]),
                output
            )
        }
        var stale = CRLBuilder(issuer: pki.issuingCA.certificate, issuerKey: pki.issuingCA.privateKey)
        stale.thisUpdate = Date().addingTimeInterval(-10 * 86400)
        stale.nextUpdate = Date().addingTimeInterval(-3 * 86400)
        try Data(try stale.issue()).write(to: crlPath)
        let (old, oldOutput) = try extend("stale.pdf")
        #expect(old.status == 69 && old.stderr.contains("stale"), "\(old.combined)")
        #expect(!FileManager.default.fileExists(atPath: oldOutput))

        let foreign = CRLBuilder(issuer: pki.root.certificate, issuerKey: pki.root.privateKey)
        try Data(try foreign.issue()).write(to: crlPath)
        let (other, otherOutput) = try extend("other.pdf")
        #expect(other.status == 69 && other.stderr.contains("does not cover"), "\(other.combined)")
        #expect(!FileManager.default.fileExists(atPath: otherOutput))

        let good = CRLBuilder(issuer: pki.issuingCA.certificate, issuerKey: pki.issuingCA.privateKey)
        try Data(try good.issue()).write(to: crlPath)
        let (fine, fineOutput) = try extend("fine.pdf")
        #expect(fine.status == 0, "\(fine.combined)")
        let verify = try Peers.esign(["verify", fineOutput, "--trust", pki.rootPath, "--offline", "--json"])
        #expect(verify.stdout.contains("\"level\":\"B-B\"") || verify.stdout.contains("\"level\":\"B-LT\""))
        #expect(verify.stdout.contains("CRL in the document"), "\(verify.stdout)")
    }
}
