import ESignCore
import GRDB
import GRDBSQLite

/// Binds and steps the prepared `INSERT … ON CONFLICT DO NOTHING` of `documents` through SQLite's
/// C API directly. GRDB's general argument handling (existential values, observers, key paths)
/// cost more per row than SQLite's own insert, and imports of millions of rows are the one place
/// where that shows; everything else goes through GRDB.
struct SQLiteEntryInserter {
    private let statement: SQLiteStatement
    private let connection: SQLiteConnection
    /// SQLITE_TRANSIENT: SQLite copies the bound bytes before the call returns.
    private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement, _ db: Database) {
        self.statement = statement.sqliteStatement
        connection = db.sqliteConnection!
    }

    private func text(_ index: Int32, _ value: String?) {
        guard let value else {
            sqlite3_bind_null(statement, index)
            return
        }
        // withCString on a native string passes its own bytes: no copy, unlike implicit bridging.
        let length = Int32(value.utf8.count)
        _ = value.withCString { sqlite3_bind_text(statement, index, $0, length, transient) }
    }

    /// Inserts one entry; false when its record key is already present (nothing inserted).
    func insert(
        sequence: Int64, key: RecordKey, record r: DocumentRecord, appendID: Int64, chainHash: [UInt8]
    ) throws -> Bool {
        sqlite3_reset(statement)
        sqlite3_bind_int64(statement, 1, sequence)
        sqlite3_bind_int64(statement, 2, key.high)
        sqlite3_bind_int64(statement, 3, key.low)
        text(4, r.documentID)
        text(5, r.unitCode)
        text(6, r.unitLevel.rawValue)
        text(7, r.provinceCode)
        text(8, r.number)
        text(9, r.type)
        text(10, r.title)
        text(11, r.issuedOn.description)
        sqlite3_bind_int64(statement, 12, r.classified ? 1 : 0)
        sqlite3_bind_int64(statement, 13, r.signed ? 1 : 0)
        sqlite3_bind_int64(statement, 14, Int64(r.signatureCount))
        sqlite3_bind_int64(statement, 15, r.timestamped ? 1 : 0)
        text(16, r.direction.rawValue)
        text(17, r.verdict)
        sqlite3_bind_int64(statement, 18, appendID)
        sqlite3_bind_blob(statement, 19, chainHash, Int32(chainHash.count), transient)
        let rc = sqlite3_step(statement)
        defer { sqlite3_reset(statement) }
        guard rc == SQLITE_DONE else {
            throw LedgerError.database("inserting entry \(sequence): \(String(cString: sqlite3_errmsg(connection)))")
        }
        return sqlite3_changes(connection) == 1
    }
}
