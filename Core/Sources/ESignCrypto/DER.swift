import ESignCore
import Foundation

/// A minimal DER encoder for the structures esign assembles itself (CMS SignedData, ESS attributes).
///
/// esign builds CMS by hand rather than through OpenSSL's CMS API because OpenSSL 3.0's CMS signer
/// always adds a signing-time attribute (forbidden in PAdES baseline signatures) and offers no
/// public way to add ESS signing-certificate-v2. All cryptography (hashes, signatures) stays in OpenSSL;
/// this file only lays out bytes.
public enum DER {
    public static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out = [tag]
        out.append(contentsOf: length(content.count))
        out.append(contentsOf: content)
        return out
    }

    public static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var value = n
        while value > 0 {
            bytes.insert(UInt8(value & 0xFF), at: 0)
            value >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    public static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }
    public static func sequence(of parts: [[UInt8]]) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }

    /// SET OF, with elements sorted by their encodings as DER requires.
    public static func set(of elements: [[UInt8]]) -> [UInt8] {
        tlv(0x31, elements.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 })
    }

    public static func octetString(_ bytes: [UInt8]) -> [UInt8] { tlv(0x04, bytes) }
    public static let null: [UInt8] = [0x05, 0x00]

    public static func integer(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var v = value
        repeat {
            bytes.insert(UInt8(v & 0xFF), at: 0)
            v >>= 8
        } while v > 0
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return tlv(0x02, bytes)
    }

    public static func boolean(_ value: Bool) -> [UInt8] { [0x01, 0x01, value ? 0xFF : 0x00] }

    /// OBJECT IDENTIFIER from dotted text.
    public static func oid(_ dotted: String) -> [UInt8] {
        let arcs = dotted.split(separator: ".").map { UInt64($0)! }
        var body: [UInt8] = []
        func base128(_ v: UInt64) -> [UInt8] {
            var chunk: [UInt8] = [UInt8(v & 0x7F)]
            var rest = v >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            return chunk
        }
        body += base128(arcs[0] * 40 + arcs[1])
        for arc in arcs.dropFirst(2) { body += base128(arc) }
        return tlv(0x06, body)
    }

    /// Dotted text of an OBJECT IDENTIFIER's content octets ("?" for a malformed one).
    public static func oidText(_ content: [UInt8]) -> String {
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        for (i, byte) in content.enumerated() {
            guard value >> 57 == 0 else { return "?" }
            value = value << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 {
                if arcs.isEmpty {
                    let first = min(value / 40, 2)
                    arcs += [first, value - first * 40]
                } else {
                    arcs.append(value)
                }
                value = 0
            } else if i == content.count - 1 {
                return "?"
            }
        }
        return arcs.isEmpty ? "?" : arcs.map(String.init).joined(separator: ".")
    }

    /// Context-specific constructed tag `[n]` (EXPLICIT wrapping, or IMPLICIT for constructed types).
    public static func context(_ n: UInt8, _ content: [UInt8]) -> [UInt8] { tlv(0xA0 | n, content) }

    /// Replaces the outer tag of an encoded element (IMPLICIT tagging).
    public static func retag(_ encoded: [UInt8], as tag: UInt8) -> [UInt8] {
        var copy = encoded
        copy[0] = tag
        return copy
    }

    /// UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 rule, also used by CMS signing-time).
    public static func time(_ date: Date) -> [UInt8] {
        let c = CivilTime(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down)))
        let two = CivilTime.two
        let year = c.year
        let rest = two(c.month) + two(c.day) + two(c.hour) + two(c.minute) + two(c.second) + "Z"
        if (1950..<2050).contains(year) {
            return tlv(0x17, Array((two(year % 100) + rest).utf8))
        }
        return tlv(0x18, Array((String(year) + rest).utf8))
    }

    /// AlgorithmIdentifier with absent parameters (or NULL when `nullParameters`).
    public static func algorithm(_ oid: String, nullParameters: Bool = false) -> [UInt8] {
        nullParameters ? sequence(self.oid(oid), null) : sequence(self.oid(oid))
    }
}
