import ESignAppearance
import ESignCore
import ESignPDF
import ESignSignatures
import Foundation

/// Writes the number and the issue date onto a document at issuance, as the clerk (văn thư) does
/// under Decree 30/2020 before the agency's seal: the number and symbol (`01/QĐ-UBND`) at the
/// number line ("Số: …"), and the date at the place-and-date line ("Bình Phước, ngày … tháng …
/// năm …"), in the size and colour of the text they replace. The placeholder the drafter left
/// (dots, blanks, an old number) is taken out of the page's content, not painted over, so that
/// the text a reader or a copy-paste gets is the issued number. A text field named for the number
/// (`So`, `SoVanBan`, `SoKyHieu`, `number`, …) or the date (`Ngay`, `NgayBanHanh`, `date`, …) is
/// filled instead, and made read-only.
///
/// Finding happens before a number is taken (`locate`), so a layout without a number line is
/// refused before anything is reserved; writing happens once the number is known (`write`).
///
/// ```swift
/// let numbering = DocumentNumbering(font: font)
/// let places = try numbering.locate(in: document)          // throws when there is no number line
/// let bytes = try numbering.write(places, reference: "01/QĐ-UBND", date: issuedOn, into: document)
/// ```
public struct DocumentNumbering: Sendable {
    /// A position given by hand (`--number-at PAGE,X,Y`): page index from 0, baseline start in points.
    public struct Position: Sendable, Equatable {
        public var page: Int
        public var x: Double
        public var y: Double
        public init(page: Int, x: Double, y: Double) {
            self.page = page
            self.x = x
            self.y = y
        }
    }

    /// Where one mark goes.
    public enum Place: Sendable {
        /// Over a placeholder in the page's text: the glyphs to take out, the baseline start, the
        /// text's size, colour, whether it is set in italics, and the font name it uses.
        case text(
            page: Int, glyphs: [(run: Int, glyph: Int)], x: Double, y: Double, size: Double,
            colour: [Double], italic: Bool, font: String)
        /// Into a text field (fully qualified name).
        case field(name: String)
        case position(Position)
    }

    public struct Places: Sendable {
        public var number: Place
        public var date: Place
        /// The text of the page(s) the marks go on, as read by `locate`.
        var pages: [Int: PageText]
    }

    public var font: TrueTypeFont
    /// Drawn where the document's own text is a serif face (Times New Roman, DejaVu Serif…).
    public var serifFont: TrueTypeFont?
    public var numberAt: Position?
    public var dateAt: Position?
    /// Text size at a position given by hand: 13 pt, the decree's size for the number line.
    public var defaultSize = 13.0

    public static let serifPath = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
    static let numberFields: Set<String> = [
        "so", "sovanban", "sokyhieu", "sovakyhieu", "number", "documentnumber", "docnumber", "reference",
    ]
    static let dateFields: Set<String> = ["ngay", "ngaybanhanh", "ngaythang", "date", "issuedate", "issuedon"]

    public init(font: TrueTypeFont, serifFont: TrueTypeFont? = try? TrueTypeFont(path: Self.serifPath)) {
        self.font = font
        self.serifFont = serifFont
    }

    // MARK: Finding

