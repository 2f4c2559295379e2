import ESignCore

/// Documents issued and how many were signed, with the rate: signed ÷ (issued − classified).
public struct CoverageFigures: Sendable, Codable, Equatable {
    public var issued = 0
    public var classified = 0
    public var signed = 0
    /// Issued documents that count for the rate (classified ones excluded).
    public var eligible: Int { issued - classified }
    /// Percent, nil when nothing counted (an empty period has no rate, not 0% nor a division by zero).
    public var rate: Double? { eligible > 0 ? Double(signed) * 100 / Double(eligible) : nil }

    public init(issued: Int = 0, classified: Int = 0, signed: Int = 0) {
        self.issued = issued
        self.classified = classified
        self.signed = signed
    }

    mutating func add(_ c: CoverageCount) {
        issued += c.issued
        classified += c.classified
        signed += c.signed
    }

    enum CodingKeys: String, CodingKey { case issued, classified, eligible, signed, rate }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issued, forKey: .issued)
        try c.encode(classified, forKey: .classified)
        try c.encode(eligible, forKey: .eligible)
        try c.encode(signed, forKey: .signed)
        try c.encode(rate.map { ($0 * 100).rounded() / 100 }, forKey: .rate)
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        issued = try c.decode(Int.self, forKey: .issued)
        classified = try c.decode(Int.self, forKey: .classified)
        signed = try c.decode(Int.self, forKey: .signed)
    }
}

/// The statistics `esign stats` prints, as a value (schema `esign.coverage/1`).
public struct CoverageReport: Sendable, Codable {
    public var schema = "esign.coverage/1"
    public var from: String?
    public var to: String?
    public var province: String?
    public var by: CoverageQuery.Grouping
    public var overall = CoverageFigures()
    public var levels: [LevelRow] = []
    public var units: [UnitRow] = []
    /// Per period (month, quarter or year, as `by` asks; months when `by` is level or unit) and level.
    public var periods: [PeriodRow] = []
    /// The lowest-rated units (with at least one counted document), lowest first.
    public var weakest: [UnitRow] = []

    public struct LevelRow: Sendable, Codable {
        public var level: AdministrativeLevel
        public var figures: CoverageFigures
        public var target: Double?
        /// Rate − target, in percentage points (negative: below target).
        public var gap: Double?
        public var units: Int
        public var unitsMeetingTarget: Int
    }

    public struct UnitRow: Sendable, Codable {
        public var code: String
        public var name: String
        public var level: AdministrativeLevel
        public var parentCode: String?
        public var provinceCode: String?
        public var figures: CoverageFigures
        public var target: Double?
        public var gap: Double?
        /// 1 = best rate within its level; nil when the unit has no counted document.
        public var rank: Int?
        public var rankOf: Int
    }

    public struct PeriodRow: Sendable, Codable {
        public var period: String
        public var level: AdministrativeLevel
        public var figures: CoverageFigures
        public var target: Double?
        public var gap: Double?
    }
}
