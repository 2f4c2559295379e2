import COpenSSL
import Foundation

/// An RFC 3161 timestamp token read back: when, over which imprint, by which TSA, and whether the
/// token's own signature verifies.
///
/// ```swift
/// let token = try TimestampToken(der: bytes)
/// let covers = token.imprint == (try Digest(oid: token.imprintAlgorithmOID)).…
/// ```
public struct TimestampToken: Sendable {
    public let der: [UInt8]
    public let time: Date
    public let imprintAlgorithmOID: String
    public let imprint: [UInt8]
    public let serialNumberHex: String
    public let policyOID: String
    public let nonce: [UInt8]?
    /// The token as CMS: the TSA's certificate and the embedded chain.
    public let cms: CMSSignedDataReader

    public init(der: [UInt8]) throws(OpenSSLError) {
        self.der = der
        cms = try CMSSignedDataReader(der: der)
        // The TSTInfo from the DER the CMS reader parsed: without certificates when they were shared.
        let parsed = cms.parsedDER.withUnsafeBufferPointer { buffer -> UnsafeMutablePointer<PKCS7>? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS7(nil, &cursor, buffer.count)
        }
        let p7 = try check(parsed, "d2i_PKCS7 (timestamp token)")
        defer { PKCS7_free(p7) }
        let info = try check(PKCS7_to_TS_TST_INFO(p7), "reading TSTInfo")
        defer { TS_TST_INFO_free(info) }
        time = Certificate.date(UnsafePointer(TS_TST_INFO_get_time(info)))
        let imprintObject = TS_TST_INFO_get_msg_imprint(info)
        let algorithm = TS_MSG_IMPRINT_get_algo(imprintObject)
        var object: OpaquePointer?
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        imprintAlgorithmOID = Certificate.oidText(object)
        let message = TS_MSG_IMPRINT_get_msg(imprintObject)
        imprint =
            message.map {
                Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data($0), count: Int(ASN1_STRING_length($0))))
            } ?? []
        serialNumberHex = Self.hex(TS_TST_INFO_get_serial(info))
        policyOID = Certificate.oidText(TS_TST_INFO_get_policy_id(info))
        if let n = TS_TST_INFO_get_nonce(info) {
            nonce = Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(n), count: Int(ASN1_STRING_length(n))))
        } else {
            nonce = nil
        }
    }

    /// The TSA's certificate.
    public var tsaCertificate: Certificate? { cms.signers.first?.certificate }

    /// Whether the token's signature and content digest verify (not the TSA's chain).
    public var signatureVerifies: Bool { cms.encapsulatedContentVerifies() }

    /// Whether the imprint is the hash of `data` under the token's imprint algorithm.
    public func imprintMatches(_ data: [UInt8]) -> Bool {
        guard let digest = try? Digest(oid: imprintAlgorithmOID) else { return false }
        digest.update(data)
        return (try? digest.finalize()) == imprint
    }

    static func hex(_ integer: UnsafePointer<ASN1_INTEGER>?) -> String {
        guard let integer, let bn = ASN1_INTEGER_to_BN(integer, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { CRYPTO_free(hex, nil, 0) }
        return String(cString: hex)
    }
}
