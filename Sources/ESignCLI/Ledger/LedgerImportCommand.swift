import ArgumentParser
import ESign
import Foundation

struct LedgerImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a document-management export (CSV or JSON) into the ledger.",
        discussion: """
            CSV header: number,unit_code,issued_on,signed,classified and optionally document_id,type,title, \
            signature_count,timestamped,direction,verdict (any order). JSON: an array of objects with the \
            same keys, or JSON Lines. Unsigned and paper-only documents belong here too: they make the rate.

            The import is one transaction: a bad row (reported with its line number), an unknown unit \
            code, or a document already recorded with other values, and nothing is imported. \
            Re-importing the same file changes nothing.
            """
    )
    @Argument(help: "The export file (.csv, .json, .jsonl).") var file: String
    @Option(help: ArgumentHelp("Commit every N rows instead of the whole file at once.", valueName: "N"))
    var commitEvery: Int?
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        if let commitEvery, commitEvery < 1 { throw ValidationError("--commit-every must be at least 1") }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: file) else {
            Terminal.error("\(file): no such file")
            throw ExitCode(ExitCodes.missingInput)
        }
        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        let start = Date()
        var lastDraw = Date.distantPast
        do {
            let summary = try await ledger.importDocuments(path: file, commitEvery: commitEvery) { rows in
                guard Terminal.stderrIsTTY, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
                lastDraw = Date()
                let rate = Int(Double(rows) / max(Date().timeIntervalSince(start), 0.001))
                FileHandle.standardError.write(Data("\rImporting… \(rows) rows (\(rate) rows/s)".utf8))
            }
            if Terminal.stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            let elapsed = Date().timeIntervalSince(start)
            if json {
                print(jsonText(ImportOutput(summary: summary, seconds: elapsed), pretty: false))
            } else {
                print(
                    "\(summary.read) rows read, \(Terminal.bold(String(summary.appended))) appended, "
                        + "\(summary.unchanged) already recorded "
                        + "in \(String(format: "%.2f", elapsed)) s "
                        + "(\(Int(Double(summary.read) / max(elapsed, 0.001))) rows/s); chain head "
                        + "\(summary.head.sequence) \(summary.head.hex.prefix(16))…"
                )
            }
        } catch { throw ledgerFailure(error) }
    }

    struct ImportOutput: Encodable {
        var read: Int, appended: Int, unchanged: Int, headSequence: Int64, headHash: String, seconds: Double
        init(summary: AppendSummary, seconds: Double) {
            read = summary.read
            appended = summary.appended
            unchanged = summary.unchanged
            headSequence = summary.head.sequence
            headHash = summary.head.hex
            self.seconds = seconds
        }
    }
}
