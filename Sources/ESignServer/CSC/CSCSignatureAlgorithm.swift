import ESignSigning
import Foundation

/// The signature algorithms of `signatures/signHash`, by the OIDs the CSC API names them with:
/// the digest (from `signAlgo`, or from `hashAlgo` where the OID does not say) and the padding.
struct CSCSignatureAlgorithm: Equatable {
    var digest: DigestAlgorithm
    var pss: Bool
    var rsa: Bool
    /// RSASSA-PSS: the salt length (from `signAlgoParams`, else the digest's length).
    var saltLength: Int?

    static let rsaEncryption = "1.2.840.113549.1.1.1"
    static let rsaPSS = "1.2.840.113549.1.1.10"
    static let ecPublicKey = "1.2.840.10045.2.1"
    static let withDigest: [String: (DigestAlgorithm, rsa: Bool)] = [
        "1.2.840.113549.1.1.11": (.sha256, true), "1.2.840.113549.1.1.12": (.sha384, true),
        "1.2.840.113549.1.1.13": (.sha512, true), "1.2.840.10045.4.3.2": (.sha256, false),
        "1.2.840.10045.4.3.3": (.sha384, false), "1.2.840.10045.4.3.4": (.sha512, false),
    ]

    /// The OIDs a key of this kind signs with (for `credentials/info`'s `key.algo`).
    static func supported(rsa: Bool) -> [String] {
        rsa
            ? [rsaEncryption, "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", rsaPSS]
            : [ecPublicKey, "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"]
    }

    /// The algorithm of a request, or what is wrong with it.
    init(signAlgo: String, hashAlgo: String?, parameters: String?, keyIsRSA: Bool) throws(CSCError) {
        let named = hashAlgo.map { DigestAlgorithm(oid: $0) }
        if let hashAlgo, named == nil || named! == nil {
            throw .invalidRequest("Invalid parameter hashAlgo: \(hashAlgo) is not a SHA-2 or SHA-3 digest")
        }
        let hash = named ?? nil
        if let (digest, rsa) = Self.withDigest[signAlgo] {
            if let hash, hash != digest {
                throw .invalidRequest("Invalid parameter hashAlgo: it does not match signAlgo")
            }
            self.init(digest: digest, pss: false, rsa: rsa)
        } else if [Self.rsaEncryption, Self.rsaPSS, Self.ecPublicKey].contains(signAlgo) {
            guard let hash else {
                throw .invalidRequest("Missing parameter hashAlgo (signAlgo does not name a digest)")
            }
            self.init(digest: hash, pss: signAlgo == Self.rsaPSS, rsa: signAlgo != Self.ecPublicKey)
        } else {
            throw .invalidRequest("Invalid parameter signAlgo: \(signAlgo) is not supported")
        }
        guard rsa == keyIsRSA else {
            throw .invalidRequest("Invalid parameter signAlgo: the credential's key is \(keyIsRSA ? "RSA" : "EC")")
        }
        if pss {
            saltLength = digest.outputLength
            if let parameters {
                guard let der = Data(base64Encoded: parameters) else {
                    throw .invalidRequest("Invalid parameter signAlgoParams: not Base64")
                }
                saltLength = try Self.pssSaltLength([UInt8](der), digest: digest)
            }
        }
    }

    /// The salt length of DER RSASSA-PSS-params (RFC 4055): the hash and the MGF1 hash must be
    /// `digest`; the trailer field, if present, 1.
    static func pssSaltLength(_ der: [UInt8], digest: DigestAlgorithm) throws(CSCError) -> Int {
        let reader = DERReader(der)
        guard let sequence = reader.element(at: 0), sequence.tag == 0x30 else {
            throw .invalidRequest("Invalid parameter signAlgoParams: not RSASSA-PSS-params")
        }
        var salt = 20
        for field in reader.children(of: sequence) {
            guard let inner = reader.children(of: field).first else { continue }
            switch field.tag {
            case 0xA0, 0xA1:
                // hashAlgorithm, or maskGenAlgorithm (MGF1 whose parameter is the hash's AlgorithmIdentifier).
                var algorithm = inner
                if field.tag == 0xA1 {
                    guard let mgfParameters = reader.children(of: inner).dropFirst().first else {
                        throw .invalidRequest("Invalid parameter signAlgoParams: MGF without a hash")
                    }
                    algorithm = mgfParameters
                }
                guard let oid = reader.children(of: algorithm).first, oid.tag == 0x06,
                    reader[oid.range] == DER.oid(digest.oid)
                else { throw .invalidRequest("Invalid parameter signAlgoParams: its hash is not hashAlgo") }
            case 0xA2:
                guard inner.tag == 0x02, inner.content.count <= 2 else {
                    throw .invalidRequest("Invalid parameter signAlgoParams: salt length")
                }
                salt = reader[inner.content].reduce(0) { $0 << 8 | Int($1) }
            case 0xA3:
                guard inner.tag == 0x02, reader[inner.content] == [1] else {
                    throw .invalidRequest("Invalid parameter signAlgoParams: trailer field")
                }
            default:
                throw .invalidRequest("Invalid parameter signAlgoParams: unknown field")
            }
        }
        return salt
    }

    init(digest: DigestAlgorithm, pss: Bool, rsa: Bool) {
        self.digest = digest
        self.pss = pss
        self.rsa = rsa
        saltLength = nil
    }
}
