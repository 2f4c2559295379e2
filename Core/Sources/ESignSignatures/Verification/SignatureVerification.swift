import ESignCore
import ESignCrypto
import ESignPDF
import Foundation

/// The checks on one embedded signature, in order, each recorded with its outcome. The verdict is
/// derived from them at the end, so the report always says why.
struct SignatureVerification: SignerChecking {
    let signature: EmbeddedSignature
    /// The PDF, or nil for a detached signature over all of `source`.
    let document: PDFDocument?
    let source: ByteSource
    let revisions: [Revision]
    let options: VerificationOptions
    let validator: ChainValidator
    let now: Date
    let documentCertification: (signature: PDFDictionary, permission: Int)?
    /// Revocation evidence the document embeds (its DSS).
    var embeddedRevocation = RevocationData()
    /// Whether any revocation status came from a responder or CRL fetched now rather than from
    /// the document (then the document alone is not B-LT).
    var revocationFromNetwork = false
    /// The earliest time a valid later document timestamp proves this signature existed.
    var documentTimestampPOE: Date?
    /// SHA-256 digests of byte ranges hashed ahead (``SignedBytesDigests``), by the ranges.
    var precomputedSHA256: [[Range<Int>]: [UInt8]] = [:]
    /// The document's name, for the pictures `--visual-out` writes.
    var documentName = "document"

    var checks: [Check] = []
    private var failure: (Indication, SubIndication, String)?
    var report: SignatureReport
    /// The times valid archive timestamps (CAdES archive-time-stamp-v3) prove, oldest first, and
    /// the newest one's TSA certificate expiry: until when the archive is protected.
    var archiveTimestampTimes: [Date] = []
    var archiveProtectedUntil: Date?

    init(
        signature: EmbeddedSignature, document: PDFDocument?, source: ByteSource, revisions: [Revision],
        options: VerificationOptions, validator: ChainValidator, now: Date,
        documentCertification: (signature: PDFDictionary, permission: Int)?
    ) {
        self.signature = signature
        self.document = document
        self.source = source
        self.revisions = revisions
        self.options = options
        self.validator = validator
        self.now = now
        self.documentCertification = documentCertification
        report = SignatureReport(
            kind: document == nil ? .detached : (signature.isDocumentTimestamp ? .documentTimestamp : .signature),
            fieldName: signature.fieldName, subFilter: signature.subFilter, signer: nil,
            claimedSigningTime: nil, provenSigningTime: nil, digestAlgorithm: nil, signatureAlgorithm: nil,
            byteRange: signature.byteRange ?? [], coverage: .unclear, laterRevisions: 0,
            modificationLevel: .none, modifications: [], certificationLevel: nil, checks: [],
            indication: .totalPassed, subIndication: nil, summary: "")
    }

    /// Records a failed check and remembers the most serious verdict it implies.
    mutating func fail(_ name: String, _ indication: Indication, _ sub: SubIndication, _ detail: String) {
        checks.append(Check(name, indication == .totalFailed ? .failed : .indeterminate, detail))
        if failure == nil || indication > failure!.0 { failure = (indication, sub, detail) }
    }

    mutating func pass(_ name: String, _ detail: String? = nil) { checks.append(Check(name, .passed, detail)) }

    mutating func run() -> SignatureReport {
        if let document {
            if let m = (try? document.resolve(signature.dictionary["M"]))?.string {
                report.claimedSigningTime = PDFDate.date(from: m.text)
            }
            if let cert = documentCertification, cert.signature == signature.dictionary {
                report.certificationLevel = cert.permission
            }
            if let (ranges, wellFormed) = checkFormat() {
                if wellFormed {
                    checkCoverageAndChanges(ranges, document: document)
                } else {
                    report.coverage = .unclear
                    report.modificationLevel = .other
                    report.modifications = ["/ByteRange does not frame exactly this signature's /Contents"]
                }
                if signature.isDocumentTimestamp { checkDocumentTimestamp(ranges) } else { checkSignature(ranges) }
            }
        } else {
            report.coverage = .entireFile
            checkSignature([0..<source.count])
        }
        report.checks = checks
        if let failure {
            report.indication = failure.0
            report.subIndication = failure.1
            report.summary = failure.2
        } else {
            report.indication = .totalPassed
            report.summary = report.kind == .documentTimestamp ? "document timestamp valid" : "signature valid"
            if report.kind != .documentTimestamp {
                // B-LTA is decided with the whole document (PDFSignatureVerifier).
                report.level =
                    report.provenSigningTime == nil
                    ? .bB : (revocationFromNetwork || embeddedRevocation.isEmpty) ? .bT : .bLT
                if report.level == .bLT && !archiveTimestampTimes.isEmpty { report.level = .bLTA }
            }
        }
        return report
    }

