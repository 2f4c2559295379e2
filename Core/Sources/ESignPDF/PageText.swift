import ESignCore
import Foundation

/// The text shown on a page, line by line, with where each line starts and how wide it is:
/// enough to find a signer's block ("CHỦ TỊCH") and place a signature under it, or the number
/// line ("Số: …") to write a document's number into. Text is decoded through each font's
/// ToUnicode map (as producers write for Vietnamese text); positions follow the text and graphics
/// matrices; widths come from the fonts' width tables. Each glyph remembers where in the page's
/// content it was drawn, so that `PageContentEdit` can take glyphs out again.
public struct PageText: Sendable {
    /// One glyph: the text it stands for, where it starts and how far it advances (user space).
    public struct Glyph: Sendable, Equatable {
        public var text: String
        public var x: Double
        public var width: Double
        /// Its character code's bytes within the run's string.
        var codes: Range<Int>
        /// Its advance in thousandths of the font size (as a TJ adjustment would move).
        var advance: Double
    }

    /// Where a run's string stands in the page's content (the parts joined by newlines).
    struct Source: Sendable, Equatable {
        /// The string token.
        var string: Range<Int>
        /// For `Tj`: the end of the operator (the string and the operator are replaced together);
        /// nil inside a `TJ` array.
        var operatorEnd: Int?
        var bytes: [UInt8]
    }

    /// A piece of text drawn with one font at one position.
    public struct Run: Sendable, Equatable {
        public var text: String
        public var x: Double
        public var y: Double
        public var width: Double
        public var fontSize: Double
        /// The fill colour it is drawn in, as RGB from 0 to 1.
        public var colour: [Double] = [0, 0, 0]
        public var glyphs: [Glyph] = []
        /// The font's /BaseFont, e.g. `BAAAAA+DejaVuSerif`.
        public var fontName: String = ""
        /// The text rendering mode (`Tr`): 3 and 7 paint nothing.
        public var renderMode = 0
        /// Whether the run paints anything at all (a reader of the page cannot see text drawn in
        /// render mode 3 or 7).
        public var paints: Bool { renderMode != 3 && renderMode != 7 }
        /// Nil where the text cannot be edited in place (`'` and `"` operators).
        var source: Source?
        /// Its place in `PageText.runs` (lines hold copies, in reading order).
        public internal(set) var index = 0

        init(text: String, x: Double, y: Double, width: Double, fontSize: Double) {
            self.text = text
            self.x = x
            self.y = y
            self.width = width
            self.fontSize = fontSize
        }
    }

    /// Runs that share a baseline, left to right, joined.
    public struct Line: Sendable, Equatable {
        public var runs: [Run]
        public var y: Double { runs.first?.y ?? 0 }
        public var text: String { runs.map(\.text).joined() }
        public var fontSize: Double { runs.map(\.fontSize).max() ?? 0 }

        /// The line's glyphs in order, each with its run's index in the line and in the page, so
        /// that a range of the line's characters maps to glyphs.
        public var glyphs: [(run: Int, pageRun: Int, glyph: Int, text: String)] {
            var out: [(Int, Int, Int, String)] = []
            for (r, run) in runs.enumerated() {
                for (g, glyph) in run.glyphs.enumerated() { out.append((r, run.index, g, glyph.text)) }
            }
            return out
        }

        /// Horizontal extent of `needle` within the line, or nil when the line lacks it.
        public func extent(of needle: String) -> (minX: Double, maxX: Double)? {
            let hay = Array(text.lowercased())
            let target = Array(needle.lowercased())
            guard !target.isEmpty, hay.count >= target.count else { return nil }
            guard
                let start = (0...(hay.count - target.count)).first(where: {
                    Array(hay[$0..<($0 + target.count)]) == target
                })
            else { return nil }
            // Map character offsets to runs, spreading each run's width over its characters.
            var offset = 0
            var minX: Double?
            var maxX: Double?
            for run in runs {
                let count = run.text.count
                for i in 0..<count where offset + i >= start && offset + i < start + target.count {
                    let perChar = count > 0 ? run.width / Double(count) : 0
                    let x0 = run.x + perChar * Double(i)
                    minX = min(minX ?? x0, x0)
                    maxX = max(maxX ?? x0, x0 + perChar)
                }
                offset += count
            }
            guard let minX, let maxX else { return nil }
            return (minX, maxX)
        }
    }

