import ESignCore
import ESignCrypto
import ESignXML
import Foundation

/// The text of one `ds:Signature` with its XAdES qualifying properties, as esign writes it: every
/// part built as text (escaped by ``XMLText``), so the bytes spliced into a document are exactly
/// the bytes whose canonical forms were hashed. Prefixes: `ds` declared on `ds:Signature`,
/// `xades` (and `xades141`) on `xades:QualifyingProperties`.
struct XAdESSignatureElement {
    /// A `ds:Reference`.
    struct Reference {
        var id: String
        var uri: String
        var type: String?
        var transforms: [String]
        var digest: DigestAlgorithm
        var digestValue: [UInt8] = []
        /// The `MimeType` of its `xades:DataObjectFormat` (nil for the SignedProperties reference).
        var mimeType: String?
    }

    let id: String
    let method: XMLSignatureMethod
    var references: [Reference]
    /// The signer's certificate first, then its chain.
    let certificates: [Certificate]
    let signingTime: Date
    let certificateDigest: DigestAlgorithm
    var role: String?
    var city: String?
    /// An enveloping signature's `ds:Object` content (the signed document's root element, as written).
    var objectContent: String?
    var signatureValue: [UInt8] = []
    /// `xades:UnsignedSignatureProperties` children, as text.
    var unsignedSignatureProperties: [String] = []

    var signedPropertiesID: String { "\(id)-signedprops" }
    var signatureValueID: String { "\(id)-sigvalue" }
    var objectID: String { "\(id)-object" }

    static let dsDeclaration = "xmlns:ds=\"\(XMLDSig.namespace)\""

    /// The `ds:SignedInfo` element.
    var signedInfo: String {
        var text = "<ds:SignedInfo>"
        text += "<ds:CanonicalizationMethod Algorithm=\"\(Canonicalization.exclusive.rawValue)\"/>"
        text += "<ds:SignatureMethod Algorithm=\"\(method.uri)\"/>"
        for reference in references {
            text += "<ds:Reference Id=\"\(reference.id)\""
            if let type = reference.type { text += " Type=\"\(XMLText.attribute(type))\"" }
            text += " URI=\"\(XMLText.attribute(reference.uri))\">"
            if !reference.transforms.isEmpty {
                text += "<ds:Transforms>"
                for transform in reference.transforms { text += "<ds:Transform Algorithm=\"\(transform)\"/>" }
                text += "</ds:Transforms>"
            }
            text += "<ds:DigestMethod Algorithm=\"\(XMLDigestMethod.uri(reference.digest))\"/>"
            text += "<ds:DigestValue>\(Self.base64(reference.digestValue))</ds:DigestValue>"
            text += "</ds:Reference>"
        }
        return text + "</ds:SignedInfo>"
    }

    /// The `ds:SignatureValue` element.
    var signatureValueElement: String {
        "<ds:SignatureValue Id=\"\(signatureValueID)\">\(Self.base64(signatureValue))</ds:SignatureValue>"
    }

    /// The `xades:SignedProperties` element.
    var signedProperties: String {
        let signer = certificates[0]
        var text = "<xades:SignedProperties Id=\"\(signedPropertiesID)\"><xades:SignedSignatureProperties>"
        text += "<xades:SigningTime>\(Self.time(signingTime))</xades:SigningTime>"
        text += "<xades:SigningCertificateV2><xades:Cert><xades:CertDigest>"
        text += "<ds:DigestMethod Algorithm=\"\(XMLDigestMethod.uri(certificateDigest))\"/>"
        text += "<ds:DigestValue>\(Self.base64(signer.fingerprint(certificateDigest)))</ds:DigestValue>"
        text += "</xades:CertDigest></xades:Cert></xades:SigningCertificateV2>"
        if let city {
            text += "<xades:SignatureProductionPlaceV2><xades:City>\(XMLText.content(city))</xades:City>"
            text += "</xades:SignatureProductionPlaceV2>"
        }
        if let role {
            text += "<xades:SignerRoleV2><xades:ClaimedRoles><xades:ClaimedRole>\(XMLText.content(role))"
            text += "</xades:ClaimedRole></xades:ClaimedRoles></xades:SignerRoleV2>"
        }
        text += "</xades:SignedSignatureProperties><xades:SignedDataObjectProperties>"
        for reference in references {
            guard let mime = reference.mimeType else { continue }
            text += "<xades:DataObjectFormat ObjectReference=\"#\(reference.id)\">"
            text += "<xades:MimeType>\(XMLText.content(mime))</xades:MimeType></xades:DataObjectFormat>"
        }
        return text + "</xades:SignedDataObjectProperties></xades:SignedProperties>"
    }

