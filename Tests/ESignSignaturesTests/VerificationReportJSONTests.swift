import ESign
import Foundation
import Testing

@testable import ESignSignatures

/// The hand-written report JSON must be the text `JSONEncoder` writes for the same report (the
/// schema is defined by the `Codable` types; docs/verify-report.md documents it).
@Suite("verification report JSON")
struct VerificationReportJSONTests {
    static func encoderText(_ report: DocumentReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(CivilTime.iso8601(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down))))
        }
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    static let awkward = "Nguyễn \"Văn\" An \\ a/b\u{0}\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f}\u{2028}😀"

    static func signature(full: Bool) -> SignatureReport {
        let summary = CertificateSummary(
            subject: "CN=\(awkward), C=VN", issuer: "CN=esign Demo Issuing CA", serialNumber: "0A1B",
            notBefore: Date(timeIntervalSince1970: 1_700_000_000.9),
            notAfter: Date(timeIntervalSince1970: 1_800_000_000), publicKey: "RSA-2048",
            holder: CertificateHolder(
                subject: DistinguishedName(attributes: [
                    .init(type: "C", value: "VN"), .init(type: "O", value: awkward),
                    .init(type: "UID", value: "CCCD:001099012345; MST:01012345; \(awkward)"),
                    .init(type: "CN", value: awkward),
                ])))
        return SignatureReport(
            kind: full ? .documentTimestamp : .signature, fieldName: awkward, subFilter: full ? "ETSI.RFC3161" : nil,
            signer: full ? summary : nil, claimedSigningTime: full ? Date(timeIntervalSince1970: 1_750_000_000) : nil,
            provenSigningTime: full ? Date(timeIntervalSince1970: 1_750_000_100) : nil,
            digestAlgorithm: full ? "SHA256" : nil, signatureAlgorithm: full ? "rsaEncryption" : nil,
            byteRange: full ? [0, 100, 200, 3000] : [], coverage: full ? .entireRevision : .unclear,
            laterRevisions: full ? 2 : 0, modificationLevel: full ? .formFilling : .none,
            modifications: full ? [awkward, "x"] : [], certificationLevel: full ? 2 : nil,
            checks: full
                ? [
                    Check("format", .passed, "ok"), Check("trust", .indeterminate),
                    Check(awkward, .notApplicable, awkward),
                ] : [],
            indication: full ? .indeterminate : .totalFailed, subIndication: full ? .outOfBoundsNoPOE : nil,
            summary: awkward)
    }

    @Test(arguments: [false, true])
    func handWrittenJSONIsWhatJSONEncoderWrites(_ full: Bool) throws {
        var report = DocumentReport(
            file: "/tmp/\(Self.awkward).pdf", fileSHA256: full ? "ab12" : nil,
            validationTime: Date(timeIntervalSince1970: 1_763_900_000),
            signatures: full ? [Self.signature(full: true), Self.signature(full: false)] : [],
            indication: full ? .indeterminate : .totalFailed, subIndication: full ? .tryLater : nil,
            summary: Self.awkward, error: full ? nil : "cannot be read: \(Self.awkward)")
        if full {
            report.encryption = PDFEncryptionSummary(
                handler: "Standard", revision: 6, algorithm: "AES-256", permissions: ["print", Self.awkward],
                openedWith: "empty user password")
            report.needsPassword = false
            report.inputRefused = true
        }
        #expect(report.jsonLine == (try Self.encoderText(report)))
        // And it is JSON that reads back to the same strings.
        let object = try JSONSerialization.jsonObject(with: Data(report.jsonLine.utf8)) as? [String: Any]
        #expect(object?["summary"] as? String == Self.awkward)
    }
}
