import COpenSSL
import Dispatch

/// Process-wide OpenSSL set-up.
public enum OpenSSLLibrary {
    /// Initialises OpenSSL without its exit-time clean-up. By default OpenSSL registers an atexit
    /// handler that frees every provider, algorithm cache and error string it built, which costs a
    /// short-lived command such as `esign sign` more than a tenth of its run, while the kernel
    /// reclaims the same memory at exit anyway. Must run before any other OpenSSL call to take
    /// effect; later calls change nothing. Services that load and unload esign should not call it.
    public static func initialiseForShortLivedProcess() {
        _ = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
    }

    /// Builds, on another core, the tables OpenSSL 3.0 constructs the first time each kind of
    /// algorithm is used (digests, ciphers, key derivation, MACs, RSA keys and signatures, and the
    /// decoders that read keys and certificates): about 2 ms, under locks, that would otherwise fall
    /// on the first signing while the other core waits for the command line to be parsed.
    public static func prepareInBackground() {
        DispatchQueue.global(qos: .userInitiated).async {
            EVP_MD_free(EVP_MD_fetch(nil, "SHA256", nil))
            EVP_CIPHER_free(EVP_CIPHER_fetch(nil, "AES-256-CBC", nil))
            EVP_KDF_free(EVP_KDF_fetch(nil, "PBKDF2", nil))
            EVP_MAC_free(EVP_MAC_fetch(nil, "HMAC", nil))
            EVP_KEYMGMT_free(EVP_KEYMGMT_fetch(nil, "RSA", nil))
            EVP_SIGNATURE_free(EVP_SIGNATURE_fetch(nil, "RSA", nil))
            var key: OpaquePointer?
            if let decoder = OSSL_DECODER_CTX_new_for_pkey(
                &key, "DER", nil, "RSA", Int32(OSSL_KEYMGMT_SELECT_PUBLIC_KEY | OSSL_KEYMGMT_SELECT_ALL_PARAMETERS),
                nil, nil)
            {
                OSSL_DECODER_CTX_free(decoder)
            }
            ERR_clear_error()
        }
    }
}
