import COpenSSL

/// A running hash over data fed in pieces: how esign hashes files it never holds whole in memory.
///
/// ```swift
/// let digest = try Digest(.sha256)
/// digest.update(chunk1); digest.update(chunk2)
/// let value = try digest.finalize()
/// ```
public final class Digest {
    private let context: OpaquePointer
    public let algorithm: DigestAlgorithm

    public init(_ algorithm: DigestAlgorithm) throws(OpenSSLError) {
        self.algorithm = algorithm
        context = try check(EVP_MD_CTX_new(), "EVP_MD_CTX_new")
        guard EVP_DigestInit_ex(context, algorithm.evp, nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw OpenSSLError.capture("EVP_DigestInit_ex")
        }
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func update<C: Collection>(contentsOf bytes: C) where C.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) { return done }
        update(Array(bytes))
    }

    /// The digest value; the object must not be used afterwards.
    public func finalize() throws(OpenSSLError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        try check(EVP_DigestFinal_ex(context, &out, &length), "EVP_DigestFinal_ex")
        return Array(out.prefix(Int(length)))
    }

    /// One-shot hash of a byte array.
    public static func hash(_ bytes: [UInt8], _ algorithm: DigestAlgorithm) throws(OpenSSLError) -> [UInt8] {
        let digest = try Digest(algorithm)
        digest.update(bytes)
        return try digest.finalize()
    }
}