    /// The whole `ds:Signature` element.
    var text: String {
        var text = "<ds:Signature \(Self.dsDeclaration) Id=\"\(id)\">"
        text += signedInfo
        text += signatureValueElement
        text += "<ds:KeyInfo><ds:X509Data>"
        for certificate in certificates {
            text += "<ds:X509Certificate>\(Self.base64(certificate.der))</ds:X509Certificate>"
        }
        text += "</ds:X509Data></ds:KeyInfo>"
        if let objectContent { text += "<ds:Object Id=\"\(objectID)\">\(objectContent)</ds:Object>" }
        text += "<ds:Object><xades:QualifyingProperties xmlns:xades=\"\(XMLDSig.xades)\""
        if unsignedSignatureProperties.contains(where: { $0.contains("xades141:") }) {
            text += " xmlns:xades141=\"\(XMLDSig.xades141)\""
        }
        text += " Target=\"#\(id)\">"
        text += signedProperties
        if !unsignedSignatureProperties.isEmpty {
            text += "<xades:UnsignedProperties><xades:UnsignedSignatureProperties>"
            text += unsignedSignatureProperties.joined()
            text += "</xades:UnsignedSignatureProperties></xades:UnsignedProperties>"
        }
        return text + "</xades:QualifyingProperties></ds:Object></ds:Signature>"
    }

    /// A `xades:SignatureTimeStamp` over the canonical `ds:SignatureValue` (exclusive C14N).
    func signatureTimeStamp(token: [UInt8]) -> String {
        "<xades:SignatureTimeStamp Id=\"\(id)-sigtst\">"
            + "<ds:CanonicalizationMethod Algorithm=\"\(Canonicalization.exclusive.rawValue)\"/>"
            + "<xades:EncapsulatedTimeStamp>\(Self.base64(token))</xades:EncapsulatedTimeStamp>"
            + "</xades:SignatureTimeStamp>"
    }

    /// The canonical (exclusive C14N) form of an element of this signature, found by its
    /// identifier in the signature's text parsed on its own: exclusive C14N renders only the
    /// namespaces an element uses, so the form is the same wherever the signature is spliced.
    func canonicalForm(of elementID: String, in parsed: XMLTree) throws -> [UInt8] {
        guard let element = parsed.elements(withID: elementID).first else {
            throw SigningError.crypto("the signature being built has no element \(elementID)")
        }
        return try parsed.canonicalize(.exclusive, NodeSelection(subtree: element))
    }

    /// `ds:SignedInfo` canonicalised as a verifier will see it.
    func canonicalSignedInfo() throws -> [UInt8] {
        let wrapped = "<ds:Signature \(Self.dsDeclaration)>\(signedInfo)</ds:Signature>"
        let parsed = try XMLTree(parsing: Array(wrapped.utf8))
        guard let info = parsed.root?.child("SignedInfo", in: XMLDSig.namespace) else {
            throw SigningError.crypto("the SignedInfo being built cannot be read back")
        }
        return try parsed.canonicalize(.exclusive, NodeSelection(subtree: info))
    }

    /// `ds:SignatureValue` canonicalised (exclusive C14N), what a signature timestamp covers.
    func canonicalSignatureValue() throws -> [UInt8] {
        let wrapped = "<ds:Signature \(Self.dsDeclaration)>\(signatureValueElement)</ds:Signature>"
        let parsed = try XMLTree(parsing: Array(wrapped.utf8))
        guard let value = parsed.root?.child("SignatureValue", in: XMLDSig.namespace) else {
            throw SigningError.crypto("the SignatureValue being built cannot be read back")
        }
        return try parsed.canonicalize(.exclusive, NodeSelection(subtree: value))
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// xsd:dateTime in Vietnam time, e.g. 2025-06-16T09:30:00+07:00.
    static func time(_ date: Date) -> String {
        CivilTime.iso8601(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down)))
    }
}
