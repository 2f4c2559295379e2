import COpenSSL

/// A hash function esign signs with. SHA-1 and MD5 are deliberately absent.
public enum DigestAlgorithm: String, Sendable, CaseIterable, Codable {
    case sha256, sha384, sha512

    /// OpenSSL's implementation.
    var evp: OpaquePointer {
        switch self {
        case .sha256: return EVP_sha256()
        case .sha384: return EVP_sha384()
        case .sha512: return EVP_sha512()
        }
    }

    /// Dotted OID (RFC 5754).
    public var oid: String {
        switch self {
        case .sha256: return "2.16.840.1.101.3.4.2.1"
        case .sha384: return "2.16.840.1.101.3.4.2.2"
        case .sha512: return "2.16.840.1.101.3.4.2.3"
        }
    }

    /// Output length in bytes.
    public var outputLength: Int {
        switch self {
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }

    /// Recognises a digest algorithm by its OID.
    public init?(oid: String) {
        guard let found = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = found
    }
}
