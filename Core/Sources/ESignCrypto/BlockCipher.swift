import COpenSSL

/// AES in the modes PDF security handlers use (ISO 32000-2 § 7.6): CBC with PKCS#5 padding for
/// strings and streams, CBC without padding for key derivation (algorithm 2.B), ECB for `/Perms`.
public enum BlockCipher {
    public enum Mode: Sendable {
        case cbc, ecb
    }

    /// `data` encrypted or decrypted with AES (the key's length picks AES-128 or AES-256).
    /// `padding`: PKCS#5 padding added on encryption, checked and removed on decryption.
    public static func aes(
        _ data: [UInt8], key: [UInt8], iv: [UInt8] = [UInt8](repeating: 0, count: 16), mode: Mode, padding: Bool,
        encrypt: Bool
    ) throws(OpenSSLError) -> [UInt8] {
        let cipher: OpaquePointer?
        switch (key.count, mode) {
        case (16, .cbc): cipher = EVP_aes_128_cbc()
        case (24, .cbc): cipher = EVP_aes_192_cbc()
        case (32, .cbc): cipher = EVP_aes_256_cbc()
        case (16, .ecb): cipher = EVP_aes_128_ecb()
        case (32, .ecb): cipher = EVP_aes_256_ecb()
        default: throw OpenSSLError(operation: "AES with a \(key.count)-byte key")
        }
        guard iv.count == 16 else { throw OpenSSLError(operation: "AES with a \(iv.count)-byte IV") }
        return try run(cipher, data, key: key, iv: mode == .cbc ? iv : nil, padding: padding, encrypt: encrypt)
    }

    /// `data` decrypted with triple DES in CBC mode (PKCS#5 padding checked and removed): what
    /// older CMS envelopes, such as Acrobat's certificate-encrypted PDFs, use for their content.
    public static func tripleDESDecrypt(_ data: [UInt8], key: [UInt8], iv: [UInt8]) throws(OpenSSLError) -> [UInt8] {
        guard key.count == 24, iv.count == 8 else {
            throw OpenSSLError(operation: "triple DES with a \(key.count)-byte key and a \(iv.count)-byte IV")
        }
        return try run(EVP_des_ede3_cbc(), data, key: key, iv: iv, padding: true, encrypt: false)
    }

    private static func run(
        _ cipher: OpaquePointer?, _ data: [UInt8], key: [UInt8], iv: [UInt8]?, padding: Bool, encrypt: Bool
    ) throws(OpenSSLError) -> [UInt8] {
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSLError.capture("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_CipherInit_ex(context, cipher, nil, key, iv, encrypt ? 1 : 0) == 1 else {
            throw OpenSSLError.capture("EVP_CipherInit_ex")
        }
        EVP_CIPHER_CTX_set_padding(context, padding ? 1 : 0)
        var output = [UInt8](repeating: 0, count: data.count + 32)
        var written: Int32 = 0
        var total = 0
        let updated = output.withUnsafeMutableBufferPointer { out in
            data.withUnsafeBufferPointer { input in
                EVP_CipherUpdate(context, out.baseAddress, &written, input.baseAddress, Int32(input.count))
            }
        }
        guard updated == 1 else { throw OpenSSLError.capture("EVP_CipherUpdate") }
        total = Int(written)
        let finished = output.withUnsafeMutableBufferPointer { out in
            EVP_CipherFinal_ex(context, out.baseAddress! + total, &written)
        }
        guard finished == 1 else { throw OpenSSLError.capture(encrypt ? "EVP_CipherFinal_ex" : "the padding") }
        total += Int(written)
        return Array(output[0..<total])
    }
}
