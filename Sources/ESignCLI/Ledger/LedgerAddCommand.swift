import ArgumentParser
import ESign
import Foundation

struct LedgerAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record one document (issued, or received with its verification verdict).",
        discussion: "With --file the document id is the SHA-256 of that file."
    )
    @Option(help: "Issuing (or receiving) unit code.") var unit: String
    @Option(help: ArgumentHelp("Number and symbol, e.g. 1234/QĐ-UBND.", valueName: "text")) var number: String
    @Option(help: ArgumentHelp("Issue date (YYYY-MM-DD); default today.", valueName: "date")) var issuedOn: CivilDate?
    @Flag(inversion: .prefixedNo, help: "Issued as a signed electronic document.") var signed: Bool
    @Flag(help: "A classified document (excluded from rates).") var classified = false
    @Option(help: "Number of signatures (official, agency seal).") var signatureCount: Int?
    @Flag(help: "The signatures are timestamped.") var timestamped = false
    @Option(help: "Document type (QĐ, CV, TB, …).") var type: String?
    @Option(help: "Title.") var title: String?
    @Option(help: ArgumentHelp("The issued file (its SHA-256 becomes the document id).", valueName: "file")) var file:
        String?
    @Flag(help: "A received document rather than an issued one.") var received = false
    @Option(help: "Verification verdict of a received document (TOTAL-PASSED, …).") var verdict: String?
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(help: "Print the entry as JSON.") var json = false

    func run() async throws {
        var documentID: String?
        if let file {
            do { documentID = try FileDigest.sha256Hex(path: file) } catch {
                Terminal.error("\(file): \(error)")
                throw ExitCode(ExitCodes.missingInput)
            }
        }
        let record = DocumentRecord(
            documentID: documentID, unitCode: unit, number: number, type: type, title: title,
            issuedOn: issuedOn ?? CivilDate.today(), classified: classified, signed: signed,
            signatureCount: signatureCount, timestamped: timestamped,
            direction: received ? .received : .issued, verdict: verdict)
        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        do {
            let summary = try await ledger.record([record], source: "add")
            if json {
                print(jsonText(summary, pretty: false))
            } else if summary.appended == 1 {
                print("Recorded \(number) of unit \(unit) as entry \(summary.head.sequence)")
            } else {
                print("Already recorded: \(number) of unit \(unit)")
            }
        } catch { throw ledgerFailure(error) }
    }
}
