/// A ContentInfo(SignedData) (RFC 5652) taken apart into the exact encodings of its fields, so that
/// certificates, revocation data and unsigned attributes can be added and everything else is
/// written back byte for byte: what a signature or a timestamp covers never changes.
///
/// CAdES long-term levels (ETSI EN 319 122-1) are built this way, and the archive-time-stamp-v3
/// of a `.p7s` is checked against these same encodings.
///
/// ```swift
/// var structure = try SignedDataStructure(der: p7s)
/// structure.add(certificates: [tsa.der])
/// structure.add(ocspResponses: [response])
/// let extended = structure.encoded()
/// ```
public struct SignedDataStructure: Sendable {
    /// One SignerInfo: the fields its signature and archive timestamps cover, and its unsigned
    /// attributes (each an Attribute SEQUENCE, in the order they appear).
    public struct SignerFields: Sendable {
        /// version, sid, digestAlgorithm, signedAttrs ([0]), signatureAlgorithm and signature, each
        /// as encoded (tag, length and content), in order.
        public internal(set) var coveredFields: [[UInt8]]
        public var unsignedAttributes: [[UInt8]]

        /// The values of every unsigned attribute of `type`, each as encoded.
        public func unsignedValues(_ type: String) -> [[UInt8]] {
            let oid = DER.oid(type)
            return unsignedAttributes.flatMap { attribute -> [[UInt8]] in
                guard let (attributeType, values) = SignedDataStructure.split(attribute: attribute),
                    attributeType == oid
                else { return [] }
                return values
            }
        }

        /// The signature value (the content of the last covered field, an OCTET STRING).
        public var signatureValue: [UInt8] {
            guard let last = coveredFields.last, let element = DERReader(last).element(at: 0) else { return [] }
            return Array(last[element.content])
        }
    }

    /// SignedData's version (1, 3, 4 or 5).
    public private(set) var version: Int
    let versionField: [UInt8]
    let digestAlgorithms: [UInt8]
    /// encapContentInfo as encoded, and its eContentType OBJECT IDENTIFIER as encoded.
    public let encapsulatedContentInfo: [UInt8]
    public let contentType: [UInt8]
    /// Each CertificateChoices of `certificates` as encoded.
    public var certificates: [[UInt8]]
    /// Each RevocationInfoChoice of `crls` as encoded: a CertificateList, or [1]
    /// OtherRevocationInfoFormat (an OCSP response, RFC 5940).
    public var revocationInfoChoices: [[UInt8]]
    public var signers: [SignerFields]

