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

    static func noLongerReserved(_ r: NumberReservation) -> LedgerError {
        .invalidArgument(
            "number \(r.reference) of unit \(r.unitCode) is no longer reserved (it was voided while the document "
                + "was being signed); the document was not recorded")
    }
}
