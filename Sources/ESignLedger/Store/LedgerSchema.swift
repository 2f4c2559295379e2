/// The ledger's tables, as ordered migrations for each database. Versions and names are the same
/// on both sides; only the SQL dialect differs.
///
/// - `units`: versions of administrative units (code, valid_from) with their period.
/// - `documents`: the append-only entries, `seq` is the chain position, `key_high`/`key_low` the identity
///   that makes imports idempotent, `chain_hash` the hash chain. Triggers refuse UPDATE and DELETE.
/// - `coverage_daily`: documents per unit per day (issued, signed, classified), maintained in the
///   same transaction as the entries; statistics read it, `ledger check` recomputes it.
/// - `appends`: one row per append (an import, a `sign`, an `add`): when and from where. Entries
///   refer to it rather than repeating it, which keeps the rows of a 10-million-row import narrow.
/// - `document_numbers`: the last number each unit issued each year (Decree 30/2020 numbering).
/// - `ledger_head`: one row, the chain's end; writers lock it, which serialises appends.
enum LedgerSchema {
    struct Migration { let name: String; let sqlite: [String]; let postgres: [String] }

    static let genesisHex = String(repeating: "0", count: 64)

    static let migrations: [Migration] = [
        Migration(
            name: "v1-ledger",
            sqlite: [
                """
                CREATE TABLE units (code TEXT NOT NULL, name TEXT NOT NULL, level TEXT NOT NULL, parent_code TEXT,
                  valid_from TEXT NOT NULL, valid_to TEXT, PRIMARY KEY (code, valid_from))
                """,
                """
                CREATE TABLE documents (seq INTEGER PRIMARY KEY, key_high INTEGER NOT NULL, key_low INTEGER NOT NULL, document_id TEXT,
                  unit_code TEXT NOT NULL, unit_level TEXT NOT NULL, province_code TEXT, number TEXT NOT NULL, type TEXT,
                  title TEXT, issued_on TEXT NOT NULL, classified INTEGER NOT NULL, signed INTEGER NOT NULL,
                  signature_count INTEGER NOT NULL, timestamped INTEGER NOT NULL, direction TEXT NOT NULL, verdict TEXT,
                  append_id INTEGER NOT NULL, chain_hash BLOB NOT NULL, UNIQUE (key_high, key_low))
                """,
                "CREATE TABLE appends (id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, source TEXT NOT NULL)",
                """
                CREATE TABLE coverage_daily (day TEXT NOT NULL, unit_code TEXT NOT NULL, level TEXT NOT NULL,
                  province_code TEXT NOT NULL, issued INTEGER NOT NULL, signed INTEGER NOT NULL, classified INTEGER NOT NULL,
                  PRIMARY KEY (day, unit_code, level, province_code)) WITHOUT ROWID
                """,
                "CREATE TABLE ledger_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)",
                "INSERT INTO ledger_head VALUES (1, 0, '\(genesisHex)')",
                "CREATE TRIGGER documents_append_only_update BEFORE UPDATE ON documents BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END",
                "CREATE TRIGGER documents_append_only_delete BEFORE DELETE ON documents BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END",
            ],
            postgres: [
                """
                CREATE TABLE units (code TEXT NOT NULL, name TEXT NOT NULL, level TEXT NOT NULL, parent_code TEXT,
                  valid_from TEXT NOT NULL, valid_to TEXT, PRIMARY KEY (code, valid_from))
                """,
                """
                CREATE TABLE documents (seq BIGINT PRIMARY KEY, key_high BIGINT NOT NULL, key_low BIGINT NOT NULL, document_id TEXT,
                  unit_code TEXT NOT NULL, unit_level TEXT NOT NULL, province_code TEXT, number TEXT NOT NULL, type TEXT,
                  title TEXT, issued_on TEXT NOT NULL, classified BOOLEAN NOT NULL, signed BOOLEAN NOT NULL,
                  signature_count INTEGER NOT NULL, timestamped BOOLEAN NOT NULL, direction TEXT NOT NULL, verdict TEXT,
                  append_id BIGINT NOT NULL, chain_hash BYTEA NOT NULL, UNIQUE (key_high, key_low))
                """,
                "CREATE TABLE appends (id BIGSERIAL PRIMARY KEY, recorded_at TEXT NOT NULL, source TEXT NOT NULL)",
                """
                CREATE TABLE coverage_daily (day TEXT NOT NULL, unit_code TEXT NOT NULL, level TEXT NOT NULL,
                  province_code TEXT NOT NULL, issued BIGINT NOT NULL, signed BIGINT NOT NULL, classified BIGINT NOT NULL,
                  PRIMARY KEY (day, unit_code, level, province_code))
                """,
                "CREATE TABLE ledger_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL)",
                "INSERT INTO ledger_head VALUES (1, 0, '\(genesisHex)')",
                """
                CREATE FUNCTION esign_append_only() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$
                """,
                "CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents FOR EACH ROW EXECUTE FUNCTION esign_append_only()",
            ]
        ),
        Migration(
            name: "v2-document-numbers",
            sqlite: ["CREATE TABLE document_numbers (unit_code TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (unit_code, year))"],
            postgres: ["CREATE TABLE document_numbers (unit_code TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (unit_code, year))"]
        ),
    ]

    /// Entries with their append's time and source.
    static let entryTables = "documents JOIN appends ON appends.id = documents.append_id"

    /// Columns of an entry in the order stores read them (from `entryTables`).
    static let entryColumns = """
        seq, document_id, unit_code, unit_level, province_code, number, type, title, issued_on, classified, signed,
        signature_count, timestamped, direction, verdict, appends.recorded_at, appends.source
        """
}
