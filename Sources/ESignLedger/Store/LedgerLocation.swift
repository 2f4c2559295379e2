import Foundation

/// Which ledger to open: `--database` if given, else `ESIGN_DATABASE_URL`, else the embedded SQLite
/// file at `$ESIGN_LEDGER` or `$XDG_DATA_HOME/esign/ledger.sqlite` (by default
/// `~/.local/share/esign/ledger.sqlite`).
public enum LedgerLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite:") {
            self = .sqlite(path: String(text.dropFirst("sqlite:".count)))
        } else {
            self = .sqlite(path: text)
        }
    }

    public static func resolve(
        _ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> LedgerLocation {
        if let explicit, !explicit.isEmpty { return LedgerLocation(explicit) }
        if let url = environment["ESIGN_DATABASE_URL"], !url.isEmpty { return LedgerLocation(url) }
        return .sqlite(path: defaultSQLitePath(environment: environment))
    }

    public static func defaultSQLitePath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String
    {
        if let path = environment["ESIGN_LEDGER"], !path.isEmpty { return path }
        let base =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return base + "/esign/ledger.sqlite"
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "SQLite \(path)"
        case .postgres(let url): return PostgresLedgerStore.redacted(url)
        }
    }

    public func open() async throws -> any LedgerStore {
        switch self {
        case .sqlite(let path): return try SQLiteLedgerStore(path: path)
        case .postgres(let url): return try await PostgresLedgerStore(url: url)
        }
    }
}
