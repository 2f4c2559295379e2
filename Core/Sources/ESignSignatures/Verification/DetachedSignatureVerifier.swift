import ESignCrypto
import ESignPDF
import Foundation

/// Verifies a detached CMS/CAdES signature (`.p7s`, DER or PEM) over a file: integrity, signer,
/// algorithms, trust and any signature timestamp, with the same report as PDF signatures.
///
/// ```swift
/// let report = DetachedSignatureVerifier(options: options).verify(content: "report.docx", signature:
/// "report.docx.p7s")
/// ```
public struct DetachedSignatureVerifier: Sendable {
    public let options: VerificationOptions
    let validator: ChainValidator
    public init(options: VerificationOptions = VerificationOptions()) {
        self.options = options
        validator = ChainValidator(trustAnchors: options.trustAnchors)
    }

    public func verify(content path: String, signature signaturePath: String) -> DocumentReport {
        let source: FileByteSource
        do { source = try FileByteSource(path: path) } catch {
            return PDFSignatureVerifier.failed(path, "\(error)", .formatFailure)
        }
        guard let bytes = FileManager.default.contents(atPath: signaturePath).map({ [UInt8]($0) }) else {
            return PDFSignatureVerifier.failed(path, "cannot read \(signaturePath)", .formatFailure)
        }
        return verify(
            content: source, name: path, signature: bytes,
            signatureName: (signaturePath as NSString).lastPathComponent)
    }

    /// Verifies `signature` (DER or PEM) over content held anywhere (a file, a request body).
    public func verify(
        content source: ByteSource, name: String, signature: [UInt8], signatureName: String
    ) -> DocumentReport {
        let bytes = Self.derSignature(signature)
        let embedded = EmbeddedSignature(
            fieldName: signatureName, dictionary: PDFDictionary(),
            dictionaryOffset: nil, byteRange: [0, source.count, source.count, 0], contents: bytes,
            subFilter: nil, isDocumentTimestamp: false)
        var verification = SignatureVerification(
            signature: embedded, document: nil, source: source, revisions: [],
            options: options, validator: validator, now: Date(), documentCertification: nil)
        verification.embeddedRevocation = Self.revocationValues(bytes)
        let report = verification.run()
        var document = DocumentReport(
            file: name, fileSHA256: nil, validationTime: options.validationTime ?? Date(), signatures: [report],
            indication: report.indication, subIndication: report.subIndication, summary: report.summary)
        if report.level == .bLTA { document.archiveProtectedUntil = verification.archiveProtectedUntil }
        return document
    }

    /// A signature file's DER: PEM is decoded, anything else is taken as it is.
    public static func derSignature(_ bytes: [UInt8]) -> [UInt8] {
        guard let text = String(bytes: bytes, encoding: .utf8), text.contains("-----BEGIN") else { return bytes }
        let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        return Data(base64Encoded: body).map { [UInt8]($0) } ?? bytes
    }

    /// The revocation data a CAdES-LT signature carries: SignedData.crls (CRLs, and OCSP responses
    /// as other revocation info) and, from signatures made before esign put it there, the
    /// revocation-values attribute.
    static func revocationValues(_ der: [UInt8]) -> RevocationData {
        var data = RevocationData()
        if let structure = try? SignedDataStructure(der: der) {
            let values = structure.revocationData
            data.crls += values.crls
            data.ocspResponses += values.ocspResponses
        }
        if let cms = try? CMSSignedDataReader(der: der),
            let value = cms.signers.first?.attributeValue(CAdESValidationData.idRevocationValues, signed: false)
        {
            let values = CAdESValidationData.read(revocationValues: value)
            data.crls += values.crls
            data.ocspResponses += values.ocspResponses
        }
        return data
    }
}
