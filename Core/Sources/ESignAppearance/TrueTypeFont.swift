import Foundation

/// A TrueType font read for embedding: its character map, metrics and glyph outlines, and the
/// subset of it a signature appearance needs. Only the glyphs used are embedded (a few KB instead
/// of DejaVu Sans' 700 KB), renumbered from 1, composite glyphs with their components.
public struct TrueTypeFont: Sendable {
    public let name: String
    public let postScriptName: String
    let data: [UInt8]
    let tables: [String: Range<Int>]
    public let unitsPerEm: Int
    public let ascender: Int
    public let descender: Int
    let numberOfHMetrics: Int
    let glyphCount: Int
    let longLoca: Bool
    let bbox: [Int]
    /// Unicode scalar → glyph id.
    let cmap: [UInt32: Int]

    public static let defaultPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    public init(path: String) throws(AppearanceError) {
        guard let contents = FileManager.default.contents(atPath: path) else { throw .missingFile(path) }
        try self.init(bytes: Array(contents), name: path)
    }

    public init(bytes data: [UInt8], name: String) throws(AppearanceError) {
        self.name = name
        self.data = data
        func u16(_ i: Int) -> Int { Int(data[i]) << 8 | Int(data[i + 1]) }
        func i16(_ i: Int) -> Int { Int(Int16(bitPattern: UInt16(u16(i)))) }
        func u32(_ i: Int) -> Int { u16(i) << 16 | u16(i + 2) }
        guard data.count > 12 else { throw .notTrueType("\(name) is not a font file") }
        let version = u32(0)
        if version == 0x4F54544F {
            throw .notTrueType("\(name) has PostScript (CFF) outlines; esign embeds TrueType fonts (.ttf)")
        }
        if version == 0x74746366 {
            throw .notTrueType("\(name) is a font collection (.ttc); give one TrueType font (.ttf)")
        }
        guard version == 0x00010000 || version == 0x74727565 else {
            throw .notTrueType("\(name) is not a TrueType font")
        }
        var tables: [String: Range<Int>] = [:]
        let count = u16(4)
        guard 12 + 16 * count <= data.count else { throw .notTrueType("\(name): truncated table directory") }
        for i in 0..<count {
            let entry = 12 + 16 * i
            let tag = String(decoding: data[entry..<(entry + 4)], as: UTF8.self)
            let offset = u32(entry + 8)
            let length = u32(entry + 12)
            guard offset + length <= data.count else {
                throw .notTrueType("\(name): table \(tag) lies outside the file")
            }
            tables[tag] = offset..<(offset + length)
        }
        for tag in ["head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"] where tables[tag] == nil {
            throw .notTrueType("\(name): no \(tag) table (not a TrueType font with outlines)")
        }
        self.tables = tables
        let head = tables["head"]!.lowerBound
        let hhea = tables["hhea"]!.lowerBound
        unitsPerEm = u16(head + 18)
        bbox = [i16(head + 36), i16(head + 38), i16(head + 40), i16(head + 42)]
        longLoca = u16(head + 50) == 1
        ascender = i16(hhea + 4)
        descender = i16(hhea + 6)
        numberOfHMetrics = u16(hhea + 34)
        glyphCount = u16(tables["maxp"]!.lowerBound + 4)
        // Character map: the Unicode subtable, format 12 (full range) preferred over format 4.
        var map: [UInt32: Int] = [:]
        let cmapStart = tables["cmap"]!.lowerBound
        var best: (score: Int, offset: Int)?
        for i in 0..<u16(cmapStart + 2) {
            let record = cmapStart + 4 + 8 * i
            let platform = u16(record)
            let encoding = u16(record + 2)
            let offset = cmapStart + u32(record + 4)
            guard offset + 4 <= data.count else { continue }
            let format = u16(offset)
            let score =
                (platform == 3 && encoding == 10 && format == 12)
                ? 3
                : (platform == 0 && format == 12)
                    ? 3
                    : (platform == 3 && encoding == 1 && format == 4) ? 2 : (platform == 0 && format == 4) ? 1 : 0
            if score > 0, score > (best?.score ?? 0) { best = (score, offset) }
        }
        guard let best else { throw .notTrueType("\(name): no Unicode character map") }
        if u16(best.offset) == 12 {
            let groups = u32(best.offset + 12)
            for g in 0..<groups {
                let p = best.offset + 16 + 12 * g
                guard p + 12 <= data.count else { break }
                let start = u32(p)
                let end = u32(p + 4)
                let glyph = u32(p + 8)
                guard end >= start, end - start < 0x110000 else { continue }
                for c in start...end { map[UInt32(c)] = glyph + (c - start) }
            }
        } else {
            let segments = u16(best.offset + 6) / 2
            let ends = best.offset + 14
            let starts = ends + 2 * segments + 2
            let deltas = starts + 2 * segments
            let offsets = deltas + 2 * segments
            for s in 0..<segments {
                let start = u16(starts + 2 * s)
                let end = u16(ends + 2 * s)
                let delta = u16(deltas + 2 * s)
                let rangeOffset = u16(offsets + 2 * s)
                guard start <= end, start != 0xFFFF else { continue }
                for c in start...end {
                    var glyph: Int
                    if rangeOffset == 0 {
                        glyph = (c + delta) & 0xFFFF
                    } else {
                        let at = offsets + 2 * s + rangeOffset + 2 * (c - start)
                        guard at + 2 <= data.count else { continue }
                        glyph = u16(at)
                        if glyph != 0 { glyph = (glyph + delta) & 0xFFFF }
                    }
                    if glyph != 0 { map[UInt32(c)] = glyph }
                }
            }
        }
        cmap = map
        postScriptName = Self.postScriptName(data: data, table: tables["name"]) ?? "EmbeddedFont"
    }

