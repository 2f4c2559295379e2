import ESignCrypto
import Foundation

/// What every signature format's verification shares once the signed data is known to be
/// intact: timestamps, algorithms, key usage, the chain at the signing time, revocation. CMS
/// (PAdES, CAdES) and XML (XAdES) verifications conform, each recording into its own report.
protocol SignerChecking {
    var report: SignatureReport { get set }
    var checks: [Check] { get set }
    var options: VerificationOptions { get }
    var validator: ChainValidator { get }
    var now: Date { get }
    /// Revocation evidence the signature or document embeds.
    var embeddedRevocation: RevocationData { get }
    /// Set when a revocation status came from the network rather than the embedded evidence.
    var revocationFromNetwork: Bool { get set }
    /// Records a failed check and remembers the most serious verdict it implies.
    mutating func fail(_ name: String, _ indication: Indication, _ sub: SubIndication, _ detail: String)
    mutating func pass(_ name: String, _ detail: String?)
}

extension SignerChecking {
    /// A signature timestamp: imprint over the signature value, token signature, TSA chain and EKU.
    mutating func checkTimestamp(token der: [UInt8], over data: [UInt8], label: String) {
        guard let token = try? TimestampToken(der: der) else {
            fail(label, .indeterminate, .formatFailure, "the timestamp token cannot be read")
            return
        }
        guard token.imprintMatches(data), token.signatureVerifies else {
            fail(label, .indeterminate, .hashFailure, "the timestamp does not cover this signature")
            return
        }
        guard let tsa = token.tsaCertificate else {
            fail(label, .indeterminate, .noSigningCertificateFound, "the TSA's certificate is not in the token")
            return
        }
        checkTimestampingCertificate(tsa, label: label)
        if case .valid = validator.validate(tsa, intermediates: token.cms.certificates, at: token.time) {
            report.provenSigningTime = token.time
            pass(
                label, "timestamped \(vietnamTime(token.time)) by \(tsa.subject.commonName ?? tsa.subject.description)")
        } else {
            checks.append(
                Check(label, .indeterminate, "the TSA does not chain to a trusted root; its time is not used as proof"))
        }
    }

    mutating func checkTimestampingCertificate(_ tsa: Certificate, label: String) {
        if let eku = tsa.extendedKeyUsage, eku == [ExtendedKeyUsageOID.timeStamping] { return }
        fail(
            label, .indeterminate, .chainConstraintsFailure,
            "the TSA certificate lacks the sole extended key usage timeStamping")
    }

    mutating func checkAlgorithms(digestName: String, certificate: Certificate) {
        // "SHA-1" and "sha1" are SHA1 (without Foundation's replacingOccurrences: a few
        // microseconds a signature, as long as checking its reference's digest).
        if options.rejectedDigests.contains(String(digestName.uppercased().filter { $0 != "-" })) {
            fail(
                "algorithms", .indeterminate, .cryptoConstraintsFailureNoPOE,
                "\(digestName) is no longer an acceptable digest algorithm")
            return
        }
        if let bits = certificate.rsaKeyBits, bits < options.minimumRSABits {
            fail(
                "algorithms", .indeterminate, .cryptoConstraintsFailureNoPOE,
                "RSA-\(bits) keys are too weak (at least \(options.minimumRSABits) bits)")
            return
        }
        pass("algorithms", "\(digestName), \(certificate.publicKeyDescription)")
    }

    mutating func checkKeyUsage(_ certificate: Certificate) {
        if let usage = certificate.keyUsage, usage.isDisjoint(with: [.digitalSignature, .nonRepudiation]) {
            fail(
                "key usage", .indeterminate, .chainConstraintsFailure,
                "the signer's certificate does not allow digital signatures")
        } else {
            pass("key usage", nil)
        }
    }

