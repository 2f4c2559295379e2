import ESign
import ESignTestSupport
import Foundation
import Testing

/// esign's base64 decoder (XML signatures' digests, values and certificates): RFC 4648 with the
/// whitespace XML allows, strict where Foundation guesses (`1F=Q`, a lone `==`).
@Suite("Base64 as XML signatures carry it")
struct Base64Tests {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let whitespace = Array(" \n\r\t".utf8)

    @Test("every encoding, with XML whitespace anywhere, decodes to its bytes")
    func roundTrip() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255) }
            let options: Data.Base64EncodingOptions =
                Bool.random() ? [] : [.lineLength64Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]
            var text = Array(Data(bytes).base64EncodedString(options: options).utf8)
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                text.insert(Self.whitespace.randomElement()!, at: Int.random(in: 0...text.count, using: &random))
            }
            #expect(Base64.decode(ignoringXMLWhitespace: String(decoding: text, as: UTF8.self)) == bytes)
        }
    }

    @Test("damaged text: what it decodes, Foundation decodes the same; the malformed is refused")
    func damagedText() {
        var random = SystemRandomNumberGenerator()
        let extra = Array("===-_.*\u{0}é".utf8)
        var refused = 0
        for round in 0..<40_000 {
            var text: [UInt8]
            if round % 2 == 0 {
                let bytes = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255) }
                text = Array(Data(bytes).base64EncodedString().utf8)
                for _ in 0..<Int.random(in: 1...2, using: &random) where !text.isEmpty {
                    let at = Int.random(in: 0..<text.count, using: &random)
                    text[at] = Bool.random() ? extra.randomElement()! : Self.alphabet.randomElement()!
                }
            } else {
                text = (0..<Int.random(in: 0...13, using: &random)).map { _ in
                    Int.random(in: 0..<4, using: &random) == 0 ? extra.randomElement()! : Self.alphabet.randomElement()!
                }
            }
            let string = String(decoding: text, as: UTF8.self)
            guard let mine = Base64.decode(ignoringXMLWhitespace: string) else {
                refused += 1
                continue
            }
            #expect(Data(base64Encoded: string).map { [UInt8]($0) } == mine, "\(string.debugDescription)")
        }
        #expect(refused > 5_000 && refused < 38_000, "both outcomes occur: \(refused) refused")
        for malformed in [
            "1F=Q", "A===", "AA=A", "AAA", "AA==AAAA", "AB=", "====", "HJ2h4Zh/=", "7cHlQP5g==", "A-B_", "Zé==",
        ] {
            #expect(Base64.decode(ignoringXMLWhitespace: malformed) == nil, "\(malformed)")
        }
        #expect(Base64.decode(ignoringXMLWhitespace: "") == [])
        #expect(Base64.decode(ignoringXMLWhitespace: " TWE=\r\n") == Array("Ma".utf8))
    }
}
