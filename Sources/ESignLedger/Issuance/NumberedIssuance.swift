import ESignCore
import ESignIssuance
import ESignSignatures
import Foundation

extension DocumentIssuer {
    /// Issues `input` as unit `unitCode`'s next document (or number `explicit`) dated `issuedOn`,
    /// writing `output` and recording it in `ledger`: the number is taken, the document signed and
    /// the ledger row written in one step, so a failed signing leaves no number used.
    public func issue(
        input: String, output: String, unitCode: String, symbol: String, type: String?, issuedOn: CivilDate,
        explicit: Int? = nil, overwrite: Bool = false, ledger: Ledger
    ) async throws -> Result {
        if !overwrite && FileManager.default.fileExists(atPath: output) {
            throw SigningError.outputExists("\(output) exists (use --force to overwrite)")
        }
        let time = Date()
        var documentID = ""
        let (number, summary) = try await ledger.issueNumbered(
            unitCode: unitCode, issuedOn: issuedOn, explicit: explicit, source: "issue"
        ) { number in
            let reference = Self.reference(number: number, symbol: symbol)
            documentID = try sign(input: input, output: output, reference: reference, at: time, overwrite: overwrite)
            return DocumentRecord(
                documentID: documentID, unitCode: unitCode, number: reference,
                type: type ?? symbol.split(separator: "-").first.map(String.init), issuedOn: issuedOn,
                signed: true, signatureCount: 2, timestamped: timestampClient != nil)
        }
        return Result(
            output: output, number: number, reference: Self.reference(number: number, symbol: symbol),
            documentID: documentID, ledgerSequence: summary.head.sequence, signedAt: Decree30Layout.time(time))
    }
}
