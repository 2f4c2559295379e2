import ESignCrypto
import ESignXML
import Foundation

/// The `xades141:ArchiveTimeStamp` of XAdES B-LTA (ETSI EN 319 132-1 § 5.5.2, TS 101 903 v1.4.1
/// § 8.2.1): what its imprint covers, computed the same way when it is made and when it is checked.
///
/// The input is, in order: every `ds:Reference`'s data after its transforms (a node-set left at
/// the end canonicalised by the timestamp's method), `ds:SignedInfo`, `ds:SignatureValue` and
/// `ds:KeyInfo` canonicalised, each unsigned signature property that precedes the timestamp,
/// canonicalised, and every `ds:Object` but the one holding the qualifying properties.
enum XAdESArchiveTimeStamp {
    static let method = Canonicalization.exclusive

    /// The octets the archive timestamp `stamp` covers (nil: one added after every present property).
    static func input(
        signature: XMLTree.Element, tree: XMLTree, outlined: OutlinedSignature? = nil, method: Canonicalization,
        before stamp: XMLTree.Element?, detachedContent: (uri: String, bytes: [UInt8])?
    ) throws(XMLSignatureVerification.ReferenceRefusal) -> [UInt8] {
        let ds = XMLDSig.namespace
        var input: [UInt8] = []
        func canonical(_ element: XMLTree.Element) throws(XMLSignatureVerification.ReferenceRefusal) {
            do { try tree.canonicalize(method, NodeSelection(subtree: element)) { input.append(contentsOf: $0) } } catch
            {
                throw .init("\(element.qualifiedName) cannot be canonicalised: \(error)", .indeterminate)
            }
        }
        guard let info = signature.child("SignedInfo", in: ds) else { throw .init("the signature has no SignedInfo") }
        for reference in info.children("Reference", in: ds) {
            guard let uri = reference.attribute("URI") else { throw .init("a reference has no URI") }
            let transforms = reference.child("Transforms", in: ds)?.children ?? []
            let (_, data) = try XMLSignatureVerification.dereference(
                uri, transforms: transforms, shown: "\"\(uri)\"", signature: signature, tree: tree, outlined: outlined,
                detachedContent: detachedContent, finalCanonicalization: method)
            input += data.bytes
        }
        try canonical(info)
        for name in ["SignatureValue", "KeyInfo"] {
            if let element = signature.child(name, in: ds) { try canonical(element) }
        }
        if let properties = unsignedSignatureProperties(of: signature) {
            for property in properties.children {
                if let stamp, property == stamp { break }
                try canonical(property)
            }
        }
        for object in signature.children("Object", in: ds)
        where object.child("QualifyingProperties", in: XMLDSig.xades) == nil {
            try canonical(object)
        }
        return input
    }

    /// The signature's `xades:QualifyingProperties` (targeting it, or with no target).
    static func qualifyingProperties(of signature: XMLTree.Element) -> XMLTree.Element? {
        for object in signature.children("Object", in: XMLDSig.namespace) {
            for properties in object.children("QualifyingProperties", in: XMLDSig.xades) {
                let target = properties.attribute("Target") ?? ""
                if target.isEmpty || target == "#" + (signature.identifier ?? "\u{0}") { return properties }
            }
        }
        return nil
    }

    static func unsignedSignatureProperties(of signature: XMLTree.Element) -> XMLTree.Element? {
        qualifyingProperties(of: signature)?.child("UnsignedProperties", in: XMLDSig.xades)?
            .child("UnsignedSignatureProperties", in: XMLDSig.xades)
    }

    // MARK: The properties esign writes (each declaring the namespaces it uses, so it reads the
    // same wherever it is spliced, whatever prefixes the signature's author chose).

    private static let namespaces =
        "xmlns:xades=\"\(XMLDSig.xades)\" xmlns:xades141=\"\(XMLDSig.xades141)\" xmlns:ds=\"\(XMLDSig.namespace)\""

