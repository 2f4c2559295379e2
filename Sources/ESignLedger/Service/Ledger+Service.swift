import ESignCore

/// API clients and the audit chain, for `esign serve` and its `clients` and `audit` commands.
extension Ledger {
    /// Adds a client acting for `units` (known unit codes) with `scopes`; returns its bearer
    /// token, which is not stored and cannot be shown again.
    public func addClient(name: String, units: [String], scopes: Set<APIScope>) async throws -> String {
        guard APIClient.isValidName(name) else {
            throw LedgerError.invalidArgument(
                "client name \(name.debugDescription): use 1 to 64 letters, digits, '.', '_' or '-'")
        }
        guard !units.isEmpty else { throw LedgerError.invalidArgument("a client needs at least one unit (--units)") }
        let directory = try await directory()
        for code in units where directory.versions[code] == nil { throw LedgerError.unknownUnit(code) }
        let token = APIToken.generate()
        try await store.addClient(
            APIClient(name: name, units: units, scopes: scopes, createdAt: Self.now()),
            tokenSHA256: APIToken.hash(token))
        return token
    }

    public func clients() async throws -> [APIClient] { try await store.clients() }

    public func revokeClient(name: String) async throws -> Bool {
        try await store.revokeClient(name: name, at: Self.now())
    }

    /// Recomputes the audit chain from its first event.
    public func checkAudit() async throws -> CheckReport {
        let chain = AuditChain()
        let head = try await store.auditHead()
        var report = CheckReport()
        var previous = ChainHead.empty
        while report.problems.count < 20 {
            let page = try await store.auditEntries(after: previous.sequence, limit: 10_000)
            if page.isEmpty { break }
            chain.check(page, after: &previous, problems: &report.problems)
        }
        report.entries = previous.sequence
        if report.problems.isEmpty, previous != head {
            report.problems.append(
                "the audit head records event \(head.sequence) but the chain ends at \(previous.sequence)")
        }
        report.head = previous.hex
        return report
    }

    /// The time as the ledger writes it (ISO 8601, Vietnam time).
    public static var currentTime: String { now() }
}
