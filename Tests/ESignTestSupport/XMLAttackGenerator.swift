import ESign
import ESignXML
import Foundation

/// Manipulations of XML signatures, generated from a signed document the way an attacker would
/// make them: wrapping (identifiers duplicated, the signed element moved or the signed part made
/// smaller than the document), references to URLs and files, transforms that run code, DTDs and
/// entities, a signing certificate swapped, algorithms downgraded, and plain edits. Where the
/// attack needs a signature that still verifies, the variant is re-signed (``resign(_:key:)``)
/// with the signer's key, or another trusted signer's: the verdict must then come from what the
/// signature covers, not from a broken signature value.
public enum XMLAttackGenerator {
    public struct Variant: Sendable {
        public let name: String
        public let text: String
        public let expected: Indication
        /// A phrase the verdict's reason must contain.
        public let reason: String
    }

    /// What the generators work from.
    public struct Context: Sendable {
        /// An enveloped XAdES signature of ``XAdESAttackDocument``, and an enveloping one.
        public let enveloped: String
        public let enveloping: String
        public let signerKey: PrivateKey
        /// Another trusted signer (same PKI), for a swapped certificate.
        public let otherKey: PrivateKey
        public let otherCertificate: Certificate
        /// The loopback port the variants' URLs name (a test listens there: nothing may connect).
        public var port = 9

        public init(pki: DemoPKI) throws {
            let seal = pki.signers["province-seal"]!
            let official = pki.signers["province-official"]!
            let identity = try SigningIdentity(
                privateKey: seal.privateKey, certificate: seal.certificate, chain: [pki.issuingCA.certificate])
            var signer = XAdESSigner(identity: identity)
            let document = Array(XMLAttackGenerator.document.utf8)
            enveloped = String(decoding: try signer.sign(document, name: "qd.xml"), as: UTF8.self)
            signer.packaging = .enveloping
            enveloping = String(decoding: try signer.sign(document, name: "qd.xml"), as: UTF8.self)
            signerKey = seal.privateKey
            otherKey = official.privateKey
            otherCertificate = official.certificate
        }
    }

    public static let document = """
        <?xml version="1.0" encoding="UTF-8"?>
        <QuyetDinh xmlns="urn:vn:gov:vanban" xmlns:vb="urn:vn:gov:vanban" So="12/QĐ-UBND">
          <vb:TrichYeu>Về việc phê duyệt kế hoạch</vb:TrichYeu>
          <SoTien>1000000</SoTien>
          <NoiDung>Điều 1. Phê duyệt kế hoạch.</NoiDung>
        </QuyetDinh>

        """

    public typealias Generator = @Sendable (Context) throws -> [Variant]

    public static let generators: [(String, Generator)] = [
        ("wrapping", wrapping), ("external references", externalReferences), ("transforms", transforms),
        ("DTDs and entities", dtds), ("signing certificate", signingCertificate), ("algorithms", algorithms),
        ("structure", structure), ("edits", edits),
    ]

    public static func all(_ context: Context) throws -> [Variant] {
        try generators.flatMap { try $0.1(context) }
    }

    static let failed = Indication.totalFailed
    static let indeterminate = Indication.indeterminate

    // MARK: Generators

