import ESignCrypto
import ESignPDFSecurity
import Foundation

/// The bottom line of a validation, in ETSI EN 319 102-1 terms.
public enum Indication: String, Codable, Sendable, Comparable {
    case totalPassed = "TOTAL-PASSED"
    case indeterminate = "INDETERMINATE"
    case totalFailed = "TOTAL-FAILED"

    /// Passed < indeterminate < failed: the document's verdict is the worst of its signatures'.
    public static func < (a: Self, b: Self) -> Bool {
        let order: [Self] = [.totalPassed, .indeterminate, .totalFailed]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// Why a validation did not pass (ETSI EN 319 102-1 §5.1.3 sub-indications, plus NO_SIGNATURE).
public enum SubIndication: String, Codable, Sendable {
    case formatFailure = "FORMAT_FAILURE"
    case hashFailure = "HASH_FAILURE"
    case sigCryptoFailure = "SIG_CRYPTO_FAILURE"
    case revoked = "REVOKED"
    case sigConstraintsFailure = "SIG_CONSTRAINTS_FAILURE"
    case chainConstraintsFailure = "CHAIN_CONSTRAINTS_FAILURE"
    case cryptoConstraintsFailureNoPOE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    case noCertificateChainFound = "NO_CERTIFICATE_CHAIN_FOUND"
    case noSigningCertificateFound = "NO_SIGNING_CERTIFICATE_FOUND"
    case outOfBoundsNoPOE = "OUT_OF_BOUNDS_NO_POE"
    case notYetValid = "NOT_YET_VALID"
    case revokedNoPOE = "REVOKED_NO_POE"
    case tryLater = "TRY_LATER"
    case timestampOrderFailure = "TIMESTAMP_ORDER_FAILURE"
    case noSignature = "NO_SIGNATURE"
}

/// How a signature's byte ranges relate to the file.
public enum Coverage: String, Codable, Sendable {
    /// The ranges frame exactly `/Contents` and reach the end of the file.
    case entireFile = "ENTIRE_FILE"
    /// They reach the end of an earlier revision; later revisions follow.
    case entireRevision = "ENTIRE_REVISION"
    /// They do not end where a revision ends, or leave out more than `/Contents`.
    case unclear = "UNCLEAR"
}

/// What changed after signing, from least to most.
public enum ModificationLevel: String, Codable, Sendable, Comparable {
    case none = "NONE"
    /// Validation material only: DSS updates and document timestamps.
    case ltaUpdates = "LTA_UPDATES"
    /// Further signatures and form filling.
    case formFilling = "FORM_FILLING"
    /// New or changed annotations (allowed only when certification permits it, DocMDP P=3).
    case annotations = "ANNOTATIONS"
    /// Anything else: page content, resources, pages, catalog entries…
    case other = "OTHER"

    public static func < (a: Self, b: Self) -> Bool {
        let order: [Self] = [.none, .ltaUpdates, .formFilling, .annotations, .other]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// One named check with its outcome and, when it did not pass, why.
public struct Check: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        case passed, failed, indeterminate
        case notApplicable = "not-applicable"
    }
    public let name: String
    public let outcome: Outcome
    public let detail: String?

    public init(_ name: String, _ outcome: Outcome, _ detail: String? = nil) {
        self.name = name
        self.outcome = outcome
        self.detail = detail
    }
}

/// A certificate as the report shows it.
public struct CertificateSummary: Codable, Sendable, Equatable {
    public let subject: String
    public let issuer: String
    public let serialNumber: String
    public let notBefore: Date
    public let notAfter: Date
    public let publicKey: String
    /// The holder as a person or an organisation, with the Vietnamese identifiers of the subject's UID.
    public let holder: CertificateHolder?
}

/// The trust anchor a signer's chain ended at.
public struct TrustAnchorSummary: Codable, Sendable, Equatable {
    /// The name it has in the trust store, when it came from there.
    public let name: String?
    public let subject: String
    /// Upper-case hexadecimal SHA-256 of the anchor's DER certificate.
    public let sha256: String
}

/// Everything esign found out about one signature or document timestamp.
public struct SignatureReport: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case signature
        case documentTimestamp = "document-timestamp"
        case detached
    }
    public var kind: Kind
    public var fieldName: String
    public var subFilter: String?
    public var signer: CertificateSummary?
    /// `/M`, then the signing-time attribute.
    public var claimedSigningTime: Date?
    /// The earliest time a timestamp proves the signature existed.
    public var provenSigningTime: Date?
    public var digestAlgorithm: String?
    public var signatureAlgorithm: String?
    public var byteRange: [Int]
    public var coverage: Coverage
    /// Later revisions exist after the one this signature covers.
    public var laterRevisions: Int
    public var modificationLevel: ModificationLevel
    /// What was changed after signing, when it is not allowed (or worth knowing).
    public var modifications: [String]
    /// The DocMDP permission (1–3) of a certification signature, when this is one.
    public var certificationLevel: Int?
    public var checks: [Check]
    public var indication: Indication
    public var subIndication: SubIndication?
    /// One sentence a clerk can act on.
    public var summary: String
    /// The PAdES baseline level the signature reaches (valid signatures only): B-B, B-T with a
    /// signature timestamp, B-LT when the document holds the revocation data its chain needs,
    /// B-LTA when a valid document timestamp covers that too.
    public var level: PAdESLevel? = nil
    /// The anchor the signer's chain (the TSA's, for a document timestamp) ended at, when it did.
    public var trustAnchor: TrustAnchorSummary? = nil
    /// For XML signatures: "XAdES" (with qualifying properties) or "XMLDSig" (plain); absent for
    /// PDF and CMS signatures.
    public var format: String? = nil
    /// For XML signatures: what each reference covers (the whole document, an element, a file).
    public var covers: [String]? = nil
}

