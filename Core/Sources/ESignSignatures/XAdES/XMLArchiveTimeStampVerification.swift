import ESignCrypto
import ESignXML
import Foundation

/// The archive timestamps of a XAdES signature (`xades141:ArchiveTimeStamp`, ETSI EN 319 132-1
/// § 5.5.2): each imprint must match the document, the signature and every unsigned property
/// before it as they are now. A mismatch means something it covered was altered after it was
/// archived: a failure, not a lower level. Properties added after it are not its concern.
extension XMLSignatureVerification {
    mutating func checkArchiveTimeStamps(_ unsigned: XMLTree.Element, certificates: [Certificate]) {
        let stamps = unsigned.children("ArchiveTimeStamp", in: XMLDSig.xades141)
        for (n, stamp) in stamps.enumerated() {
            let label = stamps.count == 1 ? "archive timestamp" : "archive timestamp \(n + 1)"
            guard let der = Self.base64(stamp.child("EncapsulatedTimeStamp", in: XMLDSig.xades)?.text),
                let token = try? TimestampToken(der: der)
            else {
                fail(label, .totalFailed, .formatFailure, "the archive timestamp token cannot be read")
                continue
            }
            let uri = stamp.child("CanonicalizationMethod", in: Self.ds)?.attribute("Algorithm")
            guard let method = uri.map({ Canonicalization(rawValue: $0) }) ?? .c14n10 else {
                fail(label, .totalFailed, .formatFailure, "its canonicalization \"\(uri ?? "")\" is not C14N")
                continue
            }
            let input: [UInt8]
            do {
                input = try XAdESArchiveTimeStamp.input(
                    signature: signature, tree: tree, outlined: outlined, method: method, before: stamp,
                    detachedContent: detachedContent)
            } catch {
                if error.needsWholeDocument { needsWholeDocument = true }
                fail(label, error.indication, .formatFailure, "what it covers cannot be computed: \(error.detail)")
                continue
            }
            guard token.imprintMatches(input) else {
                fail(
                    label, .totalFailed, .hashFailure,
                    "the archive timestamp does not cover this document and signature as they are now: something "
                        + "it covered was changed")
                continue
            }
            guard token.signatureVerifies else {
                fail(label, .totalFailed, .sigCryptoFailure, "the archive timestamp token's signature does not verify")
                continue
            }
            guard let tsa = token.tsaCertificate else {
                fail(label, .indeterminate, .noSigningCertificateFound, "the TSA's certificate is not in the token")
                continue
            }
            checkTimestampingCertificate(tsa, label: label)
            guard
                case .valid = validator.validate(
                    tsa, intermediates: token.cms.certificates + certificates, at: token.time)
            else {
                checks.append(
                    Check(
                        label, .indeterminate, "the TSA does not chain to a trusted root; its time is not used as proof"
                    ))
                continue
            }
            archiveTimestampTimes.append(token.time)
            archiveProtectedUntil = tsa.notAfter
            pass(
                label,
                "covers the document, the signature and its validation data at \(vietnamTime(token.time)); "
                    + "\(tsa.subject.commonName ?? tsa.subject.description)'s certificate protects it until "
                    + vietnamTime(tsa.notAfter))
        }
        archiveTimestampTimes.sort()
    }
}
