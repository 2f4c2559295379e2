import ArgumentParser
import ESign
import Foundation

/// `esign stats`: signing coverage per level, unit and period, against targets.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract:
            "Signing coverage: documents issued as signed e-documents ÷ documents issued, classified ones excluded.",
        discussion: """
            Per level (province, district, commune: each document counts at the level its unit had on \
            the issue date), per unit (ranked within its level) or per month, quarter or year, with the \
            gap to target. Targets default to province 100%, district 90%, commune 85%; --targets reads \
            a CSV (level,target[,year][,province_code]) or JSON list. Formats: table (terminal), json \
            (schema esign.coverage/1, every section), csv (the rows of --by), html (one self-contained \
            page with charts).
            """
    )
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv, html }

    @Option(help: ArgumentHelp("First day (YYYY-MM-DD).", valueName: "date")) var from: CivilDate?
    @Option(help: ArgumentHelp("Last day (YYYY-MM-DD).", valueName: "date")) var to: CivilDate?
    @Option(help: "Rows per level, unit, month, quarter or year.") var by: CoverageQuery.Grouping = .level
    @Option(help: "Only units of this province (as on the issue date).") var province: String?
    @Option(help: ArgumentHelp("Targets file (CSV or JSON).", valueName: "file")) var targets: String?
    @Option(help: "table, json, csv or html.") var format: Format = .table
    @Option(
        name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?
    @Flag(help: "Overwrite the output file.") var force = false
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        if let from, let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
    }

    func run() async throws {
        if let output, !force, FileManager.default.fileExists(atPath: output) {
            Terminal.error("\(output) exists (use --force to overwrite)")
            throw ExitCode(ExitCodes.cannotCreateOutput)
        }
        let loadedTargets: CoverageTargets
        do { loadedTargets = try targets.map { try CoverageTargets.load(path: $0) } ?? .defaults } catch {
            throw ledgerFailure(error)
        }
        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        let report: CoverageReport
        do {
            report = try await ledger.statistics(
                CoverageQuery(from: from, to: to, by: by, province: province, targets: loadedTargets))
        } catch { throw ledgerFailure(error) }
        switch format {
        case .json: try emit(jsonText(report), to: output, force: force)
        case .csv: try emit(CoverageTable(report).csv, to: output, force: force)
        case .html:
            let now = CivilTime.iso8601(secondsSince1970: Int(Date().timeIntervalSince1970))
            try emit(CoverageHTML.render(report, generatedAt: now), to: output, force: force)
        case .table: try emit(renderTable(report), to: output, force: force)
        }
    }

    func renderTable(_ report: CoverageReport) -> String {
        let table = CoverageTable(report)
        let colour = output == nil
        var widths = table.header.map(\.count)
        for row in table.rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        let numeric = Set([
            "issued", "classified", "eligible", "signed", "rate", "target", "gap", "units", "units_meeting_target",
            "rank", "rank_of",
        ])
        func line(_ cells: [String], header: Bool) -> String {
            zip(table.header, zip(cells, widths)).map { name, pair in
                let (cell, w) = pair
                let padded =
                    numeric.contains(name)
                    ? String(repeating: " ", count: w - cell.count) + cell
                    : cell + String(repeating: " ", count: w - cell.count)
                if header { return colour ? Terminal.bold(padded) : padded }
                if name == "gap", colour, let v = Double(cell) {
                    return v < 0 ? Terminal.red(padded) : Terminal.green(padded)
                }
                return padded
            }.joined(separator: "  ")
        }
        var out = line(table.header, header: true) + "\n"
        for row in table.rows { out += line(row, header: false) + "\n" }
        let o = report.overall
        out +=
            "Overall: \(o.signed) of \(o.eligible) documents signed "
            + "(\(o.rate.map { CoverageTable.percent($0) + "%" } ?? "no documents")); \(o.classified) classified "
            + "excluded\n"
        return out
    }
}

extension CoverageQuery.Grouping: ExpressibleByArgument {}