    // MARK: Format: /ByteRange and /Contents

    /// The signed ranges, when /ByteRange names ranges inside the file, and whether they are
    /// well formed: exactly two, from byte 0, leaving out exactly this signature's /Contents string.
    /// Malformed ranges are a format failure, but their integrity is still reported.
    private mutating func checkFormat() -> (ranges: [Range<Int>], wellFormed: Bool)? {
        if let readError = signature.readError {
            fail("format", .totalFailed, .formatFailure, readError)
            return nil
        }
        guard let contents = signature.contents, !contents.isEmpty, contents.contains(where: { $0 != 0 }) else {
            fail("format", .totalFailed, .formatFailure, "the signature has no /Contents (or it is empty)")
            return nil
        }
        guard let r = signature.byteRange, r.count >= 2, r.count % 2 == 0 else {
            fail("format", .totalFailed, .formatFailure, "/ByteRange is missing or is not pairs of integers")
            return nil
        }
        guard let ranges = signature.signedRanges(fileSize: source.count) else {
            fail("format", .totalFailed, .formatFailure, "/ByteRange \(r) points outside the file")
            return nil
        }
        guard r.count == 4, r[0] == 0, r[1] > 0, r[2] > r[1] else {
            fail(
                "format", .totalFailed, .formatFailure, "/ByteRange \(r) is not two ranges from byte 0 around /Contents"
            )
            return (ranges, false)
        }
        // The gap must be exactly the hex string of this dictionary's /Contents.
        let gap = (try? source.read(at: r[1], length: r[2] - r[1])) ?? []
        let inner = gap.dropFirst().dropLast()
        guard gap.first == 0x3C, gap.last == 0x3E, inner.count == 2 * contents.count, Hex.isDigits(inner) else {
            fail(
                "format", .totalFailed, .formatFailure,
                "the bytes left out by /ByteRange are not exactly the /Contents string")
            return (ranges, false)
        }
        guard let offset = signature.dictionaryOffset else {
            fail(
                "format", .totalFailed, .formatFailure,
                "the signature dictionary is not an uncompressed indirect object")
            return (ranges, false)
        }
        let head = (try? source.read(at: offset, length: max(0, r[1] - offset))) ?? []
        guard offset < r[1], !head.containsBytes(Array("endobj".utf8)) else {
            fail(
                "format", .totalFailed, .formatFailure,
                "/ByteRange frames a /Contents outside this signature's dictionary")
            return (ranges, false)
        }
        pass("format", "/ByteRange frames exactly /Contents")
        return (ranges, true)
    }

    // MARK: Coverage and what changed afterwards

    private mutating func checkCoverageAndChanges(_ ranges: [Range<Int>], document: PDFDocument) {
        guard let signedRevision = checkCoverage(ranges) else { return }
        checkBytesAfterLastRevision(signedEnd: signedRevision.end)
        if report.laterRevisions > 0 {
            let allowedAreas = analyseLaterRevisions(document: document, signedEnd: signedRevision.end)
            if options.visual {
                compareRenderings(document: document, signedEnd: signedRevision.end, allowed: allowedAreas)
            }
        }
        checkModificationLevelAllowed()
    }

