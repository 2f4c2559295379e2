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

    /// The key that identifies a record across imports: the first 64 bits of SHA-256 over its
    /// identity, as a signed integer (an integer index costs SQLite a third less per insert than a
    /// 16-byte blob). Two identities sharing a key (odds about 3 in a million for 10 million
    /// documents) are not merged: the second is refused as a conflicting record, naming its line.
    public func recordKey(_ record: DocumentRecord) -> Int64 {
        let digest = hasher.hash(Array(record.identity.utf8))
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(digest[i]) }
        return Int64(bitPattern: v)
    }

    public func link(previous: [UInt8], sequence: Int64, record: DocumentRecord, recordedAt: String, source: String) -> [UInt8] {
        link(previous: previous, sequence: sequence, canonical: record.canonicalBytes,
             suffix: Self.suffix(recordedAt: recordedAt, source: source))
    }

    /// The same, from a record's canonical bytes and the append's suffix computed beforehand.
    public func link(previous: [UInt8], sequence: Int64, canonical: [UInt8], suffix: [UInt8]) -> [UInt8] {
        var seq = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { seq[i] = UInt8(truncatingIfNeeded: sequence >> (56 - 8 * i)) }
        return hasher.hash(previous, seq, canonical, suffix)
    }

    static func suffix(recordedAt: String, source: String) -> [UInt8] { Array("\u{1F}\(recordedAt)\u{1F}\(source)".utf8) }
}

/// The state of the chain's end: how many entries and the last hash.
public struct ChainHead: Sendable, Equatable, Codable {
    public var sequence: Int64
    public var hash: [UInt8]
    public static let empty = ChainHead(sequence: 0, hash: LedgerChain.genesis)
    public var hex: String { Hex.string(hash) }
}
