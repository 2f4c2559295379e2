import ArgumentParser
import ESign
import Foundation

/// `--database`, shared by every command that reads or writes the ledger.
struct LedgerOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            """
            Ledger database: a SQLite file path, or postgres://user@host:port/db (password from PGPASSWORD). \
            Default: $ESIGN_DATABASE_URL, else $ESIGN_LEDGER, else ~/.local/share/esign/ledger.sqlite.
            """, valueName: "url|path"))
    var database: String?

    var location: LedgerLocation { LedgerLocation.resolve(database) }

    func open() async throws -> Ledger {
        do { return try await Ledger.open(location) } catch { throw ledgerFailure(error) }
    }
}

/// Prints `esign: error: …` for a ledger error and returns the documented exit code:
/// 65 bad input (rows, unit codes), 66 missing file, 69 database unreachable, 70 database error,
/// 64 bad arguments.
func ledgerFailure(_ error: any Error) -> ExitCode {
    if let e = error as? ExitCode { return e }
    guard let e = error as? LedgerError else {
        Terminal.error("\(error)")
        return ExitCode(ExitCodes.internalError)
    }
    Terminal.error(e.description)
    switch e {
    case .invalidInput, .unknownUnit, .unitNotInForce, .invalidUnits: return ExitCode(ExitCodes.badInput)
    case .invalidArgument(let m) where m.hasPrefix("cannot open") || m.hasPrefix("cannot read"):
        return ExitCode(ExitCodes.missingInput)
    case .invalidArgument: return ExitCode(ExitCodes.usage)
    case .database(let m) where m.contains("cannot connect"): return ExitCode(ExitCodes.serviceUnavailable)
    case .database: return ExitCode(ExitCodes.internalError)
    }
}

/// A date argument in ISO 8601 (YYYY-MM-DD).
extension CivilDate: @retroactive ExpressibleByArgument {
    public init?(argument: String) { self.init(iso8601: argument) }
}
