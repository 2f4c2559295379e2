import ESign
import ESignTestSupport
import Foundation
import Testing

/// XAdES B-LT and B-LTA made and checked for real: the archive timestamp's imprint recomputed
/// from ETSI EN 319 132-1 by a script that shares nothing with esign (lxml's C14N and hashlib),
/// the TSA's token checked by `openssl ts -verify` against it, signxml still accepting the
/// signature; esign's verdict offline three days after the signer's certificate expired; every
/// change to what an archive timestamp covers caught, additions after it allowed.
@Suite("XAdES long-term signatures (B-LT, B-LTA)", .serialized)
struct XAdESLongTermTests {
    /// The signers' certificates expire in two days: five days ahead is three days after.
    static let afterExpiry = LongTermPKI.daysAhead(5)
    static var peers: String { Fixtures.packageRoot.appendingPathComponent("scripts/xml-peers.py").path }

    func write(_ dir: URL, _ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// esign's report on `file`, offline at `time`, as JSON.
    func verify(_ file: String, trust: [String], at time: String = afterExpiry) throws -> [String: Any] {
        let run = try Peers.esign(
            ["verify", file, "--offline", "--json", "--at", time] + trust.flatMap { ["--trust", $0] })
        return (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]) ?? [
            "error": run.combined
        ]
    }

    func signatures(_ report: [String: Any]) -> [[String: Any]] { report["signatures"] as? [[String: Any]] ?? [] }

