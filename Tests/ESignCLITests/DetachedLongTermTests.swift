import ESign
import ESignTestSupport
import Foundation
import Testing

/// Detached CAdES B-LTA (ETSI EN 319 122-1 archive-time-stamp-v3) made and checked for real: the
/// archive timestamp's imprint recomputed from the specification by a script that shares nothing
/// with esign (asn1crypto and hashlib), the TSA's token checked by `openssl ts -verify` against
/// that imprint, `openssl cms -verify` on the `.p7s`; esign's verdict offline after the signer's
/// certificate expired; every class of change to what an archive timestamp covers caught.
@Suite("Detached long-term signatures (CAdES B-LT, B-LTA)", .serialized)
struct DetachedLongTermTests {
    static let later = LongTermPKI.daysAhead(10)
    static let script = Fixtures.packageRoot.appendingPathComponent("Tests/Scripts/cades_archive_imprint.py").path

    func write(_ dir: URL, _ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// esign's report on `signature` over `content`, offline at `time` (nil: now), as JSON.
    func verify(_ content: String, _ signature: String, trust: [String], at time: String? = nil) throws -> [String: Any]
    {
        var arguments = ["verify", content, "--signature", signature, "--offline", "--json"]
        arguments += trust.flatMap { ["--trust", $0] }
        if let time { arguments += ["--at", time] }
        let run = try Peers.esign(arguments)
        return (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]) ?? [
            "error": run.combined
        ]
    }

    func level(_ report: [String: Any]) -> String? {
        ((report["signatures"] as? [[String: Any]])?.first)?["level"] as? String
    }

    /// The archive tokens of `signature`: the imprint the specification gives, recomputed by the
    /// independent script, must be what `openssl ts -verify` finds the TSA signed.
    func checkIndependently(_ signature: String, content: String, pkis: [DemoPKI], count: Int) throws {
        // openssl's -untrusted takes no path with spaces: the tokens and PEM files go to a plain folder.
        let prefix = Fixtures.temporaryDirectory("esign-archive-tokens").appendingPathComponent("token").path
        let roots = prefix + ".roots.pem"
        let tsas = prefix + ".tsas.pem"
        for (path, files) in [(roots, pkis.map(\.rootPath)), (tsas, pkis.map(\.tsa.certificatePath))] {
            let pem = try files.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
            try pem.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let run = try Peers.run("python3", [Self.script, signature, content, prefix])
        try #require(run.status == 0, "\(run.combined)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let tokens = try #require(json["tokens"] as? [[String: Any]])
        #expect(tokens.count == count, "\(run.stdout)")
        for token in tokens {
            #expect(token["index_in_signature"] as? Bool == true, "\(token)")
            #expect(token["index_matches"] as? Bool == true, "\(token)")
            let check = try Peers.run(
                "openssl",
                [
                    "ts", "-verify", "-digest", token["imprint"] as? String ?? "", "-in",
                    token["file"] as? String ?? "",
                    "-token_in", "-CAfile", roots, "-untrusted", tsas,
                ])
            #expect(check.status == 0 && check.stdout.contains("Verification: OK"), "\(check.combined)")
        }
    }

    @Test("sign --detached --level B-LTA: openssl and an independent imprint agree; esign says B-LTA offline, later")
    func signedBLTA() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-cades-lta")
        let file = try write(dir, "công văn 15.xml", "<vanban so=\"15/CV-UBND\" ngay=\"2026-11-30\"/>\n")
        let (p12, passwordFile) = try ltv.identity()
        let run = try Peers.esign([
            "sign", file, "--detached", "--cades", "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL,
            "--level", "B-LTA",
        ])
        try #require(run.status == 0, "\(run.combined)")
        #expect(run.stdout.contains("CAdES B-LTA"))
        let signature = file + ".p7s"
        let cms = try Peers.run(
            "openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", signature, "-content", file, "-CAfile",
                ltv.pki.rootPath, "-purpose", "any", "-out", "/dev/null",
            ])
        #expect(cms.status == 0, "\(cms.combined)")
        try checkIndependently(signature, content: file, pkis: [ltv.pki], count: 1)

