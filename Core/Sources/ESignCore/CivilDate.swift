/// A calendar date without a time of day (2024-05-15): when a document was issued, when an
/// administrative unit came into force. Stored as a day number so that ranges and ordering are
/// integer comparisons.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// A date from its fields; nil when the fields do not name a real day (2025-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CivilDate.daysIn(month: month, year: year)
        else { return nil }
        dayNumber =
            CivilTime.secondsSince1970(year: year, month: month, day: day, hour: 0, minute: 0, second: 0) / 86400
    }

    /// Parses ISO 8601 `YYYY-MM-DD` (the only form esign accepts in its inputs).
    public init?(iso8601 text: some StringProtocol) {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? { decimal(u, range) }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var fields: (year: Int, month: Int, day: Int) {
        let c = CivilTime(secondsSince1970: dayNumber * 86400)
        return (c.year, c.month, c.day)
    }

    public var year: Int { fields.year }
    public var month: Int { fields.month }
    public var quarter: Int { (fields.month - 1) / 3 + 1 }

    /// `YYYY-MM-DD`.
    public var description: String {
        let f = fields
        let y = String(f.year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + CivilTime.two(f.month) + "-"
            + CivilTime.two(f.day)
    }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// Today in Vietnam (UTC+7), the calendar esign's users live by.
    public static func today(offsetSeconds: Int = 7 * 3600) -> CivilDate {
        CivilDate(dayNumber: (Int(time(nil)) + offsetSeconds) / 86400)
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.dayNumber < b.dayNumber }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
