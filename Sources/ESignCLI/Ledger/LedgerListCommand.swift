import ArgumentParser
import ESign
import Foundation

struct LedgerListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List ledger entries in chain order.")
    @Option(help: "Only this unit.") var unit: String?
    @Option(help: ArgumentHelp("Issued on or after (YYYY-MM-DD).", valueName: "date")) var from: CivilDate?
    @Option(help: ArgumentHelp("Issued on or before (YYYY-MM-DD).", valueName: "date")) var to: CivilDate?
    @Option(help: "Entries after this sequence number.") var after: Int64 = 0
    @Option(help: "At most this many entries.") var limit = 100
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(help: "One JSON object per line.") var json = false

    func run() async throws {
        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        do {
            let entries = try await ledger.list(
                EntryFilter(unitCode: unit, from: from, to: to), after: after, limit: limit)
            for e in entries {
                let r = e.record
                if json {
                    print(jsonText(e, pretty: false))
                    continue
                }
                let state =
                    r.classified
                    ? Terminal.yellow("classified")
                    : r.signed ? Terminal.green("signed ×\(r.signatureCount)") : Terminal.red("unsigned")
                print(
                    "\(String(e.sequence).padding(toLength: 8, withPad: " ", startingAt: 0)) \(r.issuedOn) "
                        + "\(r.unitCode.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                        + "\(r.number.padding(toLength: 20, withPad: " ", startingAt: 0)) "
                        + "\(state)\(r.direction == .received ? " received \(r.verdict ?? "")" : "")"
                )
            }
            if !json { Terminal.note("\(entries.count) entr\(entries.count == 1 ? "y" : "ies")") }
        } catch { throw ledgerFailure(error) }
    }
}
