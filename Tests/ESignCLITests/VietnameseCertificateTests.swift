import ESign
import ESignTestSupport
import Foundation
import Testing

/// Vietnamese subscriber certificates as Vietnamese CAs write them (the holder's tax code,
/// citizen-ID, old ID card or passport number in the subject's UID, agency names in Vietnamese),
/// made here by the demo issuing CA: `esign verify` shows the holder as a person or an
/// organisation with the identifiers parsed, in text and JSON; malformed ones are shown raw.
@Suite("Vietnamese certificates in the report")
struct VietnameseCertificateTests {
    let pki = Fixtures.pki

    struct Shape: CustomTestStringConvertible, Sendable {
        let name: String
        let subject: [(type: String, value: String)]
        let kind: String
        /// scheme → (value, well formed)
        let identifiers: [String: (String, Bool)]
        let unparsed: [String]
        var testDescription: String { name }
    }

    static let agency = "Ủy ban nhân dân xã Tân Lập"
    static let shapes: [Shape] = [
        Shape(
            name: "official with citizen ID",
            subject: [
                ("C", "VN"), ("ST", "Bình Phước"), ("O", agency), ("title", "Chủ tịch"),
                ("UID", "CCCD:001099012345"), ("CN", "Lê Văn Cường"),
            ], kind: "person", identifiers: ["CCCD": ("001099012345", true)], unparsed: []),
        Shape(
            name: "person with the old ID card",
            subject: [("C", "VN"), ("UID", "CMND:012345678"), ("CN", "Trần Thị Bình")], kind: "person",
            identifiers: ["CMND": ("012345678", true)], unparsed: []),
        Shape(
            name: "person with a passport",
            subject: [("C", "VN"), ("UID", "HC:B1234567"), ("CN", "Phạm Minh Đức")], kind: "person",
            identifiers: ["HC": ("B1234567", true)], unparsed: []),
        Shape(
            name: "agency with its tax code",
            subject: [("C", "VN"), ("L", "Đồng Xoài"), ("O", agency), ("UID", "MST:0101234567"), ("CN", agency)],
            kind: "organization", identifiers: ["MST": ("0101234567", true)], unparsed: []),
        Shape(
            name: "branch with tax code and budget code",
            subject: [
                ("C", "VN"), ("O", "Kho bạc Nhà nước"), ("UID", "MST:0101234567-001"), ("UID", "MNS:1234567"),
                ("CN", "Kho bạc Nhà nước huyện Đồng Phú"),
            ], kind: "organization",
            identifiers: ["MST": ("0101234567-001", true), "MNS": ("1234567", true)], unparsed: []),
        Shape(
            name: "malformed identifiers",
            subject: [
                ("C", "VN"), ("UID", "CCCD:12AB"), ("UID", "không có dấu hai chấm"), ("UID", "ZZZ:42"),
                ("CN", "Hoàng Thị E"),
            ], kind: "person", identifiers: ["CCCD": ("12AB", false)],
            unparsed: ["không có dấu hai chấm", "ZZZ:42"]),
    ]

    /// A signer's certificate of `subject`, issued by the demo CA, as PEM files.
    func certificate(_ subject: [(type: String, value: String)], in dir: URL) throws -> (key: String, cert: String) {
        let key = try PrivateKey.generate(.ec(.p256))
        var builder = CertificateBuilder(subject: subject)
        builder.extensions = [
            ("basicConstraints", "critical,CA:FALSE"), ("keyUsage", "critical,digitalSignature,nonRepudiation"),
            ("subjectKeyIdentifier", "hash"), ("authorityKeyIdentifier", "keyid:always"),
        ]
        let cert = try builder.issue(
            publicKeyOf: key, issuer: pki.issuingCA.certificate, issuerKey: pki.issuingCA.privateKey)
        let keyPath = dir.appendingPathComponent("key.pem").path
        let certPath = dir.appendingPathComponent("cert.pem").path
        try Data(try key.pemPKCS8(password: nil)).write(to: URL(fileURLWithPath: keyPath))
        try Data(cert.pem.utf8).write(to: URL(fileURLWithPath: certPath))
        return (keyPath, certPath)
    }

