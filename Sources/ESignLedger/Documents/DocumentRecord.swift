import ESignCore

/// One document in the ledger: issued by a unit (or received by it), signed or not.
///
/// Rates are computed from these: documents issued as signed electronic documents ÷ documents
/// issued, classified documents left out of both. Unsigned and paper-only documents belong in the
/// ledger too: they are what make a rate.
public struct DocumentRecord: Hashable, Codable, Sendable {
    public enum Direction: String, Codable, Sendable { case issued, received }

    /// SHA-256 (hex) of the issued file, when there is a file.
    public var documentID: String?
    public var unitCode: String
    /// The unit's level on the issue date (filled in from the unit list when recorded).
    public var unitLevel: AdministrativeLevel
    /// The province the unit belonged to on the issue date.
    public var provinceCode: String?
    /// Number and symbol as written on the document, e.g. `1234/QĐ-UBND`.
    public var number: String
    public var type: String?
    public var title: String?
    public var issuedOn: CivilDate
    public var classified: Bool
    /// Issued as a signed electronic document.
    public var signed: Bool
    /// Signatures on the issued file (official, agency seal): 0 when not signed.
    public var signatureCount: Int
    public var timestamped: Bool
    public var direction: Direction
    /// For received documents: the verification verdict (TOTAL-PASSED, …).
    public var verdict: String?

    /// JSON names match the import columns.
    enum CodingKeys: String, CodingKey {
        case documentID = "document_id"
        case unitCode = "unit_code"
        case unitLevel = "unit_level"
        case provinceCode = "province_code"
        case number, type, title
        case issuedOn = "issued_on"
        case classified, signed
        case signatureCount = "signature_count"
        case timestamped, direction, verdict
    }

    public init(
        documentID: String? = nil, unitCode: String, unitLevel: AdministrativeLevel = .commune,
        provinceCode: String? = nil, number: String, type: String? = nil, title: String? = nil,
        issuedOn: CivilDate, classified: Bool = false, signed: Bool, signatureCount: Int? = nil,
        timestamped: Bool = false, direction: Direction = .issued, verdict: String? = nil
    ) {
        self.documentID = documentID
        self.unitCode = unitCode
        self.unitLevel = unitLevel
        self.provinceCode = provinceCode
        self.number = number
        self.type = type
        self.title = title
        self.issuedOn = issuedOn
        self.classified = classified
        self.signed = signed
        self.signatureCount = signatureCount ?? (signed ? 1 : 0)
        self.timestamped = timestamped
        self.direction = direction
        self.verdict = verdict
    }

    /// What identifies the document across imports: its file hash when known, else the unit,
    /// number and issue date. Importing the same document twice is a no-op.
    public var identity: String {
        if let documentID { return "id\u{1F}" + documentID }
        return "nr\u{1F}" + direction.rawValue + "\u{1F}" + unitCode + "\u{1F}" + number + "\u{1F}"
            + issuedOn.description
    }

    /// The fields the hash chain covers, in a fixed order with unambiguous separators.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        func add(_ s: String?, last: Bool = false) {
            if let s { out.append(contentsOf: s.utf8) }
            if !last { out.append(0x1F) }
        }
        add(documentID)
        add(unitCode)
        add(unitLevel.rawValue)
        add(provinceCode)
        add(number)
        add(type)
        add(title)
        add(issuedOn.description)
        add(classified ? "1" : "0")
        add(signed ? "1" : "0")
        add(String(signatureCount))
        add(timestamped ? "1" : "0")
        add(direction.rawValue)
        add(verdict, last: true)
        return out
    }

    /// Field names whose values differ between this stored record and `other`, a record of the same
    /// identity arriving again. Optional text fields `other` leaves empty (an export without those
    /// columns) do not count as changes.
    public func differences(from other: DocumentRecord) -> [String] {
        var d: [String] = []
        if other.documentID != nil && documentID != other.documentID { d.append("document_id") }
        if unitCode != other.unitCode { d.append("unit_code") }
        if number != other.number { d.append("number") }
        if other.type != nil && type != other.type { d.append("type") }
        if other.title != nil && title != other.title { d.append("title") }
        if issuedOn != other.issuedOn { d.append("issued_on") }
        if classified != other.classified { d.append("classified") }
        if signed != other.signed { d.append("signed") }
        if signatureCount != other.signatureCount { d.append("signature_count") }
        if timestamped != other.timestamped { d.append("timestamped") }
        if direction != other.direction { d.append("direction") }
        if other.verdict != nil && verdict != other.verdict { d.append("verdict") }
        return d
    }
}

/// A record as stored: its place in the chain and when it was recorded.
public struct LedgerEntry: Codable, Sendable, Equatable {
    public var sequence: Int64
    public var record: DocumentRecord
    public var recordedAt: String
    public var source: String
    /// Hex SHA-256 chaining this entry to the one before.
    public var chainHash: String

    enum CodingKeys: String, CodingKey {
        case sequence, record
        case recordedAt = "recorded_at"
        case source
        case chainHash = "chain_hash"
    }
}