    public let runs: [Run]
    /// The content the runs were read from: the page's content streams joined by newlines.
    public let content: [UInt8]

    init(runs: [Run], content: [UInt8] = []) {
        self.runs = runs
        self.content = content
    }

    public var lines: [Line] { lines { _ in true } }

    /// The lines made of the runs `keep` accepts (the others are left out as if never drawn).
    public func lines(where keep: (Run) -> Bool) -> [Line] {
        var grouped: [Line] = []
        for run in runs.filter(keep).sorted(by: { abs($0.y - $1.y) > 1.5 ? $0.y > $1.y : $0.x < $1.x }) {
            if let last = grouped.last, abs(last.y - run.y) <= 1.5 {
                grouped[grouped.count - 1].runs.append(run)
            } else {
                grouped.append(Line(runs: [run]))
            }
        }
        return grouped
    }

    /// Lines containing `text` (case-insensitive), top of the page first.
    public func lines(containing text: String) -> [Line] { lines.filter { $0.extent(of: text) != nil } }
}

extension PDFDocument {
    /// The text of page `index` (0-based).
    public func pageText(at index: Int) throws(PDFError) -> PageText {
        let page = try pageReference(at: index)
        let resources = try dictionary(try inheritedPageAttribute("Resources", page: page)) ?? PDFDictionary()
        var content: [UInt8] = []
        guard let pageDict = try object(page).dictionary else { return PageText(runs: []) }
        let contents = try resolve(pageDict["Contents"])
        let parts: [PDFObject] = contents.array ?? [pageDict["Contents"] ?? .null]
        for part in parts {
            if let stream = try resolve(part).stream { content += try streamData(stream) + [0x0A] }
        }
        var fonts: [PDFName: FontDecoder] = [:]
        if let fontDict = try dictionary(resources["Font"]) {
            for (name, value) in fontDict.entries {
                if let dict = try dictionary(value) { fonts[name] = try FontDecoder(dict, document: self) }
            }
        }
        return PageText(runs: TextInterpreter(fonts: fonts).run(content), content: content)
    }
}

/// Decodes a font's character codes: ToUnicode, code width (1 or 2 bytes), glyph widths.
struct FontDecoder {
    var twoByte = false
    var baseFont = ""
    var unicode: [Int: String] = [:]
    var widths: [Int: Double] = [:]
    var defaultWidth = 500.0

    init(_ font: PDFDictionary, document: PDFDocument) throws(PDFError) {
        twoByte = font["Subtype"]?.name == "Type0"
        baseFont = try document.resolve(font["BaseFont"]).name?.string ?? ""
        if let tu = try document.resolve(font["ToUnicode"]).stream {
            parseCMap(String(decoding: try document.streamData(tu), as: UTF8.self))
        }
        if twoByte {
            if let descendants = try document.resolve(font["DescendantFonts"]).array,
                let cid = try document.dictionary(descendants.first)
            {
                defaultWidth = try document.resolve(cid["DW"]).number ?? 1000
                let w = try document.resolve(cid["W"]).array ?? []
                var i = 0
                while i + 1 < w.count {
                    guard let first = try document.resolve(w[i]).integer else { break }
                    let next = try document.resolve(w[i + 1])
                    if let list = next.array {
                        for (k, v) in list.enumerated() {
                            widths[first + k] = try document.resolve(v).number ?? defaultWidth
                        }
                        i += 2
                    } else if i + 2 < w.count, let last = next.integer, let v = try document.resolve(w[i + 2]).number {
                        if last >= first && last - first < 65536 { for c in first...last { widths[c] = v } }
                        i += 3
                    } else {
                        break
                    }
                }
            }
        } else if let first = try document.resolve(font["FirstChar"]).integer,
            let list = try document.resolve(font["Widths"]).array
        {
            for (k, v) in list.enumerated() { widths[first + k] = try document.resolve(v).number ?? defaultWidth }
        }
    }

