import ESignLedger
import ESignSigning

/// A document as other systems send it to `POST /v1/ledger/documents`: the import's columns,
/// with the unit's level and province left to the ledger (it knows them for the issue date).
struct LedgerDocumentInput: Decodable {
    var documentID: String?
    var unitCode: String
    var number: String
    var type: String?
    var title: String?
    var issuedOn: String
    var classified: Bool?
    var signed: Bool
    var signatureCount: Int?
    var timestamped: Bool?
    var direction: String?
    var verdict: String?

    enum CodingKeys: String, CodingKey {
        case documentID = "document_id"
        case unitCode = "unit_code"
        case number, type, title
        case issuedOn = "issued_on"
        case classified, signed
        case signatureCount = "signature_count"
        case timestamped, direction, verdict
    }

    /// The record, or what is wrong with the input (`index` counts from 1).
    func record(index: Int) throws -> DocumentRecord {
        func bad(_ what: String) -> Problem { Problem.badRequest("document \(index): \(what)") }
        guard let day = CivilDate(iso8601: issuedOn) else { throw bad("issued_on is a date (YYYY-MM-DD)") }
        guard !unitCode.isEmpty, unitCode.count <= 64 else { throw bad("unit_code is empty or too long") }
        guard !number.isEmpty, number.count <= 200 else { throw bad("number is empty or too long") }
        let dir =
            try direction.map { text throws -> DocumentRecord.Direction in
                guard let d = DocumentRecord.Direction(rawValue: text) else {
                    throw bad("direction is issued or received")
                }
                return d
            } ?? .issued
        if let documentID, documentID.count != 64 || Hex.decode(documentID) == nil {
            throw bad("document_id is the SHA-256 of the file in hex (64 characters)")
        }
        if let count = signatureCount, !(0...100).contains(count) { throw bad("signature_count is from 0 to 100") }
        if let count = signatureCount, signed != (count > 0) {
            throw bad("signature_count must be 0 exactly when signed is false")
        }
        for (name, value) in [("type", type), ("title", title), ("verdict", verdict)] {
            if let value, value.count > 1000 { throw bad("\(name) is longer than 1000 characters") }
        }
        return DocumentRecord(
            documentID: documentID?.lowercased(), unitCode: unitCode, number: number, type: type, title: title,
            issuedOn: day, classified: classified ?? false, signed: signed, signatureCount: signatureCount,
            timestamped: timestamped ?? false, direction: dir, verdict: verdict)
    }
}
