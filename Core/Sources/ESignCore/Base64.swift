/// Base64 (RFC 4648, the standard alphabet, padded) as XML signatures carry it: digests,
/// signature values and certificates, with the whitespace XML allows between the characters.
/// Decoded by table: Foundation's decoder cost a few microseconds for each 44-character digest,
/// and a signature has four of them.
public enum Base64 {
    private static let padding: UInt8 = 64
    private static let whitespace: UInt8 = 65
    private static let invalid: UInt8 = 255
    /// 0–63 for the alphabet, then `=`, XML whitespace, and anything else.
    private static let values: [UInt8] = (0..<256).map { value in
        switch UInt8(value) {
        case 0x41...0x5A: UInt8(value - 0x41)
        case 0x61...0x7A: UInt8(value - 0x61 + 26)
        case 0x30...0x39: UInt8(value - 0x30 + 52)
        case 0x2B: 62
        case 0x2F: 63
        case 0x3D: padding
        case 0x20, 0x09, 0x0A, 0x0D: whitespace
        default: invalid
        }
    }

    /// The bytes of `text`, skipping space, tab, line feed and carriage return; nil unless what
    /// remains is whole groups of four characters, `=` only as the last one or two of the last.
    public static func decode(ignoringXMLWhitespace text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0) }
    }

    private static func decode(_ characters: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(characters.count / 4 * 3)
        var group: UInt32 = 0
        var count = 0  // characters of the group so far
        var padded = 0  // '=' in the group
        var ended = false  // a padded group was the last
        let complete = values.withUnsafeBufferPointer { values in
            for character in characters {
                let value = values[Int(character)]
                if value == whitespace { continue }
                guard value != invalid, !ended else { return false }
                if value == padding {
                    guard count >= 2 else { return false }
                    padded += 1
                    group <<= 6
                } else {
                    guard padded == 0 else { return false }
                    group = group << 6 | UInt32(value)
                }
                count += 1
                guard count == 4 else { continue }
                out.append(UInt8(truncatingIfNeeded: group >> 16))
                if padded < 2 { out.append(UInt8(truncatingIfNeeded: group >> 8)) }
                if padded < 1 { out.append(UInt8(truncatingIfNeeded: group)) }
                ended = padded > 0
                group = 0
                count = 0
            }
            return count == 0
        }
        return complete ? out : nil
    }
}
