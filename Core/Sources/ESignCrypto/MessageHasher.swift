import COpenSSL

/// Hashes many short messages one after another with one reused OpenSSL context: the ledger hashes
/// two small records per document, millions of times in an import, where creating a context per
/// message would cost more than the hashing.
///
/// ```swift
/// let hasher = try MessageHasher(.sha256)
/// let key = hasher.hash(Array("70|1234/QĐ-UBND|2024-05-15".utf8))
/// ```
public final class MessageHasher {
    private let context: OpaquePointer
    private let md: OpaquePointer
    public let length: Int

    public init(_ algorithm: DigestAlgorithm) throws(OpenSSLError) {
        md = algorithm.evp
        context = try check(EVP_MD_CTX_new(), "EVP_MD_CTX_new")
        length = Int(EVP_MD_get_size(md))
    }

    deinit { EVP_MD_CTX_free(context) }

    /// The digest of `parts` concatenated.
    public func hash(_ parts: [UInt8]...) -> [UInt8] {
        EVP_DigestInit_ex(context, md, nil)
        for part in parts { part.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) } }
        var out = [UInt8](repeating: 0, count: length)
        var written: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &written)
        return out
    }
}
