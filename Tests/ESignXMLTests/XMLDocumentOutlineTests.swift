import Foundation
import Testing

@testable import ESignXML

/// The byte-level reader (``XMLDocumentOutline``) against libxml2, the reference: on generated
/// documents and on mutations of them, whatever the reader accepts libxml2 must accept, and every
/// canonical form it writes (whole document, less any element, and any element parsed alone in
/// its namespace scope) must equal `xmlC14NExecute`'s byte for byte.
@Suite("XML byte reader against libxml2")
struct XMLDocumentOutlineTests {
    /// More rounds for a deeper search: ESIGN_XML_DIFFERENTIAL_SCALE=50 (the default 1 runs in seconds).
    static let scale = Int(ProcessInfo.processInfo.environment["ESIGN_XML_DIFFERENTIAL_SCALE"] ?? "") ?? 1

    @Test func generatedDocumentsMatchLibxml2() throws {
        var random = SplitMix(seed: 0x5EED_C14 &+ UInt64(Self.scale))
        var accepted = 0
        var compared = 0
        let count = 3_000 * Self.scale
        for _ in 0..<count {
            var generator = DocumentGenerator(random: &random, hostile: false)
            let document = generator.document()
            if try compare(document, random: &random) { accepted += 1 }
            compared += 1
        }
        // The generator stays mostly inside the subset, so the comparison is not vacuous.
        #expect(accepted > compared / 2, "only \(accepted) of \(compared) documents were read by the byte reader")
    }

    @Test func hostileAndMutatedDocumentsNeverDisagree() throws {
        var random = SplitMix(seed: 0xBAD_C14 &+ UInt64(Self.scale))
        var accepted = 0
        var refused = 0
        for round in 0..<(4_000 * Self.scale) {
            var generator = DocumentGenerator(random: &random, hostile: round % 2 == 0)
            var document = generator.document()
            for _ in 0..<(1 + random.below(3)) { Mutator.mutate(&document, random: &random) }
            if try compare(document, random: &random) { accepted += 1 } else { refused += 1 }
        }
        #expect(accepted > 200 && refused > 200, "accepted \(accepted), refused \(refused)")
    }

    @Test func theBenchmarkShapeIsReadAndTheSignatureCutOut() throws {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<HoSo xmlns=\"urn:vn:gov:hoso\" "
        text += "xmlns:vb=\"urn:vn:gov:vanban\" Ma=\"H25\">\r\n"
        for n in 0..<50 {
            text +=
                "  <vb:VanBan So=\"\(n)/QĐ-UBND\"><vb:TrichYeu>Về việc &amp; số \(n) &#x1F600;</vb:TrichYeu>"
                + "</vb:VanBan>\r\n"
        }
        text +=
            "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"s1\"><ds:SignedInfo/></ds:Signature>"
        text += "</HoSo>\n"
        let bytes = Array(text.utf8)
        let outline = try #require(XMLDocumentOutline(bytes))
        let signatures = outline.elements(named: "Signature", in: "http://www.w3.org/2000/09/xmldsig#")
        #expect(signatures.count == 1)
        #expect(outline.identifier(signatures[0]) == "s1")
        let cut = try #require(outline.canonicalize(.exclusive, excluding: signatures[0]))
        #expect(!String(decoding: cut, as: UTF8.self).contains("Signature"))
        _ = try compare(bytes, random: &SplitMix.shared)
    }

    @Test func limitsAreLeftToLibxml2() throws {
        // Nesting and attribute counts at and past the reader's bounds: read or left, never wrong.
        for depth in [150, 200, 201, 256, 257, 300] {
            let text = String(repeating: "<a>", count: depth) + "x" + String(repeating: "</a>", count: depth)
            try compare(Array(text.utf8), random: &SplitMix.shared)
            #expect((XMLDocumentOutline(Array(text.utf8)) != nil) == (depth <= 200), "depth \(depth)")
        }
        for count in [31, 32, 33, 64] {
            let attributes = (0..<count).map { " a\($0)=\"\($0)\"" }.joined()
            let text = "<r" + attributes + "/>"
            try compare(Array(text.utf8), random: &SplitMix.shared)
            #expect((XMLDocumentOutline(Array(text.utf8)) != nil) == (count <= 32), "\(count) attributes")
        }
        let long = "<r>" + String(repeating: "Về ", count: 400_000) + "</r>"
        #expect(XMLDocumentOutline(Array(long.utf8)) == nil, "a text node over the reader's bound")
    }

