import ArgumentParser
import ESign
import Foundation

struct LedgerGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract:
            "Write a synthetic year of a province's documents, with planted signing rates (tests, benchmarks, demos).",
        discussion: """
            Uses the units of the ledger (import a unit list first). Writes an import CSV and, with --plan, \
            a JSON file of the planted figures per level and per unit: `esign stats` over the imported \
            CSV must find them again. The same seed gives the same file.
            """
    )
    @Option(help: "Province code (e.g. 70 for Bình Phước).") var province: String
    @Option(help: "Year.") var year: Int
    @Option(help: "Approximate number of documents.") var documents = 40_000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "Output CSV.") var output: String
    @Option(help: ArgumentHelp("Write the planted figures here (JSON).", valueName: "file")) var plan: String?
    @Flag(help: "Overwrite existing files.") var force = false
    @OptionGroup var ledgerOptions: LedgerOptions

    func run() async throws {
        for path in [output] + (plan.map { [$0] } ?? []) where !force && FileManager.default.fileExists(atPath: path) {
            Terminal.error("\(path) exists (use --force to overwrite)")
            throw ExitCode(ExitCodes.cannotCreateOutput)
        }
        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        do {
            let generator = SyntheticProvince(seed: seed, province: province, year: year, documents: documents)
            let temporary = output + ".tmp-\(getpid())"
            let result = try generator.write(csv: temporary, directory: try await ledger.directory())
            guard rename(temporary, output) == 0 else { throw LedgerError.invalidArgument("cannot write \(output)") }
            if let plan { try emit(jsonText(result), to: plan, force: force) }
            print(
                "Wrote \(result.documents) documents of \(result.units.count) units of province \(province) in "
                    + "\(year) to \(output)"
            )
        } catch { throw ledgerFailure(error) }
    }
}
