/// What `esign serve` keeps in the ledger's database besides documents: its API clients and its
/// audit chain. Every ledger store keeps them, so that several instances of the service on one
/// PostgreSQL share them exactly as they share the ledger.
public protocol ServiceRecordStore: AnyObject, Sendable {
    /// Adds a client with the SHA-256 of its token; a name already taken is refused.
    func addClient(_ client: APIClient, tokenSHA256: String) async throws
    func clients() async throws -> [APIClient]
    /// The client a token belongs to, unless revoked.
    func client(tokenSHA256: String) async throws -> APIClient?
    /// Marks a client revoked; false when no such client (or already revoked).
    func revokeClient(name: String, at time: String) async throws -> Bool

    /// Appends events to the audit chain in one transaction; returns the new head.
    @discardableResult
    func appendAudit(_ events: [AuditEvent]) async throws -> ChainHead
    func auditEntries(after: Int64, limit: Int) async throws -> [AuditEntry]
    func auditHead() async throws -> ChainHead

    /// Records signature activation data (the SAD's SHA-256) for a credential and client.
    func addAuthorization(_ authorization: SignatureAuthorization) async throws
    /// Uses `hashes` (base64) of the SAD for `credential` and `client` at `now` (seconds since
    /// 1970): all or nothing, in one transaction, so that two instances cannot both spend the last
    /// signature of a SAD.
    func consumeAuthorization(
        sadSHA256: String, credential: String, client: String, hashes: [String], now: Int64
    ) async throws -> SignatureAuthorization.Outcome

    /// Keeps a two-step signing session (and drops sessions expired a day ago).
    func addSigningSession(_ session: SigningSession) async throws
    /// The session `id` of `client`, unless completed.
    func signingSession(id: String, client: String) async throws -> SigningSession?
    /// Marks the session completed; false if it already was (a second completion is refused).
    func completeSigningSession(id: String) async throws -> Bool

    /// Takes `count` serial numbers for the service's TSA, never handed to anyone else.
    func reserveTimestampSerials(_ count: Int) async throws -> Range<Int64>
}
