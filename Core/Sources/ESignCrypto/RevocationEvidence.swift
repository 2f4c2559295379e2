import CESignShims
import COpenSSL
import Foundation

/// Revocation data fetched to be embedded in a document (PAdES B-LT, CAdES-LT): an OCSP response or
/// a CRL that proves a certificate was not revoked, checked before anyone relies on it.
public struct RevocationEvidence: Sendable {
    public enum Kind: String, Sendable { case ocsp, crl }
    public let kind: Kind
    /// The DER OCSPResponse or CertificateList.
    public let der: [UInt8]
    /// Certificates that sign it and are not the issuer (a delegated OCSP responder), to embed too.
    public let signers: [Certificate]
    /// Where it came from, for reports.
    public let source: String
    /// When it was produced (OCSP thisUpdate, CRL thisUpdate).
    public let thisUpdate: Date
}

/// Why revocation data could not be gathered for a certificate: each refuses the level asked for.
public struct RevocationEvidenceError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The certificate is revoked: no responder will say otherwise.
    public var revoked = false
}

extension RevocationChecker {
    /// How far clocks may disagree, and how old a response without nextUpdate may be.
    static let skew: TimeInterval = 300
    static let freshWithoutNextUpdate: TimeInterval = 86400

    /// Fetches revocation data proving that `certificate` is not revoked at `now`: OCSP from the
    /// responders its AIA names first, CRLs from its distribution points otherwise. A response is
    /// taken only when it is signed by the issuer or a responder the issuer authorised, is about
    /// this certificate, is current at `now`, and says good. A revoked certificate, a stale,
    /// unsigned or unrelated answer, or no answer within the time limit is an error naming it.
    public func evidence(
        for certificate: Certificate, issuer: Certificate, untrusted: [Certificate], at now: Date = Date()
    ) throws(RevocationEvidenceError) -> RevocationEvidence {
        let name = certificate.subject.commonName ?? certificate.subject.description
        var problems: [String] = []
        for url in certificate.ocspURLs {
            do {
                let der = try queryOCSP(url: url, certificate: certificate, issuer: issuer)
                return try checkedOCSP(
                    der, certificate: certificate, issuer: issuer, untrusted: untrusted, at: now, source: "OCSP \(url)")
            } catch let error as RevocationEvidenceError {
                if error.revoked { throw error }
                problems.append(error.description)
            } catch {
                problems.append("OCSP \(url): \(error)")
            }
        }
        for url in certificate.crlURLs {
            do {
                let der = try fetchCRL(url: url)
                return try checkedCRL(der, certificate: certificate, issuer: issuer, at: now, source: "CRL \(url)")
            } catch let error as RevocationEvidenceError {
                if error.revoked { throw error }
                problems.append(error.description)
            } catch {
                problems.append("CRL \(url): \(error)")
            }
        }
        if problems.isEmpty {
            throw RevocationEvidenceError(description: "\(name) publishes no OCSP responder or CRL")
        }
        throw RevocationEvidenceError(
            description: "no usable revocation data for \(name): " + problems.joined(separator: "; "))
    }

    func checkedOCSP(
        _ der: [UInt8], certificate: Certificate, issuer: Certificate, untrusted: [Certificate], at now: Date,
        source: String
    ) throws(RevocationEvidenceError) -> RevocationEvidence {
        func fail(_ why: String) -> RevocationEvidenceError {
            RevocationEvidenceError(description: "\(source): \(why)")
        }
        let answer: OCSPAnswer
        switch readOCSP(der, certificate: certificate, issuer: issuer, untrusted: untrusted) {
        case .success(let read): answer = read
        case .failure(let problem): throw fail(problem.description)
        }
        if answer.thisUpdate > now.addingTimeInterval(Self.skew) { throw fail("the response is dated in the future") }
        if let nextUpdate = answer.nextUpdate {
            if nextUpdate < now.addingTimeInterval(-Self.skew) {
                throw fail("the response is stale (its nextUpdate has passed)")
            }
        } else if answer.thisUpdate < now.addingTimeInterval(-Self.freshWithoutNextUpdate) {
            throw fail("the response is stale (produced more than a day ago, no nextUpdate)")
        }
        switch answer.status {
        case V_OCSP_CERTSTATUS_GOOD: break
        case V_OCSP_CERTSTATUS_REVOKED:
            let when = ISO8601DateFormatter().string(from: answer.revokedAt ?? answer.thisUpdate)
            var error = fail("\(certificate.subject.commonName ?? "the certificate") was revoked on \(when)")
            error.revoked = true
            throw error
        default: throw fail("the responder does not know the certificate")
        }
        return RevocationEvidence(
            kind: .ocsp, der: der, signers: answer.signers, source: source, thisUpdate: answer.thisUpdate)
    }

    func checkedCRL(
        _ der: [UInt8], certificate: Certificate, issuer: Certificate, at now: Date, source: String
    ) throws(RevocationEvidenceError) -> RevocationEvidence {
        func fail(_ why: String) -> RevocationEvidenceError {
            RevocationEvidenceError(description: "\(source): \(why)")
        }
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_CRL(nil, &cursor, buffer.count)
        }
        guard let crl = parsed else {
            ERR_clear_error()
            throw fail("not a CRL")
        }
        defer { X509_CRL_free(crl) }
        guard X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer.pointer)) == 0 else {
            throw fail("the CRL does not cover the certificate (another issuer)")
        }
        guard let key = X509_get0_pubkey(issuer.pointer), X509_CRL_verify(crl, key) == 1 else {
            ERR_clear_error()
            throw fail("the CRL is not signed by the certificate's issuer")
        }
        let produced = Certificate.date(X509_CRL_get0_lastUpdate(crl))
        if produced > now.addingTimeInterval(Self.skew) { throw fail("the CRL is dated in the future") }
        if let next = X509_CRL_get0_nextUpdate(crl), Certificate.date(next) < now.addingTimeInterval(-Self.skew) {
            throw fail("the CRL is stale (its nextUpdate has passed)")
        }
        var entry: OpaquePointer?
        if X509_CRL_get0_by_cert(crl, &entry, certificate.pointer) == 1, let entry {
            let when = ISO8601DateFormatter().string(from: Certificate.date(X509_REVOKED_get0_revocationDate(entry)))
            var error = fail("\(certificate.subject.commonName ?? "the certificate") was revoked on \(when)")
            error.revoked = true
            throw error
        }
        return RevocationEvidence(kind: .crl, der: der, signers: [], source: source, thisUpdate: produced)
    }
}

extension Certificate {
    /// An OCSP responder's certificate that its CA says not to check for revocation
    /// (id-pkix-ocsp-nocheck, RFC 6960 § 4.2.2.2.1).
    public var hasOCSPNoCheck: Bool { X509_get_ext_by_NID(pointer, NID_id_pkix_OCSP_noCheck, -1) >= 0 }
}
