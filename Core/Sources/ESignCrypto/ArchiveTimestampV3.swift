/// The CAdES archive-time-stamp-v3 (ETSI EN 319 122-1 § 5.5.3) and its ats-hash-index-v3
/// (§ 5.5.2): a timestamp over a detached signature, its signed data, and every certificate,
/// revocation value and unsigned attribute present when it was taken, so that a `.p7s` keeps
/// its proof after its certificates expire (CAdES B-LTA).
///
/// The timestamp's imprint is the hash of, in order: the eContentType, the hash of the signed
/// data, the SignerInfo's version, sid, digestAlgorithm, signedAttrs, signatureAlgorithm and
/// signature as encoded, and the ATSHashIndexV3. The index lists a hash of each certificate, each
/// RevocationInfoChoice, and each value of each unsigned attribute (attrType followed by the
/// value); it travels as an unsigned attribute of the timestamp token itself. What is added to the
/// signature afterwards (later timestamps, their validation data) is simply not in the index.
///
/// ```swift
/// let index = try ArchiveTimestampV3.hashIndex(of: structure, signer: 0, digest: .sha256)
/// let imprint = try ArchiveTimestampV3.imprint(
///     of: structure, signer: 0, contentDigest: documentHash, hashIndex: index, digest: .sha256)
/// ```
public enum ArchiveTimestampV3 {
    /// id-aa-ets-archiveTimestampV3.
    public static let idArchiveTimestampV3 = "0.4.0.1733.2.4"
    /// id-aa-ATSHashIndex-v3.
    public static let idATSHashIndexV3 = "0.4.0.19122.1.5"

    /// An ATSHashIndexV3 read from a token.
    public struct HashIndex: Sendable {
        public let digest: DigestAlgorithm
        public let certificates: [[UInt8]]
        public let crls: [[UInt8]]
        public let unsignedAttributes: [[UInt8]]
        /// The index exactly as encoded in the token (what the imprint covers).
        public let encoded: [UInt8]
    }

    /// The ATSHashIndexV3 (DER) of signer `signer` as the structure stands.
    public static func hashIndex(
        of structure: SignedDataStructure, signer: Int, digest: DigestAlgorithm
    ) throws(OpenSSLError) -> [UInt8] {
        let certificates = try structure.certificates.map { bytes throws(OpenSSLError) in
            DER.octetString(try Digest.hash(bytes, digest))
        }
        let crls = try structure.revocationInfoChoices.map { bytes throws(OpenSSLError) in
            DER.octetString(try Digest.hash(bytes, digest))
        }
        let attributes = try attributeValueHashes(structure.signers[signer], digest: digest).map(DER.octetString)
        // hashIndAlgorithm DEFAULT {algorithm id-sha256}: DER leaves the default out.
        let algorithm = digest == .sha256 ? [] : DER.algorithm(digest.oid)
        return DER.sequence(
            algorithm, DER.sequence(of: certificates), DER.sequence(of: crls), DER.sequence(of: attributes))
    }

    /// One hash per value of each unsigned attribute: attrType followed by the value, as encoded.
    static func attributeValueHashes(
        _ signer: SignedDataStructure.SignerFields, digest: DigestAlgorithm
    ) throws(OpenSSLError) -> [[UInt8]] {
        var hashes: [[UInt8]] = []
        for attribute in signer.unsignedAttributes {
            guard let (type, values) = SignedDataStructure.split(attribute: attribute) else { continue }
            for value in values { hashes.append(try Digest.hash(type + value, digest)) }
        }
        return hashes
    }

    /// The archive timestamp's message imprint for signer `signer`, given the hash of the signed
    /// data (`contentDigest`) and the encoded index, both under `digest`.
    public static func imprint(
        of structure: SignedDataStructure, signer: Int, contentDigest: [UInt8], hashIndex: [UInt8],
        digest: DigestAlgorithm
    ) throws(OpenSSLError) -> [UInt8] {
        let hasher = try Digest(digest)
        hasher.update(structure.contentType)
        hasher.update(contentDigest)
        for field in structure.signers[signer].coveredFields { hasher.update(field) }
        hasher.update(hashIndex)
        return try hasher.finalize()
    }

