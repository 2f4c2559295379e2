import ESignCore
import Foundation
import GRDB

/// The embedded ledger: one SQLite file in WAL mode, shared safely by several processes on one
/// machine (writers take the write lock with BEGIN IMMEDIATE and wait for each other up to a
/// minute; readers never block).
public final class SQLiteLedgerStore: LedgerStore, @unchecked Sendable {
    let queue: DatabaseQueue
    public let path: String
    public var location: String { "SQLite \(path)" }

    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var config = Configuration()
        config.busyMode = .timeout(60)
        config.prepareDatabase { db in
            // 16 KiB pages (set before the first table exists): fewer, shallower B-tree pages for
            // imports of millions of rows. No effect on an existing file.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A large page cache keeps the record-key index in memory during big imports.
            try db.execute(sql: "PRAGMA cache_size = -524288")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw LedgerError.database("cannot open \(path): \(Self.message(error))")
        }
    }

    static func message(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? "\(e.resultCode)" }
        return "\(error)"
    }

    func run<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DatabaseError {
            throw LedgerError.database("\(what) failed: \(Self.message(e))")
        }
    }

    public func migrate() async throws {
        var migrator = DatabaseMigrator()
        for m in LedgerSchema.migrations {
            migrator.registerMigration(m.name) { db in for sql in m.sqlite { try db.execute(sql: sql) } }
        }
        try run("migration") { try migrator.migrate(queue) }
    }

    public func units() async throws -> [AdministrativeUnit] {
        try run("reading units") {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT code, name, level, parent_code, valid_from, valid_to FROM units")
                    .compactMap { row in
                        guard let level = AdministrativeLevel(rawValue: row[2]),
                            let from = CivilDate(iso8601: row[4] as String)
                        else { return nil }
                        return AdministrativeUnit(
                            code: row[0], name: row[1], level: level, parentCode: row[3], validFrom: from,
                            validTo: (row[5] as String?).flatMap { CivilDate(iso8601: $0) })
                    }
            }
        }
    }

    public func insertUnits(_ units: [AdministrativeUnit]) async throws {
        try run("importing units") {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO units VALUES (?, ?, ?, ?, ?, ?)")
                    for u in units {
                        try insert.execute(arguments: [
                            u.code, u.name, u.level.rawValue, u.parentCode, u.validFrom.description,
                            u.validTo?.description,
                        ])
                    }
                    return .commit
                }
            }
        }
    }

    public func append(from source: DocumentBatchSource, context: AppendContext) async throws -> AppendSummary {
        try run("appending to the ledger") {
            try queue.writeWithoutTransaction { db in
                var summary = AppendSummary()
                try db.inTransaction(.immediate) {
                    summary = try Self.appendRows(db, source: source, context: context)
                    return source.problems.isEmpty ? .commit : .rollback
                }
                return summary
            }
        }
    }

    public func reserveNumber(_ request: NumberReservation.Request) async throws -> NumberReservation {
        try run("reserving a number") {
            try queue.writeWithoutTransaction { db in
                var reservation: NumberReservation?
                // The write lock serialises reservations: each gets a number no other ever gets.
                try db.inTransaction(.immediate) {
                    let key: StatementArguments = [request.unitCode, request.series, request.year]
                    let last =
                        try Int.fetchOne(
                            db, sql: "SELECT last FROM number_series WHERE unit_code = ? AND series = ? AND year = ?",
                            arguments: key) ?? 0
                    var recorded = 0
                    let (leading, numeric) = LedgerRows.recordedNumber(.sqlite)
                    let (first, final) = LedgerRows.yearBounds(request.year)
                    let scope =
                        "FROM documents WHERE unit_code = ? AND direction = 'issued' AND issued_on >= ? AND "
                        + "issued_on <= ? AND \(numeric)"
                    let scopeArguments: StatementArguments = [request.unitCode, first, final]
                    if request.series.isEmpty {
                        recorded =
                            try Int.fetchOne(db, sql: "SELECT max(\(leading)) " + scope, arguments: scopeArguments) ?? 0
                    }
                    let number = request.explicit ?? max(last, recorded) + 1
                    if request.series.isEmpty, request.explicit != nil,
                        let carrier = try String.fetchOne(
                            db, sql: "SELECT number \(scope) AND \(leading) = ? LIMIT 1",
                            arguments: scopeArguments + [number])
                    {
                        throw LedgerRows.alreadyRecorded(request, number: number, as: carrier)
                    }
                    if let status = try String.fetchOne(
                        db,
                        sql: "SELECT status FROM issued_numbers WHERE unit_code = ? AND series = ? AND year = ? AND "
                            + "number = ?", arguments: key + [number])
                    {
                        throw LedgerError.invalidArgument(
                            "number \(number) of unit \(request.unitCode) in \(request.year) was already given "
                                + "(\(status))")
                    }
                    let r = LedgerRows.reservation(request, number: number)
                    try db.execute(
                        sql: "INSERT INTO issued_numbers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
                        arguments: key + [
                            number, r.reference, r.status.rawValue, r.reservedAt, r.issuer, LedgerRows.json(r.details),
                        ])
                    try db.execute(
                        sql: """
                            INSERT INTO number_series VALUES (?, ?, ?, ?)
                            ON CONFLICT (unit_code, series, year) DO UPDATE SET last = max(last, excluded.last)
                            """, arguments: key + [number])
                    reservation = r
                    return .commit
                }
                return reservation!
            }
        }
    }

    public func completeReservation(
        _ reservation: NumberReservation, record: DocumentRecord, context: AppendContext
    ) async throws -> AppendSummary {
        try run("recording an issued document") {
            try queue.writeWithoutTransaction { db in
                var summary = AppendSummary()
                try db.inTransaction(.immediate) {
                    try db.execute(
                        sql: """
                            UPDATE issued_numbers SET status = 'issued', document_id = ?, closed_at = ?
                            WHERE unit_code = ? AND series = ? AND year = ? AND number = ? AND status = 'reserved'
                            """,
                        arguments: [
                            record.documentID, context.recordedAt, reservation.unitCode, reservation.series,
                            reservation.year, reservation.number,
                        ])
                    guard db.changesCount == 1 else { throw LedgerRows.noLongerReserved(reservation) }
                    let source = DocumentListSource([record])
                    summary = try Self.appendRows(db, source: source, context: context)
                    guard source.problems.isEmpty else {
                        throw LedgerError.invalidInput(file: "issue", problems: source.problems)
                    }
                    return .commit
                }
                return summary
            }
        }
    }

    @discardableResult
    public func voidReservation(_ reservation: NumberReservation, reason: String, at: String) async throws -> Bool {
        try run("voiding a number") {
            try queue.write { db in
                try db.execute(
                    sql: """
                        UPDATE issued_numbers SET status = 'void', reason = ?, closed_at = ?
                        WHERE unit_code = ? AND series = ? AND year = ? AND number = ? AND status = 'reserved'
                        """,
                    arguments: [
                        reason, at, reservation.unitCode, reservation.series, reservation.year, reservation.number,
                    ])
                return db.changesCount == 1
            }
        }
    }

    public func reservations(
        unitCode: String?, year: Int?, status: NumberReservation.Status?
    ) async throws -> [NumberReservation] {
        try run("reading the register") {
            try queue.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(LedgerRows.reservationColumns) FROM issued_numbers
                        WHERE (?1 IS NULL OR unit_code = ?1) AND (?2 IS NULL OR year = ?2)
                          AND (?3 IS NULL OR status = ?3)
                        ORDER BY unit_code, year, series, number
                        """, arguments: [unitCode, year, status?.rawValue]
                ).map { row in
                    LedgerRows.reservation(
                        unitCode: row[0], series: row[1], year: row[2], number: row[3], reference: row[4],
                        status: row[5], reservedAt: row[6], issuer: row[7], details: row[8], documentID: row[9],
                        reason: row[10], closedAt: row[11])
                }
            }
        }
    }

    /// Appends inside the caller's write transaction; the caller commits unless `source` has problems.
    static func appendRows(_ db: Database, source: DocumentBatchSource, context: AppendContext) throws -> AppendSummary
    {
        let chain = LedgerChain()
        var summary = AppendSummary()
        var head = try Self.readHead(db)
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (key_high, key_low) DO NOTHING
                """)
        let lookup = try db.makeStatement(
            sql: "SELECT \(Self.entrySelect) FROM \(LedgerSchema.entryTables) WHERE key_high = ? AND key_low = ?")
        var counts = CoverageAccumulator()
        let suffix = context.chainSuffix
        source.chainStarts(at: head, suffix: suffix)
        let bulk = SQLiteEntryInserter(insert, db)
        try db.execute(
            sql: "INSERT INTO appends (recorded_at, source) VALUES (?, ?)",
            arguments: [context.recordedAt, context.source])
        let appendID = db.lastInsertedRowID
        while let batch = try source.nextBatch() {
            for item in batch {
                summary.read += 1
                let r = item.record
                let key = item.key
                let sequence = head.sequence + 1
                // The parsing thread's hash holds while nothing before this item was skipped.
                let hash =
                    item.expectedSequence == sequence
                    ? item.expectedHash
                    : chain.link(previous: head.hash, sequence: sequence, canonical: item.canonical, suffix: suffix)
                let inserted = try bulk.insert(
                    sequence: sequence, key: key, record: r, appendID: appendID, chainHash: hash)
                if inserted {
                    head = ChainHead(sequence: sequence, hash: hash)
                    counts.add(r)
                    summary.appended += 1
                } else if let row = try Row.fetchOne(lookup, arguments: [key.high, key.low]),
                    let stored = Self.entry(row)?.record,
                    source.existing(stored, for: item)
                {
                    summary.unchanged += 1
                }
            }
        }
        guard source.problems.isEmpty else { return summary }
        if summary.appended == 0 { try db.execute(sql: "DELETE FROM appends WHERE id = ?", arguments: [appendID]) }
        let upsert = try db.makeStatement(
            sql: """
                INSERT INTO coverage_daily VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (day, unit_code, level, province_code) DO UPDATE SET issued = issued + excluded.issued,
                  signed = signed + excluded.signed, classified = classified + excluded.classified
                """)
        for c in counts.rows {
            try upsert.execute(arguments: [
                c.day.description, c.unitCode, c.level.rawValue, c.provinceCode, c.issued, c.signed, c.classified,
            ])
        }
        try db.execute(
            sql: "UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1", arguments: [head.sequence, head.hex])
        summary.head = head
        return summary
    }

    /// The entry columns, with the chain hash as hex.
    static let entrySelect = LedgerSchema.entryColumns + ", lower(hex(chain_hash))"

    static func readHead(_ db: Database) throws -> ChainHead {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger_head WHERE id = 1"),
            let hash = Hex.decode(row[1] as String)
        else { throw LedgerError.database("the ledger has no head row") }
        return ChainHead(sequence: row[0], hash: hash)
    }

    static func entry(_ row: Row) -> LedgerEntry? {
        guard let level = AdministrativeLevel(rawValue: row[3]), let issued = CivilDate(iso8601: row[8] as String),
            let direction = DocumentRecord.Direction(rawValue: row[13])
        else { return nil }
        let record = DocumentRecord(
            documentID: row[1], unitCode: row[2], unitLevel: level, provinceCode: row[4], number: row[5],
            type: row[6], title: row[7], issuedOn: issued, classified: row[9], signed: row[10],
            signatureCount: row[11], timestamped: row[12], direction: direction, verdict: row[14])
        return LedgerEntry(sequence: row[0], record: record, recordedAt: row[15], source: row[16], chainHash: row[17])
    }

    public func head() async throws -> ChainHead {
        try run("reading the chain head") { try queue.read { try Self.readHead($0) } }
    }

    public func entries(after: Int64, limit: Int, filter: EntryFilter) async throws -> [LedgerEntry] {
        var sql = "SELECT \(Self.entrySelect) FROM \(LedgerSchema.entryTables) WHERE seq > ?"
        var args: [(any DatabaseValueConvertible)?] = [after]
        if let unit = filter.unitCode {
            sql += " AND unit_code = ?"
            args.append(unit)
        }
        if let from = filter.from {
            sql += " AND issued_on >= ?"
            args.append(from.description)
        }
        if let to = filter.to {
            sql += " AND issued_on <= ?"
            args.append(to.description)
        }
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        let arguments = StatementArguments(args)
        return try run("reading entries") {
            try queue.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    guard let e = Self.entry(row) else {
                        throw LedgerError.database("entry \(row[0] as Int64) has unreadable fields")
                    }
                    return e
                }
            }
        }
    }

    public func coverageCounts(from: CivilDate?, to: CivilDate?) async throws -> [CoverageCount] {
        try counts(
            sql:
                "SELECT day, unit_code, level, province_code, issued, signed, classified FROM coverage_daily WHERE "
                + "day >= ? AND day <= ?",
            arguments: [from?.description ?? "0000-00-00", to?.description ?? "9999-99-99"])
    }

    public func recomputedCoverageCounts() async throws -> [CoverageCount] {
        try counts(
            sql: """
                SELECT issued_on, unit_code, unit_level, COALESCE(province_code, ''), COUNT(*),
                  SUM(CASE WHEN signed AND NOT classified THEN 1 ELSE 0 END), SUM(classified)
                FROM documents WHERE direction = 'issued' GROUP BY 1, 2, 3, 4
                """, arguments: [])
    }

    private func counts(sql: String, arguments: StatementArguments) throws -> [CoverageCount] {
        try run("reading coverage counts") {
            try queue.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                    guard let day = CivilDate(iso8601: row[0] as String),
                        let level = AdministrativeLevel(rawValue: row[2])
                    else { return nil }
                    return CoverageCount(
                        day: day, unitCode: row[1], level: level, provinceCode: row[3], issued: row[4], signed: row[5],
                        classified: row[6])
                }
            }
        }
    }

    public func close() async throws { try queue.close() }
}
