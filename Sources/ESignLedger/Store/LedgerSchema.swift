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
/// - `number_series`: the last number given in each unit's series each year (Decree 30/2020
///   numbering; version 2's `document_numbers` became the unit's main series, `''`, in version 6).
/// - `issued_numbers`: every number given (reserved, issued or void with its reason) and what the
///   outgoing-document register shows of it; a number is never deleted, and only a reserved one
///   changes (to issued or void), which triggers enforce.
/// - `ledger_head`: one row, the chain's end; writers lock it, which serialises appends.
/// - `api_clients`: the systems allowed to call `esign serve` (token SHA-256, units, scopes).
/// - `audit_events`, `audit_head`: the service's append-only, hash-chained record of signatures.
/// - `tsa_serials`: the next free serial of the service's TSA; instances take blocks from it.
/// - `csc_authorizations`: signature activation data (CSC API): what each SAD allows, until when.
/// - `signing_sessions`: two-step signatures under way (the document, what was prepared, until when).
enum LedgerSchema {
    struct Migration {
        let name: String
        let sqlite: [String]
        let postgres: [String]
    }

    /// The few words the two databases spell differently.
    enum Dialect {
        case sqlite, postgres
        /// 64-bit integers; on SQLite `INTEGER PRIMARY KEY` is also the row id.
        var int64: String { self == .sqlite ? "INTEGER" : "BIGINT" }
        var bytes: String { self == .sqlite ? "BLOB" : "BYTEA" }
        var boolean: String { self == .sqlite ? "INTEGER" : "BOOLEAN" }
        var serial: String { self == .sqlite ? "INTEGER" : "BIGSERIAL" }
        var clustered: String { self == .sqlite ? " WITHOUT ROWID" : "" }
    }

    static let genesisHex = String(repeating: "0", count: 64)

    /// Version 1's tables, in either dialect.
    static func ledgerTables(_ d: Dialect) -> [String] {
        [
            """
            CREATE TABLE units (code TEXT NOT NULL, name TEXT NOT NULL, level TEXT NOT NULL, parent_code TEXT,
              valid_from TEXT NOT NULL, valid_to TEXT, PRIMARY KEY (code, valid_from))
            """,
            """
            CREATE TABLE documents (seq \(d.int64) PRIMARY KEY, key_high \(d.int64) NOT NULL, key_low \(d.int64) NOT \
            NULL, document_id TEXT,
              unit_code TEXT NOT NULL, unit_level TEXT NOT NULL, province_code TEXT, number TEXT NOT NULL, type TEXT,
              title TEXT, issued_on TEXT NOT NULL, classified \(d.boolean) NOT NULL, signed \(d.boolean) NOT NULL,
              signature_count INTEGER NOT NULL, timestamped \(d.boolean) NOT NULL, direction TEXT NOT NULL, verdict \
              TEXT,
              append_id \(d.int64) NOT NULL, chain_hash \(d.bytes) NOT NULL, UNIQUE (key_high, key_low))
            """,
            "CREATE TABLE appends (id \(d.serial) PRIMARY KEY, recorded_at TEXT NOT NULL, source TEXT NOT NULL)",
            """
            CREATE TABLE coverage_daily (day TEXT NOT NULL, unit_code TEXT NOT NULL, level TEXT NOT NULL,
              province_code TEXT NOT NULL, issued \(d.int64) NOT NULL, signed \(d.int64) NOT NULL, classified \
              \(d.int64) NOT NULL,
              PRIMARY KEY (day, unit_code, level, province_code))\(d.clustered)
            """,
            "CREATE TABLE ledger_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq \(d.int64) NOT NULL, hash TEXT NOT "
                + "NULL)",
            "INSERT INTO ledger_head VALUES (1, 0, '\(genesisHex)')",
        ]
    }

    static let documentNumbers =
        "CREATE TABLE document_numbers (unit_code TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL, "
        + "PRIMARY KEY (unit_code, year))"

    /// Version 3: what `esign serve` keeps (see `ServiceRecordStore`).
    static func serviceTables(_ d: Dialect) -> [String] {
        [
            """
            CREATE TABLE api_clients (name TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, units TEXT NOT NULL,
              scopes TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)
            """,
            """
            CREATE TABLE audit_events (seq \(d.int64) PRIMARY KEY, at TEXT NOT NULL, client TEXT NOT NULL,
              action TEXT NOT NULL, key_id TEXT, unit_code TEXT, document_sha256 TEXT, number TEXT,
              outcome TEXT NOT NULL, detail TEXT, chain_hash TEXT NOT NULL)
            """,
            "CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq \(d.int64) NOT NULL, hash TEXT NOT "
                + "NULL)",
            "INSERT INTO audit_head VALUES (1, 0, '\(genesisHex)')",
            "CREATE TABLE tsa_serials (id INTEGER PRIMARY KEY CHECK (id = 1), next \(d.int64) NOT NULL)",
            "INSERT INTO tsa_serials VALUES (1, 1)",
        ]
    }

