import COpenSSL
import Foundation

/// Issues certificate revocation lists (RFC 5280 §5): for the demo PKI and the revocation tests.
///
/// ```swift
/// var builder = CRLBuilder(issuer: caCert, issuerKey: caKey)
/// builder.revoke(certificate, at: Date())
/// let der = try builder.issue()
/// ```
public struct CRLBuilder: Sendable {
    public let issuer: Certificate
    public let issuerKey: PrivateKey
    public var thisUpdate = Date().addingTimeInterval(-60)
    public var nextUpdate = Date().addingTimeInterval(7 * 86400)
    public private(set) var revoked: [(serialDER: [UInt8], date: Date)] = []

    public init(issuer: Certificate, issuerKey: PrivateKey) {
        self.issuer = issuer
        self.issuerKey = issuerKey
    }

    public mutating func revoke(_ certificate: Certificate, at date: Date) {
        revoked.append((certificate.serialNumberDER, date))
    }

    /// The signed CRL, DER.
    public func issue() throws(OpenSSLError) -> [UInt8] {
        let crl = try check(X509_CRL_new(), "X509_CRL_new")
        defer { X509_CRL_free(crl) }
        try check(X509_CRL_set_version(crl, 1), "X509_CRL_set_version")
        try check(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.pointer)), "X509_CRL_set_issuer_name")
        for (time, setter) in [(thisUpdate, X509_CRL_set1_lastUpdate), (nextUpdate, X509_CRL_set1_nextUpdate)] {
            let t = try check(ASN1_TIME_set(nil, time_t(time.timeIntervalSince1970)), "ASN1_TIME_set")
            defer { ASN1_TIME_free(t) }
            try check(setter(crl, t), "X509_CRL_set1_*Update")
        }
        for entry in revoked {
            let item = try check(X509_REVOKED_new(), "X509_REVOKED_new")
            let serial = entry.serialDER.withUnsafeBufferPointer { buffer -> UnsafeMutablePointer<ASN1_INTEGER>? in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_ASN1_INTEGER(nil, &cursor, buffer.count)
            }
            let date = ASN1_TIME_set(nil, time_t(entry.date.timeIntervalSince1970))
            defer {
                ASN1_INTEGER_free(serial)
                ASN1_TIME_free(date)
            }
            guard X509_REVOKED_set_serialNumber(item, serial) == 1, X509_REVOKED_set_revocationDate(item, date) == 1,
                X509_CRL_add0_revoked(crl, item) == 1
            else {
                X509_REVOKED_free(item)
                throw OpenSSLError.capture("adding a revoked certificate")
            }
        }
        X509_CRL_sort(crl)
        guard X509_CRL_sign(crl, issuerKey.pointer, EVP_sha256()) > 0 else {
            throw OpenSSLError.capture("X509_CRL_sign")
        }
        return try encodeDER("i2d_X509_CRL") { i2d_X509_CRL(crl, $0) }
    }
}
