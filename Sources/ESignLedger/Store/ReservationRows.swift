import ESignCore
import Foundation

/// What both stores share in reading and writing `issued_numbers` rows.
enum LedgerRows {
    static let reservationColumns =
        "unit_code, series, year, number, reference, status, reserved_at, issuer, details, document_id, reason, "
        + "closed_at"

    /// The reservation a request gets for `number`, before it is written.
    static func reservation(_ request: NumberReservation.Request, number: Int) -> NumberReservation {
        NumberReservation(
            unitCode: request.unitCode, series: request.series, year: request.year, number: number,
            reference: request.reference(number), status: .reserved, reservedAt: request.at, issuer: request.issuer,
            details: request.details)
    }

    static func reservation(
        unitCode: String, series: String, year: Int, number: Int, reference: String, status: String,
        reservedAt: String, issuer: String, details: String, documentID: String?, reason: String?, closedAt: String?
    ) -> NumberReservation {
        NumberReservation(
            unitCode: unitCode, series: series, year: year, number: number, reference: reference,
            status: NumberReservation.Status(rawValue: status) ?? .void, reservedAt: reservedAt, issuer: issuer,
            details: (try? JSONDecoder().decode(RegisterDetails.self, from: Data(details.utf8))) ?? RegisterDetails(),
            documentID: documentID, reason: reason, closedAt: closedAt)
    }

    static func json(_ details: RegisterDetails) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(details)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The unit's one series also counts the documents recorded without a reservation (imported
    /// from the document-management system, or added by hand): numbering continues after the
    /// highest of them, and a number one of them already carries is not given again. A document's
    /// number is the leading digits of its "number/symbol": `leading` reads them, `numeric` keeps
    /// the documents that have them. Classified documents are left out: they are numbered and
    /// registered separately (Decree 30/2020, art. 15).
    static func recordedNumber(_ dialect: LedgerSchema.Dialect) -> (leading: String, numeric: String) {
        dialect == .sqlite
            ? ("CAST(number AS INTEGER)", "number GLOB '[0-9]*' AND NOT classified")
            : ("CAST(substring(number from '^[0-9]+') AS BIGINT)", "number ~ '^[0-9]' AND NOT classified")
    }

    /// The days of a numbering year, as `issued_on` holds them.
    static func yearBounds(_ year: Int) -> (String, String) { ("\(year)-01-01", "\(year)-12-31") }

    static func alreadyRecorded(_ request: NumberReservation.Request, number: Int, as reference: String) -> LedgerError
    {
        .invalidArgument(
            "number \(number) of unit \(request.unitCode) in \(request.year) is already recorded in the ledger (as "
                + "\(reference)); numbering continues after the highest recorded number")
    }

    static func noLongerReserved(_ r: NumberReservation) -> LedgerError {
        .invalidArgument(
            "number \(r.reference) of unit \(r.unitCode) is no longer reserved (it was voided while the document "
                + "was being signed); the document was not recorded")
    }
}
