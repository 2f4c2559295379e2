import COpenSSL
import Foundation

/// A hash function esign signs with: SHA-2, and SHA-3 (FIPS 202), which Vietnam's requirements
/// accept beside SHA-2. SHA-1 and MD5 are deliberately absent. SHA-2 comes first: where only a
/// digest's length is known (a token's raw mechanism), a 32-byte digest is taken for SHA-256.
public enum DigestAlgorithm: String, Sendable, CaseIterable, Codable {
    case sha256, sha384, sha512
    case sha3_256 = "sha3-256"
    case sha3_384 = "sha3-384"
    case sha3_512 = "sha3-512"

    /// SHA-2 only: what formats that know no SHA-3 (PKCS#11's hashing RSA mechanisms, a CSC
    /// service's older OIDs) can be asked for.
    public var isSHA3: Bool { self == .sha3_256 || self == .sha3_384 || self == .sha3_512 }

    /// OpenSSL's implementation, fetched once: OpenSSL 3 otherwise fetches it again, under a
    /// global lock, on every use, which makes threads hashing in parallel wait for each other.
    var evp: OpaquePointer {
        switch self {
        case .sha256: return FetchedDigests.sha256
        case .sha384: return FetchedDigests.sha384
        case .sha512: return FetchedDigests.sha512
        case .sha3_256: return FetchedDigests.sha3_256
        case .sha3_384: return FetchedDigests.sha3_384
        case .sha3_512: return FetchedDigests.sha3_512
        }
    }

    var openSSLName: String {
        switch self {
        case .sha256: return "SHA256"
        case .sha384: return "SHA384"
        case .sha512: return "SHA512"
        case .sha3_256: return "SHA3-256"
        case .sha3_384: return "SHA3-384"
        case .sha3_512: return "SHA3-512"
        }
    }

    /// Dotted OID (RFC 5754).
    public var oid: String {
        switch self {
        case .sha256: return "2.16.840.1.101.3.4.2.1"
        case .sha384: return "2.16.840.1.101.3.4.2.2"
        case .sha512: return "2.16.840.1.101.3.4.2.3"
        case .sha3_256: return "2.16.840.1.101.3.4.2.8"
        case .sha3_384: return "2.16.840.1.101.3.4.2.9"
        case .sha3_512: return "2.16.840.1.101.3.4.2.10"
        }
    }

    /// Output length in bytes.
    public var outputLength: Int {
        switch self {
        case .sha256, .sha3_256: return 32
        case .sha384, .sha3_384: return 48
        case .sha512, .sha3_512: return 64
        }
    }

    /// Recognises a digest algorithm by its OID.
    public init?(oid: String) {
        guard let found = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = found
    }
}

/// Digest implementations fetched from OpenSSL's default provider once per process and kept.
final class FetchedDigests: @unchecked Sendable {
    static let shared = FetchedDigests()
    // The signing digests, fetched once without taking any lock afterwards (Swift initialises
    // static constants once, thread-safely).
    nonisolated(unsafe) static let sha256: OpaquePointer = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()
    nonisolated(unsafe) static let sha384: OpaquePointer = EVP_MD_fetch(nil, "SHA384", nil) ?? EVP_sha384()
    nonisolated(unsafe) static let sha512: OpaquePointer = EVP_MD_fetch(nil, "SHA512", nil) ?? EVP_sha512()
    nonisolated(unsafe) static let sha3_256: OpaquePointer = EVP_MD_fetch(nil, "SHA3-256", nil) ?? EVP_sha3_256()
    nonisolated(unsafe) static let sha3_384: OpaquePointer = EVP_MD_fetch(nil, "SHA3-384", nil) ?? EVP_sha3_384()
    nonisolated(unsafe) static let sha3_512: OpaquePointer = EVP_MD_fetch(nil, "SHA3-512", nil) ?? EVP_sha3_512()
    private let lock = NSLock()
    private var byName: [String: OpaquePointer] = [:]

    /// The fetched EVP_MD for an OpenSSL digest name ("SHA256", "SHAKE256", "SHA1"), or nil.
    func md(named name: String) -> OpaquePointer? {
        lock.lock()
        defer { lock.unlock() }
        if let md = byName[name] { return md }
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            ERR_clear_error()
            return nil
        }
        byName[name] = md  // kept for the life of the process
        return md
    }
}