    /// Finds where the number and the date go. Throws `SigningError.badInput` naming what is
    /// missing (and the option that would give it) when a place cannot be found.
    public func locate(in document: PDFDocument) throws -> Places {
        let fields = (try? document.formFields()) ?? []
        func field(_ names: Set<String>) -> String? {
            fields.first { f in
                f.type == "Tx" && names.contains(Self.fold(f.name.split(separator: ".").last.map(String.init) ?? ""))
            }?.name
        }
        var pages: [Int: PageText] = [:]
        func text(_ page: Int) throws -> PageText {
            if let known = pages[page] { return known }
            let read = try document.pageText(at: page)
            pages[page] = read
            return read
        }
        let pageCount = try document.pageReferences().count
        for position in [numberAt, dateAt].compactMap({ $0 }) where !(0..<pageCount).contains(position.page) {
            throw SigningError.badInput(
                "page \(position.page + 1) does not exist: the document has \(pageCount) page"
                    + (pageCount == 1 ? "" : "s"))
        }

        let number: Place
        var numberLine: (page: Int, y: Double)?
        if let numberAt {
            number = .position(numberAt)
        } else if let name = field(Self.numberFields) {
            number = .field(name: name)
        } else if let found = Self.numberPlaceholder(in: try Self.readableLines(try text(0), page: 0, of: document)) {
            number = .text(
                page: 0, glyphs: found.glyphs, x: found.x, y: found.y, size: found.size,
                colour: found.colour, italic: found.italic, font: found.font)
            numberLine = (0, found.y)
        } else {
            throw SigningError.badInput(
                "the number line (\"Số: …/…\") was not found on page 1 and the document has no number field; give "
                    + "--number-at PAGE,X,Y")
        }

        let date: Place
        if let dateAt {
            date = .position(dateAt)
        } else if let name = field(Self.dateFields) {
            date = .field(name: name)
        } else if let found = Self.datePlaceholder(
            in: try Self.readableLines(try text(numberLine?.page ?? 0), page: numberLine?.page ?? 0, of: document),
            near: numberLine?.y)
        {
            date = .text(
                page: numberLine?.page ?? 0, glyphs: found.glyphs, x: found.x, y: found.y,
                size: found.size, colour: found.colour, italic: found.italic, font: found.font)
        } else {
            throw SigningError.badInput(
                "the place-and-date line (\"…, ngày … tháng … năm …\") was not found on page "
                    + "\((numberLine?.page ?? 0) + 1) and the document has no date field; give --date-at PAGE,X,Y")
        }
        let onPage = [number, date].contains { if case .field = $0 { false } else { true } }
        if onPage, fields.contains(where: { $0.type == "Sig" && $0.hasValue }) {
            throw SigningError.badInput(
                "the document is already signed: writing its number and date onto the page would break those "
                    + "signatures; issue the unsigned document, or put the number and date in form fields")
        }
        return Places(number: number, date: date, pages: pages)
    }

    /// The page's lines as a reader sees them: text that paints (not render mode 3 or 7), is not
    /// white, is at least 4 pt and lies on the page. A crafted file must not get the number
    /// written over an invisible "Số:" while the visible placeholder stays.
    static func readableLines(_ text: PageText, page: Int, of document: PDFDocument) throws -> [PageText.Line] {
        let box = try VisibleSignature.pageBox(document, page: try document.pageReference(at: page))
        return text.lines { run in
            run.paints && run.fontSize >= 4 && !run.colour.allSatisfy({ $0 > 0.92 })
                && run.x >= box[0] && run.x + run.width <= box[2] && run.y >= box[1] && run.y + run.fontSize <= box[3]
        }
    }

    struct Found {
        var glyphs: [(run: Int, glyph: Int)]
        var x, y, size: Double
        var colour: [Double]
        var italic: Bool
        var font: String
    }

    /// A line's text as Unicode scalars (NFC, per glyph), each with the glyph it came from.
    struct Scalars {
        var scalars: [Unicode.Scalar] = []
        /// Per scalar: its glyph, by run index within the line.
        var glyph: [(run: Int, glyph: Int)] = []
        /// Per scalar: its glyph, by run index within the page (what `PageContentEdit` takes).
        var pageGlyph: [(run: Int, glyph: Int)] = []
        init(_ line: PageText.Line) {
            for g in line.glyphs {
                for s in g.text.precomposedStringWithCanonicalMapping.unicodeScalars {
                    scalars.append(s)
                    glyph.append((g.run, g.glyph))
                    pageGlyph.append((g.pageRun, g.glyph))
                }
            }
        }
        func matches(_ word: String, at i: Int, caseInsensitive: Bool = true) -> Bool {
            let w = Array(word.unicodeScalars)
            guard i >= 0, i + w.count <= scalars.count else { return false }
            for k in 0..<w.count {
                let a = String(scalars[i + k])
                let b = String(w[k])
                if caseInsensitive ? a.lowercased() != b.lowercased() : a != b { return false }
            }
            return true
        }
        func isSpace(_ i: Int) -> Bool { i < scalars.count && scalars[i].properties.isWhitespace }
        /// The blank between the end of scalar `a`'s glyph and the start of scalar `b`'s.
        func gap(_ a: Int, _ b: Int, in line: PageText.Line) -> Double {
            let first = line.runs[glyph[a].run].glyphs[glyph[a].glyph]
            let second = line.runs[glyph[b].run].glyphs[glyph[b].glyph]
            return second.x - (first.x + first.width)
        }
    }

