import ESign
import ESignTestSupport
import Foundation
import Testing

/// RSASSA-PSS and SHA-3, as Vietnam's requirements for signing software ask: esign's PSS
/// signatures (PDF, .p7s, a SoftHSM token, esign's TSA) checked by pyHanko, pdfsig, `openssl cms`
/// and `openssl ts`; pyHanko's PSS signatures verified by esign; and every class of tampering with
/// the PSS parameters TOTAL-FAILED with its reason.
@Suite("RSASSA-PSS and SHA-3")
struct RSAPSSTests {
    let pki = Fixtures.pki

    func sample(_ name: String) -> String { Fixtures.samples.appendingPathComponent(name).path }

    func sign(_ input: String, _ output: String, _ extra: [String], signer: String = "province-official") throws {
        let run = try Peers.esign(
            [
                "sign", input, "-o", output, "--p12", pki.signers[signer]!.pkcs12Path, "--password-file",
                pki.passwordPath,
            ]
                + extra)
        try #require(run.status == 0, "\(run.combined)")
    }

    @Test(
        "PAdES with RSASSA-PSS: valid in esign, pyHanko and pdfsig; the CMS carries explicit PSS parameters",
        arguments: ["sha256", "sha384", "sha512", "sha3-256"])
    func pades(_ digest: String) throws {
        let dir = Fixtures.temporaryDirectory("pss-pades")
        let output = dir.appendingPathComponent("signed.pdf").path
        try sign(sample("decision.pdf"), output, ["--rsa-pss", "--digest", digest])
        let verify = try Peers.esign(["verify", output, "--trust", pki.rootPath, "--json"])
        #expect(verify.status == 0 && verify.stdout.contains("TOTAL-PASSED"), "\(verify.combined)")
        let hash = digest.uppercased()
        let salt = digest.hasSuffix("384") ? 48 : digest.hasSuffix("512") ? 64 : 32
        #expect(verify.stdout.contains("RSASSA-PSS (\(hash), MGF1 \(hash), salt \(salt))"), "\(verify.stdout)")
        let pyhanko = try Peers.pyhankoValidate(output, trust: pki.rootPath)
        #expect(pyhanko.stdout.contains("INTACT:TRUSTED,UNTOUCHED"), "\(pyhanko.combined)")
        #expect(try Peers.qpdfCheck(output).status == 0)
        // poppler verifies PSS with SHA-2; Debian 12's poppler (22.12) knows no SHA-3 digest and says so,
        // as the README warns (PDF allows SHA-3 since ISO/TS 32001; pyHanko reads it).
        let pdfsig = try Peers.pdfsig(output)
        if digest.hasPrefix("sha3") {
            #expect(pdfsig.combined.contains("Signature is Valid") || pdfsig.combined.contains("Unrecognized Hash ID"))
        } else {
            #expect(pdfsig.stdout.contains("Signature Validation: Signature is Valid."), "\(pdfsig.combined)")
        }
        // The parameters, read by OpenSSL's ASN.1 printer, which shares nothing with esign's encoder.
        let cms = dir.appendingPathComponent("cms.der").path
        try Data(try PSSFixtures.contents(ofPDF: output)).write(to: URL(fileURLWithPath: cms))
        let printed = try Peers.run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", cms]).stdout
        #expect(printed.contains("rsassaPss") && printed.contains("mgf1"), "\(printed)")
    }

