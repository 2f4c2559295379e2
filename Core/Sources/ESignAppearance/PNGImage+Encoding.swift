import ESignPDF

extension PNGImage {
    /// The image as a PNG file: 8-bit RGB (RGBA when it has alpha), each row unfiltered, one
    /// zlib-compressed IDAT chunk. Enough for pictures esign writes for people (renderings).
    public func encoded() -> [UInt8] {
        let channels = alpha == nil ? 3 : 4
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (1 + width * channels))
        for y in 0..<height {
            raw.append(0)  // filter: none
            for x in 0..<width {
                let i = y * width + x
                raw += rgb[(3 * i)..<(3 * i + 3)]
                if let alpha { raw.append(alpha[i]) }
            }
        }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return bigEndian(UInt32(body.count)) + typed + bigEndian(Flate.crc32(typed))
        }
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, channels == 4 ? 6 : 2, 0, 0, 0]
        return Self.signature + chunk("IHDR", header) + chunk("IDAT", Flate.deflate(raw)) + chunk("IEND", [])
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