    @Test("Each shape: the holder, its kind and its identifiers in esign verify's text and JSON", arguments: shapes)
    func shown(_ shape: Shape) throws {
        let dir = Fixtures.temporaryDirectory("vn-cert")
        let (key, cert) = try certificate(shape.subject, in: dir)
        let output = dir.appendingPathComponent("signed.pdf").path
        let signed = try Peers.esign([
            "sign", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o", output, "--key", key, "--cert",
            cert, "--chain", pki.chainPath,
        ])
        try #require(signed.status == 0, "\(signed.combined)")
        let json = try Peers.esign(["verify", output, "--trust", pki.rootPath, "--json"])
        #expect(json.status == 0, "\(json.combined)")
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let signature = (report?["signatures"] as? [[String: Any]])?.first
        let holder = try #require((signature?["signer"] as? [String: Any])?["holder"] as? [String: Any])
        #expect(holder["kind"] as? String == shape.kind)
        #expect(holder["name"] as? String == shape.subject.last?.value)
        let identifiers = holder["identifiers"] as? [[String: Any]] ?? []
        #expect(identifiers.count == shape.identifiers.count, "\(holder)")
        for identifier in identifiers {
            let scheme = identifier["scheme"] as? String ?? ""
            let expected = shape.identifiers[scheme]
            #expect(identifier["value"] as? String == expected?.0, "\(scheme): \(identifier)")
            #expect(identifier["well_formed"] as? Bool == expected?.1, "\(scheme): \(identifier)")
            #expect((identifier["label"] as? String)?.isEmpty == false)
        }
        #expect(holder["unparsed"] as? [String] == shape.unparsed)

        let text = try Peers.esign(["verify", output, "--trust", pki.rootPath])
        let line = text.stdout.split(separator: "\n").first { $0.contains("holder ") }.map(String.init) ?? ""
        #expect(line.contains(shape.kind), "\(text.stdout)")
        for (scheme, (value, _)) in shape.identifiers { #expect(line.contains("\(scheme) \(value)"), "\(line)") }
        for raw in shape.unparsed { #expect(line.contains(raw), "\(line)") }
    }

    @Test("A UID that is not UTF-8: the certificate is refused with OpenSSL's reason, never a crash")
    func undecodableUID() throws {
        let dir = Fixtures.temporaryDirectory("vn-cert-raw")
        let (_, certPath) = try certificate([("C", "VN"), ("UID", "CCCD:0010990123"), ("CN", "Võ Văn F")], in: dir)
        var der = try Certificate.load(Array(try Data(contentsOf: URL(fileURLWithPath: certPath))))[0].der
        let value = Array("CCCD:0010990123".utf8)
        let at = try #require(der.firstRange(of: [0x0C, UInt8(value.count)] + value))
        der[at.lowerBound + 2 + 5] = 0xFF
        der[at.lowerBound + 2 + 6] = 0xFE
        #expect {
            _ = try Certificate(der: der)
        } throws: { error in
            "\(error)".contains("invalid utf8string")
        }
        // Through the command line: a clear error and exit 77 (a certificate esign cannot read).
        let bad = dir.appendingPathComponent("bad.pem").path
        try Data(Certificate.pemText(der: der).utf8).write(to: URL(fileURLWithPath: bad))
        let run = try Peers.esign([
            "sign", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o",
            dir.appendingPathComponent("x.pdf").path, "--key", dir.appendingPathComponent("key.pem").path, "--cert",
            bad,
        ])
        #expect(run.status == 77 && run.stderr.contains("holds no certificate esign can read"), "\(run.combined)")
    }
}

extension Certificate {
    /// PEM of DER that may not parse (a test's malformed certificate).
    static func pemText(der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----\n"
    }
}
