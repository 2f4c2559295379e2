/// Calendar arithmetic for timestamps esign writes (PDF dates, ASN.1 times), done with integers:
/// the proleptic Gregorian calendar needs no locale, time-zone database or ICU, and this keeps
/// signing fast and deterministic.
public struct CivilTime: Equatable, Sendable {
    public let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    /// Breaks seconds since 1970 (UTC) into date and time fields, at a fixed offset from UTC.
    public init(secondsSince1970 t: Int, offsetSeconds: Int = 0) {
        let local = t + offsetSeconds
        var days = local / 86400
        var rest = local % 86400
        if rest < 0 {
            rest += 86400
            days -= 1
        }
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Seconds since 1970 for date and time fields given at `offsetSeconds` from UTC.
    public static func secondsSince1970(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
        offsetSeconds: Int = 0
    ) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
    }

    public static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

extension CivilTime {
    /// ISO 8601 with the offset written out, e.g. 2024-05-15T09:30:00+07:00 (Vietnam time by default),
    /// as Decree 30/2020 shows signing times.
    public static func iso8601(secondsSince1970 t: Int, offsetSeconds: Int = 7 * 3600) -> String {
        let c = CivilTime(secondsSince1970: t, offsetSeconds: offsetSeconds)
        let sign = offsetSeconds < 0 ? "-" : "+"
        let year =
            c.year < 1000 ? String(repeating: "0", count: 4 - String(c.year).count) + String(c.year) : String(c.year)
        return "\(year)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
            + (offsetSeconds == 0
                ? "Z" : "\(sign)\(two(abs(offsetSeconds) / 3600)):\(two(abs(offsetSeconds) % 3600 / 60))")
    }
}

extension CivilTime {
    /// Seconds since 1970 of an RFC 3339 time (xsd:dateTime with its offset): `Z` or `±hh:mm`,
    /// an optional fraction, `T` (or `t`) between date and time, e.g. 2026-12-07T09:30:00+07:00 or
    /// 2026-12-07T02:30:00.250Z. Nil for anything else, a time without an offset included.
    public static func secondsSince1970(rfc3339 text: some StringProtocol) -> Double? {
        let u = Array(text.utf8)
        guard u.count >= 20, u[4] == 0x2D, u[7] == 0x2D, u[10] | 0x20 == 0x74, u[13] == 0x3A, u[16] == 0x3A else {
            return nil
        }
        func number(_ range: Range<Int>) -> Int? { decimal(u, range) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            CivilDate(year: year, month: month, day: day) != nil, hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if u[index] == 0x2E {
            index += 1
            var scale = 0.1
            let start = index
            while index < u.count, u[index] >= 0x30, u[index] <= 0x39 {
                fraction += Double(u[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < u.count else { return nil }
        var offset = 0
        if u[index] | 0x20 == 0x7A {
            index += 1
        } else if u[index] == 0x2B || u[index] == 0x2D {
            guard index + 6 == u.count, u[index + 3] == 0x3A, let h = number((index + 1)..<(index + 3)),
                let m = number((index + 4)..<(index + 6)), h < 24, m < 60
            else { return nil }
            offset = (h * 3600 + m * 60) * (u[index] == 0x2D ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == u.count else { return nil }
        let whole = secondsSince1970(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetSeconds: offset)
        return Double(whole) + fraction
    }
}

/// The decimal number the ASCII digits `bytes[range]` write (nil if any is not a digit).
func decimal(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
    var value = 0
    for index in range {
        guard bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
        value = value * 10 + Int(bytes[index] - 0x30)
    }
    return value
}