    /// bfchar and bfrange entries (hex codes to UTF-16BE).
    mutating func parseCMap(_ text: String) {
        func hex(_ s: Substring) -> [UInt8] {
            var digits = String(decoding: s.utf8.filter { $0 != 0x3C && $0 != 0x3E }, as: UTF8.self)
            if digits.utf8.count % 2 == 1 { digits += "0" }
            return Hex.decode(digits) ?? []
        }
        func number(_ b: [UInt8]) -> Int { b.reduce(0) { $0 << 8 | Int($1) } }
        func utf16(_ b: [UInt8]) -> String {
            String(
                decoding: stride(from: 0, to: b.count - 1, by: 2).map { UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]) },
                as: UTF16.self)
        }
        // Ghostscript writes "<01><01><0110>" with no blanks between the codes.
        let spaced = text.replacingOccurrences(of: "><", with: "> <").replacingOccurrences(of: "]<", with: "] <")
            .replacingOccurrences(of: ">[", with: "> [")
        let tokens = spaced.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" })
        var i = 0
        var mode = ""
        while i < tokens.count {
            let t = tokens[i]
            if t == "beginbfchar" || t == "beginbfrange" {
                mode = String(t)
                i += 1
                continue
            }
            if t.hasPrefix("end") {
                mode = ""
                i += 1
                continue
            }
            if mode == "beginbfchar", t.hasPrefix("<"), i + 1 < tokens.count {
                unicode[number(hex(t))] = utf16(hex(tokens[i + 1]))
                i += 2
                continue
            }
            if mode == "beginbfrange", t.hasPrefix("<"), i + 2 < tokens.count {
                let lo = number(hex(t))
                let hi = number(hex(tokens[i + 1]))
                if tokens[i + 2].hasPrefix("<"), hi >= lo, hi - lo < 65536 {
                    var base = hex(tokens[i + 2])
                    for c in lo...hi {
                        unicode[c] = utf16(base)
                        if let last = base.indices.last { base[last] &+= 1 }
                    }
                    i += 3
                    continue
                }
                if tokens[i + 2].hasPrefix("[") {
                    var j = i + 2
                    var c = lo
                    while j < tokens.count {
                        let item = tokens[j].replacingOccurrences(of: "[", with: "").replacingOccurrences(
                            of: "]", with: "")
                        if !item.isEmpty {
                            unicode[c] = utf16(hex(Substring(item)))
                            c += 1
                        }
                        if tokens[j].hasSuffix("]") { break }
                        j += 1
                    }
                    i = j + 1
                    continue
                }
            }
            i += 1
        }
    }

    /// Each glyph of `bytes`: its code's byte range, its text, its width (text space per point of
    /// size) and whether it is a single-byte space (which word spacing widens).
    func glyphs(_ bytes: [UInt8]) -> [(codes: Range<Int>, text: String, width: Double, space: Bool)] {
        var out: [(Range<Int>, String, Double, Bool)] = []
        var i = 0
        while i < bytes.count {
            let length = twoByte && i + 1 < bytes.count ? 2 : 1
            let code = length == 2 ? Int(bytes[i]) << 8 | Int(bytes[i + 1]) : Int(bytes[i])
            let text = unicode[code] ?? (twoByte ? "" : String(UnicodeScalar(UInt8(code))))
            out.append((i..<(i + length), text, (widths[code] ?? defaultWidth) / 1000, !twoByte && code == 0x20))
            i += length
        }
        return out
    }

    /// The text, its width in text-space units per point of size, and the number of single-byte
    /// spaces (which word spacing widens).
    func decode(_ bytes: [UInt8]) -> (text: String, width: Double, spaces: Int) {
        var text = ""
        var width = 0.0
        let spaces = twoByte ? 0 : bytes.filter { $0 == 0x20 }.count
        var i = 0
        while i < bytes.count {
            let code = twoByte && i + 1 < bytes.count ? Int(bytes[i]) << 8 | Int(bytes[i + 1]) : Int(bytes[i])
            i += twoByte ? 2 : 1
            text += unicode[code] ?? (twoByte ? "" : String(UnicodeScalar(UInt8(code))))
            width += widths[code] ?? defaultWidth
        }
        return (text, width / 1000, spaces)
    }
}

