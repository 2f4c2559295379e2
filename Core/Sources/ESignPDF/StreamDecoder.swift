import CZlib
import ESignCore

/// Decodes stream data for the streams esign must read itself: cross-reference streams and object
/// streams (FlateDecode with PNG or TIFF predictors). Content streams are never decoded.
enum StreamDecoder {
    /// Hard cap on decoded size: a decompression bomb is refused rather than allowed to fill memory.
    static let maximumDecodedLength = 256 << 20

    static func decode(_ raw: [UInt8], dictionary: PDFDictionary) throws(PDFError) -> [UInt8] {
        var filters: [PDFName] = []
        var parameters: [PDFDictionary?] = []
        switch dictionary["Filter"] {
        case .name(let n)?: filters = [n]
        case .array(let a)?: filters = a.compactMap(\.name)
        default: break
        }
        switch dictionary["DecodeParms"] ?? dictionary["DP"] {
        case .dictionary(let d)?: parameters = [d]
        case .array(let a)?: parameters = a.map(\.dictionary)
        default: break
        }
        var data = raw
        for (index, filter) in filters.enumerated() {
            let params = index < parameters.count ? parameters[index] : nil
            switch filter.string {
            case "FlateDecode", "Fl":
                data = try inflate(data)
                if let params { data = try unpredict(data, params) }
            case "ASCII85Decode", "A85": data = try ascii85(data)
            case "ASCIIHexDecode", "AHx": data = asciiHex(data)
            case "Crypt": break  // applied by the security handler before the filters
            default:
                throw .unsupported("stream filter /\(filter.string)")
            }
        }
        return data
    }

    /// ASCII base-85 (as reportlab writes page contents), up to the `~>` end marker.
    static func ascii85(_ input: [UInt8]) throws(PDFError) -> [UInt8] {
        var out: [UInt8] = []
        var group: [UInt32] = []
        var i = 0
        func flush(_ count: Int) {
            var value: UInt32 = 0
            for k in 0..<5 { value = value &* 85 &+ (k < group.count ? group[k] : 84) }
            let bytes = [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            out += bytes.prefix(count)
        }
        if input.starts(with: Array("<~".utf8)) { i = 2 }
        while i < input.count {
            let c = input[i]
            i += 1
            if c == UInt8(ascii: "~") { break }
            if PDFLexer.isWhitespace(c) { continue }
            if c == UInt8(ascii: "z") && group.isEmpty {
                out += [0, 0, 0, 0]
                continue
            }
            guard c >= 33 && c <= 117 else { throw .malformed("invalid ASCII85 data") }
            group.append(UInt32(c - 33))
            if group.count == 5 {
                flush(4)
                group.removeAll()
            }
        }
        if !group.isEmpty {
            let n = group.count - 1
            flush(n)
        }
        return out
    }

    /// Hexadecimal data up to `>`.
    static func asciiHex(_ input: [UInt8]) -> [UInt8] {
        var digits: [UInt8] = []
        for c in input {
            if c == UInt8(ascii: ">") { break }
            if let v = Hex.digitValue(c) { digits.append(v) }
        }
        if digits.count % 2 == 1 { digits.append(0) }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    /// zlib inflate; tolerates a missing checksum at the end, as readers do.
    static func inflate(_ input: [UInt8]) throws(PDFError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .malformed("zlib initialisation failed")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var mutableInput = input
        var status: Int32 = Z_OK
        mutableInput.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: outBuffer[0..<(outBuffer.count - Int(stream.avail_out))])
                }
            } while status == Z_OK && output.count <= maximumDecodedLength
                && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        if output.count > maximumDecodedLength {
            throw .malformed("a stream decompresses to more than \(maximumDecodedLength >> 20) MiB")
        }
        if status != Z_STREAM_END && status != Z_OK && status != Z_BUF_ERROR {
            if output.isEmpty { throw .malformed("a FlateDecode stream is corrupt") }
        }
        return output
    }

    /// Undoes PNG (10–15) and TIFF (2) predictors.
    static func unpredict(_ data: [UInt8], _ params: PDFDictionary) throws(PDFError) -> [UInt8] {
        let predictor = params["Predictor"]?.integer ?? 1
        if predictor == 1 { return data }
        let colors = max(1, params["Colors"]?.integer ?? 1)
        let bits = max(1, params["BitsPerComponent"]?.integer ?? 8)
        let columns = max(1, params["Columns"]?.integer ?? 1)
        let bytesPerPixel = max(1, (colors * bits + 7) / 8)
        let rowLength = (colors * bits * columns + 7) / 8
        guard rowLength > 0, rowLength < 1 << 24 else { throw .malformed("bad predictor parameters") }
        if predictor == 2 {
            guard bits == 8 else { throw .unsupported("TIFF predictor with \(bits)-bit components") }
            var out = data
            var row = 0
            while row + rowLength <= out.count {
                for i in bytesPerPixel..<rowLength { out[row + i] &+= out[row + i - bytesPerPixel] }
                row += rowLength
            }
            return out
        }
        guard predictor >= 10 else { throw .unsupported("predictor \(predictor)") }
        var out: [UInt8] = []
        out.reserveCapacity(data.count)
        var previous = [UInt8](repeating: 0, count: rowLength)
        var offset = 0
        while offset < data.count {
            let type = data[offset]
            offset += 1
            let end = min(offset + rowLength, data.count)
            var row = [UInt8](data[offset..<end])
            if row.count < rowLength { row += [UInt8](repeating: 0, count: rowLength - row.count) }
            for i in 0..<rowLength {
                let left: UInt8 = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0
                let up = previous[i]
                let upLeft: UInt8 = i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0
                switch type {
                case 0: break
                case 1: row[i] &+= left
                case 2: row[i] &+= up
                case 3: row[i] &+= UInt8((Int(left) + Int(up)) / 2)
                case 4:
                    let p = Int(left) + Int(up) - Int(upLeft)
                    let pa = abs(p - Int(left))
                    let pb = abs(p - Int(up))
                    let pc = abs(p - Int(upLeft))
                    row[i] &+= (pa <= pb && pa <= pc) ? left : (pb <= pc ? up : upLeft)
                default: throw .malformed("unknown PNG predictor row type \(type)")
                }
            }
            out.append(contentsOf: row)
            previous = row
            offset = end
        }
        return out
    }

    /// zlib deflate, for streams esign writes.
    static func deflate(_ input: [UInt8]) -> [UInt8] {
        var length = compressBound(UInt(input.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = compress2(&out, &length, input, UInt(input.count), 6)
        precondition(status == Z_OK, "zlib compress2 failed")
        return Array(out.prefix(Int(length)))
    }
}
