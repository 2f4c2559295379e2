import ESignCore
import Foundation
import GRDB

/// The service's records (API clients, audit chain) in the embedded ledger.
extension SQLiteLedgerStore {
    public func addClient(_ client: APIClient, tokenSHA256: String) async throws {
        try run("adding a client") {
            try queue.write { db in
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_clients WHERE name = ?", arguments: [client.name])
                    != nil
                {
                    throw LedgerError.invalidArgument("a client named \(client.name) exists already")
                }
                try db.execute(
                    sql: "INSERT INTO api_clients VALUES (?, ?, ?, ?, ?, NULL)",
                    arguments: [
                        client.name, tokenSHA256, client.units.joined(separator: ","),
                        client.scopes.sorted().map(\.rawValue).joined(separator: ","), client.createdAt,
                    ])
            }
        }
    }

    static func client(_ row: Row) -> APIClient {
        APIClient(
            name: row[0], units: (row[1] as String).split(separator: ",").map(String.init),
            scopes: APIScope.parse(list: row[2]) ?? [], createdAt: row[3], revokedAt: row[4])
    }

    public func clients() async throws -> [APIClient] {
        try run("reading clients") {
            try queue.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT name, units, scopes, created_at, revoked_at FROM api_clients ORDER BY name"
                ).map(Self.client)
            }
        }
    }

    public func client(tokenSHA256: String) async throws -> APIClient? {
        try run("reading a client") {
            try queue.read { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT name, units, scopes, created_at, revoked_at FROM api_clients
                        WHERE token_sha256 = ? AND revoked_at IS NULL
                        """, arguments: [tokenSHA256]
                ).map(Self.client)
            }
        }
    }

    public func revokeClient(name: String, at time: String) async throws -> Bool {
        try run("revoking a client") {
            try queue.write { db in
                try db.execute(
                    sql: "UPDATE api_clients SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                    arguments: [time, name])
                return db.changesCount > 0
            }
        }
    }

    public func appendAudit(_ events: [AuditEvent]) async throws -> ChainHead {
        try run("appending to the audit chain") {
            try queue.writeWithoutTransaction { db in
                var head = ChainHead.empty
                try db.inTransaction(.immediate) {
                    guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1"),
                        let hash = Hex.decode(row[1] as String)
                    else { throw LedgerError.database("the audit chain has no head row") }
                    let (entries, next) = AuditChain().append(events, after: ChainHead(sequence: row[0], hash: hash))
                    let insert = try db.makeStatement(
                        sql: "INSERT INTO audit_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    for e in entries {
                        let v = e.event
                        try insert.execute(arguments: [
                            e.sequence, v.at, v.client, v.action, v.keyID, v.unitCode, v.documentSHA256, v.number,
                            v.outcome, v.detail, e.chainHash,
                        ])
                    }
                    try db.execute(
                        sql: "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
                        arguments: [next.sequence, next.hex])
                    head = next
                    return .commit
                }
                return head
            }
        }
    }

    public func auditEntries(after: Int64, limit: Int) async throws -> [AuditEntry] {
        try run("reading the audit chain") {
            try queue.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?",
                    arguments: [after, limit]
                ).map { row in
                    AuditEntry(
                        sequence: row[0],
                        event: AuditEvent(
                            at: row[1], client: row[2], action: row[3], keyID: row[4], unitCode: row[5],
                            documentSHA256: row[6], number: row[7], outcome: row[8], detail: row[9]),
                        chainHash: row[10])
                }
            }
        }
    }

    public func auditHead() async throws -> ChainHead {
        try run("reading the audit head") {
            try queue.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1"),
                    let hash = Hex.decode(row[1] as String)
                else { throw LedgerError.database("the audit chain has no head row") }
                return ChainHead(sequence: row[0], hash: hash)
            }
        }
    }
}

extension SQLiteLedgerStore {
    public func reserveTimestampSerials(_ count: Int) async throws -> Range<Int64> {
        try run("reserving timestamp serials") {
            try queue.write { db in
                let next = try Int64.fetchOne(db, sql: "SELECT next FROM tsa_serials WHERE id = 1") ?? 1
                try db.execute(sql: "UPDATE tsa_serials SET next = ? WHERE id = 1", arguments: [next + Int64(count)])
                return next..<(next + Int64(count))
            }
        }
    }
}

extension SQLiteLedgerStore {
    public func addAuthorization(_ a: SignatureAuthorization) async throws {
        try run("recording an authorization") {
            try queue.write { db in
                try db.execute(
                    sql: "DELETE FROM csc_authorizations WHERE expires_at < ?",
                    arguments: [a.expiresAt - 86_400])
                try db.execute(
                    sql: "INSERT INTO csc_authorizations VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        a.sadSHA256, a.credential, a.client, a.hashes.joined(separator: ","), a.remaining, a.expiresAt,
                    ])
            }
        }
    }

    public func consumeAuthorization(
        sadSHA256: String, credential: String, client: String, hashes: [String], now: Int64
    ) async throws -> SignatureAuthorization.Outcome {
        try run("using an authorization") {
            try queue.write { db in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT * FROM csc_authorizations WHERE sad_sha256 = ?", arguments: [sadSHA256])
                else { return .unknown }
                let stored = SignatureAuthorization(
                    sadSHA256: row[0], credential: row[1], client: row[2],
                    hashes: (row[3] as String).split(separator: ",").map(String.init), remaining: row[4],
                    expiresAt: row[5])
                let (outcome, left) = stored.consuming(hashes: hashes, credential: credential, client: client, now: now)
                if outcome == .accepted {
                    try db.execute(
                        sql: "UPDATE csc_authorizations SET hashes = ?, remaining = ? WHERE sad_sha256 = ?",
                        arguments: [left.hashes.joined(separator: ","), left.remaining, sadSHA256])
                }
                return outcome
            }
        }
    }
}

extension SQLiteLedgerStore {
    public func addSigningSession(_ s: SigningSession) async throws {
        try run("keeping a signing session") {
            try queue.write { db in
                try db.execute(
                    sql: "DELETE FROM signing_sessions WHERE expires_at < ?", arguments: [s.expiresAt - 86_400])
                try db.execute(
                    sql: "INSERT INTO signing_sessions VALUES (?, ?, ?, ?, ?, ?, 0)",
                    arguments: [s.id, s.client, s.prepared, s.chainPEM, Data(s.pdf), s.expiresAt])
            }
        }
    }

    public func signingSession(id: String, client: String) async throws -> SigningSession? {
        try run("reading a signing session") {
            try queue.read { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, client, prepared, chain_pem, pdf, expires_at FROM signing_sessions
                        WHERE id = ? AND client = ? AND completed = 0
                        """, arguments: [id, client]
                ).map { row in
                    SigningSession(
                        id: row[0], client: row[1], prepared: row[2], chainPEM: row[3], pdf: [UInt8](row[4] as Data),
                        expiresAt: row[5])
                }
            }
        }
    }

    public func completeSigningSession(id: String) async throws -> Bool {
        try run("completing a signing session") {
            try queue.write { db in
                try db.execute(
                    sql: "UPDATE signing_sessions SET completed = 1 WHERE id = ? AND completed = 0", arguments: [id])
                return db.changesCount == 1
            }
        }
    }
}