        ltv.goOffline()
        let report = try verify(file, signature, trust: [ltv.pki.rootPath], at: Self.later)
        #expect(report["indication"] as? String == "TOTAL-PASSED", "\(report)")
        #expect(level(report) == "B-LTA", "\(report)")
        #expect((report["archive_protected_until"] as? String) != nil, "\(report)")
    }

    @Test("ltv extend raises a B-T .p7s to B-LTA; ltv renew adds a second archive timestamp the first survives")
    func extendAndRenew() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let (shortPKI, shortTSA) = try LongTermPKI.shortLivedTSA()
        defer { shortTSA.stop() }
        let dir = Fixtures.temporaryDirectory("esign-cades-renew")
        let archive = dir.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        let expiring = try write(archive, "expiring.docx", "tờ trình số 7\n")
        let lasting = try write(archive, "lasting.docx", "quyết định số 9\n")
        let (p12, passwordFile) = try ltv.identity()
        for file in [expiring, lasting] {
            let bt = try Peers.esign([
                "sign", file, "--detached", "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL,
                "-o", file + ".bt.p7s",
            ])
            try #require(bt.status == 0, "\(bt.combined)")
        }
        // Without --content the signed file is the name without .p7s; here it is given.
        let extendShort = try Peers.esign([
            "ltv", "extend", expiring + ".bt.p7s", "--content", expiring, "--tsa", shortTSA.url, "-o",
            expiring + ".p7s",
        ])
        #expect(extendShort.status == 0 && extendShort.stdout.contains("CAdES B-LTA"), "\(extendShort.combined)")
        let extendLong = try Peers.esign([
            "ltv", "extend", lasting + ".bt.p7s", "--content", lasting, "--tsa", ltv.tsaURL, "-o", lasting + ".p7s",
        ])
        #expect(extendLong.status == 0, "\(extendLong.combined)")
        for file in [expiring, lasting] { try FileManager.default.removeItem(atPath: file + ".bt.p7s") }
        let trust = [ltv.pki.rootPath, shortPKI.rootPath]
        let wrongContent = try Peers.esign([
            "ltv", "extend", lasting + ".p7s", "--content", expiring, "--tsa", ltv.tsaURL, "-o",
            dir.appendingPathComponent("wrong.p7s").path,
        ])
        #expect(
            wrongContent.status == 65 && wrongContent.stderr.contains("not a signature of the file"),
            "\(wrongContent.combined)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("wrong.p7s").path))

        let lastingBefore = try Data(contentsOf: URL(fileURLWithPath: lasting + ".p7s"))
        let renew = try Peers.esign(
            ["ltv", "renew", archive.path, "--tsa", ltv.tsaURL, "--within", "1y", "--in-place", "--json"]
                + trust.flatMap { ["--trust", $0] })
        #expect(renew.status == 0, "\(renew.combined)")
        #expect(renew.stdout.contains("\"renewed\":1") && renew.stdout.contains("\"skipped\":1"), "\(renew.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: lasting + ".p7s")) == lastingBefore)
        let again = try Peers.esign(
            ["ltv", "renew", archive.path, "--tsa", ltv.tsaURL, "--within", "1y", "--in-place", "--json"]
                + trust.flatMap { ["--trust", $0] })
        #expect(again.stdout.contains("\"renewed\":0") && again.stdout.contains("\"skipped\":2"), "\(again.stdout)")
        try checkIndependently(expiring + ".p7s", content: expiring, pkis: [ltv.pki, shortPKI], count: 2)

        ltv.goOffline()
        let report = try verify(expiring, expiring + ".p7s", trust: trust, at: Self.later)
        #expect(report["indication"] as? String == "TOTAL-PASSED", "\(report)")
        #expect(level(report) == "B-LTA")
        let checks = ((report["signatures"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]]) ?? []
        let archiveChecks = checks.filter { ($0["name"] as? String ?? "").hasPrefix("archive timestamp") }
        #expect(
            archiveChecks.count == 2 && archiveChecks.allSatisfy { $0["outcome"] as? String == "passed" }, "\(checks)")
        #expect(
            (report["archive_protected_until"] as? String)?.hasPrefix(String(LongTermPKI.daysAhead(3000).prefix(4)))
                == true, "\(report)")
    }

    @Test("Every change to what an archive timestamp covers is caught; additions after it are not")
    func tamperingIsCaught() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-cades-tamper")
        let file = try write(dir, "quyet-dinh.txt", "Quyết định số 42/QĐ-UBND\n")
        let other = try write(dir, "other.txt", "Quyết định số 43/QĐ-UBND\n")
        let (p12, passwordFile) = try ltv.identity()
        for input in [file, other] {
            let run = try Peers.esign([
                "sign", input, "--detached", "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL,
                "--level", "B-LTA",
            ])
            try #require(run.status == 0, "\(run.combined)")
        }
        ltv.goOffline()
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file + ".p7s")))
        let archived = try SignedDataStructure(der: original)
        let signer = archived.signers[0]
        let atsType = ArchiveTimestampV3.idArchiveTimestampV3
        let atsPosition = try #require(
            signer.unsignedAttributes.firstIndex { $0.firstRange(of: DER.oid(atsType)) != nil })
        let foreign = try SignedDataStructure(der: [UInt8](try Data(contentsOf: URL(fileURLWithPath: other + ".p7s"))))
        let strangerPEM = try Data(contentsOf: URL(fileURLWithPath: ltv.pki.signers["commune-seal"]!.certificatePath))
        let stranger = try #require(try Certificate.load([UInt8](strangerPEM)).first)

        func flip(_ bytes: [UInt8]) -> [UInt8] {
            var copy = bytes
            copy[copy.count - 3] ^= 0x01
            return copy
        }
        // The classes of change, each applied to every element it can touch.
        // Each case and the verdict it must get: without the signer's certificate nothing can be
        // checked (INDETERMINATE); any other change is a failure.
        var cases: [(String, SignedDataStructure, String)] = []
        let signerPEM = try Data(
            contentsOf: URL(fileURLWithPath: ltv.pki.signers["province-official"]!.certificatePath))
        let signerDER = try #require(try Certificate.load([UInt8](signerPEM)).first).der
        for i in archived.certificates.indices {
            let expected = archived.certificates[i] == signerDER ? "INDETERMINATE" : "TOTAL-FAILED"
            var s = archived
            s.certificates[i] = stranger.der
            cases.append(("certificate \(i + 1) replaced", s, expected))
            s = archived
            s.certificates.remove(at: i)
            cases.append(("certificate \(i + 1) removed", s, expected))
        }
        for i in archived.revocationInfoChoices.indices {
            var s = archived
            s.revocationInfoChoices[i] = flip(s.revocationInfoChoices[i])
            cases.append(("revocation value \(i + 1) altered", s, "TOTAL-FAILED"))
            s = archived
            s.revocationInfoChoices.remove(at: i)
            cases.append(("revocation value \(i + 1) removed", s, "TOTAL-FAILED"))
        }
        for i in 0..<atsPosition {
            var s = archived
            s.signers[0].unsignedAttributes[i] = flip(s.signers[0].unsignedAttributes[i])
            cases.append(("unsigned attribute \(i + 1) altered", s, "TOTAL-FAILED"))
        }
        do {
            // The archive token of another signature, transplanted.
            var s = archived
            let foreignToken = foreign.signers[0].unsignedAttributes.first {
                $0.firstRange(of: DER.oid(atsType)) != nil
            }
            s.signers[0].unsignedAttributes[atsPosition] = try #require(foreignToken)
            cases.append(("archive timestamp of another signature", s, "TOTAL-FAILED"))
        }
        do {
            // A certificate slipped in, and the index recomputed to name it: the TSA signed the old one.
            var s = archived
            s.signers[0].unsignedAttributes.remove(at: atsPosition)
            s.certificates.append(stranger.der)
            let index = try ArchiveTimestampV3.hashIndex(of: s, signer: 0, digest: .sha256)
            let tokenDER = try #require(archived.signers[0].unsignedValues(atsType).first)
            var token = try SignedDataStructure(der: tokenDER)
            token.signers[0].unsignedAttributes = [
                DER.sequence(DER.oid(ArchiveTimestampV3.idATSHashIndexV3), DER.tlv(0x31, index))
            ]
            s.signers[0].unsignedAttributes.insert(
                DER.sequence(DER.oid(atsType), DER.tlv(0x31, token.encoded())), at: atsPosition)
            cases.append(("index recomputed over an added certificate", s, "TOTAL-FAILED"))
        }
        let trust = [ltv.pki.rootPath]
        // The archived signature and its tampered variants seed the fuzzer in CI (.ci/run).
        if let seeds = ProcessInfo.processInfo.environment["ESIGN_VARIANT_SEEDS"] {
            for (n, item) in ([("archived", archived, "")] + cases).enumerated() {
                let seed = URL(fileURLWithPath: seeds).appendingPathComponent("cades-lta-\(n).p7s")
                try Data(item.1.encoded()).write(to: seed)
            }
        }
        for (name, structure, expected) in cases {
            let path = dir.appendingPathComponent("tampered.p7s").path
            try Data(structure.encoded()).write(to: URL(fileURLWithPath: path))
            let report = try verify(file, path, trust: trust)
            #expect(report["indication"] as? String == expected, "\(name): \(report)")
        }
        #expect(cases.count >= 12, "\(cases.count) cases")

        // The content changed.
        let changed = try write(dir, "changed.txt", "Quyết định số 42/QĐ-UBND (sửa)\n")
        #expect(try verify(changed, file + ".p7s", trust: trust)["indication"] as? String == "TOTAL-FAILED")

        // Dropping the archive timestamp is visible as a lower level, not hidden.
        var dropped = archived
        dropped.signers[0].unsignedAttributes.remove(at: atsPosition)
        let droppedPath = dir.appendingPathComponent("dropped.p7s").path
        try Data(dropped.encoded()).write(to: URL(fileURLWithPath: droppedPath))
        let droppedReport = try verify(file, droppedPath, trust: trust)
        #expect(droppedReport["indication"] as? String == "TOTAL-PASSED" && level(droppedReport) == "B-LT")

        // What comes after the archive timestamp (validation data for the next renewal) is allowed.
        var added = archived
        added.certificates.append(stranger.der)
        let addedPath = dir.appendingPathComponent("added.p7s").path
        try Data(added.encoded()).write(to: URL(fileURLWithPath: addedPath))
        let addedReport = try verify(file, addedPath, trust: trust)
        #expect(
            addedReport["indication"] as? String == "TOTAL-PASSED" && level(addedReport) == "B-LTA", "\(addedReport)")
        #expect(archived.encoded() == original, "an untouched structure is written back byte for byte")
    }

    @Test(
        "--level on a .p7s is a promise: a responder that is down refuses it; a non-signature is refused; nothing left")
    func refusals() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-cades-refusals")
        let file = try write(dir, "bao-cao.csv", "don_vi,so_van_ban\n75,120\n")
        let (p12, passwordFile) = try ltv.identity()
        let bt = file + ".bt.p7s"
        let signed = try Peers.esign([
            "sign", file, "--detached", "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL, "-o", bt,
        ])
        try #require(signed.status == 0, "\(signed.combined)")
        ltv.goOffline()
        let started = Date()
        let refused = try Peers.esign([
            "sign", file, "--detached", "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL,
            "--level", "B-LTA",
        ])
        #expect(refused.status == 69 && refused.stderr.contains("refused B-LTA"), "\(refused.combined)")
        // A responder that refuses the connection is known down at once, not after the 10 s limit.
        #expect(refused.stderr.contains("Connection refused") && Date().timeIntervalSince(started) < 5)
        #expect(!FileManager.default.fileExists(atPath: file + ".p7s"))
        let out = dir.appendingPathComponent("out.p7s").path
        let extend = try Peers.esign(["ltv", "extend", bt, "--content", file, "--tsa", ltv.tsaURL, "-o", out])
        #expect(extend.status == 69 && extend.stderr.contains("refused B-LTA"), "\(extend.combined)")
        let notSignature = try write(dir, "bao-cao.csv.fake.p7s", "not a signature")
        let bad = try Peers.esign(["ltv", "extend", notSignature, "--content", file, "--tsa", ltv.tsaURL, "-o", out])
        #expect(bad.status == 65 && bad.stderr.contains("not a CMS signature"), "\(bad.combined)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains("partial") })
    }
}