    /// Version 4: CSC signature activation data (see `ServiceRecordStore.consumeAuthorization`).
    static let cscAuthorizations = """
        CREATE TABLE csc_authorizations (sad_sha256 TEXT PRIMARY KEY, credential TEXT NOT NULL, client TEXT NOT NULL,
          hashes TEXT NOT NULL, remaining INTEGER NOT NULL, expires_at BIGINT NOT NULL)
        """

    /// Version 5: two-step signing sessions.
    static func signingSessions(_ d: Dialect) -> String {
        """
        CREATE TABLE signing_sessions (id TEXT PRIMARY KEY, client TEXT NOT NULL, prepared TEXT NOT NULL,
          chain_pem TEXT NOT NULL, pdf \(d.bytes) NOT NULL, expires_at BIGINT NOT NULL, completed INTEGER NOT NULL)
        """
    }

    /// Version 6: numbers given once and only once (see `NumberReservation`).
    static let numberTables = [
        """
        CREATE TABLE number_series (unit_code TEXT NOT NULL, series TEXT NOT NULL, year INTEGER NOT NULL,
          last INTEGER NOT NULL, PRIMARY KEY (unit_code, series, year))
        """,
        "INSERT INTO number_series SELECT unit_code, '', year, last FROM document_numbers",
        "DROP TABLE document_numbers",
        """
        CREATE TABLE issued_numbers (unit_code TEXT NOT NULL, series TEXT NOT NULL, year INTEGER NOT NULL,
          number INTEGER NOT NULL, reference TEXT NOT NULL, status TEXT NOT NULL, reserved_at TEXT NOT NULL,
          issuer TEXT NOT NULL, details TEXT NOT NULL, document_id TEXT, reason TEXT, closed_at TEXT,
          PRIMARY KEY (unit_code, series, year, number))
        """,
        "CREATE INDEX issued_numbers_open ON issued_numbers (status)",
    ]

    static let migrations: [Migration] = [
        Migration(
            name: "v1-ledger",
            sqlite: ledgerTables(.sqlite) + [
                "CREATE TRIGGER documents_append_only_update BEFORE UPDATE ON documents BEGIN SELECT RAISE(ABORT, "
                    + "'the ledger is append-only'); END",
                "CREATE TRIGGER documents_append_only_delete BEFORE DELETE ON documents BEGIN SELECT RAISE(ABORT, "
                    + "'the ledger is append-only'); END",
            ],
            postgres: ledgerTables(.postgres) + [
                """
                CREATE FUNCTION esign_append_only() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$
                """,
                "CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents FOR EACH ROW EXECUTE "
                    + "FUNCTION esign_append_only()",
            ]
        ),
        Migration(name: "v2-document-numbers", sqlite: [documentNumbers], postgres: [documentNumbers]),
        Migration(
            name: "v3-service",
            sqlite: serviceTables(.sqlite) + [
                "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, "
                    + "'the audit chain is append-only'); END",
                "CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, "
                    + "'the audit chain is append-only'); END",
            ],
            postgres: serviceTables(.postgres) + [
                "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE "
                    + "FUNCTION esign_append_only()"
            ]
        ),
        Migration(name: "v4-csc", sqlite: [cscAuthorizations], postgres: [cscAuthorizations]),
        Migration(
            name: "v5-signing-sessions", sqlite: [signingSessions(.sqlite)], postgres: [signingSessions(.postgres)]),
        Migration(
            name: "v6-issued-numbers",
            sqlite: numberTables + [
                "CREATE TRIGGER issued_numbers_kept BEFORE DELETE ON issued_numbers BEGIN SELECT RAISE(ABORT, "
                    + "'a number once given is never taken back'); END",
                "CREATE TRIGGER issued_numbers_final BEFORE UPDATE ON issued_numbers WHEN OLD.status <> 'reserved' "
                    + "BEGIN SELECT RAISE(ABORT, 'an issued or void number is final'); END",
            ],
            postgres: numberTables + [
                """
                CREATE FUNCTION esign_number_final() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN
                  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'a number once given is never taken back'; END IF;
                  IF OLD.status <> 'reserved' THEN RAISE EXCEPTION 'an issued or void number is final'; END IF;
                  RETURN NEW;
                END $$
                """,
                "CREATE TRIGGER issued_numbers_final BEFORE UPDATE OR DELETE ON issued_numbers FOR EACH ROW EXECUTE "
                    + "FUNCTION esign_number_final()",
            ]),
        // Version 7: a unit's documents of a year found without a scan (numbering continues after the
        // highest number recorded, see `LedgerRows.recordedNumber`).
        Migration(name: "v7-documents-by-unit", sqlite: [documentsByUnit], postgres: [documentsByUnit]),
    ]

    static let documentsByUnit = "CREATE INDEX documents_by_unit ON documents (unit_code, issued_on)"

    /// Entries with their append's time and source.
    static let entryTables = "documents JOIN appends ON appends.id = documents.append_id"

    /// Columns of an entry in the order stores read them (from `entryTables`).
    static let entryColumns = """
        seq, document_id, unit_code, unit_level, province_code, number, type, title, issued_on, classified, signed,
        signature_count, timestamped, direction, verdict, appends.recorded_at, appends.source
        """
}
