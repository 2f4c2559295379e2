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

    /// The key that identifies a record across imports: SHA-256 over its identity, in two 64-bit
    /// integers. For documents identified by unit, number and date, the first integer starts with the
    /// unit and the day (then 27 bits of the hash), so that an export sorted by date inserts its keys
    /// next to each other in the unique index rather than all over it; documents identified by their
    /// file's hash get a first integer from the hash alone. Either way 91 bits or more of hash
    /// separate two identities.
    public func recordKey(_ record: DocumentRecord) -> RecordKey {
        let digest = hasher.hash(Array(record.identity.utf8))
        func int(_ range: Range<Int>) -> UInt64 { range.reduce(0) { $0 << 8 | UInt64(digest[$1]) } }
        let low = Int64(bitPattern: int(8..<16))
        guard record.documentID == nil else { return RecordKey(high: Int64(bitPattern: int(0..<8)), low: low) }
        var unit: UInt64 = 0xcbf29ce484222325  // FNV-1a over the unit code
        for byte in record.unitCode.utf8 { unit = (unit ^ UInt64(byte)) &* 0x100000001b3 }
        let day = UInt64(truncatingIfNeeded: record.issuedOn.dayNumber) & 0xFFFF
        let high = (unit & 0xFFFFF) << 43 | day << 27 | (int(0..<4) & 0x7FF_FFFF)
        return RecordKey(high: Int64(bitPattern: high), low: low)
    }

    public func link(
        previous: [UInt8], sequence: Int64, record: DocumentRecord, recordedAt: String, source: String
    ) -> [UInt8] {
        link(
            previous: previous, sequence: sequence, canonical: record.canonicalBytes,
            suffix: Self.suffix(recordedAt: recordedAt, source: source))
    }

    /// The same, from a record's canonical bytes and the append's suffix computed beforehand.
    public func link(previous: [UInt8], sequence: Int64, canonical: [UInt8], suffix: [UInt8]) -> [UInt8] {
        var seq = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { seq[i] = UInt8(truncatingIfNeeded: sequence >> (56 - 8 * i)) }
        return hasher.hash(previous, seq, canonical, suffix)
    }

    static func suffix(recordedAt: String, source: String) -> [UInt8] {
        Array("\u{1F}\(recordedAt)\u{1F}\(source)".utf8)
    }
}

/// A record's identity key (see `LedgerChain.recordKey`).
public struct RecordKey: Hashable, Sendable {
    public var high: Int64
    public var low: Int64
}

/// The state of the chain's end: how many entries and the last hash.
public struct ChainHead: Sendable, Equatable, Codable {
    public var sequence: Int64
    public var hash: [UInt8]
    public static let empty = ChainHead(sequence: 0, hash: LedgerChain.genesis)
    public var hex: String { Hex.string(hash) }
}
