import ESignCrypto

/// The names XML signatures are written with: namespaces, transforms, the digest and signature
/// methods esign signs with and accepts (W3C XMLDSig, RFC 6931, RFC 9231, ETSI EN 319 132-1).
public enum XMLDSig {
    /// XML-Signature Syntax and Processing (`ds:`).
    public static let namespace = "http://www.w3.org/2000/09/xmldsig#"
    /// XAdES 1.3.2 (`xades:`), and its 1.4.1 additions (`xades141:`).
    public static let xades = "http://uri.etsi.org/01903/v1.3.2#"
    public static let xades141 = "http://uri.etsi.org/01903/v1.4.1#"
    public static let envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    public static let signedPropertiesType = "http://uri.etsi.org/01903#SignedProperties"
}

/// A DigestMethod.
enum XMLDigestMethod {
    static func uri(_ digest: DigestAlgorithm) -> String {
        switch digest {
        case .sha256: return "http://www.w3.org/2001/04/xmlenc#sha256"
        case .sha384: return "http://www.w3.org/2001/04/xmldsig-more#sha384"
        case .sha512: return "http://www.w3.org/2001/04/xmlenc#sha512"
        case .sha3_256: return "http://www.w3.org/2007/05/xmldsig-more#sha3-256"
        case .sha3_384: return "http://www.w3.org/2007/05/xmldsig-more#sha3-384"
        case .sha3_512: return "http://www.w3.org/2007/05/xmldsig-more#sha3-512"
        }
    }

    /// The digest a URI names, or nil (SHA-1 and SHA-224 included as refused names by the caller).
    static func algorithm(_ uri: String) -> DigestAlgorithm? {
        DigestAlgorithm.allCases.first { Self.uri($0) == uri }
    }

    /// URIs of digests esign knows but no longer accepts.
    static let weak: [String: String] = [
        "http://www.w3.org/2000/09/xmldsig#sha1": "SHA-1",
        "http://www.w3.org/2001/04/xmldsig-more#sha224": "SHA-224",
        "http://www.w3.org/2001/04/xmldsig-more#md5": "MD5",
    ]
}

/// A SignatureMethod: key type, digest and (RSA) padding.
struct XMLSignatureMethod: Equatable, Sendable {
    enum KeyType: Sendable { case rsa, ecdsa }
    let keyType: KeyType
    let digest: DigestAlgorithm
    let padding: RSAPadding

    var uri: String {
        switch (keyType, padding) {
        case (.ecdsa, _):
            switch digest {
            case .sha256: return "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
            case .sha384: return "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
            case .sha512: return "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"
            case .sha3_256: return "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-256"
            case .sha3_384: return "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-384"
            case .sha3_512: return "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-512"
            }
        case (.rsa, .pss):
            // RFC 6931 § 2.3.10: MGF1 with the same hash, salt as long as the hash, trailer 1.
            switch digest {
            case .sha256: return "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
            case .sha384: return "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
            case .sha512: return "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
            case .sha3_256: return "http://www.w3.org/2007/05/xmldsig-more#sha3-256-rsa-MGF1"
            case .sha3_384: return "http://www.w3.org/2007/05/xmldsig-more#sha3-384-rsa-MGF1"
            case .sha3_512: return "http://www.w3.org/2007/05/xmldsig-more#sha3-512-rsa-MGF1"
            }
        case (.rsa, .pkcs1v15):
            switch digest {
            case .sha256: return "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
            case .sha384: return "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
            case .sha512: return "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
            case .sha3_256: return "http://www.w3.org/2021/04/xmldsig-more#rsa-sha3-256"
            case .sha3_384: return "http://www.w3.org/2021/04/xmldsig-more#rsa-sha3-384"
            case .sha3_512: return "http://www.w3.org/2021/04/xmldsig-more#rsa-sha3-512"
            }
        }
    }

    /// What the report calls it, as for CMS signatures.
    var name: String {
        switch (keyType, padding) {
        case (.ecdsa, _): return "ECDSA with \(Digest.name(ofOID: digest.oid))"
        case (.rsa, .pss): return PSSParameters(digest: digest).description
        case (.rsa, .pkcs1v15): return "RSA PKCS#1 v1.5 with \(Digest.name(ofOID: digest.oid))"
        }
    }

    static let all: [XMLSignatureMethod] = DigestAlgorithm.allCases.flatMap { digest in
        [
            XMLSignatureMethod(keyType: .ecdsa, digest: digest, padding: .pkcs1v15),
            XMLSignatureMethod(keyType: .rsa, digest: digest, padding: .pss),
            XMLSignatureMethod(keyType: .rsa, digest: digest, padding: .pkcs1v15),
        ]
    }

    init(keyType: KeyType, digest: DigestAlgorithm, padding: RSAPadding) {
        self.keyType = keyType
        self.digest = digest
        self.padding = keyType == .rsa ? padding : .pkcs1v15
    }

    init?(uri: String) {
        guard let method = Self.all.first(where: { $0.uri == uri }) else { return nil }
        self = method
    }

    /// URIs of signature methods esign knows but no longer accepts.
    static let weak: [String: String] = [
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "RSA with SHA-1",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": "ECDSA with SHA-1",
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1": "DSA with SHA-1",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-md5": "RSA with MD5",
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1": "HMAC-SHA1 (a shared secret, not a signature)",
    ]
}