    static func postScriptName(data: [UInt8], table: Range<Int>?) -> String? {
        guard let table else { return nil }
        func u16(_ i: Int) -> Int { Int(data[i]) << 8 | Int(data[i + 1]) }
        let count = u16(table.lowerBound + 2)
        let strings = table.lowerBound + u16(table.lowerBound + 4)
        for i in 0..<count {
            let r = table.lowerBound + 6 + 12 * i
            guard r + 12 <= table.upperBound, u16(r + 6) == 6 else { continue }
            let length = u16(r + 8)
            let offset = strings + u16(r + 10)
            guard offset + length <= data.count else { continue }
            let bytes = Array(data[offset..<(offset + length)])
            let text =
                u16(r) == 3 || u16(r) == 0
                ? String(
                    decoding: stride(from: 0, to: bytes.count - 1, by: 2).map {
                        UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1])
                    }, as: UTF16.self)
                : String(decoding: bytes, as: UTF8.self)
            let clean = text.filter { $0.isLetter || $0.isNumber || $0 == "-" }
            if !clean.isEmpty { return clean }
        }
        return nil
    }

    public func glyph(for scalar: Unicode.Scalar) -> Int? { cmap[scalar.value] }

    /// Characters of `text` the font cannot draw.
    public func missingCharacters(in text: String) -> [Character] {
        var missing: [Character] = []
        for character in text.precomposedStringWithCanonicalMapping where !character.isWhitespace {
            if character.unicodeScalars.contains(where: { cmap[$0.value] == nil }), !missing.contains(character) {
                missing.append(character)
            }
        }
        return missing
    }

    /// Width of `text` set at `size` points (NFC, as appearances draw it; no kerning).
    public func width(of text: String, size: Double) -> Double {
        let units = text.precomposedStringWithCanonicalMapping.unicodeScalars.reduce(0) {
            $0 + (glyph(for: $1).map(advance) ?? 0)
        }
        return Double(units) * size / Double(unitsPerEm)
    }

    /// Advance width of a glyph in font units.
    public func advance(_ glyph: Int) -> Int {
        let hmtx = tables["hmtx"]!.lowerBound
        let index = min(glyph, numberOfHMetrics - 1)
        return Int(data[hmtx + 4 * index]) << 8 | Int(data[hmtx + 4 * index + 1])
    }

    func leftSideBearing(_ glyph: Int) -> Int {
        let hmtx = tables["hmtx"]!.lowerBound
        let at =
            glyph < numberOfHMetrics
            ? hmtx + 4 * glyph + 2 : hmtx + 4 * numberOfHMetrics + 2 * (glyph - numberOfHMetrics)
        guard at + 2 <= tables["hmtx"]!.upperBound else { return 0 }
        return Int(Int16(bitPattern: UInt16(data[at]) << 8 | UInt16(data[at + 1])))
    }

    func glyphRange(_ glyph: Int) -> Range<Int> {
        let loca = tables["loca"]!.lowerBound
        let glyf = tables["glyf"]!.lowerBound
        func offset(_ g: Int) -> Int {
            longLoca
                ? (Int(data[loca + 4 * g]) << 24 | Int(data[loca + 4 * g + 1]) << 16 | Int(data[loca + 4 * g + 2]) << 8
                    | Int(data[loca + 4 * g + 3]))
                : 2 * (Int(data[loca + 2 * g]) << 8 | Int(data[loca + 2 * g + 1]))
        }
        guard glyph < glyphCount else { return glyf..<glyf }
        let start = glyf + offset(glyph)
        let end = glyf + offset(glyph + 1)
        return start <= end && end <= data.count ? start..<end : start..<start
    }

    /// Components of a composite glyph (empty for a simple one).
    func components(_ glyph: Int) -> [(offset: Int, glyph: Int)] {
        let r = glyphRange(glyph)
        guard r.count >= 10, Int16(bitPattern: UInt16(data[r.lowerBound]) << 8 | UInt16(data[r.lowerBound + 1])) < 0
        else { return [] }
        var out: [(Int, Int)] = []
        var p = r.lowerBound + 10
        while p + 4 <= r.upperBound {
            let flags = Int(data[p]) << 8 | Int(data[p + 1])
            out.append((p + 2 - r.lowerBound, Int(data[p + 2]) << 8 | Int(data[p + 3])))
            p += 4 + (flags & 1 != 0 ? 4 : 2)
            if flags & 8 != 0 { p += 2 } else if flags & 0x40 != 0 { p += 4 } else if flags & 0x80 != 0 { p += 8 }
            if flags & 0x20 == 0 { break }
        }
        return out
    }

    /// A subset font with glyph 0 and `glyphs` (and their components), renumbered densely.
    /// - Returns: the font file and the map from old glyph ids to new ones.
    public func subset(_ glyphs: Set<Int>) -> (font: [UInt8], newIDs: [Int: Int]) {
        var keep: Set<Int> = [0]
        var pending = Array(glyphs)
        while let g = pending.popLast() {
            guard g < glyphCount, keep.insert(g).inserted else { continue }
            pending += components(g).map(\.glyph).filter { !keep.contains($0) }
        }
        let order = keep.sorted()
        var newIDs: [Int: Int] = [:]
        for (i, g) in order.enumerated() { newIDs[g] = i }
        var glyf: [UInt8] = []
        var loca: [UInt8] = []
        var hmtx: [UInt8] = []
        func be32(_ v: Int) -> [UInt8] {
            [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        for g in order {
            loca += be32(glyf.count)
            var bytes = Array(data[glyphRange(g)])
            for c in components(g) {
                bytes.replaceSubrange(c.offset..<(c.offset + 2), with: be16(newIDs[c.glyph] ?? 0))
            }
            glyf += bytes
            while glyf.count % 4 != 0 { glyf.append(0) }
            hmtx += be16(advance(g)) + be16(leftSideBearing(g) & 0xFFFF)
        }
        loca += be32(glyf.count)
        func table(_ tag: String) -> [UInt8] { tables[tag].map { Array(data[$0]) } ?? [] }
        var head = table("head")
        head.replaceSubrange(8..<12, with: [0, 0, 0, 0])  // checkSumAdjustment, recomputed below
        head.replaceSubrange(50..<52, with: [0, 1])  // long loca
        var hhea = table("hhea")
        hhea.replaceSubrange(34..<36, with: be16(order.count))
        var maxp = table("maxp")
        maxp.replaceSubrange(4..<6, with: be16(order.count))
        var out: [(String, [UInt8])] = [
            ("glyf", glyf), ("head", head), ("hhea", hhea), ("hmtx", hmtx), ("loca", loca), ("maxp", maxp),
        ]
        // Hinting programs, which the glyphs' instructions may call.
        for tag in ["cvt ", "fpgm", "prep"] where tables[tag] != nil { out.append((tag, table(tag))) }
        out.sort { $0.0 < $1.0 }
        func checksum(_ bytes: [UInt8]) -> UInt32 {
            var sum: UInt32 = 0
            var i = 0
            while i < bytes.count {
                var word: UInt32 = 0
                for k in 0..<4 { word = word << 8 | UInt32(i + k < bytes.count ? bytes[i + k] : 0) }
                sum &+= word
                i += 4
            }
            return sum
        }
        var font = be32(0x00010000) + be16(out.count)
        var power = 1
        var log = 0
        while power * 2 <= out.count {
            power *= 2
            log += 1
        }
        font += be16(power * 16) + be16(log) + be16(out.count * 16 - power * 16)
        var offset = 12 + 16 * out.count
        var body: [UInt8] = []
        var headOffset = 0
        for (tag, bytes) in out {
            if tag == "head" { headOffset = offset }
            font += Array(tag.utf8) + be32(Int(checksum(bytes))) + be32(offset) + be32(bytes.count)
            body += bytes
            while body.count % 4 != 0 { body.append(0) }
            offset = 12 + 16 * out.count + body.count
        }
        font += body
        let adjustment = 0xB1B0AFBA &- checksum(font)
        font.replaceSubrange((headOffset + 8)..<(headOffset + 12), with: be32(Int(adjustment)))
        return (font, newIDs)
    }
}
