import COpenSSL

/// How an RSA key-transport recipient's key was encrypted (RFC 3370, RFC 8017): PKCS#1 v1.5, or
/// RSAES-OAEP with the digest of its parameters (OpenSSL's name: "SHA1", "SHA256", …).
public enum RSAEncryptionPadding: Sendable, Equatable {
    case pkcs1v15
    case oaep(digest: String, mgf1Digest: String)
}

extension PrivateKey {
    /// Decrypts `ciphertext` with this RSA key: a content-encryption key sent to its certificate
    /// (a certificate-encrypted PDF's envelope). A key held outside esign (a token) decrypts there.
    public func decryptRSA(_ ciphertext: [UInt8], padding: RSAEncryptionPadding) throws(OpenSSLError) -> [UInt8] {
        guard isRSA else { throw OpenSSLError(operation: "decryption with a \(kind) key (RSA only)") }
        if let bridge {
            do { return try bridge.signer.decryptRSA(ciphertext, padding: padding) } catch {
                throw OpenSSLError(
                    operation: "the key's decryption", entries: [.init(library: 0, reason: 0, text: "\(error)")])
            }
        }
        let context = try check(EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil), "EVP_PKEY_CTX_new_from_pkey")
        defer { EVP_PKEY_CTX_free(context) }
        try check(EVP_PKEY_decrypt_init(context), "EVP_PKEY_decrypt_init")
        switch padding {
        case .pkcs1v15:
            try check(EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
        case .oaep(let digest, let mgf1Digest):
            guard let md = FetchedDigests.shared.md(named: digest),
                let mgf = FetchedDigests.shared.md(named: mgf1Digest)
            else { throw OpenSSLError(operation: "RSAES-OAEP with the digest \(digest)") }
            try check(EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
            try check(EVP_PKEY_CTX_set_rsa_oaep_md(context, md), "EVP_PKEY_CTX_set_rsa_oaep_md")
            try check(EVP_PKEY_CTX_set_rsa_mgf1_md(context, mgf), "EVP_PKEY_CTX_set_rsa_mgf1_md")
        }
        var length = 0
        try ciphertext.withUnsafeBufferPointer { input throws(OpenSSLError) in
            try check(EVP_PKEY_decrypt(context, nil, &length, input.baseAddress, input.count), "EVP_PKEY_decrypt")
        }
        var plaintext = [UInt8](repeating: 0, count: length)
        let status = ciphertext.withUnsafeBufferPointer { input in
            EVP_PKEY_decrypt(context, &plaintext, &length, input.baseAddress, input.count)
        }
        try check(status, "EVP_PKEY_decrypt")
        return Array(plaintext.prefix(length))
    }
}
