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
        guard let value else { sqlite3_bind_null(statement, index); return }
        // withCString on a native string passes its own bytes: no copy, unlike implicit bridging.
        let length = Int32(value.utf8.count)
        _ = value.withCString { sqlite3_bind_text(statement, index, $0, length, transient) }
    }

    /// Inserts one entry; false when its record key is already present (nothing inserted).
    func insert(sequence: Int64, key: Int64, record r: DocumentRecord, appendID: Int64, chainHash: [UInt8]) throws -> Bool {
        sqlite3_reset(statement)
        sqlite3_bind_int64(statement, 1, sequence)
        sqlite3_bind_int64(statement, 2, key)
        text(3, r.documentID); text(4, r.unitCode); text(5, r.unitLevel.rawValue); text(6, r.provinceCode)
        text(7, r.number); text(8, r.type); text(9, r.title); text(10, r.issuedOn.description)
        sqlite3_bind_int64(statement, 11, r.classified ? 1 : 0)
        sqlite3_bind_int64(statement, 12, r.signed ? 1 : 0)
        sqlite3_bind_int64(statement, 13, Int64(r.signatureCount))
        sqlite3_bind_int64(statement, 14, r.timestamped ? 1 : 0)
        text(15, r.direction.rawValue); text(16, r.verdict); sqlite3_bind_int64(statement, 17, appendID)
        sqlite3_bind_blob(statement, 18, chainHash, Int32(chainHash.count), transient)
        let rc = sqlite3_step(statement)
        defer { sqlite3_reset(statement) }
        guard rc == SQLITE_DONE else {
            throw LedgerError.database("inserting entry \(sequence): \(String(cString: sqlite3_errmsg(connection)))")
        }
        return sqlite3_changes(connection) == 1
    }
}