/// Walks a content stream's text operators, keeping the matrices.
struct TextInterpreter {
    let fonts: [PDFName: FontDecoder]

    typealias Matrix = (a: Double, b: Double, c: Double, d: Double, e: Double, f: Double)
    static let identity: Matrix = (1, 0, 0, 1, 0, 0)
    static func multiply(_ m: Matrix, _ n: Matrix) -> Matrix {
        (
            m.a * n.a + m.b * n.c, m.a * n.b + m.b * n.d, m.c * n.a + m.d * n.c, m.c * n.b + m.d * n.d,
            m.e * n.a + m.f * n.c + n.e, m.e * n.b + m.f * n.d + n.f
        )
    }

    func run(_ content: [UInt8]) -> [PageText.Run] {
        var lexer = PDFLexer(bytes: content)
        var operands: [PDFLexer.Token] = []
        var ctm = Self.identity
        var tm = Self.identity
        var tlm = Self.identity
        var colour: [Double] = [0, 0, 0]
        // q saves, Q restores the graphics state: the matrix, the colour and the text state.
        var stack: [(Matrix, [Double], FontDecoder?, Double, Double, Double, Double, Double, Int)] = []
        var font: FontDecoder?
        var size = 0.0
        var leading = 0.0
        var hScale = 1.0
        var charSpacing = 0.0
        var wordSpacing = 0.0
        var renderMode = 0
        var runs: [PageText.Run] = []
        var arrayDepth = 0
        var arrayItems: [(token: PDFLexer.Token, range: Range<Int>)] = []
        var lastString: Range<Int>?

        func show(_ bytes: [UInt8], source: PageText.Source?) {
            guard let font else { return }
            let m = Self.multiply(tm, ctm)
            let scale = (m.a * m.a + m.b * m.b).squareRoot()
            var glyphs: [PageText.Glyph] = []
            var advance = 0.0
            var text = ""
            for g in font.glyphs(bytes) {
                let step = (g.width * size + charSpacing + (g.space ? wordSpacing : 0)) * hScale
                glyphs.append(
                    PageText.Glyph(
                        text: g.text, x: m.e + advance * m.a, width: step * scale,
                        codes: g.codes, advance: size != 0 ? step / hScale / size * 1000 : 0))
                advance += step
                text += g.text
            }
            if !text.isEmpty {
                var run = PageText.Run(text: text, x: m.e, y: m.f, width: advance * scale, fontSize: size * abs(m.d))
                run.colour = colour
                run.glyphs = glyphs
                run.fontName = font.baseFont
                run.renderMode = renderMode
                run.source = size != 0 ? source : nil
                run.index = runs.count
                runs.append(run)
            }
            tm = Self.multiply((1, 0, 0, 1, advance, 0), tm)
        }
        func numbers() -> [Double] {
            operands.compactMap { t -> Double? in
                if case .integer(let i) = t { return Double(i) }
                if case .real(let r) = t { return r }
                return nil
            }
        }

        while true {
            lexer.skipWhitespace()
            let start = lexer.position
            guard let token = try? lexer.next() else { break }
            let range = start..<lexer.position
            if case .endOfInput = token { break }
            if case .arrayStart = token {
                arrayDepth += 1
                if arrayDepth == 1 { arrayItems = [] }
                continue
            }
            if case .arrayEnd = token {
                arrayDepth -= 1
                continue
            }
            if arrayDepth > 0 {
                arrayItems.append((token, range))
                continue
            }
            guard case .keyword(let k) = token else {
                if case .string = token { lastString = range }
                operands.append(token)
                continue
            }
            let op = String(decoding: k, as: UTF8.self)
            let n = numbers()
            switch op {
            case "q": stack.append((ctm, colour, font, size, leading, hScale, charSpacing, wordSpacing, renderMode))
            case "Q":
                if let saved = stack.popLast() {
                    (ctm, colour, font, size, leading, hScale, charSpacing, wordSpacing, renderMode) = saved
                }
            case "cm" where n.count == 6: ctm = Self.multiply((n[0], n[1], n[2], n[3], n[4], n[5]), ctm)
            case "g" where n.count == 1: colour = [n[0], n[0], n[0]]
            case "rg" where n.count == 3: colour = n
            case "k" where n.count == 4: colour = (0..<3).map { (1 - n[$0]) * (1 - n[3]) }
            case "sc", "scn":
                if n.count == 1 { colour = [n[0], n[0], n[0]] } else if n.count == 3 { colour = n }
            case "BT":
                tm = Self.identity
                tlm = Self.identity
            case "Tf":
                if case .name(let name)? = operands.first { font = fonts[name] }
                size = n.last ?? size
            case "TL" where n.count == 1: leading = n[0]
            case "Tz" where n.count == 1: hScale = n[0] / 100
            case "Tc" where n.count == 1: charSpacing = n[0]
            case "Tw" where n.count == 1: wordSpacing = n[0]
            case "Tr" where n.count == 1 && (0...7).contains(n[0]): renderMode = Int(n[0])
            case "Td" where n.count == 2:
                tlm = Self.multiply((1, 0, 0, 1, n[0], n[1]), tlm)
                tm = tlm
            case "TD" where n.count == 2:
                leading = -n[1]
                tlm = Self.multiply((1, 0, 0, 1, n[0], n[1]), tlm)
                tm = tlm
            case "Tm" where n.count == 6:
                tlm = (n[0], n[1], n[2], n[3], n[4], n[5])
                tm = tlm
            case "T*":
                tlm = Self.multiply((1, 0, 0, 1, 0, -leading), tlm)
                tm = tlm
            case "Tj":
                if case .string(let s)? = operands.last, operands.count == 1, let lastString {
                    show(s.bytes, source: .init(string: lastString, operatorEnd: range.upperBound, bytes: s.bytes))
                }
            case "'", "\"":
                tlm = Self.multiply((1, 0, 0, 1, 0, -leading), tlm)
                tm = tlm
                if op == "\"" && n.count >= 2 {
                    wordSpacing = n[0]
                    charSpacing = n[1]
                }
                if case .string(let s)? = operands.last { show(s.bytes, source: nil) }
            case "TJ":
                for item in arrayItems {
                    switch item.token {
                    case .string(let s):
                        show(s.bytes, source: .init(string: item.range, operatorEnd: nil, bytes: s.bytes))
                    case .integer(let i): tm = Self.multiply((1, 0, 0, 1, -Double(i) / 1000 * size * hScale, 0), tm)
                    case .real(let r): tm = Self.multiply((1, 0, 0, 1, -r / 1000 * size * hScale, 0), tm)
                    default: break
                    }
                }
            case "ID":
                // Inline image data: skip to EI.
                while let t = try? lexer.next() {
                    if case .endOfInput = t { break }
                    if case .keyword(let e) = t, e == Array("EI".utf8) { break }
                }
            default: break
            }
            operands.removeAll(keepingCapacity: true)
            lastString = nil
        }
        return runs
    }
}
