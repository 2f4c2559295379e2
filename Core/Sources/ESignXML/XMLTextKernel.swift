import CXMLText

/// Long runs of character data checked 32 bytes at a time (the C kernel `esign_xml_text_prefix`,
/// with AVX2): the byte reader hands it a run once the run is past 16 bytes or meets a byte beyond
/// ASCII, and goes on byte by byte from where it stops. Its answer must be a prefix the
/// byte-by-byte reading takes as well, ending at a character's end: ``disagreement(in:)`` holds it
/// to that for the tests and the fuzzer.
public enum XMLTextKernel {
    /// Whether this CPU runs the kernel (AVX2); without it the reader reads every byte itself.
    static let isAvailable = esign_xml_text_available() != 0

    /// The kernel's prefix of `bytes`.
    static func prefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        return esign_xml_text_prefix(base, bytes.count)
    }

    /// Where each whole character of plain text ends, byte by byte, from the start until the first
    /// byte that is not plain text: what canonical XML copies unchanged from character data.
    static func referenceBoundaries(_ bytes: [UInt8]) -> [Int] {
        var ends = [0]
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            var length = 0
            if byte < 0x80 {
                let plain =
                    (byte >= 0x20 && byte != 0x3C && byte != 0x26 && byte != 0x3E) || byte == 0x09 || byte == 0x0A
                length = plain ? 1 : 0
            } else if let (scalar, count) = Self.decode(bytes, at: i), XMLByteCanonicalizer.isXMLChar(scalar) {
                length = count
            }
            guard length > 0 else { break }
            i += length
            ends.append(i)
        }
        return ends
    }

    /// A UTF-8 sequence decoded strictly (no overlong forms, surrogates or values past U+10FFFF).
    private static func decode(_ b: [UInt8], at i: Int) -> (UInt32, Int)? {
        let lead = b[i]
        let count: Int
        let minimum: UInt32
        var scalar: UInt32
        switch lead {
        case 0xC0...0xDF: (count, minimum, scalar) = (2, 0x80, UInt32(lead & 0x1F))
        case 0xE0...0xEF: (count, minimum, scalar) = (3, 0x800, UInt32(lead & 0x0F))
        case 0xF0...0xF7: (count, minimum, scalar) = (4, 0x10000, UInt32(lead & 0x07))
        default: return nil
        }
        guard i + count <= b.count else { return nil }
        for k in 1..<count {
            guard b[i + k] & 0xC0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(b[i + k] & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return nil }
        return (scalar, count)
    }

    /// The kernel against the byte-by-byte reading: nil when its prefix is one the reading takes,
    /// ends at a character's end, and stops short only where the kernel may (within the last 32
    /// bytes, at a byte 0xEF, a character before the byte that ends the run), or when this CPU
    /// does not run it.
    public static func disagreement(in bytes: [UInt8]) -> String? {
        guard isAvailable else { return nil }
        let ends = referenceBoundaries(bytes)
        let longest = ends.last!
        let firstEF = bytes.firstIndex(of: 0xEF) ?? bytes.count
        // The first byte a block check flags is at most 3 bytes past the longest prefix (a
        // sequence's last continuation), and the kernel steps back over one character (4 bytes).
        let floor = min(longest, firstEF, max(0, bytes.count - 31)) - 4
        let k = bytes.withUnsafeBufferPointer { prefix($0) }
        if k > longest { return "\(k) bytes taken where plain text ends at \(longest)" }
        if !ends.contains(k) { return "\(k) bytes taken, inside a character" }
        if k < floor { return "\(k) bytes taken where plain text goes on to \(longest)" }
        return nil
    }
}