    @Test("CAdES with RSASSA-PSS and SHA-3: openssl cms -verify accepts the .p7s", arguments: ["sha256", "sha3-512"])
    func cades(_ digest: String) throws {
        let dir = Fixtures.temporaryDirectory("pss-cades")
        let note = dir.appendingPathComponent("bien-ban.txt").path
        try "Biên bản họp\n".write(toFile: note, atomically: true, encoding: .utf8)
        let p7s = note + ".p7s"
        try sign(note, p7s, ["--detached", "--rsa-pss", "--digest", digest], signer: "commune-official")
        let verify = try Peers.run(
            "openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s, "-content", note, "-CAfile", pki.rootPath,
                "-purpose", "any", "-out", "/dev/null",
            ])
        #expect(verify.status == 0 && verify.combined.contains("Verification successful"), "\(verify.combined)")
        let esign = try Peers.esign(["verify", note, "--signature", p7s, "--trust", pki.rootPath])
        #expect(esign.status == 0 && esign.stdout.contains("RSASSA-PSS"), "\(esign.combined)")
    }

    @Test("pyHanko's RSASSA-PSS signatures verify in esign; an edit after signing is TOTAL-FAILED")
    func pyHankoPSS() throws {
        let dir = Fixtures.temporaryDirectory("pss-pyhanko")
        let output = dir.appendingPathComponent("pyhanko-pss.pdf").path
        let script = """
            import sys
            from pyhanko.sign import signers
            from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
            source, target, p12, password = sys.argv[1:5]
            signer = signers.SimpleSigner.load_pkcs12(
                p12, passphrase=open(password, 'rb').read().strip(), prefer_pss=True)
            with open(source, 'rb') as f, open(target, 'wb') as out:
                signers.sign_pdf(
                    IncrementalPdfFileWriter(f), signers.PdfSignatureMetadata(field_name='Sig1'),
                    signer=signer, output=out)
            """
        let run = try Peers.run(
            "python3",
            [
                "-c", script, sample("notice.pdf"), output, pki.signers["district-official"]!.pkcs12Path,
                pki.passwordPath,
            ])
        try #require(run.status == 0, "\(run.combined)")
        let verify = try Peers.esign(["verify", output, "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains("RSASSA-PSS"), "\(verify.combined)")
        var edited = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
        let at = try #require(
            edited.firstRange(of: Array("/Type /Page".utf8))?.lowerBound
                ?? edited.firstRange(of: Array("/Type/Page".utf8))?.lowerBound)
        edited[at + 1] = UInt8(ascii: "t")
        let tampered = dir.appendingPathComponent("edited.pdf").path
        try Data(edited).write(to: URL(fileURLWithPath: tampered))
        let failed = try Peers.esign(["verify", tampered, "--trust", pki.rootPath])
        #expect(failed.status != 0 && failed.stdout.contains("TOTAL-FAILED"), "\(failed.combined)")
    }

    @Test("Tampered RSASSA-PSS parameters, in every field, are TOTAL-FAILED with the reason")
    func tamperedParameters() throws {
        let dir = Fixtures.temporaryDirectory("pss-tampered")
        let note = dir.appendingPathComponent("note.txt").path
        try "Thông báo\n".write(toFile: note, atomically: true, encoding: .utf8)
        let p7s = note + ".p7s"
        try sign(note, p7s, ["--detached", "--rsa-pss"])
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: p7s)))
        let variants = PSSFixtures.tamperings(of: original)
        #expect(variants.count == PSSFixtures.tamperingClasses, "every class of tampering found its field")
        for variant in variants {
            let path = dir.appendingPathComponent("\(variant.name).p7s").path
            try Data(variant.bytes).write(to: URL(fileURLWithPath: path))
            let run = try Peers.esign(["verify", note, "--signature", path, "--trust", pki.rootPath, "--json"])
            #expect(run.status != 0 && run.stdout.contains("TOTAL-FAILED"), "\(variant.name): \(run.combined)")
            #expect(run.stdout.contains(variant.reason), "\(variant.name): \(run.stdout)")
        }
        // The same in a PDF: a salt length changed inside /Contents.
        let pdf = dir.appendingPathComponent("signed.pdf").path
        try sign(sample("notice.pdf"), pdf, ["--rsa-pss"])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: pdf)))
        var parameters = PSSParameters(digest: .sha256)
        let written = PSSFixtures.hex(parameters.der)
        let at = try #require(
            bytes.firstRange(of: Array(written.utf8)) ?? bytes.firstRange(of: Array(written.uppercased().utf8)))
        parameters.saltLength = 20
        var tampered = bytes
        tampered.replaceSubrange(at, with: Array(PSSFixtures.hex(parameters.der).utf8))
        let path = dir.appendingPathComponent("salt.pdf").path
        try Data(tampered).write(to: URL(fileURLWithPath: path))
        let run = try Peers.esign(["verify", path, "--trust", pki.rootPath])
        let refused = run.stdout.contains("TOTAL-FAILED") && run.stdout.contains("RSASSA-PSS")
        #expect(run.status != 0 && refused, "\(run.stdout)")
    }

    @Test(
        "esign's TSA with --rsa-pss: openssl cms verifies its PSS tokens, openssl ts shows the imprint, pyHanko accepts"
    )
    func timestampAuthority() throws {
        var options = DemoPKI.Options()
        options.tsaKey = .rsa(bits: 2048)
        let dir = Fixtures.temporaryDirectory("pss-tsa")
        let rsaPKI = try DemoPKI.create(in: dir.appendingPathComponent("pki").path, options: options)
        let server = try LoopbackServer(
            try Peers.esignBinary(),
            [
                "tsa", "serve", "--port", "{port}", "--p12", rsaPKI.tsa.pkcs12Path, "--password-file",
                rsaPKI.passwordPath, "--db", dir.appendingPathComponent("audit.jsonl").path, "--log-level", "warning",
                "--rsa-pss",
            ])
        defer { server.stop() }
        let data = dir.appendingPathComponent("data.txt").path
        try "Hồ sơ\n".write(toFile: data, atomically: true, encoding: .utf8)
        let query = dir.appendingPathComponent("q.tsq").path
        try #require(
            try Peers.run("openssl", ["ts", "-query", "-data", data, "-sha256", "-cert", "-out", query]).status == 0)
        let reply = dir.appendingPathComponent("r.tsr").path
        let curl = try Peers.run(
            "curl",
            [
                "-s", "-o", reply, "-w", "%{http_code}", "-H", "Content-Type: application/timestamp-query",
                "--data-binary", "@\(query)", server.url + "/",
            ])
        #expect(curl.stdout == "200", "\(curl.combined)")
        // OpenSSL 3.0's `ts -verify` checks the token's signature through PKCS#7, which knows PKCS#1
        // v1.5 only (it fails on any PSS token, whoever made it): its CMS code checks the signature
        // instead, `ts -reply -text` shows the imprint, and `ts -verify` still checks everything
        // else of a PKCS#1 v1.5 token from the same TSA key in TimestampServerTests.
        let token = dir.appendingPathComponent("token.der").path
        _ = try Peers.run("openssl", ["ts", "-reply", "-in", reply, "-token_out", "-out", token])
        let printed = try Peers.run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", token]).stdout
        #expect(printed.contains("rsassaPss"), "the token is signed with PSS: \(printed)")
        let cms = try Peers.run(
            "openssl",
            [
                "cms", "-verify", "-inform", "DER", "-in", token, "-CAfile", rsaPKI.rootPath, "-purpose", "any",
                "-out", "/dev/null",
            ])
        #expect(cms.status == 0 && cms.combined.contains("Verification successful"), "\(cms.combined)")
        let text = try Peers.run("openssl", ["ts", "-reply", "-in", reply, "-text"]).stdout
        let imprint = try Peers.run("openssl", ["dgst", "-sha256", "-r", data]).stdout.prefix(64)
        // "    0000 - 76 61 … f3-e8 …   ascii": the 48 columns of hex after the offset.
        let shown = (text.components(separatedBy: "Message data:").last?.split(separator: "\n").prefix(2) ?? [])
            .map { $0.dropFirst(11).prefix(48).filter { $0.isHexDigit } }.joined()
        #expect(shown.lowercased().contains(imprint), "imprint \(imprint) in \(text)")
        let legacy = try Peers.run(
            "openssl",
            [
                "ts", "-verify", "-data", data, "-in", reply, "-CAfile", rsaPKI.rootPath, "-untrusted",
                rsaPKI.tsa.certificatePath,
            ])
        #expect(legacy.combined.contains("RSA_padding_check_PKCS1_type_1"), "PKCS#7 reads PKCS#1 v1.5 only")

        try signsBT(through: server.url + "/", pki: rsaPKI, in: dir)
    }

    /// A PSS signature timestamped by the TSA at `url`: pyHanko trusts the token, esign sees B-T.
    func signsBT(through url: String, pki: DemoPKI, in dir: URL) throws {
        let signed = dir.appendingPathComponent("bt.pdf").path
        let run = try Peers.esign([
            "sign", sample("decision.pdf"), "-o", signed, "--tsa", url, "--rsa-pss", "--p12",
            pki.signers["province-seal"]!.pkcs12Path, "--password-file", pki.passwordPath,
        ])
        try #require(run.status == 0, "\(run.combined)")
        let pyhanko = try Peers.pyhankoValidate(signed, trust: pki.rootPath)
        #expect(pyhanko.stdout.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "\(pyhanko.combined)")
        let esign = try Peers.esign(["verify", signed, "--trust", pki.rootPath])
        #expect(esign.status == 0 && esign.stdout.contains("PAdES B-T"), "\(esign.combined)")
    }

    /// OpenSSL 3.0's `ts -verify` verifies a PSS token only when the TSA's certificate has an
    /// id-RSASSA-PSS key (its PKCS#7 code pads as the key type says): esign's TSA serves with such
    /// a key, and its tokens pass there.
    @Test("esign's TSA with an id-RSASSA-PSS key: openssl ts -verify accepts its PSS tokens, pyHanko and esign too")
    func timestampAuthorityWithPSSKey() throws {
        let dir = Fixtures.temporaryDirectory("pss-key-tsa")
        let ca = pki.issuingCA
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        try """
        [ext]
        extendedKeyUsage = critical, timeStamping
        keyUsage = critical, digitalSignature
        basicConstraints = CA:FALSE
        """.write(toFile: file("ext.cnf"), atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file("tsa.key")],
            [
                "req", "-new", "-key", file("tsa.key"), "-subj", "/CN=TSA PSS/O=Ban Co yeu Chinh phu/C=VN", "-out",
                file("tsa.csr"),
            ],
            [
                "x509", "-req", "-in", file("tsa.csr"), "-CA", ca.certificatePath, "-CAkey", ca.keyPath, "-passin",
                "file:\(pki.passwordPath)", "-set_serial", "4242", "-days", "30", "-extfile", file("ext.cnf"),
                "-extensions", "ext", "-out", file("tsa.pem"),
            ],
            [
                "pkcs12", "-export", "-inkey", file("tsa.key"), "-in", file("tsa.pem"), "-certfile", ca.certificatePath,
                "-passout", "file:\(pki.passwordPath)", "-out", file("tsa.p12"),
            ],
        ]
        for step in steps {
            let run = try Peers.run("openssl", step)
            try #require(run.status == 0, "openssl \(step[0]): \(run.combined)")
        }
        let certificate = try Peers.run("openssl", ["x509", "-in", file("tsa.pem"), "-noout", "-text"]).stdout
        #expect(certificate.contains("Public Key Algorithm: rsassaPss"), "\(certificate)")
        let server = try LoopbackServer(
            try Peers.esignBinary(),
            [
                "tsa", "serve", "--port", "{port}", "--p12", file("tsa.p12"), "--password-file", pki.passwordPath,
                "--db", file("audit.jsonl"), "--log-level", "warning",
            ])
        defer { server.stop() }
        let data = file("data.txt")
        try "Hồ sơ lưu trữ\n".write(toFile: data, atomically: true, encoding: .utf8)
        try #require(
            try Peers.run("openssl", ["ts", "-query", "-data", data, "-sha256", "-cert", "-out", file("q.tsq")]).status
                == 0)
        let curl = try Peers.run(
            "curl",
            [
                "-s", "-o", file("r.tsr"), "-w", "%{http_code}", "-H", "Content-Type: application/timestamp-query",
                "--data-binary", "@\(file("q.tsq"))", server.url + "/",
            ])
        #expect(curl.stdout == "200", "\(curl.combined)")
        let verified = try Peers.run(
            "openssl",
            [
                "ts", "-verify", "-data", data, "-in", file("r.tsr"), "-CAfile", pki.rootPath, "-untrusted",
                ca.certificatePath,
            ])
        #expect(verified.combined.contains("Verification: OK"), "\(verified.combined)")
        _ = try Peers.run("openssl", ["ts", "-reply", "-in", file("r.tsr"), "-token_out", "-out", file("token.der")])
        let printed = try Peers.run(
            "openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", file("token.der")])
        #expect(printed.stdout.contains("rsassaPss"), "the token is signed with PSS")
        // A changed byte of the data: openssl refuses the token.
        try "Hồ sơ lưu trữ!\n".write(toFile: data, atomically: true, encoding: .utf8)
        let changed = try Peers.run(
            "openssl",
            [
                "ts", "-verify", "-data", data, "-in", file("r.tsr"), "-CAfile", pki.rootPath, "-untrusted",
                ca.certificatePath,
            ])
        #expect(!changed.combined.contains("Verification: OK"), "\(changed.combined)")

        try signsBT(through: server.url + "/", pki: pki, in: dir)
    }
}

