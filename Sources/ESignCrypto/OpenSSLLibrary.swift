import COpenSSL

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
}
