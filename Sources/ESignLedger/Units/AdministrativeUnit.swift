import ESignCore

/// One version of an administrative unit: its code, name, level and parent over a period.
///
/// A unit that changed parent in the 2025 reform (a commune moved from its district to its
/// province) has two versions with the same code: one valid until 2025-06-30, one from 2025-07-01.
/// Documents are attributed to the version in force on their issue date.
public struct AdministrativeUnit: Hashable, Codable, Sendable {
    public var code: String
    public var name: String
    public var level: AdministrativeLevel
    public var parentCode: String?
    public var validFrom: CivilDate
    /// Last day in force; nil while the unit exists.
    public var validTo: CivilDate?

    public init(
        code: String, name: String, level: AdministrativeLevel, parentCode: String?,
        validFrom: CivilDate, validTo: CivilDate?
    ) {
        self.code = code
        self.name = name
        self.level = level
        self.parentCode = parentCode
        self.validFrom = validFrom
        self.validTo = validTo
    }

    public func isInForce(on date: CivilDate) -> Bool {
        date >= validFrom && (validTo.map { date <= $0 } ?? true)
    }

    /// Whether this version's period overlaps another's.
    public func overlaps(_ other: AdministrativeUnit) -> Bool {
        let endA = validTo?.dayNumber ?? Int.max
        let endB = other.validTo?.dayNumber ?? Int.max
        return validFrom.dayNumber <= endB && other.validFrom.dayNumber <= endA
    }
}
