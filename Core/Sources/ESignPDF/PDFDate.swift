import ESignCore
import Foundation

/// PDF date strings (ISO 32000-2 §7.9.4): `D:YYYYMMDDHHmmSS+07'00'`.
public enum PDFDate {
    /// Vietnam time (UTC+07:00, no daylight saving), the zone administrative documents use.
    public static let vietnam = TimeZone(secondsFromGMT: 7 * 3600)!

    public static func string(from date: Date, timeZone: TimeZone = vietnam) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let offset = timeZone.secondsFromGMT(for: date)
        let c = CivilTime(secondsSince1970: seconds, offsetSeconds: offset)
        let two = CivilTime.two
        let zone =
            offset == 0 ? "Z" : "\(offset < 0 ? "-" : "+")\(two(abs(offset) / 3600))'\(two(abs(offset) % 3600 / 60))'"
        return "D:\(c.year)\(two(c.month))\(two(c.day))\(two(c.hour))\(two(c.minute))\(two(c.second))\(zone)"
    }

    /// Parses a PDF date; missing trailing fields default as the standard says.
    public static func date(from text: String) -> Date? {
        var s = Substring(text)
        if s.hasPrefix("D:") { s = s.dropFirst(2) }
        let digits = s.prefix { $0.isNumber }
        guard digits.count >= 4 else { return nil }
        func field(_ start: Int, _ length: Int, _ fallback: Int) -> Int {
            guard digits.count >= start + length else { return fallback }
            let a = digits.index(digits.startIndex, offsetBy: start)
            return Int(digits[a..<digits.index(a, offsetBy: length)]) ?? fallback
        }
        var components = DateComponents()
        components.year = field(0, 4, 0)
        components.month = field(4, 2, 1)
        components.day = field(6, 2, 1)
        components.hour = field(8, 2, 0)
        components.minute = field(10, 2, 0)
        components.second = field(12, 2, 0)
        var rest = s.dropFirst(digits.count)
        var offset = 0
        if let signChar = rest.first, signChar == "+" || signChar == "-" {
            rest = rest.dropFirst()
            let parts = rest.split(whereSeparator: { $0 == "'" }).compactMap { Int($0) }
            offset = ((parts.first ?? 0) * 3600 + (parts.dropFirst().first ?? 0) * 60) * (signChar == "-" ? -1 : 1)
        }
        guard let year = components.year, let month = components.month, (1...12).contains(month),
            let day = components.day, (1...31).contains(day)
        else { return nil }
        let t = CivilTime.secondsSince1970(
            year: year, month: month, day: day, hour: components.hour ?? 0,
            minute: components.minute ?? 0, second: components.second ?? 0, offsetSeconds: offset)
        return Date(timeIntervalSince1970: TimeInterval(t))
    }
}