    /// Placeholder characters: digits, dots, ellipses, underscores, dashes and blanks.
    static func isPlaceholder(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace || ("0"..."9").contains(s) || ".…_-–".unicodeScalars.contains(s)
    }

    /// The number line: "Số:" (or "SỐ:") on the page, first from the top, and what follows it up
    /// to the end of the number and symbol ("1234/QĐ-UBND", "……/QĐ-UBND", "   /QĐ-UBND").
    static func numberPlaceholder(in lines: [PageText.Line]) -> Found? {
        for line in lines {
            let s = Scalars(line)
            var i = 0
            while i < s.scalars.count {
                defer { i += 1 }
                guard s.matches("Số", at: i) else { continue }
                // "Số:" starts its column: not inside a sentence ("… đã ký số: cấp tỉnh 100%").
                var before = i - 1
                while before >= 0 && s.isSpace(before) { before -= 1 }
                if before >= 0 && s.gap(before, i, in: line) <= 2 * line.fontSize { continue }
                var j = i + 2
                while s.isSpace(j) { j += 1 }
                guard j < s.scalars.count, s.scalars[j] == ":" else { continue }
                let colon = j
                j += 1
                let end = placeholderEnd(s, from: j, line: line, allowSlash: true)
                // …and the number and symbol end it: what follows is the next column, or nothing.
                var after = end
                while s.isSpace(after) { after += 1 }
                if after < s.scalars.count && s.gap(max(colon, end - 1), after, in: line) <= 2 * line.fontSize {
                    continue
                }
                return found(line, s, start: colon + 1, end: end, after: colon)
            }
        }
        return nil
    }

    /// The place-and-date line: "…, ngày … tháng … năm …" (a comma before "ngày", which tells it
    /// from "Căn cứ Luật … ngày 19 tháng 6 năm 2015"), nearest the number line when there is one.
    static func datePlaceholder(in lines: [PageText.Line], near y: Double?) -> Found? {
        var candidates: [Found] = []
        for line in lines {
            let s = Scalars(line)
            var i = 0
            while i < s.scalars.count {
                defer { i += 1 }
                guard s.matches("ngày", at: i) else { continue }
                var k = i - 1
                while k >= 0 && s.isSpace(k) { k -= 1 }
                guard k >= 0, s.scalars[k] == "," else { continue }
                var j = i + 4
                guard let thang = (j..<s.scalars.count).first(where: { s.matches("tháng", at: $0) }),
                    (j..<thang).allSatisfy({ isPlaceholder(s.scalars[$0]) })
                else { continue }
                j = thang + 5
                guard let nam = (j..<s.scalars.count).first(where: { s.matches("năm", at: $0) }),
                    (j..<nam).allSatisfy({ isPlaceholder(s.scalars[$0]) })
                else { continue }
                let end = placeholderEnd(s, from: nam + 3, line: line, allowSlash: false)
                if let f = found(line, s, start: i, end: end, after: nil) { candidates.append(f) }
                break
            }
        }
        guard let y else { return candidates.first }
        return candidates.min { abs($0.y - y) < abs($1.y - y) }
    }

