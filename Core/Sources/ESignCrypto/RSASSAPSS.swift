/// How an RSA key pads what it signs: PKCS#1 v1.5, which every validator reads, or RSASSA-PSS
/// (PKCS#1 v2.1, RFC 8017 § 8.1), which Vietnam's technical requirements for signing software ask
/// for (Circular 15/2025/TT-BKHCN). ECDSA keys ignore it.
public enum RSAPadding: String, Sendable, Codable, CaseIterable {
    case pkcs1v15 = "pkcs1-v1_5"
    case pss
}

/// RSASSA-PSS-params (RFC 4055 § 3.1): the hash, the mask generation function and its hash, the
/// salt length and the trailer field of a PSS signature, as a signatureAlgorithm carries them.
///
/// esign writes them explicitly: hash, MGF1 with the same hash, salt as long as the hash. The
/// trailer field is 1 (trailerFieldBC), the only value RFC 4055 allows; DER writes a default
/// value by leaving it out, so esign leaves it out, and reads it when others write it.
public struct PSSParameters: Sendable, Equatable, CustomStringConvertible {
    /// Dotted OIDs of the hash and of the mask generation function's hash.
    public var hashOID: String
    public var maskGenerationOID: String
    public var maskHashOID: String
    public var saltLength: Int
    public var trailerField: Int

    /// id-RSASSA-PSS.
    public static let oid = "1.2.840.113549.1.1.10"
    /// id-mgf1.
    public static let mgf1 = "1.2.840.113549.1.1.8"
    static let sha1 = "1.3.14.3.2.26"

    /// What esign signs with for `digest`.
    public init(digest: DigestAlgorithm) {
        hashOID = digest.oid
        maskGenerationOID = Self.mgf1
        maskHashOID = digest.oid
        saltLength = digest.outputLength
        trailerField = 1
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads DER RSASSA-PSS-params. Absent fields take RFC 4055's defaults (SHA-1, MGF1 with SHA-1,
    /// salt 20, trailer 1), which the policy then judges; malformed ones are refused.
    public init(der: [UInt8]) throws(FormatError) {
        let reader = DERReader(der)
        guard let top = reader.element(at: 0), top.tag == 0x30, top.range.upperBound == der.count else {
            throw FormatError(description: "the RSASSA-PSS parameters are not a DER SEQUENCE")
        }
        hashOID = Self.sha1
        maskGenerationOID = Self.mgf1
        maskHashOID = Self.sha1
        saltLength = 20
        trailerField = 1
        var lastTag = 0
        for field in reader.children(of: top) {
            guard Int(field.tag) > lastTag, (0xA0...0xA3).contains(field.tag),
                let inner = reader.children(of: field).first, inner.range.upperBound == field.range.upperBound
            else { throw FormatError(description: "the RSASSA-PSS parameters have a malformed or misplaced field") }
            lastTag = Int(field.tag)
            switch field.tag {
            case 0xA0:
                hashOID = try Self.algorithmOID(reader, inner, "hashAlgorithm")
            case 0xA1:
                maskGenerationOID = try Self.algorithmOID(reader, inner, "maskGenAlgorithm")
                guard let hash = reader.children(of: inner).dropFirst().first else {
                    throw FormatError(description: "the mask generation function names no hash")
                }
                maskHashOID = try Self.algorithmOID(reader, hash, "the MGF1 hash")
            case 0xA2:
                saltLength = try Self.smallInteger(reader, inner, "saltLength")
            default:
                trailerField = try Self.smallInteger(reader, inner, "trailerField")
            }
        }
    }

    static func algorithmOID(
        _ reader: DERReader, _ element: DERReader.Element, _ name: String
    ) throws(FormatError)
        -> String
    {
        guard element.tag == 0x30, let oid = reader.children(of: element).first, oid.tag == 0x06 else {
            throw FormatError(description: "\(name) is not an AlgorithmIdentifier")
        }
        return DER.oidText(reader[oid.content])
    }

    static func smallInteger(
        _ reader: DERReader, _ element: DERReader.Element, _ name: String
    ) throws(FormatError)
        -> Int
    {
        let bytes = reader[element.content]
        guard element.tag == 0x02, !bytes.isEmpty, bytes.count <= 3, bytes[0] & 0x80 == 0 else {
            throw FormatError(description: "\(name) is not a small non-negative INTEGER")
        }
        return bytes.reduce(0) { $0 << 8 | Int($1) }
    }

    /// The DER parameters: hash and MGF1 hash with absent parameters (RFC 5754), the salt length,
    /// no trailer field (its default).
    public var der: [UInt8] {
        DER.sequence(
            DER.context(0, DER.algorithm(hashOID)),
            DER.context(1, DER.sequence(DER.oid(maskGenerationOID), DER.algorithm(maskHashOID))),
            DER.context(2, DER.integer(saltLength)))
    }

    /// The signatureAlgorithm AlgorithmIdentifier.
    public var algorithmIdentifier: [UInt8] { DER.sequence(DER.oid(Self.oid), der) }

    /// The hash esign can compute for `hashOID`, nil for one it does not sign with.
    public var digest: DigestAlgorithm? { DigestAlgorithm(oid: hashOID) }

    /// Why a signature with these parameters must not be accepted, or nil: a hash that is not
    /// SHA-2 or SHA-3 (RFC 4055's default is SHA-1), a hash other than the SignerInfo's digest
    /// (RFC 4056 § 3), a mask function other than MGF1 or MGF1 over another hash, a salt shorter
    /// than 20 bytes or than the hash, a trailer other than 1.
    public func violation(messageDigestOID: String?) -> String? {
        guard let digest else {
            return "the RSASSA-PSS hash \(Digest.name(ofOID: hashOID)) is not SHA-2 or SHA-3"
        }
        if let messageDigestOID, messageDigestOID != hashOID {
            return "the RSASSA-PSS hash (\(digest.openSSLName)) is not the signature's digest algorithm "
                + "(\(Digest.name(ofOID: messageDigestOID)))"
        }
        guard maskGenerationOID == Self.mgf1 else {
            return "the RSASSA-PSS mask generation function \(maskGenerationOID) is not MGF1"
        }
        guard maskHashOID == hashOID else {
            return "the MGF1 hash (\(Digest.name(ofOID: maskHashOID))) differs from the message hash "
                + "(\(digest.openSSLName))"
        }
        guard saltLength >= min(20, digest.outputLength), saltLength >= digest.outputLength / 2 else {
            return "the RSASSA-PSS salt (\(saltLength) bytes) is too short for \(digest.openSSLName)"
        }
        guard trailerField == 1 else { return "the RSASSA-PSS trailer field is \(trailerField), not 1" }
        return nil
    }

    public var description: String {
        "RSASSA-PSS (\(Digest.name(ofOID: hashOID)), MGF1 \(Digest.name(ofOID: maskHashOID)), salt \(saltLength))"
    }
}
