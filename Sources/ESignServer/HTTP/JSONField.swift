import Foundation

/// Reading numbers and booleans from `JSONSerialization`'s output exactly. On Linux a JSON `1`
/// and a JSON `true` both arrive as `NSNumber`, and `is Bool` holds for either; the number's
/// Objective-C type code tells them apart ("c" or "B" for booleans).
enum JSONField {
    static func isBoolean(_ value: Any?) -> Bool {
        if value is Bool && !(value is NSNumber) { return true }
        guard let number = value as? NSNumber else { return false }
        let code = String(cString: number.objCType)
        return code == "c" || code == "B"
    }

    /// An integer, not a boolean and not a fraction.
    static func integer(_ value: Any?) -> Int? {
        guard let value, !isBoolean(value), let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9e15 else { return nil }
        return number.intValue
    }

    /// A number, not a boolean.
    static func number(_ value: Any?) -> Double? {
        guard let value, !isBoolean(value), let number = value as? NSNumber else { return nil }
        return number.doubleValue
    }

    static func boolean(_ value: Any?) -> Bool? {
        guard isBoolean(value), let number = value as? NSNumber else { return value as? Bool }
        return number.boolValue
    }
}