    /// id-ri-ocsp-response (RFC 5940): an OCSPResponse carried in SignedData.crls.
    public static let idOCSPResponseRevocation = "1.3.6.1.5.5.7.16.2"
    static let idSignedData = "1.2.840.113549.1.7.2"

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Takes apart a DER ContentInfo(SignedData). Anything else (BER with indefinite lengths,
    /// trailing bytes, another content type) is refused: it could not be written back exactly.
    public init(der: [UInt8]) throws(FormatError) {
        let reader = DERReader(der)
        guard let contentInfo = reader.element(at: 0), contentInfo.tag == 0x30,
            contentInfo.range.upperBound == der.count
        else { throw FormatError(description: "not a DER-encoded CMS ContentInfo") }
        let outer = try Self.children(reader, contentInfo)
        guard outer.count == 2, outer[0].tag == 0x06, reader[outer[0].range] == DER.oid(Self.idSignedData),
            outer[1].tag == 0xA0
        else { throw FormatError(description: "the ContentInfo does not hold a SignedData") }
        let explicit = try Self.children(reader, outer[1])
        guard explicit.count == 1, explicit[0].tag == 0x30 else {
            throw FormatError(description: "the SignedData is not a SEQUENCE")
        }
        var fields = try Self.children(reader, explicit[0])[...]
        guard let versionElement = fields.popFirst(), versionElement.tag == 0x02, versionElement.content.count == 1,
            let algorithms = fields.popFirst(), algorithms.tag == 0x31,
            let encap = fields.popFirst(), encap.tag == 0x30, let signerInfos = fields.popLast(),
            signerInfos.tag == 0x31
        else { throw FormatError(description: "the SignedData's fields are not version, algorithms, content, signers") }
        version = Int(der[versionElement.content.lowerBound])
        versionField = reader[versionElement.range]
        digestAlgorithms = reader[algorithms.range]
        encapsulatedContentInfo = reader[encap.range]
        guard let type = try Self.children(reader, encap).first, type.tag == 0x06 else {
            throw FormatError(description: "encapContentInfo has no eContentType")
        }
        contentType = reader[type.range]
        certificates = []
        revocationInfoChoices = []
        if let field = fields.first, field.tag == 0xA0 {
            certificates = try Self.children(reader, field).map { reader[$0.range] }
            fields.removeFirst()
        }
        if let field = fields.first, field.tag == 0xA1 {
            revocationInfoChoices = try Self.children(reader, field).map { reader[$0.range] }
            fields.removeFirst()
        }
        guard fields.isEmpty else { throw FormatError(description: "the SignedData has unexpected fields") }
        signers = try Self.children(reader, signerInfos).map { element throws(FormatError) in
            guard element.tag == 0x30 else { throw FormatError(description: "a SignerInfo is not a SEQUENCE") }
            var covered = try Self.children(reader, element)
            var unsigned: [[UInt8]] = []
            if let last = covered.last, last.tag == 0xA1 {
                unsigned = try Self.children(reader, last).map { reader[$0.range] }
                covered.removeLast()
            }
            guard covered.count >= 5, covered.count <= 6, covered.last?.tag == 0x04,
                !covered.contains(where: { $0.tag == 0xA1 })
            else { throw FormatError(description: "a SignerInfo's fields are not in the order RFC 5652 gives") }
            return SignerFields(coveredFields: covered.map { reader[$0.range] }, unsignedAttributes: unsigned)
        }
    }

    /// The elements inside `parent`, which must fill it exactly.
    static func children(_ reader: DERReader, _ parent: DERReader.Element) throws(FormatError) -> [DERReader.Element] {
        let children = reader.children(of: parent)
        guard (children.last?.range.upperBound ?? parent.content.lowerBound) == parent.content.upperBound else {
            throw FormatError(description: "malformed DER inside the SignedData")
        }
        return children
    }

    /// An Attribute's encoded attrType and each of its encoded values.
    static func split(attribute: [UInt8]) -> (type: [UInt8], values: [[UInt8]])? {
        let reader = DERReader(attribute)
        guard let top = reader.element(at: 0), top.tag == 0x30 else { return nil }
        let parts = reader.children(of: top)
        guard parts.count == 2, parts[0].tag == 0x06, parts[1].tag == 0x31 else { return nil }
        return (reader[parts[0].range], reader.children(of: parts[1]).map { reader[$0.range] })
    }

    /// Adds certificates not already present.
    public mutating func add(certificates added: [[UInt8]]) {
        for certificate in added where !certificates.contains(certificate) { certificates.append(certificate) }
    }

    /// Adds CRLs not already present.
    public mutating func add(crls: [[UInt8]]) {
        for crl in crls where !revocationInfoChoices.contains(crl) { revocationInfoChoices.append(crl) }
    }

    /// Adds OCSP responses (OCSPResponse DER) not already present, as OtherRevocationInfoFormat.
    public mutating func add(ocspResponses: [[UInt8]]) {
        for response in ocspResponses {
            let choice = DER.tlv(0xA1, DER.oid(Self.idOCSPResponseRevocation) + response)
            if !revocationInfoChoices.contains(choice) { revocationInfoChoices.append(choice) }
        }
        // RFC 5652 § 5.1: other revocation formats make the version 5.
        if revocationInfoChoices.contains(where: { $0.first == 0xA1 }) { version = max(version, 5) }
    }

    /// The CRLs and OCSP responses (OCSPResponse) `crls` holds.
    public var revocationData: (crls: [[UInt8]], ocspResponses: [[UInt8]]) {
        var crls: [[UInt8]] = []
        var responses: [[UInt8]] = []
        let ocsp = DER.oid(Self.idOCSPResponseRevocation)
        for choice in revocationInfoChoices {
            if choice.first == 0x30 {
                crls.append(choice)
                continue
            }
            let reader = DERReader(choice)
            guard choice.first == 0xA1, let top = reader.element(at: 0) else { continue }
            let parts = reader.children(of: top)
            if parts.count == 2, reader[parts[0].range] == ocsp { responses.append(reader[parts[1].range]) }
        }
        return (crls, responses)
    }

    /// Signs signer `index`'s signed attributes again with `key` (RSASSA-PSS when `padding` says so)
    /// and writes the new signatureAlgorithm and signature; everything the signature covers stays
    /// as it was. For SignedData made by an engine that cannot pad with PSS (OpenSSL's PKCS#7,
    /// under its TSA).
    public mutating func resign(
        signer index: Int, key: PrivateKey, digest: DigestAlgorithm, padding: RSAPadding
    ) throws(FormatError) {
        var fields = signers[index].coveredFields
        guard fields.count == 6, fields[3].first == 0xA0 else {
            throw FormatError(description: "the SignerInfo has no signed attributes to sign")
        }
        let signed = DER.retag(fields[3], as: 0x31)
        do {
            fields[5] = DER.octetString(try key.sign(signed, digest: digest, padding: padding))
        } catch {
            throw FormatError(description: "signing the timestamp token failed: \(error)")
        }
        fields[4] = key.signatureAlgorithmIdentifier(digest: digest, padding: padding)
        signers[index].coveredFields = fields
    }

    /// Replaces `old` by `new` (of the same length) in signer `index`'s signed attributes, where it
    /// must occur exactly once: before the attributes are signed again.
    public mutating func replaceInSignedAttributes(
        signer index: Int, _ old: [UInt8], with new: [UInt8]
    ) throws(FormatError) {
        var fields = signers[index].coveredFields
        guard old.count == new.count, fields.count == 6, fields[3].first == 0xA0,
            let range = fields[3].firstRange(of: old), fields[3][range.upperBound...].firstRange(of: old) == nil
        else { throw FormatError(description: "the signed attributes do not hold the value to replace once") }
        fields[3].replaceSubrange(range, with: new)
        signers[index].coveredFields = fields
    }

    /// Appends an unsigned attribute with one value to signer `index`.
    public mutating func appendUnsignedAttribute(signer index: Int, type: String, value: [UInt8]) {
        signers[index].unsignedAttributes.append(DER.sequence(DER.oid(type), DER.tlv(0x31, value)))
    }

    /// The ContentInfo, DER: untouched fields as they were read, added ones after them.
    public func encoded() -> [UInt8] {
        var body = (version == Int(versionField.last ?? 0) ? versionField : DER.integer(version))
        body += digestAlgorithms + encapsulatedContentInfo
        if !certificates.isEmpty { body += DER.tlv(0xA0, certificates.flatMap { $0 }) }
        if !revocationInfoChoices.isEmpty { body += DER.tlv(0xA1, revocationInfoChoices.flatMap { $0 }) }
        let signerInfos = signers.map { signer -> [UInt8] in
            var fields = signer.coveredFields.flatMap { $0 }
            if !signer.unsignedAttributes.isEmpty { fields += DER.tlv(0xA1, signer.unsignedAttributes.flatMap { $0 }) }
            return DER.tlv(0x30, fields)
        }
        body = DER.tlv(0x30, body + DER.tlv(0x31, signerInfos.flatMap { $0 }))
        return DER.sequence(DER.oid(Self.idSignedData), DER.context(0, body))
    }
}