    /// Every archive token of `file`: the imprint lxml and hashlib compute must be what the TSA signed.
    func checkIndependently(_ file: String, content: String? = nil, pkis: [DemoPKI], count: Int) throws {
        let prefix = Fixtures.temporaryDirectory("xades-archive-tokens").appendingPathComponent("token").path
        let roots = prefix + ".roots.pem"
        let tsas = prefix + ".tsas.pem"
        for (path, files) in [(roots, pkis.map(\.rootPath)), (tsas, pkis.map(\.tsa.certificatePath))] {
            let pem = try files.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
            try pem.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let run = try Peers.run(
            "python3", [Self.peers, "archive-imprint", file, prefix] + (content.map { ["--content", $0] } ?? []))
        try #require(run.status == 0, "\(run.combined)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let tokens = try #require(json["tokens"] as? [[String: Any]])
        #expect(tokens.count == count, "\(run.stdout)")
        for token in tokens {
            let check = try Peers.run(
                "openssl",
                [
                    "ts", "-verify", "-digest", token["imprint"] as? String ?? "", "-in",
                    token["file"] as? String ?? "", "-token_in", "-CAfile", roots, "-untrusted", tsas,
                ])
            #expect(check.status == 0 && check.stdout.contains("Verification: OK"), "\(file): \(check.combined)")
        }
    }

    static let document = """
        <?xml version="1.0" encoding="UTF-8"?>
        <HoSo xmlns="urn:vn:gov:hoso" Ma="H25.44-2026-0042">
          <TieuDe>Hồ sơ lưu trữ vĩnh viễn</TieuDe>
          <VanBan So="42/QĐ-UBND">Quyết định phê duyệt quy hoạch</VanBan>
        </HoSo>

        """

    @Test(
        "sign --level B-LTA: lxml's imprint, openssl ts and signxml agree; B-LTA offline 3 days after expiry",
        arguments: ["enveloped", "enveloping", "detached"])
    func signedBLTA(_ packaging: String) throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("xades-lta-\(packaging)")
        let input = try write(dir, "hồ sơ 42.xml", Self.document)
        let output = packaging == "detached" ? input + ".xades.xml" : dir.appendingPathComponent("lta.xml").path
        let (p12, passwordFile) = try ltv.identity()
        let run = try Peers.esign(
            ["sign", input, "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL, "--level", "B-LTA"]
                + (packaging == "enveloped" ? [] : ["--\(packaging)"])
                + (packaging == "detached" ? [] : ["-o", output]))
        try #require(run.status == 0, "\(run.combined)")
        #expect(run.stdout.contains("XAdES B-LTA"), "\(run.stdout)")
        let xml = try String(contentsOfFile: output, encoding: .utf8)
        for element in ["xades:CertificateValues", "xades:EncapsulatedOCSPValue", "xades141:ArchiveTimeStamp"] {
            #expect(xml.contains("<\(element)"), "\(element) missing")
        }
        let content = packaging == "detached" ? input : nil
        try checkIndependently(output, content: content, pkis: [ltv.pki], count: 1)
        let signxml = try Peers.run(
            "python3",
            [Self.peers, "signxml-verify", output, ltv.pki.rootPath] + (content.map { ["--content", $0] } ?? []))
        #expect(signxml.status == 0, "\(signxml.combined)")

        ltv.goOffline()
        let report = try verify(output, trust: [ltv.pki.rootPath])
        #expect(report["indication"] as? String == "TOTAL-PASSED", "\(report)")
        #expect(signatures(report).first?["level"] as? String == "B-LTA", "\(report)")
        #expect(report["archive_protected_until"] as? String != nil, "\(report)")
        // Without the embedded material the same moment is not provable offline.
        let bt = dir.appendingPathComponent("bt.xml").path
        if packaging == "enveloped" {
            let plain = try Peers.esign(["sign", input, "--p12", p12, "--password-file", passwordFile, "-o", bt])
            try #require(plain.status == 0, "\(plain.combined)")
            #expect(try verify(bt, trust: [ltv.pki.rootPath])["indication"] as? String != "TOTAL-PASSED")
        }
    }

    @Test("ltv extend raises esign's B-T and signxml's B-B XAdES to B-LTA; ltv renew adds an archive timestamp")
    func extendAndRenew() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let (shortPKI, shortTSA) = try LongTermPKI.shortLivedTSA()
        defer { shortTSA.stop() }
        let dir = Fixtures.temporaryDirectory("xades-renew")
        let archive = dir.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        let input = try write(dir, "hoso.xml", Self.document)
        let (p12, passwordFile) = try ltv.identity()
        let esignBT = dir.appendingPathComponent("esign-bt.xml").path
        let made = try Peers.esign([
            "sign", input, "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL, "-o", esignBT,
        ])
        try #require(made.status == 0, "\(made.combined)")
        let official = ltv.pki.signers["province-official"]!
        let signxmlBB = dir.appendingPathComponent("signxml-bb.xml").path
        let other = try Peers.run(
            "python3",
            [
                Self.peers, "signxml-sign", input, signxmlBB, official.keyPath, official.certificatePath, "--chain",
                ltv.pki.chainPath, "--password-file", ltv.pki.passwordPath,
            ])
        try #require(other.status == 0, "\(other.combined)")
        let expiring = archive.appendingPathComponent("expiring.xml").path
        let lasting = archive.appendingPathComponent("lasting.xml").path
        let short = try Peers.esign(["ltv", "extend", esignBT, "--tsa", shortTSA.url, "-o", expiring])
        #expect(short.status == 0 && short.stdout.contains("XAdES B-LTA"), "\(short.combined)")
        let long = try Peers.esign(["ltv", "extend", signxmlBB, "--tsa", ltv.tsaURL, "-o", lasting])
        #expect(long.status == 0, "\(long.combined)")
        let signxml = try Peers.run("python3", [Self.peers, "signxml-verify", lasting, ltv.pki.rootPath])
        #expect(signxml.status == 0, "\(signxml.combined)")
        let unsigned = try write(archive, "unsigned.xml", "<ghi-chu/>\n")
        let trust = [ltv.pki.rootPath, shortPKI.rootPath]

        let lastingBefore = try Data(contentsOf: URL(fileURLWithPath: lasting))
        let renew = try Peers.esign(
            ["ltv", "renew", archive.path, "--tsa", ltv.tsaURL, "--within", "1y", "--in-place", "--json"]
                + trust.flatMap { ["--trust", $0] })
        #expect(renew.status == 0, "\(renew.combined)")
        #expect(renew.stdout.contains("\"renewed\":1") && renew.stdout.contains("\"skipped\":2"), "\(renew.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: lasting)) == lastingBefore)
        #expect(try String(contentsOfFile: unsigned, encoding: .utf8) == "<ghi-chu/>\n")
        let again = try Peers.esign(
            ["ltv", "renew", archive.path, "--tsa", ltv.tsaURL, "--within", "1y", "--in-place", "--json"]
                + trust.flatMap { ["--trust", $0] })
        #expect(again.stdout.contains("\"renewed\":0") && again.stdout.contains("\"skipped\":3"), "\(again.stdout)")
        try checkIndependently(expiring, pkis: [ltv.pki, shortPKI], count: 2)
        try checkIndependently(lasting, pkis: [ltv.pki], count: 1)

        ltv.goOffline()
        for file in [expiring, lasting] {
            let report = try verify(file, trust: trust)
            #expect(report["indication"] as? String == "TOTAL-PASSED", "\(file): \(report)")
            #expect(signatures(report).first?["level"] as? String == "B-LTA", "\(file): \(report)")
        }
        let checks = signatures(try verify(expiring, trust: trust)).first?["checks"] as? [[String: Any]] ?? []
        let archiveChecks = checks.filter { ($0["name"] as? String ?? "").hasPrefix("archive timestamp") }
        #expect(
            archiveChecks.count == 2 && archiveChecks.allSatisfy { $0["outcome"] as? String == "passed" }, "\(checks)")
        let plainXML = try Peers.esign(["ltv", "extend", unsigned, "--tsa", ltv.tsaURL, "-o", unsigned + ".lta.xml"])
        #expect(plainXML.status == 65 && plainXML.stderr.contains("no XAdES signature"), "\(plainXML.combined)")
    }

    /// Each way of changing what the archive timestamp covers: a character of every encapsulated
    /// value before it, each property before it removed, the signed document edited.
    static func tamperings(_ xml: String) -> [(String, String)] {
        var cases: [(String, String)] = []
        let atsStart = xml.range(of: "<xades141:ArchiveTimeStamp")!.lowerBound
        for tag in [
            "xades:EncapsulatedX509Certificate", "xades:EncapsulatedOCSPValue", "xades:EncapsulatedCRLValue",
            "xades:EncapsulatedTimeStamp", "ds:SignatureValue",
        ] {
            var searchFrom = xml.startIndex
            var n = 0
            while let open = xml.range(of: "<\(tag)", range: searchFrom..<atsStart) {
                let valueStart = xml.range(of: ">", range: open.upperBound..<xml.endIndex)!.upperBound
                let target = xml.index(valueStart, offsetBy: 60)
                let replacement: Character = xml[target] == "Q" ? "R" : "Q"
                cases.append(("\(tag) \(n)", xml.replacingCharacters(in: target...target, with: String(replacement))))
                searchFrom = valueStart
                n += 1
            }
        }
        for element in ["xades:CertificateValues", "xades:RevocationValues", "xades:SignatureTimeStamp"] {
            guard let open = xml.range(of: "<\(element) "), open.lowerBound < atsStart,
                let close = xml.range(of: "</\(element)>", range: open.upperBound..<xml.endIndex)
            else { continue }
            cases.append(
                ("\(element) removed", xml.replacingCharacters(in: open.lowerBound..<close.upperBound, with: "")))
        }
        cases.append(("document edited", xml.replacingOccurrences(of: "vĩnh viễn", with: "có thời hạn")))
        return cases
    }

    @Test("Every change to what the archive timestamp covers is TOTAL-FAILED; additions after it are not")
    func tamperingIsCaught() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("xades-lta-tamper")
        let input = try write(dir, "hoso.xml", Self.document)
        let signed = dir.appendingPathComponent("lta.xml").path
        let (p12, passwordFile) = try ltv.identity()
        let run = try Peers.esign([
            "sign", input, "--p12", p12, "--password-file", passwordFile, "--tsa", ltv.tsaURL, "--level", "B-LTA",
            "-o", signed,
        ])
        try #require(run.status == 0, "\(run.combined)")
        ltv.goOffline()
        let xml = try String(contentsOfFile: signed, encoding: .utf8)
        let cases = Self.tamperings(xml)
        #expect(cases.count >= 10, "\(cases.map(\.0))")
        var paths: [String] = []
        for (index, (_, text)) in cases.enumerated() {
            let path = dir.appendingPathComponent("tampered-\(index).xml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let verified = try Peers.esign(
            ["verify", "--offline", "--json", "--at", Self.afterExpiry, "--trust", ltv.pki.rootPath] + paths)
        let lines = verified.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == cases.count, "\(verified.combined)")
        for (line, (name, _)) in zip(lines, cases) {
            #expect(line.contains("\"indication\":\"TOTAL-FAILED\""), "\(name): \(line)")
        }
        // Material added after the archive timestamp is not what it covered.
        let certificates = try #require(xml.range(of: "<xades:CertificateValues "))
        let end = try #require(xml.range(of: "</xades:CertificateValues>"))
        let copy = String(xml[certificates.lowerBound..<end.upperBound])
            .replacingOccurrences(of: "-certs\"", with: "-certs-again\"")
        let added = xml.replacingOccurrences(
            of: "</xades:UnsignedSignatureProperties>",
            with: "<xades141:TimeStampValidationData xmlns:xades141=\"\(XMLDSig.xades141)\">\(copy)"
                + "</xades141:TimeStampValidationData></xades:UnsignedSignatureProperties>")
        let addedPath = dir.appendingPathComponent("added.xml").path
        try added.write(toFile: addedPath, atomically: true, encoding: .utf8)
        let report = try verify(addedPath, trust: [ltv.pki.rootPath])
        #expect(report["indication"] as? String == "TOTAL-PASSED", "\(report)")
        #expect(signatures(report).first?["level"] as? String == "B-LTA", "\(report)")
    }
}