    /// The timestamp token with the index added as an unsigned attribute of its SignerInfo; the
    /// TSA's signature covers only its signed attributes, so it still verifies.
    public static func token(
        _ token: [UInt8], addingHashIndex index: [UInt8]
    ) throws(SignedDataStructure.FormatError) -> [UInt8] {
        var structure = try SignedDataStructure(der: token)
        guard !structure.signers.isEmpty else {
            throw SignedDataStructure.FormatError(description: "the timestamp token has no SignerInfo")
        }
        structure.appendUnsignedAttribute(signer: 0, type: idATSHashIndexV3, value: index)
        return structure.encoded()
    }

    /// The single ats-hash-index-v3 of an archive timestamp token, or why there is none.
    public static func hashIndex(inToken token: [UInt8]) -> Result<HashIndex, SignedDataStructure.FormatError> {
        func failure(_ text: String) -> Result<HashIndex, SignedDataStructure.FormatError> {
            .failure(SignedDataStructure.FormatError(description: text))
        }
        let structure: SignedDataStructure
        do { structure = try SignedDataStructure(der: token) } catch { return .failure(error) }
        guard structure.signers.count == 1 else { return failure("the archive timestamp has not one SignerInfo") }
        let values = structure.signers[0].unsignedValues(idATSHashIndexV3)
        guard values.count == 1 else {
            return failure("the archive timestamp carries \(values.count) ats-hash-index-v3 values, not one")
        }
        let encoded = values[0]
        let reader = DERReader(encoded)
        guard let top = reader.element(at: 0), top.tag == 0x30, top.range.upperBound == encoded.count else {
            return failure("the ats-hash-index-v3 is not a SEQUENCE")
        }
        var parts = reader.children(of: top)[...]
        var digest = DigestAlgorithm.sha256
        if parts.count == 4, let algorithm = parts.popFirst() {
            let oid = reader.children(of: algorithm).first.map { reader[$0.range] } ?? []
            guard let known = DigestAlgorithm.allCases.first(where: { DER.oid($0.oid) == oid }) else {
                return failure("the ats-hash-index-v3 names an unknown hash algorithm")
            }
            digest = known
        }
        guard parts.count == 3, parts.allSatisfy({ $0.tag == 0x30 }) else {
            return failure("the ats-hash-index-v3 is not (algorithm, certificates, crls, attributes)")
        }
        var lists: [[[UInt8]]] = []
        for list in parts {
            let items = reader.children(of: list)
            guard items.allSatisfy({ $0.tag == 0x04 && $0.content.count == digest.outputLength }) else {
                return failure("an ats-hash-index-v3 entry is not a \(digest) hash")
            }
            lists.append(items.map { reader[$0.content] })
        }
        return .success(
            HashIndex(
                digest: digest, certificates: lists[0], crls: lists[1], unsignedAttributes: lists[2], encoded: encoded))
    }

    /// The first entry of `index` that names nothing in the structure now (something covered was
    /// changed or removed after the timestamp), or nil when every entry names an element present.
    public static func missingEntry(
        _ index: HashIndex, in structure: SignedDataStructure, signer: Int
    ) throws(OpenSSLError) -> String? {
        let certificates = Set(
            try structure.certificates.map { bytes throws(OpenSSLError) in try Digest.hash(bytes, index.digest) })
        let crls = Set(
            try structure.revocationInfoChoices.map { bytes throws(OpenSSLError) in
                try Digest.hash(bytes, index.digest)
            })
        let attributes = Set(try attributeValueHashes(structure.signers[signer], digest: index.digest))
        if let i = index.certificates.firstIndex(where: { !certificates.contains($0) }) {
            return "certificate \(i + 1) of the index is no longer in the signature"
        }
        if let i = index.crls.firstIndex(where: { !crls.contains($0) }) {
            return "revocation value \(i + 1) of the index is no longer in the signature"
        }
        if let i = index.unsignedAttributes.firstIndex(where: { !attributes.contains($0) }) {
            return "unsigned attribute value \(i + 1) of the index is no longer in the signature"
        }
        return nil
    }
}