    /// The signed part made smaller than what a reader reads, an identifier given twice, the
    /// signature moved into a document that says something else.
    static func wrapping(_ c: Context) throws -> [Variant] {
        var out: [Variant] = []
        let firstReference = try #/<ds:Reference Id="[^"]*-ref0" URI="">.*?</ds:Reference>/#.firstMatch(in: c.enveloped)
        if let match = firstReference {
            var text = c.enveloped
            text.removeSubrange(match.range)
            out.append(
                Variant(
                    name: "covers only SignedProperties", text: try resign(text, key: c.signerKey), expected: failed,
                    reason: "covers only its own properties"))
        }
        // Sign one element only, by its Id: what lies around it is free.
        let byID = try resign(
            c.enveloped.replacingOccurrences(of: "<vb:TrichYeu>", with: "<vb:TrichYeu Id=\"ty\">")
                .replacingOccurrences(of: "-ref0\" URI=\"\"", with: "-ref0\" URI=\"#ty\""), key: c.signerKey)
        out.append(Variant(name: "covers one element", text: byID, expected: failed, reason: "covers only"))
        // The same, with a second element carrying the signed one's Id placed first.
        out.append(
            Variant(
                name: "duplicate Id before the signed element",
                text: byID.replacingOccurrences(
                    of: "<SoTien>", with: "<vb:TrichYeu Id=\"ty\">Về việc giải thể</vb:TrichYeu><SoTien>"),
                expected: failed, reason: "carry the identifier"))
        // A second SignedProperties with the signed one's Id, saying another time.
        if let properties = try #/<xades:SignedProperties .*?</xades:SignedProperties>/#.firstMatch(in: c.enveloped) {
            let copy = String(properties.output).replacingOccurrences(
                of: "<xades:SigningTime>", with: "<xades:SigningTime>1")
            out.append(
                Variant(
                    name: "duplicate SignedProperties Id",
                    // Inside the signature, which the document's enveloped reference leaves out.
                    text: c.enveloped.replacingOccurrences(
                        of: "<ds:Object><xades:QualifyingProperties",
                        with: "<ds:Object><Extra xmlns:xades=\"\(XMLDSig.xades)\">\(copy)</Extra></ds:Object>"
                            + "<ds:Object><xades:QualifyingProperties"),
                    expected: failed, reason: "carry the identifier"))
        }
        // The enveloping signature moved into a document whose own content is what a reader reads.
        let body = c.enveloping.replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", with: "")
        out.append(
            Variant(
                name: "enveloping signature wrapped in another document",
                text: "<Envelope><QuyetDinh>Về việc giải thể</QuyetDinh>\(body)</Envelope>\n", expected: failed,
                reason: "covers only"))
        // An unsigned object added to an enveloping signature.
        out.append(
            Variant(
                name: "unsigned ds:Object in an enveloping signature",
                text: c.enveloping.replacingOccurrences(
                    of: "<ds:Object><xades:QualifyingProperties",
                    with: "<ds:Object Id=\"extra\"><QuyetDinh>Về việc giải thể</QuyetDinh></ds:Object>"
                        + "<ds:Object><xades:QualifyingProperties"), expected: failed, reason: "is not signed"))
        return out
    }

    /// References to URLs and files: never fetched, never read.
    static func externalReferences(_ c: Context) throws -> [Variant] {
        [
            "http://127.0.0.1:\(c.port)/qd.xml", "https://example.invalid/qd.xml", "file:///etc/passwd",
            "../../etc/passwd",
            "qd.xml",
        ].map { uri in
            Variant(
                name: "reference to \(uri)",
                text: (try? resign(
                    c.enveloped.replacingOccurrences(of: "-ref0\" URI=\"\"", with: "-ref0\" URI=\"\(uri)\""),
                    key: c.signerKey)) ?? c.enveloped,
                expected: indeterminate, reason: "never fetches")
        } + [
            Variant(
                name: "XPointer reference",
                text: try resign(
                    c.enveloped.replacingOccurrences(of: "-ref0\" URI=\"\"", with: "-ref0\" URI=\"#xpointer(/)\""),
                    key: c.signerKey), expected: failed, reason: "XPointer")
        ]
    }

    /// Transforms that run code or select nodes: refused before anything runs.
    static func transforms(_ c: Context) throws -> [Variant] {
        let transforms = [
            (
                "XSLT",
                "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"><xsl:stylesheet "
                    + "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\"><xsl:template match=\"/\">"
                    + "<xsl:copy-of select=\"document('http://127.0.0.1:\(c.port)/')\"/></xsl:template>"
                    + "</xsl:stylesheet></ds:Transform>"
            ),
            (
                "XPath",
                "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>"
                    + "not(ancestor-or-self::*[local-name()='SoTien'])</ds:XPath></ds:Transform>"
            ),
            (
                "XPath Filter 2.0",
                "<ds:Transform Algorithm=\"http://www.w3.org/2002/06/xmldsig-filter2\"><f:XPath "
                    + "xmlns:f=\"http://www.w3.org/2002/06/xmldsig-filter2\" Filter=\"subtract\">//*</f:XPath>"
                    + "</ds:Transform>"
            ),
            ("base64", "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#base64\"/>"),
        ]
        return try transforms.map { name, element in
            Variant(
                name: "\(name) transform",
                text: try resign(
                    c.enveloped.replacingOccurrences(
                        of: "-ref0\" URI=\"\"><ds:Transforms>", with: "-ref0\" URI=\"\"><ds:Transforms>\(element)"),
                    key: c.signerKey), expected: failed, reason: "refused, not run")
        }
    }

    /// DTDs, entities, external subsets: refused before parsing.
    static func dtds(_ c: Context) throws -> [Variant] {
        let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let body = String(c.enveloped.dropFirst(declaration.count))
        let doctypes = [
            ("external entity", "<!DOCTYPE QuyetDinh [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"),
            (
                "billion laughs",
                "<!DOCTYPE QuyetDinh [<!ENTITY a \"lol\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                    + "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
            ),
            ("external DTD", "<!DOCTYPE QuyetDinh SYSTEM \"http://127.0.0.1:\(c.port)/qd.dtd\">"),
            ("parameter entity", "<!DOCTYPE QuyetDinh [<!ENTITY % p SYSTEM \"http://127.0.0.1:\(c.port)/p\"> %p;]>"),
            ("ID attribute declared", "<!DOCTYPE QuyetDinh [<!ATTLIST SoTien Id ID #IMPLIED>]>"),
        ]
        return doctypes.map { name, doctype in
            Variant(
                name: "DTD: \(name)", text: declaration + doctype + "\n" + body, expected: failed, reason: "DTD")
        } + [
            Variant(
                name: "entity reference without a DTD",
                text: c.enveloped.replacingOccurrences(of: "1000000", with: "&x;"), expected: failed,
                reason: "not well-formed")
        ]
    }

    /// The signing certificate swapped in KeyInfo, alone and re-signed by another trusted signer.
    static func signingCertificate(_ c: Context) throws -> [Variant] {
        guard let first = try #/<ds:X509Certificate>([^<]*)</ds:X509Certificate>/#.firstMatch(in: c.enveloped) else {
            return []
        }
        let other = Data(c.otherCertificate.der).base64EncodedString()
        let swapped = c.enveloped.replacingCharacters(
            in: first.range, with: "<ds:X509Certificate>\(other)</ds:X509Certificate>")
        return [
            Variant(
                name: "KeyInfo certificate swapped", text: swapped, expected: failed,
                reason: "does not verify under the key"),
            Variant(
                name: "KeyInfo certificate swapped and re-signed by its holder",
                text: try resign(swapped, key: c.otherKey), expected: indeterminate,
                reason: "names another certificate"),
            Variant(
                name: "no certificate",
                text: c.enveloped.replacingCharacters(in: first.range, with: ""), expected: failed,
                reason: "does not verify"),
        ]
    }

    /// Signature and digest methods downgraded or unknown.
    static func algorithms(_ c: Context) throws -> [Variant] {
        let rsa = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        return [
            ("http://www.w3.org/2000/09/xmldsig#hmac-sha1", indeterminate, "HMAC"),
            ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", indeterminate, "SHA-1"),
            ("urn:example:unknown", failed, "not one esign verifies"),
        ].map { uri, expected, reason in
            Variant(
                name: "signature method \(uri)", text: c.enveloped.replacingOccurrences(of: rsa, with: uri),
                expected: expected, reason: reason)
        } + [
            Variant(
                name: "reference digest SHA-1",
                text: replacingFirst(
                    "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
                    with: "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>", in: c.enveloped),
                expected: indeterminate, reason: "SHA-1"),
            Variant(
                name: "canonicalization not C14N",
                text: replacingFirst(
                    "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                    with: "<ds:CanonicalizationMethod Algorithm=\"urn:example:none\"/>", in: c.enveloped),
                expected: failed, reason: "is not C14N"),
        ]
    }

    /// Broken structure: two SignedInfo, no URI, no signature at all.
    static func structure(_ c: Context) throws -> [Variant] {
        guard let info = try #/<ds:SignedInfo>.*?</ds:SignedInfo>/#.firstMatch(in: c.enveloped) else { return [] }
        return [
            Variant(
                name: "two SignedInfo",
                text: c.enveloped.replacingCharacters(in: info.range, with: String(info.output) + String(info.output)),
                expected: failed, reason: "SignedInfo"),
            Variant(
                name: "reference without URI",
                text: try resign(
                    c.enveloped.replacingOccurrences(of: "-ref0\" URI=\"\"", with: "-ref0\""), key: c.signerKey),
                expected: failed, reason: "no URI"),
            Variant(
                name: "signature removed",
                text: c.enveloped.replacing(#/<ds:Signature .*</ds:Signature>/#.dotMatchesNewlines(), with: ""),
                expected: indeterminate, reason: "no signature"),
        ]
    }

    /// Plain edits of signed content, properties and values, and the namespace games C14N sees.
    static func edits(_ c: Context) throws -> [Variant] {
        let pairs: [(String, String, String)] = [
            ("amount changed", "1000000", "9000000"),
            ("whitespace between elements", "</vb:TrichYeu>", "</vb:TrichYeu> "),
            ("default namespace changed", "xmlns=\"urn:vn:gov:vanban\"", "xmlns=\"urn:vn:gov:vanban:v2\""),
            ("prefix renamed", "vb:TrichYeu", "v:TrichYeu"),
            ("signing time changed", "<xades:SigningTime>2", "<xades:SigningTime>1"),
        ]
        var out = pairs.map { name, from, to in
            Variant(
                name: name,
                text: name == "prefix renamed"
                    ? c.enveloped.replacingOccurrences(of: from, with: to).replacingOccurrences(
                        of: "xmlns:vb=", with: "xmlns:v=") : c.enveloped.replacingOccurrences(of: from, with: to),
                expected: failed, reason: "does not match")
        }
        if let value = try #/<ds:SignatureValue Id="[^"]*">(.)/#.firstMatch(in: c.enveloped) {
            var text = c.enveloped
            let index = value.range.upperBound
            let flipped: Character = text[text.index(before: index)] == "A" ? "B" : "A"
            text.replaceSubrange(text.index(before: index)..<index, with: String(flipped))
            out.append(
                Variant(name: "signature value changed", text: text, expected: failed, reason: "does not verify"))
        }
        return out
    }

    static func replacingFirst(_ target: String, with replacement: String, in text: String) -> String {
        guard let range = text.range(of: target) else { return text }
        return text.replacingCharacters(in: range, with: replacement)
    }

    // MARK: Re-signing

    /// Recomputes every same-document reference's digest (exclusive C14N, the enveloped
    /// signature left out where the reference says so) and the RSA-SHA256 SignatureValue with `key`:
    /// what an attacker holding a trusted key can always do.
    public static func resign(_ text: String, key: PrivateKey) throws -> String {
        var text = text
        let ds = XMLDSig.namespace
        var tree = try XMLTree(parsing: Array(text.utf8))
        guard let signature = signatureElement(tree) else { return text }
        let references = signature.child("SignedInfo", in: ds)?.children("Reference", in: ds) ?? []
        var digests: [String?] = []
        for reference in references {
            let uri = reference.attribute("URI") ?? ""
            let enveloped = (reference.child("Transforms", in: ds)?.children ?? []).contains {
                $0.attribute("Algorithm") == "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
            }
            var selection = NodeSelection(excluding: enveloped ? signature : nil)
            if uri.hasPrefix("#") {
                guard let target = tree.elements(withID: String(uri.dropFirst())).first else {
                    digests.append(nil)
                    continue
                }
                selection.subtree = target
            } else if !uri.isEmpty {
                digests.append(nil)
                continue
            }
            let canonical = try tree.canonicalize(.exclusive, selection)
            digests.append(Data(try Digest.hash(canonical, .sha256)).base64EncodedString())
        }
        // Replace the DigestValues of SignedInfo in order.
        guard let infoRange = text.firstRange(of: #/<ds:SignedInfo>.*?</ds:SignedInfo>/#) else { return text }
        var info = String(text[infoRange])
        var searchFrom = info.startIndex
        for digest in digests {
            guard let match = info[searchFrom...].firstMatch(of: #/<ds:DigestValue>[^<]*</ds:DigestValue>/#) else {
                break
            }
            if let digest {
                info.replaceSubrange(match.range, with: "<ds:DigestValue>\(digest)</ds:DigestValue>")
                searchFrom = info.index(match.range.lowerBound, offsetBy: digest.count + 33)
            } else {
                searchFrom = match.range.upperBound
            }
        }
        text.replaceSubrange(infoRange, with: info)
        tree = try XMLTree(parsing: Array(text.utf8))
        guard let signed = signatureElement(tree)?.child("SignedInfo", in: ds) else { return text }
        let canonical = try tree.canonicalize(.exclusive, NodeSelection(subtree: signed))
        let value = Data(try key.sign(canonical, digest: .sha256)).base64EncodedString()
        return text.replacing(#/<ds:SignatureValue Id="([^"]*)">[^<]*</ds:SignatureValue>/#) { match in
            "<ds:SignatureValue Id=\"\(match.output.1)\">\(value)</ds:SignatureValue>"
        }
    }

    static func signatureElement(_ tree: XMLTree) -> XMLTree.Element? {
        guard let root = tree.root else { return nil }
        if root.isElement("Signature", in: XMLDSig.namespace) { return root }
        return root.descendants("Signature", in: XMLDSig.namespace).first
    }
}
