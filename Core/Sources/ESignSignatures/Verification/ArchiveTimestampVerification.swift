import ESignCrypto
import Foundation

/// The archive timestamps of a detached CAdES signature (archive-time-stamp-v3, ETSI EN 319 122-1
/// § 5.5.3): each must still find, in the signature as it is now, every element its index hashed,
/// and its imprint must match the signed file and the signature's fields. A mismatch means the
/// `.p7s` was altered after it was archived: a failure, not a lower level.
extension SignatureVerification {
    mutating func checkArchiveTimestamps(_ ranges: [Range<Int>], certificates: [Certificate]) {
        guard let der = signature.contents, let structure = try? SignedDataStructure(der: der),
            let signer = structure.signers.first
        else { return }
        let tokens = signer.unsignedValues(ArchiveTimestampV3.idArchiveTimestampV3)
        for (n, tokenDER) in tokens.enumerated() {
            let label = tokens.count == 1 ? "archive timestamp" : "archive timestamp \(n + 1)"
            guard let token = try? TimestampToken(der: tokenDER) else {
                fail(label, .totalFailed, .formatFailure, "the archive timestamp token cannot be read")
                continue
            }
            let index: ArchiveTimestampV3.HashIndex
            switch ArchiveTimestampV3.hashIndex(inToken: tokenDER) {
            case .failure(let error):
                fail(label, .totalFailed, .formatFailure, "\(error)")
                continue
            case .success(let found): index = found
            }
            guard index.digest.oid == token.imprintAlgorithmOID else {
                fail(
                    label, .totalFailed, .formatFailure,
                    "the ats-hash-index-v3 hashes with another algorithm than the timestamp's imprint")
                continue
            }
            let imprint: [UInt8]
            do {
                if let missing = try ArchiveTimestampV3.missingEntry(index, in: structure, signer: 0) {
                    fail(
                        label, .totalFailed, .hashFailure,
                        "the signature was changed after its archive timestamp: \(missing)")
                    continue
                }
                imprint = try ArchiveTimestampV3.imprint(
                    of: structure, signer: 0, contentDigest: try digest(ranges, oid: token.imprintAlgorithmOID),
                    hashIndex: index.encoded, digest: index.digest)
            } catch {
                fail(label, .indeterminate, .cryptoConstraintsFailureNoPOE, "cannot be checked: \(error)")
                continue
            }
            guard imprint == token.imprint else {
                fail(
                    label, .totalFailed, .hashFailure,
                    "the archive timestamp does not cover this file and signature as they are now")
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
                "covers the file, the signature and its validation data at \(vietnamTime(token.time)); "
                    + "\(tsa.subject.commonName ?? tsa.subject.description)'s certificate protects it until "
                    + vietnamTime(tsa.notAfter))
        }
        archiveTimestampTimes.sort()
    }
}