    /// Where a placeholder that starts at `from` ends: placeholder characters, then (for the
    /// number) "/" and the symbol; it stops at a gap wider than twice the text size (the next
    /// column of a two-column heading).
    static func placeholderEnd(_ s: Scalars, from start: Int, line: PageText.Line, allowSlash: Bool) -> Int {
        func x(_ i: Int) -> (Double, Double) {
            let g = line.runs[s.glyph[i].run].glyphs[s.glyph[i].glyph]
            return (g.x, g.x + g.width)
        }
        var j = start
        var sawSlash = false
        while j < s.scalars.count {
            if j > start, x(j).0 - x(j - 1).1 > 2 * line.fontSize { break }
            let c = s.scalars[j]
            if c == "/" && allowSlash {
                sawSlash = true
            } else if sawSlash {
                if c.properties.isWhitespace { break }
            } else if !isPlaceholder(c) {
                break
            }
            j += 1
        }
        // Trailing blanks are not part of it.
        while j > start && s.isSpace(j - 1) { j -= 1 }
        return j
    }

    /// The placeholder's glyphs `start..<end`, and where the mark begins: at its first glyph, or
    /// just after `after` (the colon) with a space when the placeholder is empty.
    static func found(_ line: PageText.Line, _ s: Scalars, start: Int, end: Int, after: Int?) -> Found? {
        var first = start
        while first < end && s.isSpace(first) { first += 1 }
        var glyphs: [(run: Int, glyph: Int)] = []
        for i in first..<max(first, end) where !glyphs.contains(where: { $0 == s.pageGlyph[i] }) {
            glyphs.append(s.pageGlyph[i])
        }
        let anchorScalar = first < end ? first : after
        guard let anchorScalar else { return nil }
        let anchor = s.glyph[anchorScalar]
        let run = line.runs[anchor.run]
        let glyph = run.glyphs[anchor.glyph]
        let x = first < end ? glyph.x : glyph.x + glyph.width + run.fontSize * 0.25
        let name = run.fontName.lowercased()
        return Found(
            glyphs: glyphs, x: x, y: run.y, size: run.fontSize, colour: run.colour,
            italic: name.contains("italic") || name.contains("oblique"), font: run.fontName)
    }

    /// Lower case, Vietnamese diacritics and đ folded, separators dropped: "Số_Văn bản" is "sovanban".
    static func fold(_ name: String) -> String {
        name.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
            .filter { $0.isLetter || $0.isNumber }
    }

    // MARK: Writing

    /// The date as the decree writes it: "ngày 05 tháng 3 năm 2026" (a leading zero for days below
    /// 10 and for January and February).
    public static func dateText(_ date: CivilDate) -> String {
        let (year, month, day) = date.fields
        return "ngày \(day < 10 ? "0" : "")\(day) tháng \(month < 3 ? "0" : "")\(month) năm \(year)"
    }

    /// The document with the number and date written, as the bytes of one incremental update
    /// appended to it.
    public func write(
        _ places: Places, reference: String, date: CivilDate, into document: PDFDocument
    ) throws
        -> [UInt8]
    {
        var update = try IncrementalUpdate(document: document)
        var edits: [Int: PageContentEdit] = [:]
        let marks = [(places.number, reference, "ESignSo"), (places.date, Self.dateText(date), "ESignNgay")]
        for (place, value, name) in marks {
            switch place {
            case .field(let fieldName):
                try fill(field: fieldName, with: value, document: document, update: &update)
            case .position(let p):
                let page = try places.pages[p.page] ?? document.pageText(at: p.page)
                var edit = edits[p.page] ?? PageContentEdit(page: p.page, text: page)
                try draw(
                    value, at: (p.x, p.y), size: defaultSize, colour: [0, 0, 0], italic: false, font: "",
                    name: name, edit: &edit, update: &update)
                edits[p.page] = edit
            case .text(let pageIndex, let glyphs, let x, let y, let size, let colour, let italic, let fontName):
                let page = try places.pages[pageIndex] ?? document.pageText(at: pageIndex)
                var edit = edits[pageIndex] ?? PageContentEdit(page: pageIndex, text: page)
                var covered: [Int: [Int]] = [:]
                for g in glyphs { covered[g.run, default: []].append(g.glyph) }
                for (run, indices) in covered {
                    if edit.canRemove(run: run) {
                        edit.remove(run: run, glyphs: indices)
                    } else {
                        // Text drawn by ' or ": painted over in white instead.
                        let box = indices.map { page.runs[run].glyphs[$0] }
                        let minX = box.map(\.x).min() ?? x
                        let maxX = box.map { $0.x + $0.width }.max() ?? x
                        let r = page.runs[run]
                        edit.draw(
                            "q 1 1 1 rg \(n(minX)) \(n(r.y - r.fontSize * 0.3)) \(n(maxX - minX)) "
                                + "\(n(r.fontSize * 1.2)) re f Q")
                    }
                }
                try draw(
                    value, at: (x, y), size: size, colour: colour, italic: italic, font: fontName, name: name,
                    edit: &edit, update: &update)
                edits[pageIndex] = edit
            }
        }
        for edit in edits.values.sorted(by: { $0.page < $1.page }) { try edit.write(into: &update, document: document) }
        return update.serialize().bytes
    }

