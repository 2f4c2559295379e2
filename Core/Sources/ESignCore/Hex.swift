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

    /// The value of one ASCII hex digit (either case), nil for anything else.
    @inlinable @inline(__always) public static func digitValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// Whether every byte is an ASCII hex digit (a signature's /Contents gap: thousands of bytes,
    /// checked without a closure call or bounds check per byte).
    public static func isDigits(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var bad: UInt8 = 0
            for c in buffer {
                // Fold case (0x20), then: '0'...'9' or 'a'...'f'.
                let lower = c | 0x20
                let digit = c &- 0x30 < 10
                let letter = lower &- 0x61 < 6
                bad |= (digit || letter) ? 0 : 1
            }
            return bad == 0
        }
    }

    /// Lowercase hex text (hashes and keys in the ledger, as `sha256sum` prints them).
    public static func string(_ bytes: [UInt8]) -> String {
        String(decoding: encode(bytes, uppercase: false), as: UTF8.self)
    }

    /// Bytes from hex text (either case); nil if the text is not an even number of hex digits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        let nibble = digitValue
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}