    @Test func declarationsAreFoundAnywhereBeforeParsing() {
        let found: [(String, String?)] = [
            ("<!DOCTYPE a><a/>", "<!DOCTYPE"), ("<a>!!!<!ENTITY x \"y\"></a>", "<!ENTITY"),
            ("<a><!-- ! --></a><!DOCTYPE", "<!DOCTYPE"), ("<a>!DOCTYPE <!DOCTYP</a>", nil),
            ("<a><![CDATA[!]]><!--x--></a>", nil), ("!", nil), ("", nil), ("<!DOCTYP", nil),
        ]
        for (text, expected) in found {
            #expect(XMLTree.forbiddenDeclaration(in: Array(text.utf8)) == expected, "\(text)")
        }
    }

    @Test func outsideTheSubsetIsLeftToLibxml2() {
        let cases: [String] = [
            "<!DOCTYPE a><a/>", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", "<a xml:lang=\"vi\"/>",
            "<a>&nbsp;</a>", "<p:a/>", "<a xmlns:p=\"\"/>", "<a xmlns=\"rel/uri\"/>", "<a x=\"1\" x=\"2\"/>",
            "<a>]]></a>", "<a><!-- a -- b --></a>", "<a>\u{1}</a>", "<é/>", "<a></b>", "<a>", "<a/><b/>",
            // XMLTree refuses "<!DOCTYPE" anywhere, inside a comment, CDATA or instruction too.
            "<a><!-- <!DOCTYPE x> --></a>", "<a><![CDATA[<!DOCTYPE x>]]></a>", "<a><?pi <!DOCTYPE x>?></a>",
        ]
        for text in cases {
            #expect(XMLDocumentOutline(Array(text.utf8)) == nil, "\(text) should be left to libxml2")
        }
        #expect(XMLDocumentOutline([0x3C, 0x61, 0x3E, 0xC3, 0x28, 0x3C, 0x2F, 0x61, 0x3E]) == nil)
    }

    /// True when the byte reader read `bytes` (and then agreed with libxml2 on everything).
    @discardableResult
    func compare(_ bytes: [UInt8], random: inout SplitMix) throws -> Bool {
        let tree = try? XMLTree(parsing: bytes)
        guard let outline = XMLDocumentOutline(bytes) else { return false }
        let whole = String(decoding: bytes, as: UTF8.self)
        let shown = whole.count > 4_000 ? String(whole.prefix(4_000)) + "…" : whole
        let tree_ = try #require(tree, "the byte reader accepted what libxml2 refuses:\n\(shown)")
        let chosen = random.below(outline.elements.count)
        var prefixes = ["#default"]
        for element in tree_.elementsInDocumentOrder { if let p = element.prefix { prefixes.append(p) } }
        let list = random.below(2) == 0 ? prefixes.filter { _ in random.below(3) == 0 } : []
        if let disagreement = outline.disagreement(with: tree_, element: chosen, inclusivePrefixes: list) {
            Issue.record("\(disagreement):\n\(shown)")
        }
        return true
    }

}

/// A small, reproducible random source.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    nonisolated(unsafe) static var shared = SplitMix(seed: 1)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Documents in the shapes agencies and attackers write: namespaces declared, redeclared and
/// undeclared, prefixed attributes, references and raw line ends everywhere, CDATA, comments,
/// processing instructions, Vietnamese text; with `hostile`, also the constructs the byte reader
/// must leave to libxml2.
struct DocumentGenerator {
    var random: SplitMix
    let hostile: Bool
    var declared: [String] = []

