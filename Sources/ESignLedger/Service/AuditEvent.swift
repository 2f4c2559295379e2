import ESignCore
import ESignCrypto

/// One thing the service did with a key: a signature made or refused, by which client, with which
/// key, for which unit and document. Appended to the audit chain, never changed.
public struct AuditEvent: Sendable, Codable, Equatable {
    /// ISO 8601 with +07:00.
    public var at: String
    public var client: String
    /// `sign`, `issue`, …
    public var action: String
    public var keyID: String?
    public var unitCode: String?
    /// SHA-256 (hex) of the document signed (the output for PDFs, the content for detached signatures).
    public var documentSHA256: String?
    public var number: String?
    /// `ok`, or `failed`.
    public var outcome: String
    /// Why a failure failed, or other facts (the signature level).
    public var detail: String?

    enum CodingKeys: String, CodingKey {
        case at, client, action
        case keyID = "key_id"
        case unitCode = "unit_code"
        case documentSHA256 = "document_sha256"
        case number, outcome, detail
    }

    public init(
        at: String, client: String, action: String, keyID: String? = nil, unitCode: String? = nil,
        documentSHA256: String? = nil, number: String? = nil, outcome: String, detail: String? = nil
    ) {
        self.at = at
        self.client = client
        self.action = action
        self.keyID = keyID
        self.unitCode = unitCode
        self.documentSHA256 = documentSHA256
        self.number = number
        self.outcome = outcome
        self.detail = detail
    }

    /// The fields the chain hashes, in a fixed order; a missing field and an empty one differ.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        for (i, field) in [at, client, action, keyID, unitCode, documentSHA256, number, outcome, detail].enumerated() {
            if i > 0 { out.append(0x1F) }
            if let field {
                out.append(0x01)
                out.append(contentsOf: field.utf8)
            }
        }
        return out
    }
}

/// An event as stored: its place in the chain and its chain hash.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var sequence: Int64
    public var event: AuditEvent
    public var chainHash: String

    enum CodingKeys: String, CodingKey {
        case sequence, event
        case chainHash = "chain_hash"
    }

    public init(sequence: Int64, event: AuditEvent, chainHash: String) {
        self.sequence = sequence
        self.event = event
        self.chainHash = chainHash
    }
}

/// The audit chain: event n's hash is SHA-256 over event n-1's hash, n and the event's canonical
/// fields, as in the ledger's chain (`LedgerChain`), with a domain tag of its own so that a ledger
/// hash can never stand for an audit hash.
public struct AuditChain {
    private let hasher = try! MessageHasher(.sha256)
    public init() {}

    public func link(previous: [UInt8], sequence: Int64, event: AuditEvent) -> [UInt8] {
        var seq = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { seq[i] = UInt8(truncatingIfNeeded: sequence >> (56 - 8 * i)) }
        return hasher.hash(Array("esign-audit/1".utf8), previous, seq, event.canonicalBytes)
    }

    /// Chains `events` after `head`, returning the entries and the new head.
    public func append(_ events: [AuditEvent], after head: ChainHead) -> ([AuditEntry], ChainHead) {
        var current = head
        var out: [AuditEntry] = []
        for event in events {
            let sequence = current.sequence + 1
            let hash = link(previous: current.hash, sequence: sequence, event: event)
            out.append(AuditEntry(sequence: sequence, event: event, chainHash: Hex.string(hash)))
            current = ChainHead(sequence: sequence, hash: hash)
        }
        return (out, current)
    }

    /// What is wrong with a run of entries read in order from the first: gaps and hashes that do not match.
    public func check(_ entries: [AuditEntry], after head: inout ChainHead, problems: inout [String]) {
        for e in entries {
            if e.sequence != head.sequence + 1 {
                problems.append("audit event \(head.sequence + 1) is missing (next is \(e.sequence))")
            }
            let hash = link(previous: head.hash, sequence: e.sequence, event: e.event)
            if Hex.string(hash) != e.chainHash.lowercased() {
                problems.append(
                    "audit event \(e.sequence) (\(e.event.action) by \(e.event.client)) does not match its chain hash")
            }
            head = ChainHead(sequence: e.sequence, hash: Hex.decode(e.chainHash) ?? hash)
        }
    }
}
