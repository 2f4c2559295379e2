import ESignCrypto
import ESignTimestamps
import Foundation

/// Checks a standalone RFC 3161 timestamp (a .tsr reply) over a file: the imprint is the file's
/// hash, the token's signature verifies, the TSA certificate is for timestamping only and chains
/// to a trusted root at the token's time.
public enum TimestampVerification {
    public struct Result: Sendable {
        public let indication: Indication
        public let subIndication: SubIndication?
        public let summary: String
        public let time: Date?
    }

    public static func verify(data: [UInt8], reply: [UInt8], trustAnchors: [Certificate]) -> Result {
        let reader = DERReader(reply)
        guard let response = reader.element(at: 0), response.tag == 0x30 else {
            return Result(
                indication: .totalFailed, subIndication: .formatFailure, summary: "not a timestamp reply", time: nil)
        }
        let children = reader.children(of: response)
        // A bare token (ContentInfo) is accepted as well as a TimeStampResp.
        let tokenDER =
            children.count >= 2 && children[0].tag == 0x30 && children[1].tag == 0x30
            ? reader[children[1].range] : reply
        guard let token = try? TimestampToken(der: tokenDER) else {
            return Result(
                indication: .totalFailed, subIndication: .formatFailure,
                summary: "the reply holds no readable timestamp token", time: nil)
        }
        guard token.imprintMatches(data) else {
            return Result(
                indication: .totalFailed, subIndication: .hashFailure, summary: "the timestamp is for other data",
                time: token.time)
        }
        guard token.signatureVerifies else {
            return Result(
                indication: .totalFailed, subIndication: .sigCryptoFailure,
                summary: "the token's signature does not verify", time: token.time)
        }
        guard let tsa = token.tsaCertificate else {
            return Result(
                indication: .indeterminate, subIndication: .noSigningCertificateFound,
                summary: "the TSA certificate is not in the token", time: token.time)
        }
        guard tsa.extendedKeyUsage == [ExtendedKeyUsageOID.timeStamping] else {
            return Result(
                indication: .indeterminate, subIndication: .chainConstraintsFailure,
                summary: "the TSA certificate is not for timestamping only", time: token.time)
        }
        if trustAnchors.isEmpty {
            return Result(
                indication: .indeterminate, subIndication: .noCertificateChainFound,
                summary: "no trust anchors were given (--trust)", time: token.time)
        }
        switch ChainValidator(trustAnchors: trustAnchors).validate(
            tsa, intermediates: token.cms.certificates, at: token.time)
        {
        case .valid:
            return Result(
                indication: .totalPassed, subIndication: nil,
                summary:
                    "timestamped \(vietnamTime(token.time)) by \(tsa.subject.commonName ?? tsa.subject.description), "
                    + "serial \(token.serialNumberHex)",
                time: token.time)
        case .invalid(_, let reason):
            return Result(
                indication: .indeterminate, subIndication: .noCertificateChainFound,
                summary: "the TSA does not chain to a trusted root: \(reason)", time: token.time)
        }
    }
}
