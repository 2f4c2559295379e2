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

    /// Lowercase hex text (hashes and keys in the ledger, as `sha256sum` prints them).
    public static func string(_ bytes: [UInt8]) -> String {
        String(decoding: encode(bytes, uppercase: false), as: UTF8.self)
    }

    /// Bytes from hex text (either case); nil if the text is not an even number of hex digits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 65...70: return c - 55
            case 97...102: return c - 87
            default: return nil
            }
        }
        var out = [UInt8](); out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l); i += 2
        }
        return out
    }
}
