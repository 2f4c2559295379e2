import ESignCore

/// Writes PDF objects as bytes (ISO 32000-2 §7.3), for the objects an incremental update adds or rewrites.
public enum PDFSerializer {
    public static func bytes(_ object: PDFObject) -> [UInt8] {
        var out: [UInt8] = []
        write(object, into: &out)
        return out
    }

    public static func write(_ object: PDFObject, into out: inout [UInt8]) {
        switch object {
        case .null: out += Array("null".utf8)
        case .boolean(let b): out += Array((b ? "true" : "false").utf8)
        case .integer(let i): out += Array(String(i).utf8)
        case .real(let r): out += Array(formatReal(r).utf8)
        case .name(let n): writeName(n, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .reference(let r): out += Array("\(r.number) \(r.generation) R".utf8)
        case .array(let items):
            out.append(0x5B)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x20) }
                write(item, into: &out)
            }
            out.append(0x5D)
        case .dictionary(let dict): writeDictionary(dict, into: &out)
        case .stream(let stream):
            guard case .bytes(let data) = stream.data else {
                preconditionFailure("streams read from a file are never rewritten by esign")
            }
            var dict = stream.dictionary
            dict["Length"] = .integer(data.count)
            writeDictionary(dict, into: &out)
            out += Array("\nstream\n".utf8)
            out += data
            out += Array("\nendstream".utf8)
        }
    }

    static func writeDictionary(_ dict: PDFDictionary, into out: inout [UInt8]) {
        out += [0x3C, 0x3C]
        for (key, value) in dict.entries {
            writeName(key, into: &out)
            out.append(0x20)
            write(value, into: &out)
            out.append(0x20)
        }
        out += [0x3E, 0x3E]
    }

    /// Shortest text that reads back as the same number, never in exponent form (PDF has none).
    static func formatReal(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        var text = "\(value)"
        if text.contains("e") || text.contains("E") {
            var fixed = ""
            var scaled = abs(value)
            let integerPart = Int(scaled)
            scaled -= Double(integerPart)
            for _ in 0..<10 {
                scaled *= 10
                let d = Int(scaled)
                fixed.append(Character(String(d)))
                scaled -= Double(d)
            }
            while fixed.hasSuffix("0") { fixed.removeLast() }
            text = (value < 0 ? "-" : "") + String(integerPart) + (fixed.isEmpty ? "" : "." + fixed)
        }
        return text
    }

    static func writeName(_ name: PDFName, into out: inout [UInt8]) {
        out.append(0x2F)
        for c in name.bytes {
            if c < 0x21 || c > 0x7E || c == 0x23 || PDFLexer.isDelimiter(c) {
                out.append(0x23)
                out += Hex.encode([c])
            } else {
                out.append(c)
            }
        }
    }

    static func writeString(_ string: PDFString, into out: inout [UInt8]) {
        let printable = string.bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        if string.isHex || !printable {
            out.append(0x3C)
            out += Hex.encode(string.bytes)
            out.append(0x3E)
            return
        }
        out.append(0x28)
        for c in string.bytes {
            if c == 0x28 || c == 0x29 || c == 0x5C { out.append(0x5C) }
            out.append(c)
        }
        out.append(0x29)
    }
}