    init(random: inout SplitMix, hostile: Bool) {
        self.random = SplitMix(seed: random.next())
        self.hostile = hostile
    }

    static let uris = [
        "urn:a", "urn:b", "http://example.com/x", "urn:vn:gov:hoso", "http://www.w3.org/2000/09/xmldsig#",
        "http://example.com:8080/a?b=c#d", "urn:x%20y", "mailto:a@b", "https://h/p;q=1/(x)",
    ]
    static let hostileURIs = [
        "http://h:p/x", "urn:a#b#c", "urn:%zz", "http://a@b/x", "http://[::1]/", "http:///x", "x:", "urn:a b",
        "urn:a&amp;b", "http://h:/x", "http://h:80:90/", "urn:é", "urn:a|b", "http://-/x", "http://h/%",
    ]
    static let prefixes = ["p", "q", "ds", "xades"]
    static let texts = [
        "Về việc phê duyệt", "a &amp; b", "1 &lt; 2 &gt; 0", "x > y", "quote \" and '", "&quot;&apos;", "line\r\nend",
        "cr\ronly", "&#x9;tab&#10;lf&#13;cr", "&#65;&#x1F600;", "  ", "\n", "tab\there", "Ủy ban", "]]", "]>",
        // Line ends XML 1.1 would change and 1.0 keeps; zero-padded and boundary references;
        // characters at the edges of UTF-8's lengths; a byte-order mark inside the text.
        "nel\u{85}ls\u{2028}", "&#x0000041;&#0000065;", "&#x10FFFF;&#xFFFD;&#xE000;", "\u{7F}\u{80}\u{7FF}\u{800}",
        "\u{FFFD}\u{10000}\u{10FFFF}", "\u{FEFF}", "&#xD;&#13;\r\n",
    ]
    static let values = [
        "plain", "Về việc", "a&amp;b", "&lt;&gt;", "x>y", "tab\there", "lf\nhere", "crlf\r\nhere", "cr\rhere",
        "&#x9;&#xA;&#xD;", "&#32;&#x20;", "&quot;", "it's", "", " lead and trail ",
    ]
    static let hostileBits = [
        "<!DOCTYPE x>", "&nbsp;", "xml:lang=\"vi\"", "<é/>", "]]>", "<!-- -- -->", "\u{1}", "xmlns:p=\"\"",
        "xmlns=\"rel\"", "<?xml version=\"1.0\"?>", "&#0;", "&#xD800;", "<u:x/>",
        // Names and declarations at the edges of the namespace rules, references past Unicode.
        "xmlns:=\"urn:a\"", "<:a/>", "<a:/>", "<a b=\"1\"/ >", "<p:a:b/>", "a:b=\"1\"", "xmlns:xml=\"urn:x\"",
        "&#x110000;", "&#xFFFE;", "&#x000000041;", "&#;", "&#x;", "&am;", "<a\u{85}/>", "<!---->", "<?pi?>",
        "<![CDATA[]]>", "<![CDATA[]]]]>",
    ]

    mutating func document() -> [UInt8] {
        var text = ""
        if random.below(4) == 0 { text += "\u{FEFF}" }
        switch random.below(4) {
        case 0: text += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        case 1: text += "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\r\n"
        case 2: text += "<?xml version=\"1.0\"?>"
        default: break
        }
        if random.below(3) == 0 { text += "<!-- before -->\n" }
        if random.below(4) == 0 { text += "<?stylesheet href=\"a.xsl\"?>\n" }
        text += element(depth: 1)
        if random.below(3) == 0 { text += "\n<!-- after -->" }
        if random.below(4) == 0 { text += "\n<?after  data\r\nmore?>" }
        if random.below(2) == 0 { text += "\n" }
        return Array(text.utf8)
    }

