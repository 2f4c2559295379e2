import ESign
import ESignTestSupport
import Foundation
import Testing

/// XAdES signatures of XML documents and detached files, checked by the XML security tools nobody
/// here wrote: xmlsec1 (libxmlsec1), xsec-checksig (Apache Santuario C++), signxml's XAdES
/// verifier and PyPI xmlsec (a newer libxmlsec1, with RSASSA-PSS); and their signatures checked
/// by esign.
@Suite("XAdES: XML signatures")
struct XAdESTests {
    let pki = Fixtures.pki

    static let document = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- hồ sơ gửi liên thông -->
        <QuyetDinh xmlns="urn:vn:gov:vanban" xmlns:vb="urn:vn:gov:vanban" So="12/QĐ-UBND">
          <vb:TrichYeu lang="vi">Về việc phê duyệt kế hoạch chuyển đổi số năm 2025</vb:TrichYeu>
          <NoiDung><![CDATA[Điều 1. Phê duyệt <kế hoạch> & tổ chức thực hiện.]]></NoiDung>
          <CoQuan ma="25441">Ủy ban nhân dân xã Tân Tiến</CoQuan>
        </QuyetDinh>

        """

    static var peers: String { Fixtures.packageRoot.appendingPathComponent("scripts/xml-peers.py").path }

    func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func sign(_ input: String, _ output: String, _ extra: [String], signer: String = "province-seal") throws {
        let run = try Peers.esign(
            [
                "sign", input, "-o", output, "--p12", pki.signers[signer]!.pkcs12Path, "--password-file",
                pki.passwordPath,
            ]
                + extra)
        try #require(run.status == 0, "\(run.combined)")
    }

    /// xmlsec1 in the signature's folder (it resolves a detached reference from there).
    func xmlsec1(_ file: String, ids: [String]) throws -> Peers.Output {
        var args = ["--verify", "--trusted-pem", pki.rootPath, "--untrusted-pem", pki.issuingCA.certificatePath]
        for id in ids { args += ["--id-attr:Id", id] }
        let quoted = (args + [(file as NSString).lastPathComponent]).map { "'\($0)'" }.joined(separator: " ")
        let folder = (file as NSString).deletingLastPathComponent
        return try Peers.run("sh", ["-c", "cd '\(folder)' && '\(try Peers.locate("xmlsec1"))' \(quoted)"])
    }

    @Test(
        "enveloped, enveloping and detached XAdES verify in xmlsec1, xsec-checksig, signxml and esign",
        arguments: ["enveloped", "enveloping", "detached"])
    func packagings(_ packaging: String) throws {
        let dir = Fixtures.temporaryDirectory("xades-\(packaging)")
        let input = try write(Self.document, "qd.xml", in: dir)
        let output = dir.appendingPathComponent(packaging == "detached" ? "qd.xml.xades.xml" : "signed.xml").path
        let flags = packaging == "enveloped" ? [] : ["--\(packaging)"]
        try sign(input, output, flags + ["--reason", "Đóng dấu ban hành", "--location", "Đồng Xoài"])
        let xml = try String(contentsOfFile: output, encoding: .utf8)
        #expect(xml.contains("<xades:SigningCertificateV2>") && !xml.contains("<xades:Cert URI"))
        #expect(xml.contains("<xades:MimeType>text/xml</xades:MimeType>"))
        #expect(xml.contains("<xades:City>&#x110;&#x1ED3;ng Xo&#xE0;i</xades:City>"), "\(xml)")
        if packaging == "enveloped" {
            // The author's bytes are kept: the signed file is the input with the signature before the end tag.
            let endTag = try #require(Self.document.range(of: "</QuyetDinh>"))
            #expect(xml.hasPrefix(Self.document[..<endTag.lowerBound]))
            #expect(xml.hasSuffix("</ds:Signature></QuyetDinh>\n"))
        }
        // xmlsec1 exits 0 even when a manifest reference fails: read its counts as well.
        let ids = packaging == "enveloping" ? ["Object", "SignedProperties"] : ["SignedProperties"]
        let xmlsec = try xmlsec1(output, ids: ids)
        #expect(
            xmlsec.status == 0 && xmlsec.combined.contains("SignedInfo References (ok/all): 2/2"), "\(xmlsec.combined)")
        let santuario = try Peers.run(
            "sh", ["-c", "cd '\(dir.path)' && xsec-checksig -x --id Id '\((output as NSString).lastPathComponent)'"])
        #expect(santuario.status == 0 && santuario.stdout.contains("Signature verified OK"), "\(santuario.combined)")
        var signxml = ["signxml-verify", output, pki.rootPath]
        if packaging == "detached" { signxml += ["--content", input] }
        let python = try Peers.run("python3", [Self.peers] + signxml)
        #expect(python.status == 0 && python.stdout.hasPrefix("ok"), "\(python.combined)")
        let verify = try Peers.esign(["verify", output, "--trust", pki.rootPath, "--json"])
        #expect(verify.status == 0, "\(verify.combined)")
        #expect(verify.stdout.contains("\"format\":\"XAdES\"") && verify.stdout.contains("\"level\":\"B-B\""))
    }

    @Test(
        "RSASSA-PSS and ECDSA XAdES: signxml and PyPI xmlsec accept them; esign reports the algorithm",
        arguments: ["pss-sha256", "pss-sha512", "ecdsa"])
    func algorithms(_ kind: String) throws {
        let dir = Fixtures.temporaryDirectory("xades-\(kind)")
        let input = try write(Self.document, "qd.xml", in: dir)
        let output = dir.appendingPathComponent("signed.xml").path
        var options = DemoPKI.Options()
        if kind == "ecdsa" { options.signerKey = .ec(.p256) }
        let keys =
            kind == "ecdsa" ? try DemoPKI.create(in: dir.appendingPathComponent("pki").path, options: options) : pki
        let signer = keys.signers["province-seal"]!
        var extra: [String] = []
        if kind.hasPrefix("pss") { extra = ["--rsa-pss", "--digest", String(kind.dropFirst(4))] }
        let run = try Peers.esign(
            ["sign", input, "-o", output, "--p12", signer.pkcs12Path, "--password-file", keys.passwordPath] + extra)
        try #require(run.status == 0, "\(run.combined)")
        let xml = try String(contentsOfFile: output, encoding: .utf8)
        let method = kind == "ecdsa" ? "xmldsig-more#ecdsa-sha256" : "xmldsig-more#\(kind.dropFirst(4))-rsa-MGF1"
        #expect(xml.contains(method), "\(xml)")
        let signxml = try Peers.run("python3", [Self.peers, "signxml-verify", output, keys.rootPath])
        #expect(signxml.status == 0, "\(signxml.combined)")
        let xmlsec = try Peers.run("python3", [Self.peers, "xmlsec-verify", output, signer.certificatePath])
        #expect(xmlsec.status == 0 && xmlsec.stdout.contains("ok"), "\(xmlsec.combined)")
        let verify = try Peers.esign(["verify", output, "--trust", keys.rootPath])
        #expect(verify.status == 0, "\(verify.combined)")
        #expect(verify.stdout.contains(kind == "ecdsa" ? "ECDSA with SHA256" : "RSASSA-PSS"), "\(verify.stdout)")
    }

    @Test("B-T: the signature timestamp's imprint, recomputed with lxml and hashlib, matches; openssl ts accepts it")
    func signatureTimestamp() throws {
        let dir = Fixtures.temporaryDirectory("xades-bt")
        let input = try write(Self.document, "qd.xml", in: dir)
        let output = dir.appendingPathComponent("signed.xml").path
        let tsa = try OpenSSLTimestampAuthority(pki: pki)
        defer { tsa.server.stop() }
        try sign(input, output, ["--tsa", tsa.url])
        let token = dir.appendingPathComponent("token.der").path
        let imprint = try Peers.run("python3", [Self.peers, "imprint", output, token])
        try #require(imprint.status == 0, "\(imprint.combined)")
        let digest = imprint.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest.count == 64)
        let check = try Peers.run(
            "openssl",
            [
                "ts", "-verify", "-digest", digest, "-in", token, "-token_in", "-CAfile", pki.rootPath, "-untrusted",
                pki.chainPath,
            ])
        #expect(check.combined.contains("Verification: OK"), "\(check.combined)")
        let verify = try Peers.esign(["verify", output, "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains("XAdES B-T"), "\(verify.combined)")
        #expect(verify.stdout.contains("✓ signature timestamp"), "\(verify.stdout)")
    }

    @Test("esign verifies signxml's XAdES and XMLDSig signatures and xmlsec1's XMLDSig signatures")
    func othersSignatures() throws {
        let dir = Fixtures.temporaryDirectory("xades-others")
        let input = try write(Self.document, "qd.xml", in: dir)
        let official = pki.signers["province-official"]!
        for (name, flags) in [("signxml-xades.xml", [String]()), ("signxml-plain.xml", ["--plain"])] {
            let output = dir.appendingPathComponent(name).path
            let made = try Peers.run(
                "python3",
                [
                    Self.peers, "signxml-sign", input, output, official.keyPath, official.certificatePath, "--chain",
                    pki.chainPath, "--password-file", pki.passwordPath,
                ] + flags)
            try #require(made.status == 0, "\(made.combined)")
            let verify = try Peers.esign(["verify", output, "--trust", pki.rootPath, "--json"])
            #expect(verify.status == 0, "\(name): \(verify.combined)")
            #expect(verify.stdout.contains(flags.isEmpty ? "\"format\":\"XAdES\"" : "\"format\":\"XMLDSig\""))
            try expectEditsFail(output, name: name)
        }
        // xmlsec1 signs a template (plain XMLDSig, the certificate in KeyInfo).
        let template = Self.document.replacingOccurrences(
            of: "</QuyetDinh>",
            with: """
                <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>\
                <CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
                <SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>\
                <Reference URI=""><Transforms>\
                <Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>\
                <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>\
                </SignedInfo><SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo>\
                </Signature>\
                </QuyetDinh>
                """)
        let templatePath = try write(template, "template.xml", in: dir)
        let output = dir.appendingPathComponent("xmlsec1.xml").path
        let made = try Peers.run(
            "xmlsec1",
            [
                "--sign", "--pkcs12", official.pkcs12Path, "--pwd",
                try String(
                    contentsOfFile: pki.passwordPath, encoding: .utf8
                ).trimmingCharacters(in: .whitespacesAndNewlines), "--output", output, templatePath,
            ])
        try #require(made.status == 0, "\(made.combined)")
        // xmlsec1 puts the signer's certificate alone in KeyInfo: the chain may not be found, the
        // signature itself must verify.
        let verify = try Peers.esign(["verify", output, "--trust", pki.rootPath])
        #expect(verify.stdout.contains("format      XMLDSig"), "\(verify.combined)")
        #expect(verify.stdout.contains("✓ signature: SignatureValue verifies"), "\(verify.combined)")
        try expectEditsFail(output, name: "xmlsec1")
    }

    @Test(
        "two-step signing of XML: the digest signed elsewhere (openssl pkeyutl) completes a XAdES signature",
        arguments: [false, true])
    func twoStep(_ pss: Bool) throws {
        let dir = Fixtures.temporaryDirectory("xades-two-step")
        let input = try write(Self.document, "qd.xml", in: dir)
        let official = pki.signers["province-official"]!
        var prepare = [
            "sign", input, "--prepare", "--cert", official.certificatePath, "--chain", pki.chainPath, "--json",
        ]
        if pss { prepare.append("--rsa-pss") }
        let prepared = try Peers.esign(prepare)
        try #require(prepared.status == 0, "\(prepared.combined)")
        let state = try #require(
            try JSONSerialization.jsonObject(with: Data(prepared.stdout.utf8)) as? [String: Any])
        let digest = try #require(Data(base64Encoded: state["digest"] as? String ?? ""))
        let digestPath = dir.appendingPathComponent("digest.bin").path
        try digest.write(to: URL(fileURLWithPath: digestPath))
        let signaturePath = dir.appendingPathComponent("signature.bin").path
        var pkeyutl = [
            "pkeyutl", "-sign", "-inkey", official.keyPath, "-passin", "file:\(pki.passwordPath)", "-in", digestPath,
            "-out", signaturePath, "-pkeyopt", "digest:sha256",
        ]
        if pss { pkeyutl += ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:32"] }
        let signed = try Peers.run("openssl", pkeyutl)
        try #require(signed.status == 0, "\(signed.combined)")
        let output = dir.appendingPathComponent("signed.xml").path
        let complete = try Peers.esign(["sign", input, "--complete", signaturePath, "-o", output])
        try #require(complete.status == 0, "\(complete.combined)")
        let verify = try Peers.esign(["verify", output, "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains(pss ? "RSASSA-PSS" : "PKCS#1 v1.5"), "\(verify.combined)")
        let python = try Peers.run("python3", [Self.peers, "signxml-verify", output, pki.rootPath])
        #expect(python.status == 0, "\(python.combined)")
        // Another document with the same state: refused.
        let other = try write(Self.document.replacingOccurrences(of: "2025", with: "2026"), "other.xml", in: dir)
        let refused = try Peers.esign(
            ["sign", other, "--complete", signaturePath, "--prepared", input + ".prepared.json", "-o", output + "2"])
        #expect(refused.status == 65, "\(refused.combined)")
    }

    @Test("the service signs XML (application/xml, text/xml) as XAdES and verifies it with the same report")
    func service() throws {
        let fixture = try ServiceFixture()
        let server = try fixture.start()
        defer { server.stop() }
        let input = try write(Self.document, "qd.xml", in: fixture.directory)
        let reply = try fixture.request(
            server, "POST", "/v1/sign?key=dn-seal&level=B-T&reason=%C4%90%C3%B3ng+d%E1%BA%A5u", file: input,
            contentType: "application/xml")
        try #require(reply.status == 200, "\(reply.text)")
        #expect(reply.headers["content-type"] == "application/xml")
        let signed = try fixture.save(reply, as: "qd.signed.xml")
        let digest = try Fixtures.sha256(ofFile: signed).map { String(format: "%02x", $0) }.joined()
        #expect(reply.headers["esign-document-sha256"] == digest)
        let xmlsec = try xmlsec1(signed, ids: ["SignedProperties"])
        #expect(xmlsec.combined.contains("SignedInfo References (ok/all): 2/2"), "\(xmlsec.combined)")
        let verify = try fixture.request(server, "POST", "/v1/verify", file: signed, contentType: "text/xml")
        try #require(verify.status == 200, "\(verify.text)")
        #expect(
            verify.text.contains("\"format\":\"XAdES\"") && verify.text.contains("\"level\":\"B-T\""), "\(verify.text)")
        let cli = try Peers.esign(["verify", signed, "--trust", pki.rootPath, "--json"])
        #expect(cli.stdout.contains("\"indication\":\"TOTAL-PASSED\""), "\(cli.combined)")
        // Detached XAdES of any body, and a malformed XML body: a problem, not a crash.
        let detached = try fixture.request(
            server, "POST", "/v1/sign?key=dn-seal&packaging=detached&name=qd.xml", file: input,
            contentType: "text/plain")
        #expect(detached.status == 200 && detached.text.contains("URI=\"qd.xml\""), "\(detached.text)")
        let broken = try write("<QuyetDinh><a></QuyetDinh>", "broken.xml", in: fixture.directory)
        let refused = try fixture.request(
            server, "POST", "/v1/sign?key=dn-seal", file: broken, contentType: "application/xml")
        #expect((400..<500).contains(refused.status) && refused.text.contains("not well-formed"), "\(refused.text)")
    }

    /// Any change of a signed character or element is TOTAL-FAILED: each text node, attribute
    /// value and element name in the document outside the signature, changed one at a time.
    func expectEditsFail(_ signed: String, name: String) throws {
        let xml = try String(contentsOfFile: signed, encoding: .utf8)
        let edits = XMLEdits.signedContentEdits(xml)
        #expect(edits.count >= 6, "\(name): too few edits generated")
        let dir = Fixtures.temporaryDirectory("xades-edits")
        var paths: [String] = []
        for (index, edit) in edits.enumerated() {
            let path = dir.appendingPathComponent("edit-\(index).xml").path
            try edit.text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let run = try Peers.esign(["verify", "--json", "--trust", pki.rootPath] + paths)
        let lines = run.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == edits.count, "\(run.combined)")
        for (line, edit) in zip(lines, edits) {
            #expect(line.contains("\"indication\":\"TOTAL-FAILED\""), "\(name), \(edit.name): \(line)")
        }
    }

    @Test("an edit of any signed character, attribute or element is TOTAL-FAILED; comments and tag whitespace are not")
    func edits() throws {
        let dir = Fixtures.temporaryDirectory("xades-edit")
        let input = try write(Self.document, "qd.xml", in: dir)
        let output = dir.appendingPathComponent("signed.xml").path
        try sign(input, output, [])
        try expectEditsFail(output, name: "esign")
        // What C14N leaves out is not signed: a comment, whitespace inside a tag.
        let xml = try String(contentsOfFile: output, encoding: .utf8)
        for (label, variant) in [
            ("comment", xml.replacingOccurrences(of: "<NoiDung>", with: "<!-- ghi chú --><NoiDung>")),
            (
                "tag whitespace",
                xml.replacingOccurrences(of: "<CoQuan ma=\"25441\">", with: "<CoQuan  ma = \"25441\" >")
            ),
        ] {
            #expect(variant != xml)
            let path = try write(variant, "\(label).xml", in: dir)
            let verify = try Peers.esign(["verify", path, "--trust", pki.rootPath])
            #expect(verify.status == 0, "\(label): \(verify.combined)")
        }
    }
}

/// Edits of an XML signature's signed content, made by hand on the text (no XML library), each
/// one of: a character of a text node, an attribute value, an element's name, an element added,
/// an element removed.
enum XMLEdits {
    struct Edit {
        let name: String
        let text: String
    }

    static func signedContentEdits(_ xml: String) -> [Edit] {
        // Only the document part before the first signature (an enveloped signature sits at the end).
        guard let signatureStart = xml.range(of: "<ds:Signature") ?? xml.range(of: "<Signature ") else { return [] }
        let head = String(xml[..<signatureStart.lowerBound])
        let tail = String(xml[signatureStart.lowerBound...])
        var edits: [Edit] = []
        func add(_ name: String, _ newHead: String) {
            if newHead != head { edits.append(Edit(name: name, text: newHead + tail)) }
        }
        // Text nodes: the first letter of each `>text<` run that holds a letter.
        var index = head.startIndex
        while let close = head[index...].firstIndex(of: ">") {
            let after = head.index(after: close)
            guard let open = head[after...].firstIndex(of: "<") else { break }
            if let letter = head[after..<open].firstIndex(where: { $0.isLetter }) {
                var copy = head
                copy.replaceSubrange(letter...letter, with: head[letter] == "X" ? "Y" : "X")
                add("text at \(head.distance(from: head.startIndex, to: letter))", copy)
            }
            index = open
        }
        // Attribute values.
        var search = head.startIndex
        while let equals = head[search...].range(of: "=\"") {
            guard let end = head[equals.upperBound...].firstIndex(of: "\"") else { break }
            var copy = head
            copy.replaceSubrange(equals.upperBound..<end, with: head[equals.upperBound..<end] + "0")
            if !head[..<equals.lowerBound].hasSuffix("xmlns"), !head[..<equals.lowerBound].contains("<?xml") {
                add("attribute at \(head.distance(from: head.startIndex, to: equals.lowerBound))", copy)
            }
            search = end
        }
        // An element renamed, added and removed.
        if let tag = head.range(of: "<NoiDung>"), let endTag = head.range(of: "</NoiDung>") {
            var renamed = head
            renamed.replaceSubrange(endTag, with: "</NoiDungX>")
            renamed.replaceSubrange(tag, with: "<NoiDungX>")
            add("element renamed", renamed)
            var removed = head
            removed.removeSubrange(tag.lowerBound..<endTag.upperBound)
            add("element removed", removed)
        }
        if let tag = head.range(of: "<CoQuan") {
            var added = head
            added.insert(contentsOf: "<GhiChu>thêm sau khi ký</GhiChu>", at: tag.lowerBound)
            add("element added", added)
        }
        return edits
    }
}
