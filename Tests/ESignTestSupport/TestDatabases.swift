import ESign
import Foundation

/// The two ledger backends the tests run against: a fresh SQLite file, and a fresh database on the
/// PostgreSQL server that `.ci/run` starts (URL in ESIGN_TEST_POSTGRES_URL, from
/// scripts/start-postgres.sh). Under CI a missing server fails the PostgreSQL tests; elsewhere they
/// are disabled.
public enum TestDatabase: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["ESIGN_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The backends to run: both under CI (so that a missing PostgreSQL fails), else those available.
    public static var enabled: [TestDatabase] {
        Fixtures.underCI || postgresURL != nil ? [.sqlite, .postgres] : [.sqlite]
    }

    public enum Failure: Error, CustomStringConvertible {
        case noServer
        case createFailed(String)
        public var description: String {
            switch self {
            case .noServer:
                return
                    "ESIGN_TEST_POSTGRES_URL is not set: run `eval export ESIGN_TEST_POSTGRES_URL=$(bash "
                    + "scripts/start-postgres.sh)` (bash .ci/run does)"
            case .createFailed(let why): return "cannot create a test database: \(why)"
            }
        }
    }

    /// A new, empty ledger location (`location` and, for PostgreSQL, the URL to give `--database`).
    public func freshLocation() throws -> LedgerLocation {
        switch self {
        case .sqlite:
            return .sqlite(path: Fixtures.temporaryDirectory("ledger").appendingPathComponent("ledger.sqlite").path)
        case .postgres:
            guard let url = Self.postgresURL, var parts = URLComponents(string: url) else { throw Failure.noServer }
            let name = "esign_t_\(UInt32.random(in: 0...UInt32.max))_\(getpid())"
            let created = try Peers.run("psql", [url, "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"])
            guard created.status == 0 else { throw Failure.createFailed(created.combined) }
            parts.path = "/" + name
            return .postgres(url: parts.string!)
        }
    }

    /// The `--database` argument for a location.
    public static func argument(_ location: LedgerLocation) -> String {
        switch location {
        case .sqlite(let path): return path
        case .postgres(let url): return url
        }
    }
}
