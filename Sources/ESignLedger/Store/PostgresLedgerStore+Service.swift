import ESignCore
import PostgresNIO

/// The service's records (API clients, audit chain) in the shared PostgreSQL ledger. Audit
/// appends lock the head row, so the instances of a service chain their events one after another.
extension PostgresLedgerStore {
    public func addClient(_ client: APIClient, tokenSHA256: String) async throws {
        let units = client.units.joined(separator: ",")
        let scopes = client.scopes.sorted().map(\.rawValue).joined(separator: ",")
        let rows = try await run("adding a client") {
            try await execute(
                """
                INSERT INTO api_clients VALUES (\(client.name), \(tokenSHA256), \(units), \(scopes), \
                \(client.createdAt), NULL) ON CONFLICT (name) DO NOTHING RETURNING name
                """)
        }
        if rows == 0 { throw LedgerError.invalidArgument("a client named \(client.name) exists already") }
    }

    /// Runs a statement, returning how many rows it returned.
    func execute(_ query: PostgresQuery) async throws -> Int {
        var count = 0
        for try await _ in try await self.client.query(query, logger: logger) { count += 1 }
        return count
    }

    private func readClients(_ query: PostgresQuery) async throws -> [APIClient] {
        var out: [APIClient] = []
        let rows = try await client.query(query, logger: logger)
        for try await (name, units, scopes, created, revoked) in rows.decode(
            (String, String, String, String, String?).self)
        {
            out.append(
                APIClient(
                    name: name, units: units.split(separator: ",").map(String.init),
                    scopes: APIScope.parse(list: scopes) ?? [], createdAt: created, revokedAt: revoked))
        }
        return out
    }

    public func clients() async throws -> [APIClient] {
        try await run("reading clients") {
            try await readClients("SELECT name, units, scopes, created_at, revoked_at FROM api_clients ORDER BY name")
        }
    }

    public func client(tokenSHA256: String) async throws -> APIClient? {
        try await run("reading a client") {
            try await readClients(
                """
                SELECT name, units, scopes, created_at, revoked_at FROM api_clients
                WHERE token_sha256 = \(tokenSHA256) AND revoked_at IS NULL
                """
            ).first
        }
    }

    public func revokeClient(name: String, at time: String) async throws -> Bool {
        try await run("revoking a client") {
            try await execute(
                """
                UPDATE api_clients SET revoked_at = \(time) WHERE name = \(name) AND revoked_at IS NULL \
                RETURNING name
                """) > 0
        }
    }

    static func readAuditHead(_ c: PostgresConnection, logger: Logger, lock: Bool) async throws -> ChainHead {
        let rows = try await c.query(
            PostgresQuery(unsafeSQL: "SELECT seq, hash FROM audit_head WHERE id = 1" + (lock ? " FOR UPDATE" : "")),
            logger: logger)
        for try await (seq, hex) in rows.decode((Int64, String).self) {
            guard let hash = Hex.decode(hex) else { break }
            return ChainHead(sequence: seq, hash: hash)
        }
        throw LedgerError.database("the audit chain has no head row")
    }

    public func appendAudit(_ events: [AuditEvent]) async throws -> ChainHead {
        let logger = self.logger
        return try await run("appending to the audit chain") {
            try await client.withTransaction(logger: logger) { c in
                let head = try await Self.readAuditHead(c, logger: logger, lock: true)
                let (entries, next) = AuditChain().append(events, after: head)
                for entry in entries {
                    let v = entry.event
                    try await c.query(
                        """
                        INSERT INTO audit_events VALUES (\(entry.sequence), \(v.at), \(v.client), \(v.action), \
                        \(v.keyID), \(v.unitCode), \(v.documentSHA256), \(v.number), \(v.outcome), \(v.detail), \
                        \(entry.chainHash))
                        """, logger: logger)
                }
                try await c.query(
                    "UPDATE audit_head SET seq = \(next.sequence), hash = \(next.hex) WHERE id = 1", logger: logger)
                return next
            }
        }
    }

    public func auditEntries(after: Int64, limit: Int) async throws -> [AuditEntry] {
        try await run("reading the audit chain") {
            var out: [AuditEntry] = []
            let rows = try await client.query(
                """
                SELECT seq, at, client, action, key_id, unit_code, document_sha256, number, outcome, detail, chain_hash
                FROM audit_events WHERE seq > \(after) ORDER BY seq LIMIT \(Int64(limit))
                """, logger: logger)
            for try await row in rows {
                let cells = Array(row)
                func s(_ i: Int) throws -> String? { try cells[i].decode(String?.self) }
                out.append(
                    AuditEntry(
                        sequence: try cells[0].decode(Int64.self),
                        event: AuditEvent(
                            at: try s(1) ?? "", client: try s(2) ?? "", action: try s(3) ?? "", keyID: try s(4),
                            unitCode: try s(5), documentSHA256: try s(6), number: try s(7), outcome: try s(8) ?? "",
                            detail: try s(9)),
                        chainHash: try s(10) ?? ""))
            }
            return out
        }
    }

