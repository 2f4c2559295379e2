import ESignLedger
import Foundation
import Hummingbird
import Synchronization

/// Who is calling: the bearer token of the `Authorization` header looked up (by its SHA-256) among
/// the clients in the database. Answers are cached for a few seconds, so that a revocation takes
/// effect on every instance within `cacheSeconds`.
final class ClientAuthenticator: Sendable {
    let store: any ServiceRecordStore
    let cacheSeconds: Double
    private let cache = Mutex<[String: (client: APIClient?, until: Date)]>([:])

    init(store: any ServiceRecordStore, cacheSeconds: Double = 5) {
        self.store = store
        self.cacheSeconds = cacheSeconds
    }

    /// The caller, who must hold `scope`; 401 without a valid token, 403 without the scope.
    func client(for request: Request, scope: APIScope) async throws -> APIClient {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthorized("send the client's token as Authorization: Bearer <token>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty, parts[1].count < 512 else {
            throw Problem.unauthorized("the Authorization header is not a bearer token")
        }
        let hash = APIToken.hash(String(parts[1]))
        let now = Date()
        let cached = cache.withLock { $0[hash] }
        let client: APIClient?
        if let cached, cached.until > now {
            client = cached.client
        } else {
            client = try await store.client(tokenSHA256: hash)
            cache.withLock { entries in
                if entries.count > 10_000 { entries.removeAll() }
                entries[hash] = (client, now.addingTimeInterval(cacheSeconds))
            }
        }
        guard let client else { throw Problem.unauthorized("the token is not valid (unknown or revoked)") }
        guard client.scopes.contains(scope) else {
            throw Problem.forbidden("client \(client.name) does not have the scope \(scope.rawValue)")
        }
        return client
    }
}

/// The units a client may act for: its own and every unit below them.
struct ClientUnits: Sendable {
    let client: APIClient
    let reachable: Set<String>

    init(client: APIClient, directory: UnitDirectory) {
        self.client = client
        reachable = directory.descendants(of: client.units)
    }

    func require(_ unit: String) throws {
        guard reachable.contains(unit) else {
            throw Problem.forbidden(
                "client \(client.name) acts for units \(client.units.joined(separator: ", ")), not for unit \(unit)")
        }
    }
}

/// The units each client reaches, computed from the unit list and kept for `seconds`: the list
/// changes a few times a year, and reading it for every request cost more than a signature's hash.
/// Units imported while the service runs are seen within that time.
final class ClientUnitsCache: Sendable {
    private let ledger: Ledger
    private let seconds: Double
    private let state = Mutex<(directory: UnitDirectory, until: Date, clients: [String: ClientUnits])?>(nil)

    init(ledger: Ledger, seconds: Double = 30) {
        self.ledger = ledger
        self.seconds = seconds
    }

    func units(of client: APIClient) async throws -> ClientUnits {
        let key = client.name + "\u{1F}" + client.units.joined(separator: ",")
        let now = Date()
        if let cached = state.withLock({ s -> ClientUnits? in
            guard let s, s.until > now else { return nil }
            return s.clients[key]
        }) {
            return cached
        }
        let directory = try await current(now)
        let units = ClientUnits(client: client, directory: directory)
        state.withLock { s in
            if s != nil { s!.clients[key] = units }
        }
        return units
    }

    private func current(_ now: Date) async throws -> UnitDirectory {
        if let fresh = state.withLock({ s -> UnitDirectory? in
            guard let s, s.until > now else { return nil }
            return s.directory
        }) {
            return fresh
        }
        let directory = try await ledger.directory()
        state.withLock { $0 = (directory, now.addingTimeInterval(seconds), [:]) }
        return directory
    }
}
