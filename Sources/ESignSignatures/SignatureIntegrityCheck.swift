import ESignCrypto
import ESignPDF
import Foundation

/// The integrity facts about each signature in a PDF: that `/ByteRange` frames exactly the
/// `/Contents` hole, that the signed bytes hash to the CMS message-digest, that the signature value
/// verifies, and whether the signer chains to the given trust anchors. `esign verify` builds its full
/// report (changes after signing, revocation, timestamps) on these facts.
public struct SignatureIntegrityCheck: Sendable, Codable {
    public let fieldName: String
    public let byteRange: [Int]
    /// The ranges start at 0 and leave out exactly the `/Contents` string.
    public let byteRangeWellFormed: Bool
    /// The signature covers the file to its last byte.
    public let coversWholeFile: Bool
    public let digestMatches: Bool
    public let signatureValueVerifies: Bool
    public let signer: String?
    /// nil when no trust anchors were given; otherwise whether a path to one was valid.
    public let trusted: Bool?
    public let trustProblem: String?

    public var intact: Bool { byteRangeWellFormed && digestMatches && signatureValueVerifies }

    /// Checks every signed signature field of the PDF at `path`.
    public static func check(path: String, trustAnchors: [Certificate] = [], at time: Date? = nil) throws(SigningError) -> [SignatureIntegrityCheck] {
        let source: FileByteSource
        do { source = try FileByteSource(path: path) } catch { throw SigningError.from(error, path: path) }
        do {
            let document = try PDFDocument(source: source)
            var results: [SignatureIntegrityCheck] = []
            for field in try document.formFields() where field.type == "Sig" {
                guard let value = try document.dictionary(field.dictionary["V"]) else { continue }
                results.append(try check(field: field.name, signature: value, source: source, document: document,
                                         trustAnchors: trustAnchors, at: time))
            }
            return results
        } catch let error as SigningError {
            throw error
        } catch let error as PDFError {
            throw SigningError.from(error, path: path)
        } catch {
            throw .badInput("\(path): \(error)")
        }
    }

    static func check(field: String, signature: PDFDictionary, source: ByteSource, document: PDFDocument,
                      trustAnchors: [Certificate], at time: Date?) throws -> SignatureIntegrityCheck {
        let range = (try document.resolve(signature["ByteRange"]).array ?? []).compactMap(\.integer)
        let contents = try document.resolve(signature["Contents"]).string?.bytes ?? []
        var wellFormed = range.count == 4 && range[0] == 0 && range[1] > 0 && range[2] > range[1] && range[3] >= 0
            && range[2] + range[3] <= source.count
        if wellFormed {
            let open = try source.read(at: range[1], length: 1), close = try source.read(at: range[2] - 1, length: 1)
            wellFormed = open == [0x3C] && close == [0x3E] && (range[2] - range[1] - 2) == 2 * contents.count
        }
        let covers = wellFormed && range[2] + range[3] == source.count
        var digestMatches = false, verifies = false, trusted: Bool? = nil, problem: String? = nil, signer: String? = nil
        if wellFormed, let cms = try? CMSSignedDataReader(der: contents), let info = cms.signers.first {
            signer = info.certificate?.subject.description
            if let algorithm = DigestAlgorithm(oid: info.digestAlgorithmOID) {
                let digest = try Digest(algorithm)
                try source.forEachChunk(in: 0..<range[1], chunkSize: 1 << 20) { digest.update($0) }
                try source.forEachChunk(in: range[2]..<(range[2] + range[3]), chunkSize: 1 << 20) { digest.update($0) }
                digestMatches = info.messageDigest == (try digest.finalize())
            }
            verifies = info.signatureVerifies()
            if !trustAnchors.isEmpty, let cert = info.certificate {
                let claimed = (try document.resolve(signature["M"]).string).flatMap { PDFDate.date(from: $0.text) }
                switch ChainValidator(trustAnchors: trustAnchors).validate(cert, intermediates: cms.certificates, at: time ?? claimed ?? Date()) {
                case .valid: trusted = true
                case .invalid(_, let reason): trusted = false; problem = reason
                }
            }
        }
        return SignatureIntegrityCheck(fieldName: field, byteRange: range, byteRangeWellFormed: wellFormed, coversWholeFile: covers,
                                       digestMatches: digestMatches, signatureValueVerifies: verifies, signer: signer,
                                       trusted: trusted, trustProblem: problem)
    }
}
