import ESignCore
import ESignPDF
import Foundation

/// What a visible signature shows: images and lines of text laid out in a box of `width` × `height`
/// points, with its own coordinates (origin bottom left). `add(to:)` writes it into a PDF update
/// as a form XObject for the widget's normal appearance, with the image (and its transparency as
/// a soft mask) and a subset of the font embedded.
///
/// ```swift
/// var appearance = SignatureAppearance(width: 180, height: 60, font: try TrueTypeFont(path: TrueTypeFont.defaultPath))
/// appearance.images.append(.init(image: try PNGImage(path: "seal.png"), frame: Rect(x: 0, y: 0, width: 60, height:
/// 60)))
/// appearance.lines.append(.init(text: "UBND TỈNH BÌNH PHƯỚC", x: 64, y: 40, size: 8))
/// ```
public struct SignatureAppearance: Sendable {
    public struct Rect: Sendable, Equatable {
        public var x, y, width, height: Double
        public init(x: Double, y: Double, width: Double, height: Double) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }
    public struct Colour: Sendable, Equatable {
        public var r, g, b: Double
        public init(_ r: Double, _ g: Double, _ b: Double) {
            self.r = r
            self.g = g
            self.b = b
        }
        public static let black = Colour(0, 0, 0)
        public static let red = Colour(0.85, 0.05, 0.05)
        public static let blue = Colour(0.05, 0.15, 0.7)
    }
    public struct Image: Sendable {
        public var image: PNGImage
        public var frame: Rect
        public init(image: PNGImage, frame: Rect) {
            self.image = image
            self.frame = frame
        }
    }
    public struct Line: Sendable {
        public var text: String
        /// Baseline start.
        public var x, y: Double
        public var size: Double
        public var colour: Colour
        /// Horizontal shear of the glyphs (0.2 draws a regular face as italic, for text written
        /// into a line the drafter set in italics).
        public var slant = 0.0
        public init(text: String, x: Double, y: Double, size: Double, colour: Colour = .black) {
            self.text = text.precomposedStringWithCanonicalMapping
            self.x = x
            self.y = y
            self.size = size
            self.colour = colour
        }
    }

    public var width: Double
    public var height: Double
    public var font: TrueTypeFont
    public var images: [Image] = []
    public var lines: [Line] = []

    public init(width: Double, height: Double, font: TrueTypeFont) {
        self.width = width
        self.height = height
        self.font = font
    }

    /// The same appearance at `factor` times its size (images, text and positions alike).
    public func scaled(by factor: Double) -> SignatureAppearance {
        var copy = self
        copy.width = width * factor
        copy.height = height * factor
        copy.images = images.map { item in
            var item = item
            let f = item.frame
            item.frame = Rect(x: f.x * factor, y: f.y * factor, width: f.width * factor, height: f.height * factor)
            return item
        }
        copy.lines = lines.map { line in
            var line = line
            line.x *= factor
            line.y *= factor
            line.size *= factor
            return line
        }
        return copy
    }

    /// Refuses text the font cannot draw, naming the characters.
    public func checkGlyphs() throws(AppearanceError) {
        let missing = font.missingCharacters(in: lines.map(\.text).joined())
        guard missing.isEmpty else {
            throw .missingGlyphs(
                font: font.name,
                characters: missing.map { c in
                    "'\(c)' (U+\(String(c.unicodeScalars.first!.value, radix: 16, uppercase: true)))"
                }.joined(separator: ", "))
        }
    }

