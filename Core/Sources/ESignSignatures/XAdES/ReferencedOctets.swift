import ESignCrypto
import ESignXML

/// The octets a reference's transforms produce (XMLDSig § 4.4.3.2): bytes, or a whole document's
/// canonical form where the byte reader wrote it, digested in place (a copy of it into one array
/// was a tenth of a document's verification beside hashing it).
enum ReferencedOctets {
    case bytes([UInt8])
    case form(XMLCanonicalForm)

    /// The octets as one array (a copy for a form).
    var bytes: [UInt8] {
        switch self {
        case .bytes(let bytes): bytes
        case .form(let form): form.bytes
        }
    }

    /// Their digest by `algorithm`, over their pieces in place.
    func digest(_ algorithm: DigestAlgorithm) throws(OpenSSLError) -> [UInt8] {
        let digest = try Digest(algorithm)
        withPieces { pieces in
            for piece in pieces { digest.update(piece) }
        }
        return try digest.finalize()
    }

    /// Calls `body` with the octets' pieces in order, in place.
    func withPieces<Result>(_ body: ([UnsafeRawBufferPointer]) -> Result) -> Result {
        switch self {
        case .bytes(let bytes): bytes.withUnsafeBytes { body([$0]) }
        case .form(let form): form.withPieces(body)
        }
    }
}
