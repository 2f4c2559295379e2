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
    /// Output length for extendable-output functions (SHAKE), nil for fixed-length digests.
    private let xofLength: Int?

    public convenience init(_ algorithm: DigestAlgorithm) throws(OpenSSLError) {
        try self.init(md: algorithm.evp, xofLength: nil)
    }

    /// Any digest OpenSSL knows by OID, for verifying signatures made by others (SHA-1 and MD5
    /// included, so that a policy can name and reject them; SHAKE256 with 512-bit output, RFC 8419).
    public convenience init(oid: String) throws(OpenSSLError) {
        guard let md = FetchedDigests.shared.md(named: Digest.name(ofOID: oid)) else {
            throw OpenSSLError(operation: "unsupported digest \(oid)")
        }
        let isXOF = (EVP_MD_get_flags(md) & UInt(EVP_MD_FLAG_XOF)) != 0
        try self.init(md: md, xofLength: isXOF ? 64 : nil)
    }

    private init(context: OpaquePointer, xofLength: Int?) {
        self.context = context
        self.xofLength = xofLength
    }

    /// A second digest in the same state: both go on independently (one hash of a shared prefix
    /// serves two messages that continue differently).
    public func copy() throws(OpenSSLError) -> Digest {
        let duplicate = try check(EVP_MD_CTX_new(), "EVP_MD_CTX_new")
        guard EVP_MD_CTX_copy_ex(duplicate, context) == 1 else {
            EVP_MD_CTX_free(duplicate)
            throw OpenSSLError.capture("EVP_MD_CTX_copy_ex")
        }
        return Digest(context: duplicate, xofLength: xofLength)
    }

    private init(md: OpaquePointer, xofLength: Int?) throws(OpenSSLError) {
        self.xofLength = xofLength
        context = try check(EVP_MD_CTX_new(), "EVP_MD_CTX_new")
        guard EVP_DigestInit_ex(context, md, nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw OpenSSLError.capture("EVP_DigestInit_ex")
        }
    }

    /// OpenSSL's short name for a digest OID ("SHA256", "SHA1", "SHAKE256"), or the OID itself.
    public static func name(ofOID oid: String) -> String {
        if let known = DigestAlgorithm(oid: oid) { return known.openSSLName }
        guard let object = OBJ_txt2obj(oid, 1) else { return oid }
        defer { ASN1_OBJECT_free(object) }
        let nid = OBJ_obj2nid(object)
        guard nid != NID_undef, let sn = OBJ_nid2sn(nid) else { return oid }
        return String(cString: sn)
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
        if let xofLength {
            var out = [UInt8](repeating: 0, count: xofLength)
            try check(EVP_DigestFinalXOF(context, &out, xofLength), "EVP_DigestFinalXOF")
            return out
        }
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
