import ESignPDF
import Foundation

/// A decoded PNG: 8-bit RGB samples and, when the image has transparency, an 8-bit alpha plane.
/// Signature and seal images come as PNG with a transparent background (Decree 30/2020); PDF
/// keeps the alpha as a soft mask.
public struct PNGImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// width × height × 3 bytes.
    public let rgb: [UInt8]
    /// width × height bytes; nil when every pixel is opaque.
    public let alpha: [UInt8]?

    public init(width: Int, height: Int, rgb: [UInt8], alpha: [UInt8]?) {
        self.width = width
        self.height = height
        self.rgb = rgb
        self.alpha = alpha
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public init(path: String) throws(AppearanceError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingFile(path) }
        try self.init(bytes: Array(data), name: path)
    }

    public init(bytes: [UInt8], name: String = "image") throws(AppearanceError) {
        guard bytes.count > 8, Array(bytes[0..<8]) == Self.signature else { throw .notPNG(name) }
        func u32(_ i: Int) -> Int {
            Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
        }
        var position = 8
        var header: [UInt8] = []
        var palette: [UInt8] = []
        var transparency: [UInt8] = []
        var compressed: [UInt8] = []
        var ended = false
        while position + 12 <= bytes.count, !ended {
            let length = u32(position)
            guard length >= 0, position + 12 + length <= bytes.count else {
                throw .unsupportedPNG("\(name): truncated PNG chunk")
            }
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            let body = Array(bytes[(position + 8)..<(position + 8 + length)])
            switch type {
            case "IHDR": header = body
            case "PLTE": palette = body
            case "tRNS": transparency = body
            case "IDAT": compressed += body
            case "IEND": ended = true
            default: break
            }
            position += 12 + length
        }
        guard header.count == 13 else { throw .unsupportedPNG("\(name): PNG without a valid IHDR") }
        let width = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        let height = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
        let depth = Int(header[8])
        let colour = Int(header[9])
        guard width > 0, height > 0, width <= 8192, height <= 8192 else {
            throw .unsupportedPNG("\(name): \(width)×\(height) pixels is not a usable image size (at most 8192×8192)")
        }
        guard header[12] == 0 else {
            throw .unsupportedPNG("\(name): interlaced PNG is not supported; save it without interlacing")
        }
        let channels: Int
        switch (colour, depth) {
        case (0, 1), (0, 2), (0, 4), (0, 8), (0, 16): channels = 1
        case (2, 8), (2, 16): channels = 3
        case (3, 1), (3, 2), (3, 4), (3, 8): channels = 1
        case (4, 8), (4, 16): channels = 2
        case (6, 8), (6, 16): channels = 4
        default: throw .unsupportedPNG("\(name): PNG colour type \(colour) with \(depth)-bit samples is not valid")
        }
        let rowBytes = (width * channels * depth + 7) / 8
        let raw: [UInt8]
        do { raw = try Flate.inflate(compressed, limit: (rowBytes + 1) * height) } catch {
            throw .unsupportedPNG("\(name): PNG image data is corrupt")
        }
        guard raw.count >= (rowBytes + 1) * height else {
            throw .unsupportedPNG("\(name): PNG image data is truncated")
        }
        // Undo the per-row filters.
        let bpp = max(1, channels * depth / 8)
        var pixels = [UInt8](repeating: 0, count: rowBytes * height)
        for y in 0..<height {
            let filter = raw[y * (rowBytes + 1)]
            let src = y * (rowBytes + 1) + 1
            let dst = y * rowBytes
            let up = dst - rowBytes
            for x in 0..<rowBytes {
                let a = x >= bpp ? Int(pixels[dst + x - bpp]) : 0
                let b = y > 0 ? Int(pixels[up + x]) : 0
                let c = (x >= bpp && y > 0) ? Int(pixels[up + x - bpp]) : 0
                let v = Int(raw[src + x])
                let out: Int
                switch filter {
                case 0: out = v
                case 1: out = v + a
                case 2: out = v + b
                case 3: out = v + (a + b) / 2
                case 4:
                    let p = a + b - c
                    let pa = abs(p - a)
                    let pb = abs(p - b)
                    let pc = abs(p - c)
                    out = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)
                default: throw .unsupportedPNG("\(name): unknown PNG row filter \(filter)")
                }
                pixels[dst + x] = UInt8(truncatingIfNeeded: out)
            }
        }
        // Expand to RGB + alpha. Samples are read at full depth (transparency keys compare there),
        // then brought to 8 bits.
        func sample(_ row: Int, _ index: Int) -> Int {
            switch depth {
            case 16: return Int(pixels[row * rowBytes + index * 2]) << 8 | Int(pixels[row * rowBytes + index * 2 + 1])
            case 8: return Int(pixels[row * rowBytes + index])
            default:
                let perByte = 8 / depth
                let byte = Int(pixels[row * rowBytes + index / perByte])
                let shift = (perByte - 1 - index % perByte) * depth
                return (byte >> shift) & ((1 << depth) - 1)
            }
        }
        let scale = depth < 8 && colour == 0 ? 255 / ((1 << depth) - 1) : 1
        func eight(_ v: Int) -> UInt8 { depth == 16 ? UInt8(v >> 8) : UInt8(min(255, v * scale)) }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        var alpha = [UInt8](repeating: 255, count: width * height)
        let transparentKey: [Int]? = {
            if colour == 0, transparency.count >= 2 { return [Int(transparency[0]) << 8 | Int(transparency[1])] }
            if colour == 2, transparency.count >= 6 {
                return stride(from: 0, to: 6, by: 2).map { Int(transparency[$0]) << 8 | Int(transparency[$0 + 1]) }
            }
            return nil
        }()
        for y in 0..<height {
            for x in 0..<width {
                let p = y * width + x
                switch colour {
                case 0:
                    let g = sample(y, x)
                    let v = eight(g)
                    rgb[3 * p] = v
                    rgb[3 * p + 1] = v
                    rgb[3 * p + 2] = v
                    if let key = transparentKey, g == key[0] { alpha[p] = 0 }
                case 2:
                    let r = sample(y, 3 * x)
                    let g = sample(y, 3 * x + 1)
                    let b = sample(y, 3 * x + 2)
                    rgb[3 * p] = eight(r)
                    rgb[3 * p + 1] = eight(g)
                    rgb[3 * p + 2] = eight(b)
                    if let key = transparentKey, [r, g, b] == key { alpha[p] = 0 }
                case 3:
                    let i = sample(y, x)
                    guard 3 * i + 2 < palette.count else {
                        throw .unsupportedPNG("\(name): palette index out of range")
                    }
                    rgb[3 * p] = palette[3 * i]
                    rgb[3 * p + 1] = palette[3 * i + 1]
                    rgb[3 * p + 2] = palette[3 * i + 2]
                    if i < transparency.count { alpha[p] = transparency[i] }
                case 4:
                    let g = eight(sample(y, 2 * x))
                    rgb[3 * p] = g
                    rgb[3 * p + 1] = g
                    rgb[3 * p + 2] = g
                    alpha[p] = eight(sample(y, 2 * x + 1))
                default:
                    rgb[3 * p] = eight(sample(y, 4 * x))
                    rgb[3 * p + 1] = eight(sample(y, 4 * x + 1))
                    rgb[3 * p + 2] = eight(sample(y, 4 * x + 2))
                    alpha[p] = eight(sample(y, 4 * x + 3))
                }
            }
        }
        self.init(width: width, height: height, rgb: rgb, alpha: alpha.allSatisfy { $0 == 255 } ? nil : alpha)
    }

    /// The image as PNG (8-bit RGBA, or RGB when opaque).
    public func pngData() -> [UInt8] {
        var raw: [UInt8] = []
        let channels = alpha == nil ? 3 : 4
        raw.reserveCapacity((width * channels + 1) * height)
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                let p = y * width + x
                raw.append(rgb[3 * p])
                raw.append(rgb[3 * p + 1])
                raw.append(rgb[3 * p + 2])
                if let alpha { raw.append(alpha[p]) }
            }
        }
        func be(_ v: Int) -> [UInt8] {
            [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return be(body.count) + typed + be(Int(Flate.crc32(typed)))
        }
        let header = be(width) + be(height) + [8, alpha == nil ? 2 : 6, 0, 0, 0]
        return Self.signature + chunk("IHDR", header) + chunk("IDAT", Flate.deflate(raw)) + chunk("IEND", [])
    }
}
