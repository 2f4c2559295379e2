import ESignCore

/// What `esign stats` asks: a period, an optional province, how to group, which targets.
public struct CoverageQuery: Sendable {
    public enum Grouping: String, CaseIterable, Sendable, Codable { case level, unit, month, quarter, year }

    public var from: CivilDate?
    public var to: CivilDate?
    public var by: Grouping
    /// Only units that belonged to this province on the issue date.
    public var province: String?
    /// Only these unit codes (an API client's units and those below them); nil: all.
    public var units: Set<String>?
    public var targets: CoverageTargets
    /// How many of the weakest units the report lists.
    public var weakestCount: Int

    public init(
        from: CivilDate? = nil, to: CivilDate? = nil, by: Grouping = .level, province: String? = nil,
        targets: CoverageTargets = .defaults, weakestCount: Int = 10
    ) {
        self.from = from
        self.to = to
        self.by = by
        self.province = province
        self.targets = targets
        self.weakestCount = weakestCount
    }
}