    /// The lines as text operators (positions as they are, in the space they are drawn in) in a
    /// subset of the font added to `update` as resource `fontName`; for text drawn straight into
    /// a page's content, where every reader of the page's text finds it.
    public func addText(
        fontName: String, to update: inout IncrementalUpdate
    ) -> (font: ObjectReference, operators: String) {
        let used = Set(lines.flatMap { $0.text.unicodeScalars.compactMap { font.glyph(for: $0) } })
        let (fontRef, newIDs) = addFont(glyphs: used, to: &update)
        var content = ""
        for line in lines {
            let hex = line.text.unicodeScalars.compactMap { font.glyph(for: $0).flatMap { newIDs[$0] } }
                .map { String(format: "%04X", $0) }.joined()
            content +=
                "BT /\(fontName) \(n(line.size)) Tf \(n(line.colour.r)) \(n(line.colour.g)) \(n(line.colour.b)) rg "
                + "1 0 \(n(line.slant)) 1 \(n(line.x)) \(n(line.y)) Tm <\(hex)> Tj ET\n"
        }
        return (fontRef, content)
    }

    /// Adds the appearance's objects to `update`; returns the form XObject.
    public func add(to update: inout IncrementalUpdate) throws(AppearanceError) -> ObjectReference {
        try checkGlyphs()
        var resources = PDFDictionary()
        var content = "q\n"
        if !images.isEmpty {
            var xobjects = PDFDictionary()
            for (i, item) in images.enumerated() {
                let ref = addImage(item.image, to: &update)
                xobjects[PDFName("Im\(i)")] = .reference(ref)
                let f = item.frame
                content += "q \(n(f.width)) 0 0 \(n(f.height)) \(n(f.x)) \(n(f.y)) cm /Im\(i) Do Q\n"
            }
            resources["XObject"] = .dictionary(xobjects)
        }
        if !lines.isEmpty {
            let (fontRef, text) = addText(fontName: "F0", to: &update)
            resources["Font"] = .dictionary(PDFDictionary([("F0", .reference(fontRef))]))
            content += text
        }
        content += "Q\n"
        let form = update.allocate()
        update.set(
            form,
            .stream(
                PDFStream(
                    dictionary: PDFDictionary([
                        ("Type", "XObject"), ("Subtype", "Form"),
                        ("BBox", .array([0, 0, .real(width), .real(height)])),
                        ("Resources", .dictionary(resources)), ("Filter", "FlateDecode"),
                    ]), data: .bytes(Flate.deflate(Array(content.utf8))))))
        return form
    }

