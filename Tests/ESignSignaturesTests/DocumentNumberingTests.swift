import ESign
import ESignTestSupport
import Foundation
import Testing

@Suite("Document numbering: finding the number line and the place-and-date line, and writing over them")
struct DocumentNumberingTests {
    static var numbering: DocumentNumbering {
        DocumentNumbering(font: try! TrueTypeFont(path: TrueTypeFont.defaultPath))
    }

    func document(_ path: String) throws -> PDFDocument { try PDFDocument(path: path) }
    func sample(_ name: String) -> String { Fixtures.samples.appendingPathComponent(name).path }

    /// The text of the glyphs a place would take out.
    func placeholder(_ place: DocumentNumbering.Place, in document: PDFDocument) throws -> String? {
        guard case .text(let page, let glyphs, _, _, _, _, _, _) = place else { return nil }
        let text = try document.pageText(at: page)
        return glyphs.map { text.runs[$0.run].glyphs[$0.glyph].text }.joined()
    }

    @Test(
        "On the samples: the number's placeholder, the field, the drafter's date",
        arguments: [
            ("decision.pdf", "1234/QĐ-UBND", "ngày 15 tháng 5 năm 2024"),
            ("decision-right.pdf", "/QĐ-UBND", "ngày tháng năm 2024"),
            ("decision-dots.pdf", "………/QĐ-UBND", "ngày …… tháng …… năm 20……"),
            ("decision-field.pdf", "", "ngày …… tháng …… năm 2024"),
            ("notice.pdf", "89/TB-UBND", "ngày 02 tháng 7 năm 2024"),
            ("official-letter.pdf", "567/UBND-VX", "ngày 20 tháng 6 năm 2024"),
        ])
    func locatesOnTheSamples(_ file: String, _ number: String, _ date: String) throws {
        let doc = try document(sample(file))
        let places = try Self.numbering.locate(in: doc)
        func squeezed(_ s: String?) -> String? { s?.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        if number.isEmpty {
            guard case .field(let name) = places.number else {
                Issue.record("\(file): the number field was not used: \(places.number)")
                return
            }
            #expect(name == "SoVanBan")
        } else {
            #expect(squeezed(try placeholder(places.number, in: doc)) == number)
        }
        #expect(squeezed(try placeholder(places.date, in: doc)) == date)
    }

    @Test("The date as Decree 30 writes it: a leading zero below 10 and for January and February")
    func dateText() {
        #expect(DocumentNumbering.dateText(CivilDate(year: 2026, month: 2, day: 5)!) == "ngày 05 tháng 02 năm 2026")
        #expect(DocumentNumbering.dateText(CivilDate(year: 2026, month: 3, day: 9)!) == "ngày 09 tháng 3 năm 2026")
        #expect(DocumentNumbering.dateText(CivilDate(year: 2026, month: 12, day: 31)!) == "ngày 31 tháng 12 năm 2026")
        #expect(DocumentNumbering.dateText(CivilDate(year: 2026, month: 1, day: 10)!) == "ngày 10 tháng 01 năm 2026")
    }

    @Test("No number line, no date line, a page that does not exist: refused with the option that would help")
    func refusals() throws {
        let report = try document(sample("report.pdf"))
        #expect {
            try Self.numbering.locate(in: report)
        } throws: { "\($0)".contains("number line") && "\($0)".contains("--number-at") }
        var placed = Self.numbering
        placed.numberAt = .init(page: 0, x: 60, y: 40)
        #expect {
            try placed.locate(in: report)
        } throws: { "\($0)".contains("place-and-date line") && "\($0)".contains("--date-at") }
        placed.dateAt = .init(page: 8, x: 300, y: 40)
        #expect(throws: (any Error).self) { try placed.locate(in: report) }
        placed.dateAt = .init(page: 0, x: 300, y: 40)
        let both = try placed.locate(in: report)
        guard case .position = both.number, case .position = both.date else {
            Issue.record("positions given by hand were not used")
            return
        }
    }

    /// Decision headings in generated layouts (placeholder forms × "Số:" spellings × text split
    /// into one object, words or characters × fonts and colours × date on the next line or the same
    /// baseline × an invisible decoy "Số:" above): the number and date are written on the visible
    /// lines, the placeholder's text is gone, the decoy is left alone, and the rest of the text is
    /// unchanged.
    @Test("Generated layouts, decoys included: the number lands on the visible number line")
    func generatedLayouts() throws {
        let dir = Fixtures.temporaryDirectory("layouts")
        let script = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/numbering/generate-layouts.py").path
        let generated = try Peers.run("python3", [script, dir.path])
        try #require(generated.status == 0, "\(generated.combined)")
        struct Variant: Decodable {
            var file, placeholder, label, split, date, font: String
            var decoy: String?
            var numberY, dateY: Double
        }
        let variants = try JSONDecoder().decode(
            [Variant].self, from: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
        try #require(variants.count > 100)
        let issuedOn = CivilDate(year: 2026, month: 2, day: 5)!
        for v in variants {
            let input = dir.appendingPathComponent(v.file).path
            let doc = try document(input)
            let places: DocumentNumbering.Places
            do { places = try Self.numbering.locate(in: doc) } catch {
                Issue.record("\(v.file) (\(v)): \(error)")
                continue
            }
            let update = try Self.numbering.write(places, reference: "07/QĐ-UBND", date: issuedOn, into: doc)
            let output = dir.appendingPathComponent("numbered-" + v.file).path
            try Data(try doc.source.read(at: 0, length: doc.source.count) + update).write(
                to: URL(fileURLWithPath: output))

            // Where the marks were drawn, as a reader of the page finds them.
            let after = try document(output).pageText(at: 0)
            let numberLine = after.lines.first { $0.text.contains("07/QĐ-UBND") }
            let dateLine = after.lines.first { $0.text.contains("ngày 05 tháng 02 năm 2026") }
            #expect(
                numberLine.map { abs($0.y - v.numberY) < 1 } == true, "\(v.file) \(v): number at \(numberLine?.y ?? -1)"
            )
            #expect(dateLine.map { abs($0.y - v.dateY) < 1 } == true, "\(v.file) \(v): date at \(dateLine?.y ?? -1)")

            let text = try Peers.run("pdftotext", ["-layout", output, "-"]).stdout
            let label = v.label.replacingOccurrences(of: " ", with: "")
            let squeezed = text.replacingOccurrences(of: " ", with: "")
            #expect(squeezed.contains("\(label)07/QĐ-UBND"), "\(v.file) \(v): \(text.prefix(400))")
            if v.placeholder.contains(where: { $0 != "/" && $0 != "Q" && $0 != "Đ" && $0 != "-" && !$0.isLetter }) {
                #expect(!text.contains(v.placeholder), "\(v.file) \(v): the placeholder is still there")
            }
            #expect(!text.contains("…… tháng"), "\(v.file) \(v): the drafter's date is still there")
            // The rest of the page is as drafted; a decoy stays where it was.
            #expect(text.contains("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"))
            #expect(text.contains("Hồ sơ số: 12 được chuyển"))
            if let decoy = v.decoy, decoy != "off-page" {
                #expect(
                    after.runs.contains { $0.text.contains("999/QĐ-UBND") }, "\(v.file): the decoy (\(decoy)) changed")
            }
        }
    }
}