/// Tampering with the RSASSA-PSS parameters of a CMS esign made (SHA-256, MGF1 SHA-256, salt 32):
/// each class rewrites one field in place, keeping every DER length, so that only the field's
/// meaning changes.
enum PSSFixtures {
    struct Variant {
        let name: String
        let bytes: [UInt8]
        /// What the report must say.
        let reason: String
    }

    static let sha256 = DER.oid("2.16.840.1.101.3.4.2.1")
    static let tamperingClasses = 6

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The parameters esign writes, found in `cms`, and variants of it.
    static func tamperings(of cms: [UInt8]) -> [Variant] {
        let parameters = PSSParameters(digest: .sha256).der
        guard let at = cms.firstRange(of: parameters) else { return [] }
        func replacing(_ name: String, _ reason: String, _ edit: (inout [UInt8]) -> Void) -> Variant {
            var changed = parameters
            edit(&changed)
            var bytes = cms
            bytes.replaceSubrange(at, with: changed)
            return Variant(name: name, bytes: bytes, reason: reason)
        }
        // Offsets inside SEQUENCE { [0] { sha256 }, [1] { mgf1, { sha256 } }, [2] { INTEGER 32 } }.
        let hashOIDEnd = 2 + 2 + 2 + sha256.count - 1  // last byte of the hash's OID
        let mgfOIDEnd = parameters.count - 5 - sha256.count - 2 - 1
        let mgfHashEnd = parameters.count - 5 - 1
        let saltByte = parameters.count - 1
        return [
            replacing("hash-sha512", "is not the signature's digest algorithm") { $0[hashOIDEnd] = 0x03 },
            replacing("mgf-not-mgf1", "is not MGF1") { $0[mgfOIDEnd] = 0x09 },
            replacing("mgf-hash-sha384", "MGF1 hash") { $0[mgfHashEnd] = 0x02 },
            replacing("salt-short", "too short") { $0[saltByte] = 8 },
            replacing("salt-changed", "does not verify") { $0[saltByte] = 20 },
            replacing("salt-negative", "malformed") { $0[saltByte] = 0x80 },
        ]
    }

    /// The DER in a PDF's last /Contents: the hex between the last /ByteRange's two ranges, to
    /// the length its DER header gives.
    static func contents(ofPDF path: String) throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let text = String(decoding: bytes, as: UTF8.self)
        guard let range = text.range(of: "/ByteRange", options: .backwards) else { return [] }
        let numbers = text[range.upperBound...].drop { $0 == " " || $0 == "[" }.prefix(80)
            .split(whereSeparator: { $0 == " " || $0 == "]" }).prefix(4).compactMap { Int($0) }
        guard numbers.count == 4 else { return [] }
        let hexText = bytes[(numbers[1] + 1)..<(numbers[2] - 1)]
        var der: [UInt8] = []
        var high: UInt8?
        for c in hexText {
            guard let v = UInt8(String(UnicodeScalar(c)), radix: 16) else { continue }
            if let h = high {
                der.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        guard der.count > 4, der[0] == 0x30, der[1] & 0x80 != 0 else { return der }
        let lengthBytes = Int(der[1] & 0x7F)
        let length = der[2..<(2 + lengthBytes)].reduce(0) { $0 << 8 | Int($1) }
        return Array(der.prefix(2 + lengthBytes + length))
    }
}