    func n(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    func addImage(_ image: PNGImage, to update: inout IncrementalUpdate) -> ObjectReference {
        var dict = PDFDictionary([
            ("Type", "XObject"), ("Subtype", "Image"), ("Width", .integer(image.width)),
            ("Height", .integer(image.height)),
            ("ColorSpace", "DeviceRGB"), ("BitsPerComponent", 8), ("Filter", "FlateDecode"),
        ])
        if let alpha = image.alpha {
            let mask = update.allocate()
            update.set(
                mask,
                .stream(
                    PDFStream(
                        dictionary: PDFDictionary([
                            ("Type", "XObject"), ("Subtype", "Image"), ("Width", .integer(image.width)),
                            ("Height", .integer(image.height)),
                            ("ColorSpace", "DeviceGray"), ("BitsPerComponent", 8), ("Filter", "FlateDecode"),
                        ]), data: .bytes(Flate.deflate(alpha)))))
            dict["SMask"] = .reference(mask)
        }
        let ref = update.allocate()
        update.set(ref, .stream(PDFStream(dictionary: dict, data: .bytes(Flate.deflate(image.rgb)))))
        return ref
    }

    /// A Type 0 font with Identity-H encoding over the subset (CID = new glyph id), widths and a
    /// ToUnicode map so that text extraction gives back the Vietnamese text.
    func addFont(glyphs: Set<Int>, to update: inout IncrementalUpdate) -> (ObjectReference, [Int: Int]) {
        let (file, newIDs) = font.subset(glyphs)
        let scale = 1000 / Double(font.unitsPerEm)
        let byNew = newIDs.sorted { $0.value < $1.value }
        let widths: [PDFObject] = byNew.map { .integer(Int((Double(font.advance($0.key)) * scale).rounded())) }
        // A subset tag derived from the glyphs, as PDF asks for subset fonts (six capital letters).
        let tag = String(byNew.map(\.key).reduce(UInt64(5381)) { ($0 &* 33) &+ UInt64($1) } % 308_915_776, radix: 26)
            .map { c -> Character in Character(UnicodeScalar(UInt8(65 + Int(String(c), radix: 26)!))) }
        let baseName = PDFName(
            String(repeating: "A", count: max(0, 6 - tag.count)) + String(tag) + "+" + font.postScriptName)

        let fontFile = update.allocate()
        update.set(
            fontFile,
            .stream(
                PDFStream(
                    dictionary: PDFDictionary([("Length1", .integer(file.count)), ("Filter", "FlateDecode")]),
                    data: .bytes(Flate.deflate(file)))))
        let descriptor = update.allocate()
        update.set(
            descriptor,
            .dictionary(
                PDFDictionary([
                    ("Type", "FontDescriptor"), ("FontName", .name(baseName)), ("Flags", 32),
                    ("FontBBox", .array(font.bbox.map { .integer(Int((Double($0) * scale).rounded())) })),
                    ("ItalicAngle", 0),
                    ("Ascent", .integer(Int((Double(font.ascender) * scale).rounded()))),
                    ("Descent", .integer(Int((Double(font.descender) * scale).rounded()))),
                    ("CapHeight", .integer(Int((Double(font.ascender) * scale * 0.9).rounded()))), ("StemV", 80),
                    ("FontFile2", .reference(fontFile)),
                ])))
        let cidFont = update.allocate()
        update.set(
            cidFont,
            .dictionary(
                PDFDictionary([
                    ("Type", "Font"), ("Subtype", "CIDFontType2"), ("BaseFont", .name(baseName)),
                    (
                        "CIDSystemInfo",
                        .dictionary(
                            PDFDictionary([
                                ("Registry", .string(PDFString(text: "Adobe"))),
                                ("Ordering", .string(PDFString(text: "Identity"))), ("Supplement", 0),
                            ]))
                    ),
                    ("FontDescriptor", .reference(descriptor)), ("CIDToGIDMap", "Identity"),
                    ("W", .array([0, .array(widths)])),
                ])))
        // ToUnicode: new glyph id → the character it was chosen for.
        var unicodeOf: [Int: UInt32] = [:]
        for (scalar, glyph) in font.cmap where glyphs.contains(glyph) {
            if let new = newIDs[glyph], unicodeOf[new].map({ scalar < $0 }) ?? true { unicodeOf[new] = scalar }
        }
        var cmap = """
            /CIDInit /ProcSet findresource begin 12 dict begin begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def /CMapType 2 def
            1 begincodespacerange <0000> <FFFF> endcodespacerange

            """
        let entries = unicodeOf.sorted { $0.key < $1.key }
        for chunk in stride(from: 0, to: entries.count, by: 100) {
            let part = entries[chunk..<min(chunk + 100, entries.count)]
            cmap += "\(part.count) beginbfchar\n"
            for (cid, scalar) in part {
                let utf16 = String(Character(Unicode.Scalar(scalar)!)).utf16.map { String(format: "%04X", $0) }.joined()
                cmap += String(format: "<%04X> <", cid) + utf16 + ">\n"
            }
            cmap += "endbfchar\n"
        }
        cmap += "endcmap CMapName currentdict /CMap defineresource pop end end\n"
        let toUnicode = update.allocate()
        update.set(
            toUnicode,
            .stream(
                PDFStream(
                    dictionary: PDFDictionary([("Filter", "FlateDecode")]),
                    data: .bytes(Flate.deflate(Array(cmap.utf8))))))
        let type0 = update.allocate()
        update.set(
            type0,
            .dictionary(
                PDFDictionary([
                    ("Type", "Font"), ("Subtype", "Type0"), ("BaseFont", .name(baseName)), ("Encoding", "Identity-H"),
                    ("DescendantFonts", .array([.reference(cidFont)])), ("ToUnicode", .reference(toUnicode)),
                ])))
        return (type0, newIDs)
    }
}
