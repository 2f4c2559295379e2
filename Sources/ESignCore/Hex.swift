/// Hexadecimal text for bytes: PDF hex strings and `/Contents`, audit logs.
public enum Hex {
    private static let upper = Array("0123456789ABCDEF".utf8)
    private static let lower = Array("0123456789abcdef".utf8)

    /// Two ASCII digits per byte.
    public static func encode(_ bytes: [UInt8], uppercase: Bool = true) -> [UInt8] {
        let digits = uppercase ? upper : lower
        var out = [UInt8](repeating: 0, count: bytes.count * 2)
        for (i, b) in bytes.enumerated() {
            out[2 * i] = digits[Int(b >> 4)]
            out[2 * i + 1] = digits[Int(b & 0xF)]
        }
        return out
    }
}
