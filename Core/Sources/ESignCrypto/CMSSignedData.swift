import Foundation

/// Who signs a CMS SignedData, and with what.
public struct CMSSigner: Sendable {
    public let privateKey: PrivateKey
    public let certificate: Certificate
    /// Issuing CAs to embed after the signer's certificate (root optional).
    public let chain: [Certificate]
    public let digest: DigestAlgorithm
    /// How an RSA key pads (ignored for ECDSA).
    public let padding: RSAPadding
    /// The parts of every SignedData this signer makes that do not depend on the document,
    /// encoded once: the SignerIdentifier, the ESS signing-certificate-v2 attribute, the
    /// certificate set, the algorithm identifiers.
    let signerIdentifier: [UInt8]
    let signingCertificateAttribute: [UInt8]
    let certificateSet: [UInt8]
    let digestAlgorithmIdentifier: [UInt8]
    let signatureAlgorithmIdentifier: [UInt8]

    public init(
        privateKey: PrivateKey, certificate: Certificate, chain: [Certificate], digest: DigestAlgorithm = .sha256,
        padding: RSAPadding = .pkcs1v15
    ) {
        self.privateKey = privateKey
        self.certificate = certificate
        self.chain = chain
        self.digest = digest
        self.padding = privateKey.isRSAPSSOnly ? .pss : privateKey.isRSA ? padding : .pkcs1v15
        signerIdentifier = DER.sequence(certificate.issuerNameDER, certificate.serialNumberDER)
        signingCertificateAttribute = CMSSignedData.attribute(
            CMSSignedData.idSigningCertificateV2,
            CMSSignedData.signingCertificateV2(certificate))
        var certificates: [[UInt8]] = [certificate.der]
        for cert in chain where !certificates.contains(cert.der) { certificates.append(cert.der) }
        certificateSet = DER.retag(DER.set(of: certificates), as: 0xA0)
        digestAlgorithmIdentifier = DER.algorithm(digest.oid)
        signatureAlgorithmIdentifier = privateKey.signatureAlgorithmIdentifier(digest: digest, padding: self.padding)
    }
}

/// A detached CMS SignedData (RFC 5652) in the CAdES form PAdES and CAdES-BES need:
/// signed attributes content-type, message-digest and ESS signing-certificate-v2 (RFC 5035),
/// optionally signing-time, the signer's chain embedded, and room for unsigned attributes
/// (a signature timestamp) added after signing.
///
/// ```swift
/// let signed = try CMSSignedData.sign(messageDigest: hash, signer: signer, signingTime: nil)
/// let der = signed.encoded()                       // ContentInfo, DER
/// ```
public struct CMSSignedData: Sendable {
    public let signer: CMSSigner
    /// DER of the signed attributes as a SET OF (tag 0x31): the bytes the signature covers.
    public let signedAttributes: [UInt8]
    /// The signature value.
    public let signatureValue: [UInt8]
    /// Encoded unsigned attributes (each an Attribute SEQUENCE).
    public var unsignedAttributes: [[UInt8]] = []

    static let idData = "1.2.840.113549.1.7.1"
    static let idSignedData = "1.2.840.113549.1.7.2"
    static let idContentType = "1.2.840.113549.1.9.3"
    static let idMessageDigest = "1.2.840.113549.1.9.4"
    static let idSigningTime = "1.2.840.113549.1.9.5"
    static let idSigningCertificateV2 = "1.2.840.113549.1.9.16.2.47"
    /// id-aa-signatureTimeStampToken (RFC 3161 appendix A).
    public static let idSignatureTimeStampToken = "1.2.840.113549.1.9.16.2.14"

    /// Signs a precomputed digest of the content.
    public static func sign(
        messageDigest: [UInt8], signer: CMSSigner, signingTime: Date?
    ) throws(OpenSSLError) -> CMSSignedData {
        let attributes = signedAttributeSet(messageDigest: messageDigest, signer: signer, signingTime: signingTime)
        let signature = try signer.privateKey.sign(attributes, digest: signer.digest, padding: signer.padding)
        return CMSSignedData(signer: signer, signedAttributes: attributes, signatureValue: signature)
    }