    public func auditHead() async throws -> ChainHead {
        let logger = self.logger
        return try await run("reading the audit head") {
            try await client.withConnection { try await Self.readAuditHead($0, logger: logger, lock: false) }
        }
    }
}

extension PostgresLedgerStore {
    public func reserveTimestampSerials(_ count: Int) async throws -> Range<Int64> {
        try await run("reserving timestamp serials") {
            let rows = try await client.query(
                "UPDATE tsa_serials SET next = next + \(Int64(count)) WHERE id = 1 RETURNING next", logger: logger)
            for try await end in rows.decode(Int64.self) { return (end - Int64(count))..<end }
            throw LedgerError.database("the TSA serial row is missing")
        }
    }
}

extension PostgresLedgerStore {
    public func addAuthorization(_ a: SignatureAuthorization) async throws {
        let logger = self.logger
        _ = try await run("recording an authorization") {
            try await client.withTransaction(logger: logger) { c in
                try await c.query(
                    "DELETE FROM csc_authorizations WHERE expires_at < \(a.expiresAt - 86_400)", logger: logger)
                try await c.query(
                    """
                    INSERT INTO csc_authorizations VALUES (\(a.sadSHA256), \(a.credential), \(a.client), \
                    \(a.hashes.joined(separator: ",")), \(a.remaining), \(a.expiresAt))
                    """, logger: logger)
            }
        }
    }

    public func consumeAuthorization(
        sadSHA256: String, credential: String, client: String, hashes: [String], now: Int64
    ) async throws -> SignatureAuthorization.Outcome {
        let logger = self.logger
        return try await run("using an authorization") {
            try await self.client.withTransaction(logger: logger) { c in
                let rows = try await c.query(
                    """
                    SELECT credential, client, hashes, remaining, expires_at FROM csc_authorizations
                    WHERE sad_sha256 = \(sadSHA256) FOR UPDATE
                    """, logger: logger)
                var stored: SignatureAuthorization?
                for try await (cred, owner, list, remaining, expires) in rows.decode(
                    (String, String, String, Int, Int64).self)
                {
                    stored = SignatureAuthorization(
                        sadSHA256: sadSHA256, credential: cred, client: owner,
                        hashes: list.split(separator: ",").map(String.init), remaining: remaining, expiresAt: expires)
                }
                guard let stored else { return SignatureAuthorization.Outcome.unknown }
                let (outcome, left) = stored.consuming(hashes: hashes, credential: credential, client: client, now: now)
                if outcome == .accepted {
                    try await c.query(
                        """
                        UPDATE csc_authorizations SET hashes = \(left.hashes.joined(separator: ",")), \
                        remaining = \(left.remaining) WHERE sad_sha256 = \(sadSHA256)
                        """, logger: logger)
                }
                return outcome
            }
        }
    }
}

extension PostgresLedgerStore {
    public func addSigningSession(_ s: SigningSession) async throws {
        let logger = self.logger
        _ = try await run("keeping a signing session") {
            try await client.withTransaction(logger: logger) { c in
                try await c.query(
                    "DELETE FROM signing_sessions WHERE expires_at < \(s.expiresAt - 86_400)", logger: logger)
                try await c.query(
                    """
                    INSERT INTO signing_sessions VALUES (\(s.id), \(s.client), \(s.prepared), \(s.chainPEM), \
                    \(ByteBuffer(bytes: s.pdf)), \(s.expiresAt), 0)
                    """, logger: logger)
            }
        }
    }

    public func signingSession(id: String, client owner: String) async throws -> SigningSession? {
        try await run("reading a signing session") {
            let rows = try await client.query(
                """
                SELECT id, client, prepared, chain_pem, pdf, expires_at FROM signing_sessions
                WHERE id = \(id) AND client = \(owner) AND completed = 0
                """, logger: logger)
            for try await (sid, who, prepared, chain, pdf, expires) in rows.decode(
                (String, String, String, String, ByteBuffer, Int64).self)
            {
                return SigningSession(
                    id: sid, client: who, prepared: prepared, chainPEM: chain, pdf: Array(pdf.readableBytesView),
                    expiresAt: expires)
            }
            return nil
        }
    }

    public func completeSigningSession(id: String) async throws -> Bool {
        try await run("completing a signing session") {
            try await execute(
                "UPDATE signing_sessions SET completed = 1 WHERE id = \(id) AND completed = 0 RETURNING id") == 1
        }
    }
}