    func n(_ v: Double) -> String { PageContentEdit.number(v) }

    /// Draws `text` with its baseline starting at `at`, straight into the page's content (where
    /// every reader of the page's text finds it), in a font subset named `name`.
    func draw(
        _ text: String, at: (x: Double, y: Double), size: Double, colour: [Double], italic: Bool, font fontName: String,
        name: String, edit: inout PageContentEdit, update: inout IncrementalUpdate
    ) throws {
        let lower = fontName.lowercased()
        let face =
            (lower.contains("serif") && !lower.contains("sans")) || lower.contains("times") ? serifFont ?? font : font
        var appearance = SignatureAppearance(width: 1, height: 1, font: face)
        var line = SignatureAppearance.Line(
            text: text, x: at.x, y: at.y, size: size,
            colour: colour.count == 3 ? .init(colour[0], colour[1], colour[2]) : .black)
        if italic { line.slant = 0.2 }
        appearance.lines.append(line)
        do { try appearance.checkGlyphs() } catch { throw SigningError.badInput(error.description) }
        let (fontRef, operators) = appearance.addText(fontName: name, to: &update)
        edit.draw("q\n" + operators + "Q", using: [("Font", name, fontRef)])
    }

    /// Fills text field `name` with `value`: its value, an appearance in the field's size, and
    /// the read-only flag (the number is the clerk's, not the reader's).
    func fill(field name: String, with value: String, document: PDFDocument, update: inout IncrementalUpdate) throws {
        guard let field = try document.formFields().first(where: { $0.name == name }) else { return }
        var dict = field.dictionary
        dict["V"] = .string(PDFString(text: value))
        dict["Ff"] = .integer((try document.resolve(dict["Ff"]).integer ?? 0) | 1)
        let da = try document.resolve(dict["DA"]).string?.text ?? ""
        let words = da.split(separator: " ")
        let declared = words.firstIndex(of: "Tf").flatMap { $0 > 0 ? Double(words[$0 - 1]) : nil } ?? 0
        for widget in field.widgets {
            guard var w = widget == field.reference ? dict : try document.object(widget).dictionary else { continue }
            let rect = try (document.resolve(w["Rect"]).array ?? []).map { try document.resolve($0).number ?? 0 }
            guard rect.count == 4 else { continue }
            let width = abs(rect[2] - rect[0])
            let height = abs(rect[3] - rect[1])
            var size = declared > 0 ? declared : min(defaultSize, height * 0.8)
            size = min(size, width / max(1, font.width(of: value, size: 1)) * 0.95)
            var appearance = SignatureAppearance(width: width, height: height, font: font)
            appearance.lines.append(.init(text: value, x: 2, y: (height - size) / 2 + size * 0.22, size: size))
            let form: ObjectReference
            do { form = try appearance.add(to: &update) } catch { throw SigningError.badInput(error.description) }
            w["AP"] = .dictionary(PDFDictionary([("N", .reference(form))]))
            if widget == field.reference {
                dict = w
            } else {
                update.set(widget, .dictionary(w))
            }
        }
        update.set(field.reference, .dictionary(dict))
    }
}
