import CESignShims
import COpenSSL

/// A PKCS#12 file's contents: a private key, its certificate and the rest of the chain.
///
/// ```swift
/// let bundle = try PKCS12Bundle(der: fileBytes, password: Secret("…"))
/// let key = bundle.privateKey, chain = bundle.chain
/// ```
public struct PKCS12Bundle: Sendable {
    public let privateKey: PrivateKey
    public let certificate: Certificate
    /// Further certificates in the file (issuing CAs), in file order.
    public let chain: [Certificate]

    /// Why a PKCS#12 file could not be opened.
    public enum LoadError: Error, Equatable, Sendable {
        case notPKCS12
        case wrongPassword
        case missingKeyOrCertificate
        case unreadable(String)
    }

    public init(privateKey: PrivateKey, certificate: Certificate, chain: [Certificate]) {
        self.privateKey = privateKey
        self.certificate = certificate
        self.chain = chain
    }

    public init(der: [UInt8], password: Secret) throws(LoadError) {
        OpenSSLError.clearQueue()
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS12(nil, &cursor, buffer.count)
        }
        guard let p12 = parsed else {
            ERR_clear_error()
            throw .notPKCS12
        }
        defer { PKCS12_free(p12) }
        var key: OpaquePointer?
        var cert: OpaquePointer?
        var ca: OpaquePointer?
        let status = password.withCString { PKCS12_parse(p12, $0, &key, &cert, &ca) }
        guard status == 1 else {
            // PKCS12_parse checks the MAC first; a MAC failure means the password is wrong.
            let error = OpenSSLError.capture("PKCS12_parse")
            if error.contains(library: ERR_LIB_PKCS12, reason: PKCS12_R_MAC_VERIFY_FAILURE) { throw .wrongPassword }
            throw .unreadable(error.description)
        }
        defer { if let ca { esign_sk_X509_pop_free(ca) } }
        guard let key, let cert else {
            if let key { EVP_PKEY_free(key) }
            if let cert { X509_free(cert) }
            throw .missingKeyOrCertificate
        }
        privateKey = PrivateKey(takingOwnership: key)
        do {
            certificate = try Certificate(takingOwnership: cert)
            var others: [Certificate] = []
            if let ca {
                for i in 0..<esign_sk_X509_num(ca) {
                    others.append(try Certificate(borrowing: esign_sk_X509_value(ca, i)!))
                }
            }
            chain = others
        } catch {
            throw .unreadable(error.description)
        }
    }

    /// Encodes the bundle as PKCS#12: the key shrouded with AES-256-CBC and PBKDF2 (OpenSSL 3's
    /// defaults), the whole file under an HMAC-SHA-256 MAC. With `encryptCertificates` false (the
    /// default, as `openssl pkcs12 -export -certpbe NONE`) the certificates, which are public, sit
    /// in a plain bag: opening the file then derives two keys from the password, not three, one
    /// PBKDF2 run fewer for every `esign sign`.
    public func der(
        password: Secret, friendlyName: String? = nil, encryptCertificates: Bool = false
    ) throws(OpenSSLError) -> [UInt8] {
        let stack = try check(esign_sk_X509_new_null(), "sk_X509_new_null")
        defer { esign_sk_X509_pop_free(stack) }
        for cert in chain {
            X509_up_ref(cert.pointer)
            esign_sk_X509_push(stack, cert.pointer)
        }
        let p12 = password.withCString { pass in
            PKCS12_create(
                pass, friendlyName, privateKey.pointer, certificate.pointer, stack, 0, encryptCertificates ? 0 : -1, 0,
                0, 0)
        }
        let owned = try check(p12, "PKCS12_create")
        defer { PKCS12_free(owned) }
        return try encodeDER("i2d_PKCS12") { i2d_PKCS12(owned, $0) }
    }
}
