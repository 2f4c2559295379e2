import ESignCore

/// Documents issued by one unit on one day: the unit of aggregation the ledger maintains alongside
/// its entries, so that statistics over a year of millions of documents read thousands of rows.
public struct CoverageCount: Hashable, Sendable, Codable {
    public var day: CivilDate
    public var unitCode: String
    public var level: AdministrativeLevel
    /// Empty when the unit had no province (central bodies).
    public var provinceCode: String
    public var issued: Int
    public var signed: Int
    public var classified: Int

    public init(
        day: CivilDate, unitCode: String, level: AdministrativeLevel, provinceCode: String, issued: Int, signed: Int,
        classified: Int
    ) {
        self.day = day
        self.unitCode = unitCode
        self.level = level
        self.provinceCode = provinceCode
        self.issued = issued
        self.signed = signed
        self.classified = classified
    }

    public struct Key: Hashable, Sendable {
        public var day: CivilDate, unitCode: String, level: AdministrativeLevel, provinceCode: String
    }
    public var key: Key { Key(day: day, unitCode: unitCode, level: level, provinceCode: provinceCode) }
}

/// Sums records into per-day, per-unit counts (what an append adds to the counts table).
public struct CoverageAccumulator {
    public private(set) var counts: [CoverageCount.Key: (issued: Int, signed: Int, classified: Int)] = [:]
    public init() {}

    public mutating func add(_ r: DocumentRecord) {
        guard r.direction == .issued else { return }
        let key = CoverageCount.Key(
            day: r.issuedOn, unitCode: r.unitCode, level: r.unitLevel, provinceCode: r.provinceCode ?? "")
        var c = counts[key] ?? (0, 0, 0)
        c.issued += 1
        if r.classified { c.classified += 1 } else if r.signed { c.signed += 1 }
        counts[key] = c
    }

    public var rows: [CoverageCount] {
        counts.map {
            CoverageCount(
                day: $0.key.day, unitCode: $0.key.unitCode, level: $0.key.level, provinceCode: $0.key.provinceCode,
                issued: $0.value.issued, signed: $0.value.signed, classified: $0.value.classified)
        }
    }
}
