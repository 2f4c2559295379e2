import ESignCore
import Foundation
import Logging
import PostgresNIO

/// The shared ledger: a PostgreSQL database that several signing services write to. Appends lock
/// the chain's head row (`SELECT … FOR UPDATE`), so concurrent writers queue behind each other
/// exactly as they do on SQLite; records go in batches through `unnest` arrays. Connections come
/// from a pool, so that a server's concurrent requests each run their transaction on a connection
/// of its own.
public final class PostgresLedgerStore: LedgerStore, @unchecked Sendable {
    let client: PostgresClient
    private let running: Task<Void, Never>
    let logger = Logger(label: "esign.ledger.postgres")
    public let location: String

    /// Connects to `postgres://user[:password]@host[:port]/database`. Without a password in the URL,
    /// `PGPASSWORD` is used (so that none has to appear on a command line).
    public init(url: String) async throws {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
            let host = parts.host, !host.isEmpty
        else {
            throw LedgerError.invalidArgument(
                "not a PostgreSQL URL (postgres://user@host:port/database): \(Self.redacted(url))")
        }
        let database = String(parts.path.drop(while: { $0 == "/" }))
        let user = parts.user ?? ProcessInfo.processInfo.environment["PGUSER"] ?? "postgres"
        let password = parts.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let port = parts.port ?? 5432
        location = "PostgreSQL \(database.isEmpty ? user : database)@\(host):\(port)"
        let config = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password,
            database: database.isEmpty ? nil : database, tls: .disable)
        // One direct connection first: the pool would keep retrying an unreachable server, and a
        // command should say at once that it cannot reach it.
        do {
            let probe = try await PostgresConnection.connect(configuration: config, id: 0, logger: logger)
            try await probe.close()
        } catch {
            throw LedgerError.database("cannot connect to \(location): \(Self.message(error))")
        }
        var poolConfig = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password,
            database: database.isEmpty ? nil : database, tls: .disable)
        poolConfig.options.maximumConnections = 16
        poolConfig.options.connectionIdleTimeout = .seconds(60)
        let client = PostgresClient(configuration: poolConfig, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    /// The URL with any password replaced, for messages.
    public static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "***"
        return parts.string ?? "postgres://…"
    }

    static func message(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let server = e.serverInfo?[.message] { return server }
            return "\(e.code)"
        }
        if let e = error as? PostgresTransactionError {
            return [e.closureError, e.beginError, e.commitError].compactMap { $0 }.map { message($0) }.first ?? "\(e)"
        }
        return "\(error)"
    }

    func run<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as LedgerError { throw e } catch {
            // Errors of the caller's own work inside a transaction (signing a document) pass through.
            if let t = error as? PostgresTransactionError, let inner = t.closureError, !(inner is PSQLError) {
                throw inner
            }
            guard error is PSQLError || error is PostgresTransactionError else { throw error }
            throw LedgerError.database("\(what) failed: \(Self.message(error))")
        }
    }

    public func migrate() async throws {
        try await run("migration") {
            try await client.withTransaction(logger: logger) { c in
                // One migrator at a time across processes.
                try await c.query("SELECT pg_advisory_xact_lock(7310)", logger: logger)
                try await c.query(
                    """
                    CREATE TABLE IF NOT EXISTS esign_migrations \
                    (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """,
                    logger: logger)
                var applied = Set<String>()
                for try await name in try await c.query("SELECT name FROM esign_migrations", logger: logger).decode(
                    String.self)
                { applied.insert(name) }
                for m in LedgerSchema.migrations where !applied.contains(m.name) {
                    for sql in m.postgres { try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                    try await c.query("INSERT INTO esign_migrations (name) VALUES (\(m.name))", logger: logger)
                }
            }
        }
    }

    public func units() async throws -> [AdministrativeUnit] {
        try await run("reading units") {
            var out: [AdministrativeUnit] = []
            let rows = try await client.query(
                "SELECT code, name, level, parent_code, valid_from, valid_to FROM units", logger: logger)
            for try await (code, name, level, parent, from, to) in rows.decode(
                (String, String, String, String?, String, String?).self)
            {
                guard let l = AdministrativeLevel(rawValue: level), let f = CivilDate(iso8601: from) else { continue }
                out.append(
                    AdministrativeUnit(
                        code: code, name: name, level: l, parentCode: parent, validFrom: f,
                        validTo: to.flatMap { CivilDate(iso8601: $0) }))
            }
            return out
        }
    }

    public func insertUnits(_ units: [AdministrativeUnit]) async throws {
        guard !units.isEmpty else { return }
        _ = try await run("importing units") {
            try await client.query(
                """
                INSERT INTO units SELECT c, n, l, NULLIF(p, ''), f, NULLIF(t, '')
                FROM unnest(\(units.map(\.code)), \(units.map(\.name)), \(units.map(\.level.rawValue)),
                  \(units.map { $0.parentCode ?? "" }), \(units.map(\.validFrom.description)), \
                  \(units.map { $0.validTo?.description ?? "" }))
                  AS u(c, n, l, p, f, t)
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    public func append(from source: DocumentBatchSource, context: AppendContext) async throws -> AppendSummary {
        try await run("appending to the ledger") {
            do {
                return try await client.withTransaction(logger: logger) { c in
                    let summary = try await Self.appendRows(c, source: source, context: context, logger: logger)
                    guard source.problems.isEmpty else { throw LedgerRollback() }
                    return summary
                }
            } catch let error as PostgresTransactionError
                where error.closureError is LedgerRollback && error.rollbackError == nil
            {
                // The source reported problems: rolled back, nothing appended; the caller reads them from the source.
                return AppendSummary()
            }
        }
    }

    public func reserveNumber(_ request: NumberReservation.Request) async throws -> NumberReservation {
        try await run("reserving a number") {
            try await client.withTransaction(logger: logger) { c in
                let (unit, series, year) = (request.unitCode, request.series, request.year)
                // The series row is locked from choosing the number to recording it as given.
                try await c.query(
                    "INSERT INTO number_series VALUES (\(unit), \(series), \(year), 0) ON CONFLICT DO NOTHING",
                    logger: logger)
                var last = 0
                for try await value in try await c.query(
                    """
                    SELECT last FROM number_series WHERE unit_code = \(unit) AND series = \(series) \
                    AND year = \(year) FOR UPDATE
                    """, logger: logger
                ).decode(Int.self) { last = value }
                var recorded = 0
                let (first, final) = LedgerRows.yearBounds(year)
                let (leading, numeric) = LedgerRows.recordedNumber(.postgres)
                if series.isEmpty {
                    for try await value in try await c.query(
                        """
                        SELECT COALESCE(max(\(unescaped: leading)), 0) FROM documents WHERE unit_code = \(unit) \
                        AND direction = 'issued' AND issued_on >= \(first) AND issued_on <= \(final) \
                        AND \(unescaped: numeric)
                        """, logger: logger
                    ).decode(Int.self) { recorded = value }
                }
                let number = request.explicit ?? max(last, recorded) + 1
                if series.isEmpty, request.explicit != nil {
                    for try await carrier in try await c.query(
                        """
                        SELECT number FROM documents WHERE unit_code = \(unit) AND direction = 'issued' \
                        AND issued_on >= \(first) AND issued_on <= \(final) AND \(unescaped: numeric) \
                        AND \(unescaped: leading) = \(number) LIMIT 1
                        """, logger: logger
                    ).decode(String.self) {
                        throw LedgerRows.alreadyRecorded(request, number: number, as: carrier)
                    }
                }
                for try await status in try await c.query(
                    """
                    SELECT status FROM issued_numbers WHERE unit_code = \(unit) AND series = \(series) \
                    AND year = \(year) AND number = \(number)
                    """, logger: logger
                ).decode(String.self) {
                    throw LedgerError.invalidArgument(
                        "number \(number) of unit \(unit) in \(year) was already given (\(status))")
                }
                let r = LedgerRows.reservation(request, number: number)
                let details = LedgerRows.json(r.details)
                try await c.query(
                    """
                    INSERT INTO issued_numbers VALUES (\(unit), \(series), \(year), \(number), \(r.reference), \
                    \(r.status.rawValue), \(r.reservedAt), \(r.issuer), \(details), NULL, NULL, NULL)
                    """, logger: logger)
                try await c.query(
                    """
                    UPDATE number_series SET last = GREATEST(last, \(number)) \
                    WHERE unit_code = \(unit) AND series = \(series) AND year = \(year)
                    """,
                    logger: logger)
                return r
            }
        }
    }

    public func completeReservation(
        _ reservation: NumberReservation, record: DocumentRecord, context: AppendContext
    ) async throws -> AppendSummary {
        try await run("recording an issued document") {
            try await client.withTransaction(logger: logger) { c in
                var updated = 0
                for try await _ in try await c.query(
                    """
                    UPDATE issued_numbers SET status = 'issued', document_id = \(record.documentID), \
                    closed_at = \(context.recordedAt) WHERE unit_code = \(reservation.unitCode) \
                    AND series = \(reservation.series) AND year = \(reservation.year) \
                    AND number = \(reservation.number) AND status = 'reserved' RETURNING number
                    """, logger: logger
                ).decode(Int.self) { updated += 1 }
                guard updated == 1 else { throw LedgerRows.noLongerReserved(reservation) }
                let source = DocumentListSource([record])
                let summary = try await Self.appendRows(c, source: source, context: context, logger: logger)
                guard source.problems.isEmpty else {
                    throw LedgerError.invalidInput(file: "issue", problems: source.problems)
                }
                return summary
            }
        }
    }

    @discardableResult
    public func voidReservation(_ reservation: NumberReservation, reason: String, at: String) async throws -> Bool {
        try await run("voiding a number") {
            var updated = 0
            for try await _ in try await client.query(
                """
                UPDATE issued_numbers SET status = 'void', reason = \(reason), closed_at = \(at) \
                WHERE unit_code = \(reservation.unitCode) AND series = \(reservation.series) \
                AND year = \(reservation.year) AND number = \(reservation.number) AND status = 'reserved' \
                RETURNING number
                """, logger: logger
            ).decode(Int.self) { updated += 1 }
            return updated == 1
        }
    }

    public func reservations(
        unitCode: String?, year: Int?, status: NumberReservation.Status?
    ) async throws -> [NumberReservation] {
        try await run("reading the register") {
            var out: [NumberReservation] = []
            let rows = try await client.query(
                """
                SELECT \(unescaped: LedgerRows.reservationColumns) FROM issued_numbers \
                WHERE (\(unitCode)::TEXT IS NULL OR unit_code = \(unitCode)) \
                AND (\(year)::INTEGER IS NULL OR year = \(year)) \
                AND (\(status?.rawValue)::TEXT IS NULL OR status = \(status?.rawValue)) \
                ORDER BY unit_code, year, series, number
                """, logger: logger)
            for try await row in rows {
                let cells = Array(row)
                func s(_ i: Int) throws -> String? { try cells[i].decode(String?.self) }
                out.append(
                    LedgerRows.reservation(
                        unitCode: try s(0) ?? "", series: try s(1) ?? "", year: try cells[2].decode(Int.self),
                        number: try cells[3].decode(Int.self), reference: try s(4) ?? "", status: try s(5) ?? "",
                        reservedAt: try s(6) ?? "", issuer: try s(7) ?? "", details: try s(8) ?? "{}",
                        documentID: try s(9), reason: try s(10), closedAt: try s(11)))
            }
            return out
        }
    }

    /// Appends inside the caller's transaction; the caller commits unless `source` has problems.
    static func appendRows(
        _ c: PostgresConnection, source: DocumentBatchSource, context: AppendContext, logger: Logger
    ) async throws -> AppendSummary {
        let chain = LedgerChain()
        var summary = AppendSummary()
        var head = try await Self.readHead(c, logger: logger, lock: true)
        var appendID: Int64 = 0
        for try await id in try await c.query(
            "INSERT INTO appends (recorded_at, source) VALUES (\(context.recordedAt), \(context.source)) RETURNING id",
            logger: logger
        ).decode(Int64.self) { appendID = id }
        var counts = CoverageAccumulator()
        let suffix = context.chainSuffix
        source.chainStarts(at: head, suffix: suffix)
        while let batch = try source.nextBatch() {
            summary.read += batch.count
            let keys = batch.map(\.key)
            // Identities already stored (earlier imports, or earlier batches of this one).
            var stored: [RecordKey: DocumentRecord] = [:]
            let rows = try await c.query(
                """
                SELECT key_high, key_low, \(unescaped: Self.entrySelect) FROM \(unescaped: LedgerSchema.entryTables)
                WHERE (key_high, key_low) IN (SELECT * FROM unnest(\(keys.map(\.high)), \(keys.map(\.low))))
                """, logger: logger)
            for try await row in rows {
                let (key, entry) = try Self.keyedEntry(row)
                stored[key] = entry.record
            }
            var new = [(key: RecordKey, seq: Int64, record: DocumentRecord, hash: String)]()
            for (item, key) in zip(batch, keys) {
                if let existing = stored[key] {
                    if source.existing(existing, for: item) { summary.unchanged += 1 }
                    continue
                }
                let sequence = head.sequence + 1
                let hash =
                    item.expectedSequence == sequence
                    ? item.expectedHash
                    : chain.link(previous: head.hash, sequence: sequence, canonical: item.canonical, suffix: suffix)
                head = ChainHead(sequence: sequence, hash: hash)
                stored[key] = item.record
                counts.add(item.record)
                new.append((key, sequence, item.record, Hex.string(hash)))
            }
            guard !new.isEmpty else { continue }
            let r = new.map(\.record)
            try await c.query(
                """
                INSERT INTO documents
                SELECT seq, kh, kl, NULLIF(did, ''), unit, lvl, NULLIF(prov, ''), nr, NULLIF(ty, ''), NULLIF(ti, ''), \
                day,
                  cl, sg, sc, ts, dir, NULLIF(vd, ''), \(appendID), decode(h, 'hex')
                FROM unnest(\(new.map(\.seq)), \(new.map(\.key.high)), \(new.map(\.key.low)), \
                \(r.map { $0.documentID ?? "" }), \(r.map(\.unitCode)),
                  \(r.map(\.unitLevel.rawValue)), \(r.map { $0.provinceCode ?? "" }), \(r.map(\.number)), \
                  \(r.map { $0.type ?? "" }),
                  \(r.map { $0.title ?? "" }), \(r.map(\.issuedOn.description)), \(r.map(\.classified)), \
                  \(r.map(\.signed)),
                  \(r.map { Int64($0.signatureCount) }), \(r.map(\.timestamped)), \(r.map(\.direction.rawValue)), \
                  \(r.map { $0.verdict ?? "" }),
                  \(new.map(\.hash)))
                  AS n(seq, kh, kl, did, unit, lvl, prov, nr, ty, ti, day, cl, sg, sc, ts, dir, vd, h)
                """, logger: logger)
            summary.appended += new.count
        }
        guard source.problems.isEmpty else { return summary }
        if summary.appended == 0 { try await c.query("DELETE FROM appends WHERE id = \(appendID)", logger: logger) }
        let rows = counts.rows
        if !rows.isEmpty {
            try await c.query(
                """
                INSERT INTO coverage_daily
                SELECT * FROM unnest(\(rows.map(\.day.description)), \(rows.map(\.unitCode)), \
                \(rows.map(\.level.rawValue)),
                  \(rows.map(\.provinceCode)), \(rows.map { Int64($0.issued) }), \(rows.map { Int64($0.signed) }), \
                  \(rows.map { Int64($0.classified) }))
                ON CONFLICT (day, unit_code, level, province_code) DO UPDATE SET issued = coverage_daily.issued + \
                excluded.issued,
                  signed = coverage_daily.signed + excluded.signed, classified = coverage_daily.classified + \
                  excluded.classified
                """, logger: logger)
        }
        try await c.query(
            "UPDATE ledger_head SET seq = \(head.sequence), hash = \(head.hex) WHERE id = 1", logger: logger)
        summary.head = head
        return summary
    }

    /// Thrown inside the transaction to roll it back when the source reported problems.
    struct LedgerRollback: Error {}

    /// The entry columns, with the chain hash as hex.
    static let entrySelect = LedgerSchema.entryColumns + ", encode(chain_hash, 'hex')"

    static func readHead(_ c: PostgresConnection, logger: Logger, lock: Bool) async throws -> ChainHead {
        let rows = try await c.query(
            PostgresQuery(unsafeSQL: "SELECT seq, hash FROM ledger_head WHERE id = 1" + (lock ? " FOR UPDATE" : "")),
            logger: logger)
        for try await (seq, hex) in rows.decode((Int64, String).self) {
            guard let hash = Hex.decode(hex) else { break }
            return ChainHead(sequence: seq, hash: hash)
        }
        throw LedgerError.database("the ledger has no head row")
    }

    static func entry(_ row: PostgresRow, offset: Int = 0) throws -> LedgerEntry {
        let cells = Array(row)
        func v<T: PostgresDecodable>(_ i: Int, _ type: T.Type) throws -> T { try cells[offset + i].decode(T.self) }
        guard let level = AdministrativeLevel(rawValue: try v(3, String.self)),
            let issued = CivilDate(iso8601: try v(8, String.self)),
            let direction = DocumentRecord.Direction(rawValue: try v(13, String.self))
        else {
            throw LedgerError.database("an entry has unreadable fields")
        }
        let record = DocumentRecord(
            documentID: try v(1, String?.self), unitCode: try v(2, String.self), unitLevel: level,
            provinceCode: try v(4, String?.self), number: try v(5, String.self), type: try v(6, String?.self),
            title: try v(7, String?.self), issuedOn: issued, classified: try v(9, Bool.self),
            signed: try v(10, Bool.self),
            signatureCount: try v(11, Int.self), timestamped: try v(12, Bool.self), direction: direction,
            verdict: try v(14, String?.self))
        return LedgerEntry(
            sequence: try v(0, Int64.self), record: record, recordedAt: try v(15, String.self),
            source: try v(16, String.self), chainHash: try v(17, String.self))
    }

    static func keyedEntry(_ row: PostgresRow) throws -> (RecordKey, LedgerEntry) {
        let cells = Array(row)
        return (
            RecordKey(high: try cells[0].decode(Int64.self), low: try cells[1].decode(Int64.self)),
            try entry(row, offset: 2)
        )
    }

    public func head() async throws -> ChainHead {
        try await run("reading the chain head") {
            try await client.withConnection { try await Self.readHead($0, logger: logger, lock: false) }
        }
    }

    public func entries(after: Int64, limit: Int, filter: EntryFilter) async throws -> [LedgerEntry] {
        try await run("reading entries") {
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.entrySelect) FROM \(unescaped: LedgerSchema.entryTables)
                WHERE seq > \(after) AND (\(filter.unitCode ?? "") = '' OR unit_code = \(filter.unitCode ?? ""))
                  AND issued_on >= \(filter.from?.description ?? "0000-00-00") AND issued_on <= \
                  \(filter.to?.description ?? "9999-99-99")
                ORDER BY seq LIMIT \(Int64(limit))
                """, logger: logger)
            var out: [LedgerEntry] = []
            for try await row in rows { out.append(try Self.entry(row)) }
            return out
        }
    }

    public func coverageCounts(from: CivilDate?, to: CivilDate?) async throws -> [CoverageCount] {
        try await counts(
            """
            SELECT day, unit_code, level, province_code, issued, signed, classified FROM coverage_daily
            WHERE day >= \(from?.description ?? "0000-00-00") AND day <= \(to?.description ?? "9999-99-99")
            """)
    }

    public func recomputedCoverageCounts() async throws -> [CoverageCount] {
        try await counts(
            """
            SELECT issued_on, unit_code, unit_level, COALESCE(province_code, ''), COUNT(*)::bigint,
              SUM(CASE WHEN signed AND NOT classified THEN 1 ELSE 0 END)::bigint, SUM(CASE WHEN classified THEN 1 \
              ELSE 0 END)::bigint
            FROM documents WHERE direction = 'issued' GROUP BY 1, 2, 3, 4
            """)
    }

    private func counts(_ query: PostgresQuery) async throws -> [CoverageCount] {
        try await run("reading coverage counts") {
            var out: [CoverageCount] = []
            let rows = try await client.query(query, logger: logger)
            for try await (day, unit, level, province, issued, signed, classified) in rows.decode(
                (String, String, String, String, Int64, Int64, Int64).self)
            {
                guard let d = CivilDate(iso8601: day), let l = AdministrativeLevel(rawValue: level) else { continue }
                out.append(
                    CoverageCount(
                        day: d, unitCode: unit, level: l, provinceCode: province, issued: Int(issued),
                        signed: Int(signed), classified: Int(classified)))
            }
            return out
        }
    }

    public func close() async throws {
        running.cancel()
        await running.value
    }
}
