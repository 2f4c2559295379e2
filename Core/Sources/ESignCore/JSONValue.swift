/// A JSON value written by hand, for reports produced thousands of times a second: Foundation's
/// `JSONEncoder` goes through `Encodable` containers and converts every key at run time, which
/// costs more than checking a small signature. The text is what `JSONEncoder` writes with
/// `.sortedKeys` and `.withoutEscapingSlashes` (compact), so either may produce a document's JSON.
///
/// ```swift
/// JSONValue.object([("b", .int(1)), ("a", .string("x"))]).compactText  // {"a":"x","b":1}
/// ```
public indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    /// Members in any order: written sorted by key (listed in key order, they are written as
    /// listed, without sorting a copy). Members whose value is nil are left out.
    case object([(String, JSONValue?)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.compactText == b.compactText }

    /// Compact text, keys sorted.
    public var compactText: String {
        var out: [UInt8] = []
        out.reserveCapacity(4096)  // a verification report's size: written without growing
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .string(let text): Self.writeString(text, into: &out)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .bool(let value): out.append(contentsOf: value ? "true".utf8 : "false".utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            let inOrder = members.indices.dropFirst().allSatisfy { Self.precedes(members[$0 - 1].0, members[$0].0) }
            for (key, value) in inOrder ? members : members.sorted(by: { Self.precedes($0.0, $1.0) }) {
                guard let value else { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// UTF-8 byte order (what `.sortedKeys` sorts by), over the strings' contiguous bytes: the
    /// generic `lexicographicallyPrecedes` took a quarter of rendering a report.
    static func precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                for offset in 0..<min(x.count, y.count) where x[offset] != y[offset] { return x[offset] < y[offset] }
                return x.count < y.count
            }
        }
        if let fast, let result = fast { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Quotes and escapes as JSONEncoder does: `"` and `\`, the named controls \b \f \n \r \t,
    /// other controls as \u00xx (lower-case hex); everything else, '/' included, as UTF-8.
    static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole (checked over the contiguous UTF-8 at once).
        var text = text
        let plain = text.withUTF8 { bytes in
            var bad = false
            for byte in bytes { bad = bad || byte < 0x20 || byte == 0x22 || byte == 0x5C }
            return !bad
        }
        if plain {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [0x5C, 0x22]
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += [
                    0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)],
                    hex[Int(byte & 0xF)],
                ]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
