import ArgumentParser
import ESign
import Foundation

/// `esign units`: the administrative units documents are attributed to.
struct UnitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units",
        abstract: "Import and list administrative units (province, district, commune) with their validity periods.",
        subcommands: [UnitsImportCommand.self, UnitsListCommand.self]
    )
}

struct UnitsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a unit list: CSV with header code,name,level,parent_code,valid_from,valid_to.",
        discussion: """
            Dates are ISO 8601 (YYYY-MM-DD); an empty valid_to means still in force. A unit that changed \
            parent (a commune moved from its district to its province on 1 July 2025) has one row per \
            period. Re-importing the same list changes nothing; a list that conflicts with what is \
            known is refused whole. samples/units/ has Bình Phước, Bình Dương and Bình Thuận.
            """
    )
    @Argument(help: "The CSV file.") var file: String
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        do {
            let summary = try await ledger.importUnits(csv: file)
            if json {
                print(jsonText(summary, pretty: false))
            } else {
                print(
                    "\(summary.read) units read, \(Terminal.bold(String(summary.added))) added, \(summary.unchanged) "
                        + "already known (\(ledger.store.location))"
                )
            }
        } catch { throw ledgerFailure(error) }
    }
}

struct UnitsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List units in force on a day.")
    @Option(help: ArgumentHelp("Day (YYYY-MM-DD); default today.", valueName: "date")) var at: CivilDate?
    @Option(help: "Only units of this province.") var province: String?
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(help: "JSON lines instead of a table.") var json = false

    func run() async throws {
        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        do {
            let directory = try await ledger.directory()
            let day = at ?? CivilDate.today()
            let units = directory.allUnits.filter { $0.isInForce(on: day) }
                .compactMap { u -> (AdministrativeUnit, String?)? in
                    let p = try? directory.resolve(u.code, on: day)
                    if let province, p?.provinceCode != province { return nil }
                    return (u, p?.provinceCode)
                }.sorted { ($0.0.level, $0.0.code) < ($1.0.level, $1.0.code) }
            for (u, _) in units {
                if json {
                    print(jsonText(u, pretty: false))
                } else {
                    print(
                        "\(u.code.padding(toLength: 10, withPad: " ", startingAt: 0)) "
                            + "\(u.level.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) "
                            + "\(u.parentCode ?? "-")\t\(u.name)"
                    )
                }
            }
            if !json { Terminal.note("\(units.count) units in force on \(day)") }
        } catch { throw ledgerFailure(error) }
    }
}
