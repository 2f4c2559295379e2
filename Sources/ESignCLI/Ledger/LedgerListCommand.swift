import ArgumentParser
import ESign
import Foundation

struct LedgerListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List ledger entries in chain order, or a unit's outgoing-document register.",
        discussion: """
            --register --unit U --year Y prints the outgoing-document register (sổ đăng ký văn bản đi) as \
            Decree 30/2020 lays it out: number and symbol, date, type and summary, signer, recipients, \
            copies, notes. Numbers given by `esign issue` and then not used are shown as void, with the \
            reason. --format table (terminal), csv, json or html (a printable A4 page); -o FILE.
            """)
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json, html }
    @Option(help: "Only this unit.") var unit: String?
    @Option(help: ArgumentHelp("Issued on or after (YYYY-MM-DD).", valueName: "date")) var from: CivilDate?
    @Option(help: ArgumentHelp("Issued on or before (YYYY-MM-DD).", valueName: "date")) var to: CivilDate?
    @Option(help: "Entries after this sequence number.") var after: Int64 = 0
    @Option(help: "At most this many entries.") var limit = 100
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(help: "One JSON object per line.") var json = false
    @Flag(help: "The unit's outgoing-document register for --year (needs --unit).") var register = false
    @Option(help: "The register's year.") var year: Int?
    @Option(help: "Register format: table, csv, json or html.") var format: Format = .table
    @Option(
        name: .shortAndLong, help: ArgumentHelp("Write the register to this file.", valueName: "file"))
    var output: String?
    @Flag(help: "Overwrite the output file.") var force = false

    func validate() throws {
        if register {
            if unit == nil { throw ValidationError("--register needs --unit") }
            if year == nil { throw ValidationError("--register needs --year") }
        } else if year != nil || output != nil || format != .table {
            throw ValidationError("--year, --format and --output go with --register")
        }
    }

    func run() async throws {
        if let output, !force, FileManager.default.fileExists(atPath: output) {
            Terminal.error("\(output) exists (use --force to overwrite)")
            throw ExitCode(ExitCodes.cannotCreateOutput)
        }
        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        if register, let unit, let year {
            do { try await printRegister(ledger, unit: unit, year: year) } catch { throw ledgerFailure(error) }
            return
        }
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

    func printRegister(_ ledger: Ledger, unit: String, year: Int) async throws {
        let entries = try await ledger.register(unitCode: unit, year: year)
        let name = try await ledger.directory().versions[unit]?.last?.name
        let register = OutgoingRegister(unitCode: unit, unitName: name, year: year, entries: entries)
        switch format {
        case .csv: try emit(register.csv, to: output, force: force)
        case .json:
            try emit(entries.map { jsonText($0, pretty: false) }.joined(separator: "\n"), to: output, force: force)
        case .html:
            let now = CivilTime.iso8601(secondsSince1970: Int(Date().timeIntervalSince1970))
            try emit(register.html(generatedAt: now), to: output, force: force)
        case .table:
            let colour = output == nil
            let header = OutgoingRegister.header
            var widths = header.map { min($0.count, 28) }
            let rows = register.rows.map { $0.map { $0.count > 40 ? String($0.prefix(39)) + "…" : $0 } }
            for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { $0 + String(repeating: " ", count: max(0, $1 - $0.count)) }
                    .joined(separator: "  ")
            }
            var text = "SỔ ĐĂNG KÝ VĂN BẢN ĐI — \(name ?? unit) (\(unit)), năm \(year)\n"
            text += (colour ? Terminal.bold(line(header)) : line(header)) + "\n"
            for (entry, row) in zip(entries, rows) {
                let shown = line(row)
                text += (colour && entry.status == .void ? Terminal.red(shown) : shown) + "\n"
            }
            let void = entries.filter { $0.status == .void }.count
            text += "\(entries.count) số, \(void) không sử dụng\n"
            try emit(text, to: output, force: force)
        }
    }
}