    /// An upper bound of `encoded().count` for this signer, computed without signing, so that a
    /// PDF can reserve exactly the room the signature needs. `extraUnsigned` reserves room for
    /// unsigned attributes (a timestamp token) added later.
    public static func maximumEncodedLength(signer: CMSSigner, signingTime: Date?, extraUnsigned: Int = 0) -> Int {
        let attributes = signedAttributeSet(
            messageDigest: [UInt8](repeating: 0, count: signer.digest.outputLength),
            signer: signer, signingTime: signingTime)
        var draft = CMSSignedData(
            signer: signer, signedAttributes: attributes,
            signatureValue: [UInt8](repeating: 0xFF, count: signer.privateKey.maximumSignatureLength))
        if extraUnsigned > 0 {
            draft.unsignedAttributes = [
                DER.sequence(
                    DER.oid(idSignatureTimeStampToken),
                    DER.set(of: [[UInt8](repeating: 0, count: extraUnsigned)]))
            ]
        }
        return draft.encoded().count
    }

    static func signedAttributeSet(messageDigest: [UInt8], signer: CMSSigner, signingTime: Date?) -> [UInt8] {
        var attributes: [[UInt8]] = [
            contentTypeAttribute,
            attribute(idMessageDigest, DER.octetString(messageDigest)),
            signer.signingCertificateAttribute,
        ]
        if let signingTime { attributes.append(attribute(idSigningTime, DER.time(signingTime))) }
        return DER.set(of: attributes)
    }

    /// content-type = id-data, the same in every signature.
    static let contentTypeAttribute = attribute(idContentType, DER.oid(idData))

    static func attribute(_ oid: String, _ value: [UInt8]) -> [UInt8] {
        DER.sequence(DER.oid(oid), DER.set(of: [value]))
    }

    /// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; SHA-256 is the default
    /// hash algorithm and is therefore omitted from ESSCertIDv2 (DER).
    static func signingCertificateV2(_ certificate: Certificate) -> [UInt8] {
        let issuerSerial = DER.sequence(
            DER.sequence(DER.context(4, certificate.issuerNameDER)),  // GeneralNames { directoryName }
            certificate.serialNumberDER)
        let certID = DER.sequence(DER.octetString(certificate.fingerprint(.sha256)), issuerSerial)
        return DER.sequence(DER.sequence(certID))
    }

    /// The ContentInfo wrapping the SignedData, DER-encoded.
    public func encoded() -> [UInt8] {
        var signerInfo =
            DER.integer(1) + signer.signerIdentifier + signer.digestAlgorithmIdentifier
            + DER.retag(signedAttributes, as: 0xA0)
            + signer.signatureAlgorithmIdentifier
            + DER.octetString(signatureValue)
        if !unsignedAttributes.isEmpty {
            signerInfo += DER.retag(DER.set(of: unsignedAttributes), as: 0xA1)
        }
        let signedData = DER.sequence(
            DER.integer(1),
            DER.set(of: [signer.digestAlgorithmIdentifier]),
            Self.encapsulatedData,
            signer.certificateSet,
            DER.set(of: [DER.tlv(0x30, signerInfo)]))
        return DER.sequence(Self.signedDataType, DER.context(0, signedData))
    }

    static let encapsulatedData = DER.sequence(DER.oid(idData))
    static let signedDataType = DER.oid(idSignedData)

    /// Adds an RFC 3161 timestamp token over the signature value as an unsigned attribute (CAdES-T).
    public mutating func addSignatureTimestamp(token: [UInt8]) {
        unsignedAttributes.append(Self.attribute(Self.idSignatureTimeStampToken, token))
    }
}
