import CZlib

/// zlib for the streams esign writes and the images it embeds (PNG data is zlib too).
public enum Flate {
    public static func deflate(_ input: [UInt8]) -> [UInt8] { StreamDecoder.deflate(input) }

    /// Inflates at most `limit` bytes (a decompression bomb is refused, not allowed to fill memory).
    public static func inflate(_ input: [UInt8], limit: Int = 256 << 20) throws(PDFError) -> [UInt8] {
        let out = try StreamDecoder.inflate(input)
        guard out.count <= limit else { throw PDFError.malformed("compressed data expands beyond \(limit) bytes") }
        return out
    }

    /// CRC-32 as PNG chunks use it.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        UInt32(CZlib.crc32(0, bytes, UInt32(bytes.count)))
    }
}