    mutating func element(depth: Int) -> String {
        let saved = declared
        defer { declared = saved }
        var attributes: [String] = []
        var names: Set<String> = []
        for _ in 0..<random.below(3) {
            let prefix = random.pick(Self.prefixes)
            let uri = hostile && random.below(4) == 0 ? random.pick(Self.hostileURIs) : random.pick(Self.uris)
            if random.below(2) == 0 && !names.contains("xmlns:" + prefix) {
                attributes.append("xmlns:\(prefix)=\"\(uri)\"")
                names.insert("xmlns:" + prefix)
                declared.append(prefix)
            }
        }
        if random.below(4) == 0 && !names.contains("xmlns") {
            attributes.append(random.below(3) == 0 ? "xmlns=\"\"" : "xmlns=\"\(random.pick(Self.uris))\"")
            names.insert("xmlns")
        }
        let name =
            (random.below(2) == 0 && !declared.isEmpty ? random.pick(declared) + ":" : "")
            + random.pick(["a", "b", "VanBan", "Signature", "x-y.z", "_u"])
        for _ in 0..<random.below(4) {
            var attribute = random.pick(["Id", "id", "So", "b", "a", "z"])
            if random.below(3) == 0 && !declared.isEmpty { attribute = random.pick(declared) + ":" + attribute }
            guard !names.contains(attribute) else { continue }
            names.insert(attribute)
            var value = random.pick(Self.values)
            if attribute.lowercased() == "id" { value = "id\(random.below(6))" }
            if random.below(2) == 0 {
                attributes.append("\(attribute)=\"\(value.replacingOccurrences(of: "\"", with: "&quot;"))\"")
            } else {
                attributes.append("\(attribute) = '\(value.replacingOccurrences(of: "'", with: "&apos;"))'")
            }
        }
        attributes.shuffle(using: &random)
        if hostile && random.below(6) == 0 { attributes.append(random.pick(Self.hostileBits)) }
        let separator = random.pick([" ", "  ", "\n\t", "\r\n "])
        let open = "<" + name + attributes.map { separator + $0 }.joined() + (random.below(5) == 0 ? " " : "")
        if depth > 4 || random.below(5) == 0 { return open + "/>" }
        var body = ""
        for _ in 0..<random.below(depth == 1 ? 5 : 4) {
            switch random.below(9) {
            case 0, 1, 2: body += element(depth: depth + 1)
            case 3, 4: body += random.pick(Self.texts)
            case 5: body += "<![CDATA[" + random.pick(["<&>", "a\r\nb", "]", "Về"]) + "]]>"
            case 6: body += "<!--" + random.pick([" c ", "", "-x", "Về"]) + "-->"
            case 7: body += "<?pi " + random.pick(["", "data", "a?b", "x\r\ny"]) + "?>"
            default:
                body += hostile && random.below(3) == 0 ? random.pick(Self.hostileBits) : "\n  "
            }
        }
        return open + ">" + body + "</" + name + random.pick(["", " ", "\n"]) + ">"
    }
}

extension SplitMix: RandomNumberGenerator {}

/// Byte-level damage: what a crafted or corrupted file holds where the generator wrote well.
enum Mutator {
    static let insertions: [[UInt8]] = [
        Array("<".utf8), Array(">".utf8), Array("&".utf8), Array("\"".utf8), Array("'".utf8), Array("]]>".utf8),
        Array("--".utf8), Array("<!--".utf8), Array("xmlns:p=\"urn:z\" ".utf8), Array(" p:a=\"1\"".utf8),
        Array("&#xFFFE;".utf8), [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0x00],
        [0x0D], Array("</a>".utf8), Array("<a>".utf8), Array(" Id=\"id1\"".utf8), Array("xmlns=\"\" ".utf8),
    ]

    static func mutate(_ bytes: inout [UInt8], random: inout SplitMix) {
        guard !bytes.isEmpty else { return }
        let at = random.below(bytes.count)
        switch random.below(4) {
        case 0: bytes.insert(contentsOf: random.pick(insertions), at: at)
        case 1: bytes.remove(at: at)
        case 2: bytes[at] = UInt8(truncatingIfNeeded: random.next())
        default:
            let end = min(bytes.count, at + 1 + random.below(16))
            bytes.insert(contentsOf: Array(bytes[at..<end]), at: random.below(bytes.count))
        }
    }
}
