import CESignShims
import COpenSSL
import Foundation

/// Issues X.509 certificates: how the demo PKI and the tests make their CAs, signers and TSAs.
///
/// ```swift
/// var builder = CertificateBuilder(subject: [("C", "VN"), ("CN", "Nguyễn Văn An")])
/// builder.extensions = [("basicConstraints", "critical,CA:FALSE"), ("keyUsage",
/// "critical,digitalSignature,nonRepudiation")]
/// let cert = try builder.issue(publicKeyOf: key, issuer: caCert, issuerKey: caKey)
/// ```
public struct CertificateBuilder: Sendable {
    /// Name attributes in order, most general first; values are UTF-8.
    public var subject: [(type: String, value: String)]
    public var notBefore: Date
    public var notAfter: Date
    /// Extensions in openssl.cnf syntax, by extension name ("keyUsage", "extendedKeyUsage", …).
    public var extensions: [(name: String, value: String)] = []
    public var digest: DigestAlgorithm = .sha256

    public init(
        subject: [(type: String, value: String)], notBefore: Date = Date().addingTimeInterval(-3600),
        notAfter: Date = Date().addingTimeInterval(5 * 365 * 86400)
    ) {
        self.subject = subject
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Issues the certificate for `key`'s public half, signed by `issuerKey`.
    /// A nil `issuer` makes the certificate self-signed.
    public func issue(
        publicKeyOf key: PrivateKey, issuer: Certificate?, issuerKey: PrivateKey
    ) throws(OpenSSLError) -> Certificate {
        let x509 = try check(X509_new(), "X509_new")
        var owned = true
        defer { if owned { X509_free(x509) } }
        try check(X509_set_version(x509, 2), "X509_set_version")

        var serialBytes = [UInt8](repeating: 0, count: 16)
        try check(RAND_bytes(&serialBytes, 16), "RAND_bytes")
        serialBytes[0] &= 0x7F
        serialBytes[0] |= 0x10
        let bn = try check(BN_bin2bn(serialBytes, 16, nil), "BN_bin2bn")
        defer { BN_free(bn) }
        let serial = try check(BN_to_ASN1_INTEGER(bn, nil), "BN_to_ASN1_INTEGER")
        defer { ASN1_INTEGER_free(serial) }
        try check(X509_set_serialNumber(x509, serial), "X509_set_serialNumber")

        let name = try check(X509_NAME_new(), "X509_NAME_new")
        defer { X509_NAME_free(name) }
        for (type, value) in subject {
            let bytes = Array(value.utf8)
            try check(
                X509_NAME_add_entry_by_txt(name, type, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0),
                "X509_NAME_add_entry_by_txt(\(type))")
        }
        try check(X509_set_subject_name(x509, name), "X509_set_subject_name")
        let issuerName = issuer.map { X509_get_subject_name($0.pointer) } ?? name
        try check(X509_set_issuer_name(x509, issuerName), "X509_set_issuer_name")

        guard ASN1_TIME_set(X509_getm_notBefore(x509), time_t(notBefore.timeIntervalSince1970)) != nil,
            ASN1_TIME_set(X509_getm_notAfter(x509), time_t(notAfter.timeIntervalSince1970)) != nil
        else { throw OpenSSLError.capture("ASN1_TIME_set") }
        try check(X509_set_pubkey(x509, key.pointer), "X509_set_pubkey")

        for (extensionName, value) in extensions {
            let nid = OBJ_sn2nid(extensionName)
            guard nid != NID_undef else { throw OpenSSLError(operation: "unknown extension \(extensionName)") }
            try check(
                esign_X509_add_ext_conf(x509, issuer?.pointer ?? x509, nid, value), "adding \(extensionName)=\(value)")
        }
        guard X509_sign(x509, issuerKey.pointer, digest.evp) > 0 else { throw OpenSSLError.capture("X509_sign") }
        owned = false
        return try Certificate(takingOwnership: x509)
    }
}