    /// What the byte ranges cover: the whole file, a whole earlier revision, or something else
    /// (a failure). Returns the signed revision.
    private mutating func checkCoverage(_ ranges: [Range<Int>]) -> Revision? {
        let end = ranges[ranges.count - 1].upperBound
        let signedRevision = revisions.first { $0.end == end || ($0.eofMarker + 5 <= end && end <= $0.end) }
        if end == source.count, signedRevision != nil || revisions.isEmpty {
            report.coverage = .entireFile
        } else if signedRevision != nil {
            report.coverage = .entireRevision
        } else {
            report.coverage = .unclear
        }
        guard let signedRevision else {
            report.modificationLevel = .other
            report.modifications = ["the signed bytes end at \(end), which is not the end of a revision"]
            fail(
                "coverage", .totalFailed, .sigConstraintsFailure,
                "the signature does not cover a complete revision of the file")
            return nil
        }
        let later = revisions.filter { $0.end > signedRevision.end }
        report.laterRevisions = later.count
        pass(
            "coverage",
            report.coverage == .entireFile
                ? "covers the whole file"
                : "covers revision ending at byte \(signedRevision.end); \(later.count) later revision(s)")
        return signedRevision
    }

    /// Bytes after the last revision that no cross-reference section accounts for.
    private mutating func checkBytesAfterLastRevision(signedEnd: Int) {
        let fileEnd = source.count
        let lastEnd = revisions.last?.end ?? signedEnd
        guard lastEnd < fileEnd else { return }
        let tail = (try? source.read(at: lastEnd, length: fileEnd - lastEnd)) ?? []
        if !tail.allSatisfy({ $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 || $0 == 0x00 }) {
            report.modificationLevel = .other
            report.modifications.append(
                "\(fileEnd - lastEnd) bytes were appended after the last revision without a cross-reference section")
        }
    }

    /// The change analysis of every revision after the signed one (``ChangeAnalysis``); returns
    /// where on each page the allowed changes may show, for the visual check.
    private mutating func analyseLaterRevisions(document: PDFDocument, signedEnd: Int) -> [Int: [[Double]]] {
        do {
            guard let old = try document.view(endingAt: signedEnd, revisions: revisions) else {
                throw PDFError.malformed("the signed revision cannot be read")
            }
            var changed: Set<Int> = []
            for revision in revisions where revision.end > signedEnd {
                changed.formUnion(document.objectNumbers(inSection: revision.sectionIndex))
            }
            var analysis = ChangeAnalysis(old: old, new: document)
            if options.analysesChanges {
                try analysis.run(changedNumbers: changed, revisions: revisions, signedEnd: signedEnd)
                report.modificationLevel = max(report.modificationLevel, analysis.level)
                report.modifications += analysis.findings
            }
            return analysis.allowedAreas()
        } catch {
            report.modificationLevel = .other
            report.modifications.append("the changes after signing cannot be analysed: \(error)")
            return [:]
        }
    }

    /// The level of change found against what the certification (DocMDP) permits; 2 when the
    /// document is not certified.
    private mutating func checkModificationLevelAllowed() {
        let permission = report.certificationLevel ?? documentCertification?.permission ?? 2
        let allowed: ModificationLevel =
            permission == 1 ? .ltaUpdates : (permission == 2 ? .formFilling : .annotations)
        if report.modificationLevel > allowed {
            let what = report.modifications.first ?? "changes of level \(report.modificationLevel.rawValue)"
            fail(
                "changes after signing", .totalFailed, .sigConstraintsFailure,
                "changed after signing in a way that is not allowed: \(what)")
        } else {
            pass(
                "changes after signing",
                report.modificationLevel == .none
                    ? "none" : "only allowed changes (\(report.modificationLevel.rawValue))")
        }
    }

