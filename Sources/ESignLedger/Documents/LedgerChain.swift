import ESignCore
import ESignCrypto

/// The ledger's hash chain: entry n's hash is SHA-256 over entry n-1's hash, n, and the entry's
/// canonical fields. Changing, removing or reordering any entry breaks every hash after it, which
/// `esign ledger check` recomputes. The chain makes the ledger append-only in a way anyone holding
/// the head hash can verify.
public struct LedgerChain {
    public static let genesis = [UInt8](repeating: 0, count: 32)
    private let hasher: MessageHasher

    public init() {
        // SHA-256 is always available in OpenSSL's default provider.
        hasher = try! MessageHasher(.sha256)
    }

    /// The key that identifies a record across imports (16 bytes of SHA-256 over its identity).
    public func recordKey(_ record: DocumentRecord) -> [UInt8] {
        Array(hasher.hash(Array(record.identity.utf8)).prefix(16))
    }

    public func link(previous: [UInt8], sequence: Int64, record: DocumentRecord, recordedAt: String, source: String) -> [UInt8] {
        var seq = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { seq[i] = UInt8(truncatingIfNeeded: sequence >> (56 - 8 * i)) }
        return hasher.hash(previous, seq, record.canonicalBytes, Array("\u{1F}\(recordedAt)\u{1F}\(source)".utf8))
    }
}

/// The state of the chain's end: how many entries and the last hash.
public struct ChainHead: Sendable, Equatable, Codable {
    public var sequence: Int64
    public var hash: [UInt8]
    public static let empty = ChainHead(sequence: 0, hash: LedgerChain.genesis)
    public var hex: String { Hex.string(hash) }
}
