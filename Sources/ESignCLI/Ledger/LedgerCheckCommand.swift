import ArgumentParser
import ESign
import Foundation

struct LedgerCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Recompute the ledger's hash chain and coverage counts; exit 1 if anything does not match."
    )
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        let report: Ledger.CheckReport
        do {
            report = try await ledger.check { done, total in
                guard Terminal.stderrIsTTY, total > 0 else { return }
                FileHandle.standardError.write(Data("\rChecking… \(done)/\(total)".utf8))
            }
            if Terminal.stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        } catch { throw ledgerFailure(error) }
        if json {
            print(
                jsonText(
                    CheckOutput(
                        valid: report.valid, entries: report.entries, head: report.head, problems: report.problems),
                    pretty: false))
        } else if report.valid {
            print(Terminal.green("Ledger intact: \(report.entries) entries, chain head \(report.head)"))
        } else {
            for p in report.problems { Terminal.error(p) }
            print(
                Terminal.red(
                    "Ledger check FAILED (\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s"))"))
        }
        if !report.valid { throw ExitCode(ExitCodes.batchHadFailures) }
    }

    struct CheckOutput: Encodable {
        var valid: Bool
        var entries: Int64
        var head: String
        var problems: [String]
    }
}
