/// What a CSC signature activation data (SAD) allows: signatures with one credential, by one
/// client, until a time; if `hashes` is not empty, only over those hashes (base64), each once.
public struct SignatureAuthorization: Sendable, Equatable {
    /// SHA-256 (hex) of the SAD; the SAD itself is never stored.
    public var sadSHA256: String
    public var credential: String
    public var client: String
    public var hashes: [String]
    public var remaining: Int
    /// Seconds since 1970.
    public var expiresAt: Int64

    public init(
        sadSHA256: String, credential: String, client: String, hashes: [String], remaining: Int, expiresAt: Int64
    ) {
        self.sadSHA256 = sadSHA256
        self.credential = credential
        self.client = client
        self.hashes = hashes
        self.remaining = remaining
        self.expiresAt = expiresAt
    }

    /// Why a SAD was, or was not, accepted for a request.
    public enum Outcome: Sendable, Equatable {
        case accepted
        case unknown
        case expired
        case otherCredential
        case hashNotAuthorized
        case exhausted
    }

    /// The decision for `hashes` at `now`, and the authorization left afterwards.
    public func consuming(
        hashes requested: [String], credential: String, client: String, now: Int64
    ) -> (Outcome, SignatureAuthorization) {
        guard credential == self.credential, client == self.client else { return (.otherCredential, self) }
        guard now < expiresAt else { return (.expired, self) }
        guard requested.count <= remaining else { return (.exhausted, self) }
        var left = self
        left.remaining -= requested.count
        if !hashes.isEmpty {
            for hash in requested {
                guard let index = left.hashes.firstIndex(of: hash) else { return (.hashNotAuthorized, self) }
                left.hashes.remove(at: index)
            }
        }
        return (.accepted, left)
    }
}
