import ESignCore
import ESignCrypto
import ESignPDF
import ESignPDFSecurity
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
    /// Whether signed bytes are hashed ahead, several at once (off: one at a time with OpenSSL,
    /// as on CPUs without the SHA extensions; tests compare the two).
    var hashesAhead: Bool

    public init(options: VerificationOptions = VerificationOptions()) {
        self.options = options
        validator = ChainValidator(trustAnchors: options.trustAnchors)
        hashesAhead = MultiBufferSHA256.isAvailable
    }

    /// Verifies the PDF at `path`. Unreadable files get a report with `error` set, never a crash.
    public func verify(path: String) -> DocumentReport {
        check([read(path: path)])[0]
    }

    public func verify(source: ByteSource, name: String) -> DocumentReport {
        check([read(source: source, name: name)])[0]
    }

    /// Verifies many PDFs on every core and returns `transform` of each report, in input order
    /// (`transform` runs on the worker too: rendering a report is part of the work). Each worker
    /// takes a few documents at a time so that their signed bytes are hashed together.
    public func verify<T>(
        paths: [String], workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: ((Int) -> Void)? = nil, _ transform: @escaping (DocumentReport) -> T
    ) -> [T] {
        // As many documents per group as lanes: one signed range each.
        DocumentBatch.run(
            paths, perGroup: hashesAhead ? MultiBufferSHA256.lanes : 1, workers: workers, progress: progress
        ) { group in
            check(group.map { read(path: $0) }).map(transform)
        }
    }

    /// A document read and its signatures found, or the report of why it could not be.
    enum ReadDocument {
        case failed(DocumentReport)
        case read(
            name: String, source: ByteSource, document: PDFDocument, signatures: [EmbeddedSignature],
            encryption: PDFEncryptionSummary?)
    }

    func read(path: String) -> ReadDocument {
        do { return read(source: try FileByteSource(path: path), name: path) } catch {
            return .failed(Self.failed(path, "\(error)", .formatFailure))
        }
    }

    func read(source: ByteSource, name: String) -> ReadDocument {
        do {
            let document = try PDFDocument(source: source)
            var encryption: PDFEncryptionSummary?
            if document.isEncrypted {
                do {
                    encryption = try PDFSecurity.open(document, with: options.pdfCredentials)
                } catch {
                    var report = Self.failed(name, error.description, .formatFailure)
                    if case .wrongPassword = error {
                        report.indication = .indeterminate
                        report.needsPassword = true
                    }
                    return .failed(report)
                }
            }
            // Readers cut a looping /Prev chain at different places: no one reading of it is the document.
            if let loop = document.chainLoop { return .failed(Self.failed(name, loop, .formatFailure)) }
            return .read(
                name: name, source: source, document: document, signatures: try EmbeddedSignature.all(in: document),
                encryption: encryption)
        } catch {
            return .failed(Self.failed(name, "\(error)", .formatFailure))
        }
    }

    /// Checks every signature of `documents`, whose signed bytes are first hashed together.
    func check(_ documents: [ReadDocument]) -> [DocumentReport] {
        var requests: [SignedBytesDigests.Request] = []
        for (i, item) in documents.enumerated() where hashesAhead {
            if case .read(_, let source, _, let signatures, _) = item {
                requests += SignedBytesDigests.requests(document: i, source: source, signatures: signatures)
            }
        }
        let digests = SignedBytesDigests.compute(requests, documents: documents.count)
        return documents.enumerated().map { i, item in
            switch item {
            case .failed(let report): return report
            case .read(let name, let source, let document, let signatures, let encryption):
                var report = check(document, signatures: signatures, source: source, name: name, sha256: digests[i])
                report.encryption = encryption
                return report
            }
        }
    }

    func check(
        _ document: PDFDocument, signatures: [EmbeddedSignature], source: ByteSource, name: String,
        sha256: [[Range<Int>]: [UInt8]]
    ) -> DocumentReport {
        let now = Date()
        let revisions = (try? document.revisions()) ?? []
        let certification = try? Self.certificationLevel(document)
        let embedded = Self.revocationData(document)
        func verify(_ signature: EmbeddedSignature, documentTimestampPOE: Date?) -> SignatureReport {
            var context = SignatureVerification(
                signature: signature, document: document, source: source,
                revisions: revisions, options: options, validator: validator, now: now,
                documentCertification: certification ?? nil)
            context.embeddedRevocation = embedded
            context.precomputedSHA256 = sha256
            context.documentName = name
            context.documentTimestampPOE = documentTimestampPOE
            return context.run()
        }
        // Document timestamps first: a valid one proves that every signature before it existed
        // at its time (PAdES B-T by document timestamp; the proof past signature validation uses).
        var timestampReports: [Int: SignatureReport] = [:]
        for (i, signature) in signatures.enumerated() where signature.isDocumentTimestamp {
            timestampReports[i] = verify(signature, documentTimestampPOE: nil)
        }
        var reports: [SignatureReport] = []
        reports.reserveCapacity(signatures.count)
        for (i, signature) in signatures.enumerated() {
            if let done = timestampReports[i] {
                reports.append(done)
                continue
            }
            let proof = timestampReports.filter { $0.key > i && $0.value.indication == .totalPassed }
                .compactMap(\.value.provenSigningTime).min()
            reports.append(verify(signature, documentTimestampPOE: proof))
        }
        // B-LTA: a valid document timestamp after a B-LT signature covers it and its validation
        // data; the newest one's TSA certificate says until when the archive is protected.
        let timestamps = reports.indices.filter {
            reports[$0].kind == .documentTimestamp && reports[$0].indication == .totalPassed
        }

        for i in reports.indices where reports[i].level == .bLT && timestamps.contains(where: { $0 > i }) {
            reports[i].level = .bLTA
        }
        var report = DocumentReport(
            file: name, fileSHA256: nil, validationTime: options.validationTime ?? now,
            signatures: reports, indication: .totalPassed, subIndication: nil, summary: "")
        report.archiveProtectedUntil = timestamps.last.flatMap { reports[$0].signer?.notAfter }
        report.concludeFromSignatures()
        return report
    }

    static func failed(_ name: String, _ error: String, _ sub: SubIndication) -> DocumentReport {
        DocumentReport(
            file: name, fileSHA256: nil, validationTime: Date(), signatures: [], indication: .totalFailed,
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
            let signature = try document.dictionary(perms["DocMDP"])
        else { return nil }
        for reference in try document.resolve(signature["Reference"]).array ?? [] {
            guard let ref = try document.resolve(reference).dictionary,
                try document.resolve(ref["TransformMethod"]).name?.string == "DocMDP"
            else { continue }
            let params = try document.dictionary(ref["TransformParams"])
            return (signature, min(3, max(1, try document.resolve(params?["P"]).integer ?? 2)))
        }
        return (signature, 2)
    }
}
