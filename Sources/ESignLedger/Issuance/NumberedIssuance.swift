import ESignCore
import ESignIssuance
import ESignSignatures
import Foundation

extension DocumentIssuer {
    /// What an issuance records besides the document: the series it is numbered in and the
    /// register's columns (summary, recipients, copies).
    public struct Registration: Sendable {
        public var series = ""
        public var subject: String?
        public var recipients: String?
        public var copies: Int?
        public init(series: String = "", subject: String? = nil, recipients: String? = nil, copies: Int? = nil) {
            self.series = series
            self.subject = subject
            self.recipients = recipients
            self.copies = copies
        }
    }

    /// Issues `input` as unit `unitCode`'s next document (or number `explicit`) dated `issuedOn`,
    /// writing `output` and recording it in `ledger`.
    ///
    /// The places for the number and date are found first (a layout without a number line is
    /// refused before any number is given); then the number is reserved and committed, so that it
    /// is never given twice; the document is numbered and signed; the ledger records it and the
    /// number becomes issued. If anything fails after the reservation, the number is recorded as
    /// void with the reason, and no output is left behind.
    public func issue(
        input: String, output: String, unitCode: String, symbol: String, type: String?, issuedOn: CivilDate,
        explicit: Int? = nil, overwrite: Bool = false, registration: Registration = Registration(), ledger: Ledger
    ) async throws -> Result {
        if !overwrite && FileManager.default.fileExists(atPath: output) {
            throw SigningError.outputExists("\(output) exists (use --force to overwrite)")
        }
        let places = try locate(input: input)
        let time = Date()
        let documentType = type ?? symbol.split(separator: "-").first.map(String.init)
        let details = RegisterDetails(
            type: documentType, subject: registration.subject, signer: official.certificate.subject.commonName,
            recipients: registration.recipients, copies: registration.copies, issuedOn: issuedOn)
        let reservation = try await ledger.reserveNumber(
            NumberReservation.Request(
                unitCode: unitCode, series: registration.series, year: issuedOn.year, explicit: explicit,
                symbol: symbol, details: details, at: Ledger.now()),
            on: issuedOn)
        let documentID: String
        do {
            documentID = try sign(
                input: input, output: output, reference: reservation.reference, issuedOn: issuedOn, places: places,
                at: time, overwrite: overwrite)
        } catch {
            _ = try? await ledger.voidNumber(reservation, reason: "signing failed: \(error)")
            throw error
        }
        let record = DocumentRecord(
            documentID: documentID, unitCode: unitCode, number: reservation.reference, type: documentType,
            title: registration.subject, issuedOn: issuedOn, signed: true, signatureCount: 2,
            timestamped: timestampClient != nil)
        let summary: AppendSummary
        do {
            summary = try await ledger.completeIssue(reservation, record: record, source: "issue")
        } catch {
            // The file shows a number the register does not hold as issued: it must not go out.
            unlink(output)
            _ = try? await ledger.voidNumber(reservation, reason: "recording the issued document failed: \(error)")
            throw error
        }
        return Result(
            output: output, number: reservation.number, reference: reservation.reference, documentID: documentID,
            ledgerSequence: summary.head.sequence, signedAt: Decree30Layout.time(time))
    }
}
