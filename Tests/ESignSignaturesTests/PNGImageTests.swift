import ESign
import Testing

@Suite("PNG images for visible signatures")
struct PNGImageTests {
    /// A PNG from raw scanlines (filter 0 each), with optional extra chunks before IDAT.
    func png(
        width: Int, height: Int, depth: UInt8, colour: UInt8, rows: [[UInt8]], chunks: [(String, [UInt8])] = []
    ) -> [UInt8] {
        func be(_ v: Int) -> [UInt8] {
            [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return be(body.count) + typed + be(Int(Flate.crc32(typed)))
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", be(width) + be(height) + [depth, colour, 0, 0, 0])
        for (type, body) in chunks { out += chunk(type, body) }
        out += chunk("IDAT", Flate.deflate(rows.flatMap { [0] + $0 }))
        return out + chunk("IEND", [])
    }

    @Test("16-bit samples: the transparency key is compared at full depth")
    func sixteenBitTransparencyKey() throws {
        // Gray 0x1234 is transparent; 0x1200 (same high byte) is not.
        let gray = try PNGImage(
            bytes: png(
                width: 2, height: 1, depth: 16, colour: 0, rows: [[0x12, 0x34, 0x12, 0x00]],
                chunks: [("tRNS", [0x12, 0x34])]))
        #expect(gray.alpha == [0, 255])
        #expect(gray.rgb == [0x12, 0x12, 0x12, 0x12, 0x12, 0x12])
        let rgb = try PNGImage(
            bytes: png(
                width: 2, height: 1, depth: 16, colour: 2,
                rows: [[0xFF, 0x01, 0, 0, 0, 0, 0xFF, 0x00, 0, 0, 0, 0]], chunks: [("tRNS", [0xFF, 0x01, 0, 0, 0, 0])]))
        #expect(rgb.alpha == [0, 255])
        #expect(rgb.rgb == [0xFF, 0, 0, 0xFF, 0, 0])
    }

    @Test("Palette with per-entry alpha, 4-bit gray, and an RGBA round trip")
    func colourTypes() throws {
        let palette = try PNGImage(
            bytes: png(
                width: 2, height: 1, depth: 8, colour: 3, rows: [[0, 1]],
                chunks: [("PLTE", [255, 0, 0, 0, 0, 255]), ("tRNS", [128])]))
        #expect(palette.rgb == [255, 0, 0, 0, 0, 255] && palette.alpha == [128, 255])
        let gray4 = try PNGImage(bytes: png(width: 2, height: 1, depth: 4, colour: 0, rows: [[0xF0]]))
        #expect(gray4.rgb == [255, 255, 255, 0, 0, 0] && gray4.alpha == nil)
        let art = DemoArtwork.seal(size: 64)
        #expect(try PNGImage(bytes: art.pngData()) == art)
        #expect(throws: AppearanceError.self) {
            try PNGImage(bytes: Array("%PDF-1.7".utf8) + [UInt8](repeating: 0, count: 16))
        }
    }
}