/// The report on one document: every signature, and the document's verdict.
public struct DocumentReport: Codable, Sendable {
    /// Version of this JSON layout (see docs/verify-report.md).
    public static let schemaVersion = "esign.verify/1"
    public var schema: String = DocumentReport.schemaVersion
    public var file: String
    public var fileSHA256: String?
    public var validationTime: Date
    public var signatures: [SignatureReport]
    public var indication: Indication
    public var subIndication: SubIndication?
    public var summary: String
    /// Set when the file could not be read at all.
    public var error: String?
    /// Set when the file was refused as input before any verification: XML that is malformed or
    /// hostile (a DTD, entities, beyond the size or depth limits, not UTF-8/ASCII-based).
    public var inputRefused: Bool? = nil
    /// Set when the document is encrypted and no password given opens it.
    public var needsPassword: Bool? = nil
    /// An encrypted document's protection: handler, algorithm, permissions, how it was opened.
    public var encryption: PDFEncryptionSummary? = nil
    /// Until when the newest valid document timestamp protects the archive: its TSA
    /// certificate's expiry (renew before then with `esign ltv renew`).
    public var archiveProtectedUntil: Date? = nil
}

extension DocumentReport {
    /// The document's verdict from its signatures': the worst of them, with the reasons of those
    /// that did not pass; no signature at all is INDETERMINATE, NO_SIGNATURE.
    mutating func concludeFromSignatures() {
        if signatures.isEmpty {
            indication = .indeterminate
            subIndication = .noSignature
            summary = "the document carries no signature"
            return
        }
        let worst = signatures.map(\.indication).max()!
        indication = worst
        subIndication = signatures.first { $0.indication == worst }?.subIndication
        let failed = signatures.filter { $0.indication != .totalPassed }
        summary =
            failed.isEmpty
            ? "\(signatures.count) signature\(signatures.count == 1 ? "" : "s"), all valid"
            : failed.map { "\($0.fieldName): \($0.summary)" }.joined(separator: "; ")
    }
}