    /// The visual check (`--visual`): a page that looks different outside the allowed
    /// annotations is a change after signing that is not allowed.
    private mutating func compareRenderings(document: PDFDocument, signedEnd: Int, allowed: [Int: [[Double]]]) {
        let comparison = VisualComparison(
            source: source, document: document, signedEnd: signedEnd, allowedAreas: allowed)
        let file = (documentName as NSString).lastPathComponent
        let field = signature.fieldName.isEmpty ? "signature" : signature.fieldName
        let label = "\(file)-\(field)".map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }
        do {
            let differences = try comparison.differences(
                outputDirectory: options.visualOutputDirectory, label: String(label))
            if differences.isEmpty {
                pass("visual", "every page of the signed revision looks the same now, outside the allowed annotations")
            } else {
                report.modificationLevel = .other
                report.modifications += differences.map(\.description)
                fail("visual", .totalFailed, .sigConstraintsFailure, "visible change after signing: \(differences[0])")
            }
        } catch {
            fail("visual", .indeterminate, .tryLater, "the renderings could not be compared: \(error)")
        }
    }

    // MARK: Cryptography

    func digest(_ ranges: [Range<Int>], oid: String) throws -> [UInt8] {
        if oid == DigestAlgorithm.sha256.oid, let known = precomputedSHA256[ranges] { return known }
        let digest = try Digest(oid: oid)
        for range in ranges {
            try source.forEachChunk(in: range, chunkSize: 1 << 20) { digest.update($0) }
        }
        return try digest.finalize()
    }

    private mutating func checkSignature(_ ranges: [Range<Int>]) {
        guard let (cms, signer, certificate) = readSignerInfo() else { return }
        guard checkIntegrity(signer, ranges) else { return }
        if signer.signingCertificateAttributeMatches == false {
            fail(
                "signing certificate", .indeterminate, .noSigningCertificateFound,
                "the signing-certificate attribute names another certificate")
        }
        // A signature timestamp proves when the signature existed.
        if let tokenType = signer.attributeValue(CMSSignedData.idSignatureTimeStampToken, signed: false) {
            checkTimestamp(
                token: Self.stripASN1Type(tokenType), over: signer.signatureValue, label: "signature timestamp")
        }
        if document == nil { checkArchiveTimestamps(ranges, certificates: cms.certificates) }
        if report.provenSigningTime == nil, let poe = archiveTimestampTimes.first {
            report.provenSigningTime = poe
        }
        if report.provenSigningTime == nil, let poe = documentTimestampPOE {
            report.provenSigningTime = poe
            pass("document timestamp", "a later document timestamp proves the signature existed at \(vietnamTime(poe))")
        }
        checkAlgorithms(digestName: report.digestAlgorithm ?? "", certificate: certificate)
        checkKeyUsage(certificate)
        if let path = checkTrust(certificate, intermediates: cms.certificates, label: "trust") {
            checkRevocation(path: path, untrusted: cms.certificates)
        }
    }

    /// The CMS in /Contents, its first SignerInfo and the signer's certificate, with what the
    /// report shows of them; nil (and a failed check) when any is missing.
    private mutating func readSignerInfo() -> (CMSSignedDataReader, CMSSignedDataReader.SignerInfo, Certificate)? {
        let cms: CMSSignedDataReader
        do { cms = try CMSSignedDataReader(der: signature.contents ?? []) } catch {
            fail("integrity", .totalFailed, .formatFailure, "/Contents is not a CMS SignedData: \(error)")
            return nil
        }
        guard let signer = cms.signers.first else {
            fail("integrity", .totalFailed, .formatFailure, "the CMS holds no SignerInfo")
            return nil
        }
        if document != nil, cms.hasEncapsulatedContent, signature.subFilter != "adbe.pkcs7.sha1" {
            fail("format", .totalFailed, .formatFailure, "a detached PDF signature must not encapsulate content")
            return nil
        }
        report.digestAlgorithm = Digest.name(ofOID: signer.digestAlgorithmOID)
        report.signatureAlgorithm = Digest.name(ofOID: signer.signatureAlgorithmOID)
        if signer.signatureAlgorithmOID == PSSParameters.oid {
            guard let der = signer.signatureAlgorithmParameters, let parameters = try? PSSParameters(der: der) else {
                fail(
                    "integrity", .totalFailed, .formatFailure,
                    "the RSASSA-PSS signature's parameters are missing or malformed")
                return nil
            }
            report.signatureAlgorithm = parameters.description
            if let violation = parameters.violation(messageDigestOID: signer.digestAlgorithmOID) {
                fail("integrity", .totalFailed, .sigCryptoFailure, "RSASSA-PSS parameters refused: \(violation)")
                return nil
            }
        }
        if report.claimedSigningTime == nil { report.claimedSigningTime = signer.signingTime }
        guard let certificate = signer.certificate else {
            fail(
                "signer", .indeterminate, .noSigningCertificateFound, "the signer's certificate is not in the signature"
            )
            return nil
        }
        report.signer = Self.summary(certificate)
        return (cms, signer, certificate)
    }

    /// The signed bytes against the message digest, and the signature value under the signer's key.
    private mutating func checkIntegrity(_ signer: CMSSignedDataReader.SignerInfo, _ ranges: [Range<Int>]) -> Bool {
        let computed: [UInt8]
        do { computed = try digest(ranges, oid: signer.digestAlgorithmOID) } catch {
            fail(
                "integrity", .indeterminate, .cryptoConstraintsFailureNoPOE,
                "digest algorithm \(signer.digestAlgorithmOID) is not supported")
            return false
        }
        if signer.hasSignedAttributes {
            guard signer.messageDigest == computed else {
                fail(
                    "integrity", .totalFailed, .hashFailure,
                    "the signed bytes do not match the signature's message digest: the document was altered")
                return false
            }
            guard signer.signatureVerifies() else {
                let scheme = report.signatureAlgorithm.map { $0.hasPrefix("RSASSA-PSS") ? " with \($0)" : "" } ?? ""
                fail(
                    "integrity", .totalFailed, .sigCryptoFailure,
                    "the signature value does not verify under the signer's key\(scheme)")
                return false
            }
        } else if !signer.signatureVerifies(overContentDigest: computed) {
            fail(
                "integrity", .totalFailed, .sigCryptoFailure,
                "the signature value does not verify over the signed bytes")
            return false
        }
        pass("integrity", "message digest matches; signature verifies")
        return true
    }

    private mutating func checkDocumentTimestamp(_ ranges: [Range<Int>]) {
        let token: TimestampToken
        do { token = try TimestampToken(der: signature.contents ?? []) } catch {
            fail("integrity", .totalFailed, .formatFailure, "/Contents is not an RFC 3161 timestamp token: \(error)")
            return
        }
        report.digestAlgorithm = Digest.name(ofOID: token.imprintAlgorithmOID)
        report.provenSigningTime = token.time
        report.claimedSigningTime = token.time
        guard let computed = try? digest(ranges, oid: token.imprintAlgorithmOID), computed == token.imprint else {
            fail(
                "integrity", .totalFailed, .hashFailure,
                "the timestamp's message imprint does not match the signed bytes")
            return
        }
        guard token.signatureVerifies else {
            fail("integrity", .totalFailed, .sigCryptoFailure, "the timestamp token's signature does not verify")
            return
        }
        pass("integrity", "message imprint matches; token signature verifies")
        if let tsa = token.tsaCertificate {
            report.signer = Self.summary(tsa)
            checkTimestampingCertificate(tsa, label: "timestamping certificate")
            checkTrust(tsa, intermediates: token.cms.certificates, label: "trust", at: token.time)
        } else {
            fail("signer", .indeterminate, .noSigningCertificateFound, "the TSA's certificate is not in the token")
        }
    }

    static func summary(_ c: Certificate) -> CertificateSummary {
        let subject = c.subject  // read from the certificate once, for the text and for the holder
        return CertificateSummary(
            subject: subject.description, issuer: c.issuer.description, serialNumber: c.serialNumberHex,
            notBefore: c.notBefore, notAfter: c.notAfter, publicKey: c.publicKeyDescription,
            holder: CertificateHolder(subject: subject))
    }

    /// An attribute value read as ASN1_TYPE DER is the token itself (a SEQUENCE).
    static func stripASN1Type(_ der: [UInt8]) -> [UInt8] { der }
}

/// A time as reports show it: ISO 8601 in Vietnam time (+07:00).
func vietnamTime(_ date: Date) -> String {
    CivilTime.iso8601(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down)))
}
