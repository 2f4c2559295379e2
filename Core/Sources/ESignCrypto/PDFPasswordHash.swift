import COpenSSL

/// The password hash of PDF's standard security handler, revision 6 (ISO 32000-2 § 7.6.4.3.4,
/// algorithm 2.B): at least 64 rounds, each encrypting 64 copies of (password ‖ K ‖ user data)
/// with AES-128-CBC under K and hashing the result with SHA-256, -384 or -512 as its first 16
/// bytes say. Deliberately slow; here one cipher context, one digest context and two buffers
/// serve every round, so that the time goes into AES and SHA-2 alone.
public enum PDFPasswordHash {
    public static func revision6(password: [UInt8], salt: [UInt8], userData: [UInt8]) throws(OpenSSLError) -> [UInt8] {
        let cipher = try check(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new")
        defer { EVP_CIPHER_CTX_free(cipher) }
        let digest = try check(EVP_MD_CTX_new(), "EVP_MD_CTX_new")
        defer { EVP_MD_CTX_free(digest) }
        let digests = [DigestAlgorithm.sha256.evp, DigestAlgorithm.sha384.evp, DigestAlgorithm.sha512.evp]

        /// K = the digest of the first `count` bytes of `data` (false when OpenSSL fails).
        func hash(_ md: OpaquePointer, _ data: [UInt8], count: Int, into k: inout [UInt8]) -> Bool {
            var length: UInt32 = 0
            k = [UInt8](repeating: 0, count: 64)
            let status = k.withUnsafeMutableBufferPointer { out in
                data.withUnsafeBufferPointer { input in
                    EVP_DigestInit_ex(digest, md, nil) == 1
                        && EVP_DigestUpdate(digest, input.baseAddress, count) == 1
                        && EVP_DigestFinal_ex(digest, out.baseAddress, &length) == 1
                }
            }
            k.removeSubrange(Int(length)...)
            return status
        }

        var k: [UInt8] = []
        let first = password + salt + userData
        guard hash(digests[0], first, count: first.count, into: &k) else {
            throw OpenSSLError.capture("the revision 6 password hash")
        }
        let longest = (password.count + 64 + userData.count) * 64
        var k1 = [UInt8](repeating: 0, count: longest)
        var e = [UInt8](repeating: 0, count: longest + 16)
        var round = 0
        while true {
            // K1: 64 copies of password ‖ K ‖ user data.
            let block = password + k + userData
            let length = block.count * 64
            k1.withUnsafeMutableBufferPointer { out in
                block.withUnsafeBufferPointer { one in
                    for copy in 0..<64 {
                        (out.baseAddress! + copy * one.count).update(from: one.baseAddress!, count: one.count)
                    }
                }
            }
            var written: Int32 = 0
            let encrypted = k.withUnsafeBufferPointer { key in
                EVP_EncryptInit_ex(cipher, EVP_aes_128_cbc(), nil, key.baseAddress, key.baseAddress! + 16) == 1
                    && EVP_CIPHER_CTX_set_padding(cipher, 0) == 1
                    && e.withUnsafeMutableBufferPointer { out in
                        k1.withUnsafeBufferPointer { input in
                            EVP_EncryptUpdate(cipher, out.baseAddress, &written, input.baseAddress, Int32(length)) == 1
                        }
                    }
            }
            guard encrypted, Int(written) == length else { throw OpenSSLError.capture("the revision 6 password hash") }
            let selector = e[0..<16].reduce(0) { ($0 + Int($1)) % 3 }
            guard hash(digests[selector], e, count: length, into: &k) else {
                throw OpenSSLError.capture("the revision 6 password hash")
            }
            round += 1
            if round >= 64 && Int(e[length - 1]) <= round - 32 { break }
        }
        return Array(k.prefix(32))
    }
}
