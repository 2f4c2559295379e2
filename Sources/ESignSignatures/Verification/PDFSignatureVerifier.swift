import ESignCrypto
import ESignPDF
import Foundation

/// Verifies every signature and document timestamp of a PDF as a receiving agency needs:
/// integrity, what each signature covers, what changed after it, whether its signer chains to a
/// trusted root at the signing time, algorithms, timestamps; and gives ETSI EN 319 102-1 verdicts.
///
/// ```swift
/// var options = VerificationOptions()
/// options.trustAnchors = roots
/// let report = PDFSignatureVerifier(options: options).verify(path: "incoming.pdf")
/// if report.indication == .totalPassed { … }
/// ```
public struct PDFSignatureVerifier: Sendable {
    public let options: VerificationOptions
    /// Built once: every document and signature is checked against the same trust store.
    let validator: ChainValidator

    public init(options: VerificationOptions = VerificationOptions()) {
        self.options = options
        validator = ChainValidator(trustAnchors: options.trustAnchors)
    }

    /// Verifies the PDF at `path`. Unreadable files get a report with `error` set, never a crash.
    public func verify(path: String) -> DocumentReport {
        let source: FileByteSource
        do { source = try FileByteSource(path: path) } catch {
            return Self.failed(path, "\(error)", .formatFailure)
        }
        return verify(source: source, name: path)
    }

    public func verify(source: ByteSource, name: String) -> DocumentReport {
        let now = Date()
        let document: PDFDocument
        let signatures: [EmbeddedSignature]
        do {
            document = try PDFDocument(source: source)
            if document.isEncrypted { return Self.failed(name, PDFError.encrypted.description, .formatFailure) }
            signatures = try EmbeddedSignature.all(in: document)
        } catch {
            return Self.failed(name, "\(error)", .formatFailure)
        }
        let revisions = (try? document.revisions()) ?? []
        let certification = try? Self.certificationLevel(document)
        let embedded = Self.revocationData(document)
        var reports: [SignatureReport] = []
        for signature in signatures {
            var context = SignatureVerification(signature: signature, document: document, source: source,
                                                revisions: revisions, options: options, validator: validator, now: now,
                                                documentCertification: certification ?? nil)
            context.embeddedRevocation = embedded
            reports.append(context.run())
        }
        var report = DocumentReport(file: name, fileSHA256: nil, validationTime: options.validationTime ?? now,
                                    signatures: reports, indication: .totalPassed, subIndication: nil, summary: "")
        if reports.isEmpty {
            report.indication = .indeterminate
            report.subIndication = .noSignature
            report.summary = "the document carries no signature"
        } else {
            let worst = reports.map(\.indication).max()!
            report.indication = worst
            report.subIndication = reports.first { $0.indication == worst }?.subIndication
            let failed = reports.filter { $0.indication != .totalPassed }
            report.summary = failed.isEmpty
                ? "\(reports.count) signature\(reports.count == 1 ? "" : "s"), all valid"
                : failed.map { "\($0.fieldName): \($0.summary)" }.joined(separator: "; ")
        }
        return report
    }

    static func failed(_ name: String, _ error: String, _ sub: SubIndication) -> DocumentReport {
        DocumentReport(file: name, fileSHA256: nil, validationTime: Date(), signatures: [], indication: .totalFailed,
                       subIndication: sub, summary: "cannot be read: \(error)", error: error)
    }

    /// OCSP responses and CRLs in the document security store (PAdES LTV, ETSI EN 319 142-1 §5.4).
    static func revocationData(_ document: PDFDocument) -> RevocationData {
        var data = RevocationData()
        guard let dss = try? document.dictionary(document.catalog()["DSS"]) else { return data }
        func streams(_ key: String) -> [[UInt8]] {
            ((try? document.resolve(dss[key]).array) ?? []).compactMap { item in
                guard case .stream(let stream)? = try? document.resolve(item) else { return nil }
                return try? document.streamData(stream)
            }
        }
        data.ocspResponses = streams("OCSPs")
        data.crls = streams("CRLs")
        return data
    }

    /// The certification signature's dictionary and its DocMDP permission (1–3), if certified.
    static func certificationLevel(_ document: PDFDocument) throws -> (signature: PDFDictionary, permission: Int)? {
        guard let perms = try document.dictionary(document.catalog()["Perms"]),
              let signature = try document.dictionary(perms["DocMDP"]) else { return nil }
        for reference in try document.resolve(signature["Reference"]).array ?? [] {
            guard let ref = try document.resolve(reference).dictionary,
                  try document.resolve(ref["TransformMethod"]).name?.string == "DocMDP" else { continue }
            let params = try document.dictionary(ref["TransformParams"])
            return (signature, min(3, max(1, try document.resolve(params?["P"]).integer ?? 2)))
        }
        return (signature, 2)
    }
}
