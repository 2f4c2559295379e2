import ESignCore
import Foundation
import Testing

@testable import ESignPDF

@Suite("Lexer and parser")
struct PDFParserTests {
    func parse(_ text: String) throws -> PDFObject {
        var parser = PDFParser(lexer: PDFLexer(bytes: Array(text.utf8)))
        return try parser.parseObject()
    }

    @Test func numbersNamesReferences() throws {
        #expect(try parse("42") == .integer(42))
        #expect(try parse("-3.5") == .real(-3.5))
        #expect(try parse(".25") == .real(0.25))
        #expect(try parse("/A#20B") == .name(PDFName("A B")))
        #expect(try parse("12 0 R") == .reference(ObjectReference(12, 0)))
        #expect(try parse("[1 2 R 3]") == .array([.reference(ObjectReference(1, 2)), .integer(3)]))
        #expect(try parse("[0 0 595 842]") == .array([0, 0, 595, 842]))
    }

    @Test func strings() throws {
        #expect(try parse("(a\\(b\\)c\\\\)").string?.bytes == Array("a(b)c\\".utf8))
        #expect(try parse("(nested (paren) ok)").string?.bytes == Array("nested (paren) ok".utf8))
        #expect(try parse("(\\101\\102)").string?.bytes == Array("AB".utf8))
        #expect(try parse("<48 65 6C6C 6F>").string?.bytes == Array("Hello".utf8))
        #expect(try parse("<414>").string?.bytes == [0x41, 0x40])
        // UTF-16BE text string round trip (Vietnamese).
        let text = PDFString(text: "Ủy ban nhân dân")
        #expect(text.bytes.starts(with: [0xFE, 0xFF]))
        #expect(
            try parse(String(decoding: PDFSerializer.bytes(.string(text)), as: UTF8.self)).string?.text
                == "Ủy ban nhân dân")
    }

    @Test func dictionariesKeepOrderAndDropNulls() throws {
        let dict = try parse("<< /Type /Page /Z 1 /A null /Kids [1 0 R] >>").dictionary!
        #expect(dict.keys.map(\.string) == ["Type", "Z", "Kids"])
        #expect(dict["Type"] == .name("Page"))
    }

    @Test func serializerRoundTrip() throws {
        let original = try parse("<< /MediaBox [0 0 595.276 841.89] /Name /A#23B /S (x\\)y) /R 3 0 R /B true >>")
        let again = try parse(String(decoding: PDFSerializer.bytes(original), as: UTF8.self))
        #expect(again == original)
        #expect(PDFSerializer.formatReal(0.00001) == "0.00001")
        #expect(PDFSerializer.formatReal(-2.5) == "-2.5")
    }

    @Test func hostileNestingIsRefused() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: PDFLexer.LexerError.self) { try parse(deep) }
        let deepDict = String(repeating: "<< /A ", count: 5_000)
        #expect(throws: PDFLexer.LexerError.self) { try parse(deepDict) }
    }

    @Test func truncatedInputAsksForMoreData() {
        var parser = PDFParser(lexer: PDFLexer(bytes: Array("<< /Type /Pa".utf8), isFinal: false))
        #expect(throws: PDFLexer.LexerError.needMoreData) { try parser.parseObject() }
    }

    @Test func indirectStreamRecordsDataOffset() throws {
        let text = "7 0 obj\n<< /Length 5 >>\nstream\r\nHELLO\nendstream\nendobj\n"
        var parser = PDFParser(lexer: PDFLexer(bytes: Array(text.utf8)))
        let (ref, object) = try parser.parseIndirectObject()
        #expect(ref == ObjectReference(7, 0))
        guard case .stream(let stream) = object, case .inFile(let offset) = stream.data else {
            Issue.record("not a stream")
            return
        }
        #expect(Array(text.utf8)[offset..<(offset + 5)] == ArraySlice(Array("HELLO".utf8)))
    }

    @Test func pdfDates() {
        let date = PDFDate.date(from: "D:20240515093000+07'00'")!
        #expect(PDFDate.string(from: date) == "D:20240515093000+07'00'")
        #expect(date.timeIntervalSince1970 == 1_715_740_200)
    }
}

@Suite("Calendar arithmetic")
struct CivilTimeTests {
    @Test func agreesWithFoundationCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let t = Int.random(in: -2_000_000_000...4_000_000_000, using: &generator)
            let c = CivilTime(secondsSince1970: t)
            let f = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(t)))
            let ours: [Int] = [c.year, c.month, c.day, c.hour, c.minute, c.second]
            let theirs: [Int] = [f.year!, f.month!, f.day!, f.hour!, f.minute!, f.second!]
            #expect(ours == theirs)
            #expect(
                CivilTime.secondsSince1970(
                    year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second) == t)
        }
    }
}

@Suite("Byte search")
struct ByteSearchTests {
    /// Held to a naive search on random haystacks over a small alphabet (many partial matches).
    @Test func agreesWithANaiveSearch() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let haystack = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 97...99) }
            let needle = (0..<Int.random(in: 1...4, using: &generator)).map { _ in UInt8.random(in: 97...99) }
            let places =
                haystack.count >= needle.count
                ? (0...(haystack.count - needle.count)).filter { Array(haystack[$0..<($0 + needle.count)]) == needle }
                : []
            #expect(haystack.firstOffset(of: needle) == places.first, "\(haystack) \(needle)")
            #expect(haystack.lastOffset(of: needle) == places.last, "\(haystack) \(needle)")
            #expect(haystack.containsBytes(needle) == !places.isEmpty)
        }
        #expect(Array("<< /Type /Sig >> endobj".utf8).containsBytes(Array("endobj".utf8)))
        #expect(!Array("<< /Type /Sig >> endob".utf8).containsBytes(Array("endobj".utf8)))
    }
}

@Suite("Hex digits")
struct HexDigitTests {
    @Test func isDigitsAgreesWithDigitValueOnEveryByte() {
        for c in 0...255 {
            let byte = UInt8(c)
            #expect(Hex.isDigits([0x30, byte, 0x61][...]) == (Hex.digitValue(byte) != nil), "byte \(c)")
        }
        #expect(Hex.isDigits([][...]))
        #expect(Hex.isDigits(Array("0123456789abcdefABCDEF".utf8)[...]))
    }
}