    private static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// `declare`: the elements are top-level properties and declare the namespaces.
    private static func values(_ material: ValidationMaterial, id: String, declare: Bool) -> (String?, String?) {
        let declarations = declare ? " " + namespaces : ""
        var certificates: String?
        if !material.certificates.isEmpty {
            certificates =
                "<xades:CertificateValues\(declarations) Id=\"\(id)-certs\">"
                + material.certificates.map {
                    "<xades:EncapsulatedX509Certificate>\(base64($0.der))</xades:EncapsulatedX509Certificate>"
                }.joined() + "</xades:CertificateValues>"
        }
        var revocation: String?
        if !material.crls.isEmpty || !material.ocspResponses.isEmpty {
            var text = "<xades:RevocationValues\(declarations) Id=\"\(id)-revocation\">"
            if !material.crls.isEmpty {
                text += "<xades:CRLValues>"
                text += material.crls.map { "<xades:EncapsulatedCRLValue>\(base64($0))</xades:EncapsulatedCRLValue>" }
                    .joined()
                text += "</xades:CRLValues>"
            }
            if !material.ocspResponses.isEmpty {
                text += "<xades:OCSPValues>"
                text += material.ocspResponses.map {
                    "<xades:EncapsulatedOCSPValue>\(base64($0))</xades:EncapsulatedOCSPValue>"
                }.joined()
                text += "</xades:OCSPValues>"
            }
            revocation = text + "</xades:RevocationValues>"
        }
        return (certificates, revocation)
    }

    /// `xades:CertificateValues` and `xades:RevocationValues`, as siblings (B-LT).
    static func validationValues(_ material: ValidationMaterial, id: String) -> String {
        let (certificates, revocation) = values(material, id: id, declare: true)
        return (certificates ?? "") + (revocation ?? "")
    }

    /// `xades141:TimeStampValidationData` holding more material (for timestamps, and renewals).
    static func timeStampValidationData(_ material: ValidationMaterial, id: String) -> String {
        let (certificates, revocation) = values(material, id: id, declare: false)
        return "<xades141:TimeStampValidationData \(namespaces) Id=\"\(id)\">" + (certificates ?? "")
            + (revocation ?? "") + "</xades141:TimeStampValidationData>"
    }

    /// A `xades141:ArchiveTimeStamp` holding `token`.
    static func element(token: [UInt8], id: String) -> String {
        "<xades141:ArchiveTimeStamp \(namespaces) Id=\"\(id)\">"
            + "<ds:CanonicalizationMethod Algorithm=\"\(method.rawValue)\"/>"
            + "<xades:EncapsulatedTimeStamp>\(base64(token))</xades:EncapsulatedTimeStamp>"
            + "</xades141:ArchiveTimeStamp>"
    }

    /// A `xades:SignatureTimeStamp` added later (to a B-B signature being extended).
    static func signatureTimeStamp(token: [UInt8], id: String) -> String {
        "<xades:SignatureTimeStamp \(namespaces) Id=\"\(id)\">"
            + "<ds:CanonicalizationMethod Algorithm=\"\(method.rawValue)\"/>"
            + "<xades:EncapsulatedTimeStamp>\(base64(token))</xades:EncapsulatedTimeStamp>"
            + "</xades:SignatureTimeStamp>"
    }

    /// Every encapsulated certificate, CRL and OCSP response among the unsigned signature properties.
    static func embeddedMaterial(
        of signature: XMLTree.Element
    ) -> (certificates: [Certificate], revocation: RevocationData) {
        guard let properties = unsignedSignatureProperties(of: signature) else { return ([], RevocationData()) }
        func decoded(_ name: String) -> [[UInt8]] {
            properties.descendants(name, in: XMLDSig.xades).compactMap { XMLSignatureVerification.base64($0.text) }
        }
        let certificates = decoded("EncapsulatedX509Certificate").compactMap {
            try? CertificateCache.shared.certificate(der: $0[...])
        }
        return (
            certificates,
            RevocationData(ocspResponses: decoded("EncapsulatedOCSPValue"), crls: decoded("EncapsulatedCRLValue"))
        )
    }
}