    /// The path from the certificate to a trust anchor, when one is valid at the signing time.
    @discardableResult
    mutating func checkTrust(
        _ certificate: Certificate, intermediates: [Certificate], label: String, at fixed: Date? = nil
    ) -> [Certificate]? {
        guard !options.trustAnchors.isEmpty else {
            fail(label, .indeterminate, .noCertificateChainFound, "no trust anchors were given (--trust)")
            return nil
        }
        let time = options.validationTime ?? fixed ?? report.provenSigningTime ?? report.claimedSigningTime ?? now
        let result = validator.validate(certificate, intermediates: intermediates, at: time)
        // Past signature validation (ETSI EN 319 102-1 § 5.6): a certificate that has expired
        // since is judged at the time a valid timestamp proves the signature existed.
        if case .invalid(10, _) = result, fixed == nil, let proven = report.provenSigningTime, proven < time,
            case .valid(let path) = validator.validate(certificate, intermediates: intermediates, at: proven)
        {
            pass(
                label,
                "chains to \(anchorName(path)) at \(vietnamTime(proven)), the time "
                    + "the signature timestamp proves (a certificate has expired since)")
            return path
        }
        switch result {
        case .valid(let path):
            pass(label, "chains to \(anchorName(path)) at \(vietnamTime(time))")
            return path
        case .invalid(let code, let reason):
            switch code {
            case 10:
                fail(
                    label, .indeterminate, .outOfBoundsNoPOE,
                    "a certificate had expired at \(vietnamTime(time)) and no timestamp proves an earlier signing time")
            case 9: fail(label, .indeterminate, .notYetValid, "a certificate was not yet valid at \(vietnamTime(time))")
            default: fail(label, .indeterminate, .noCertificateChainFound, "no chain to a trusted root: \(reason)")
            }
            return nil
        }
    }

    /// Records the anchor a valid path ends at and names it as the report shows it: the trust
    /// store's name, else the anchor's common name.
    mutating func anchorName(_ path: [Certificate]) -> String {
        guard let anchor = path.last else { return "a trusted root" }
        let sha256 = TrustStore.fingerprint(anchor)
        let name = options.trustAnchorNames[sha256]
        report.trustAnchor = TrustAnchorSummary(name: name, subject: anchor.subject.description, sha256: sha256)
        let common = anchor.subject.commonName ?? anchor.subject.description
        if let name, name != common { return "\"\(name)\" (\(common))" }
        return common
    }

    /// Every certificate of the path but the anchor: not revoked, or revoked only after a timestamp
    /// proves the signature existed.
    mutating func checkRevocation(path: [Certificate], untrusted: [Certificate]) {
        let checker = RevocationChecker(
            trustAnchors: options.trustAnchors, offline: options.offline, timeout: Int(options.networkTimeout))
        var notes: [String] = []
        for (index, certificate) in path.dropLast().enumerated() {
            let name = certificate.subject.commonName ?? certificate.subject.description
            switch checker.status(
                of: certificate, issuer: path[index + 1], untrusted: untrusted + path, embedded: embeddedRevocation)
            {
            case .good(let source):
                notes.append("\(name): good (\(source))")
                if !source.hasSuffix("in the document") { revocationFromNetwork = true }
            case .notPublished:
                notes.append("\(name): publishes no revocation information")
            case .unknown(let reason):
                fail(
                    "revocation", .indeterminate, .tryLater,
                    "the revocation status of \(name) cannot be established: \(reason)")
                return
            case .revoked(let at, let source):
                if !source.hasSuffix("in the document") { revocationFromNetwork = true }
                if let proven = report.provenSigningTime, proven < at {
                    notes.append(
                        "\(name): revoked at \(vietnamTime(at)), after the signature was proven to exist "
                            + "(\(vietnamTime(proven)))"
                    )
                } else {
                    fail(
                        "revocation", .totalFailed, .revoked,
                        "\(name) was revoked at \(vietnamTime(at)) (\(source)), and no timestamp proves the signature "
                            + "was made before"
                    )
                    return
                }
            }
        }
        pass("revocation", notes.joined(separator: "; "))
    }
}
