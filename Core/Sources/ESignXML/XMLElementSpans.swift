/// Where every element of a parsed document starts and ends in its bytes, in document order,
/// so that unsigned properties can be spliced into a signature deep inside a document without
/// re-serialising (and so changing) anything around them.
///
/// The bytes are scanned only after libxml2 accepted them as well-formed XML with no DTD: tags,
/// comments, processing instructions and CDATA sections are then all that a `<` can open, and a
/// quoted attribute value all that can hide a `>`.
public struct XMLElementSpans: Sendable {
    /// One element's tags.
    public struct Span: Sendable, Equatable {
        /// The offset of the start tag's `<`.
        public let start: Int
        /// The offset just past the start tag's `>`.
        public let startTagEnd: Int
        /// The offset of the end tag's `</` (for `<e/>`, of its `/>`).
        public let endTag: Int
        /// The offset just past the element.
        public let end: Int
        /// The qualified name as written.
        public let name: String
        public var isEmpty: Bool { startTagEnd == end }
    }

    public let spans: [Span]

    /// The spans of `bytes`, or nil when they do not scan as the parser read them.
    public init?(_ bytes: [UInt8]) {
        var spans: [Span?] = []
        var open: [(index: Int, start: Int, startTagEnd: Int, name: String)] = []
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let count = bytes.count
        while index < count {
            guard bytes[index] == 0x3C else {
                index += 1
                continue
            }
            guard index + 1 < count else { return nil }
            switch bytes[index + 1] {
            case 0x3F:  // <? … ?>
                guard let end = Self.find([0x3F, 0x3E], in: bytes, from: index + 2) else { return nil }
                index = end + 2
            case 0x21:  // <!-- … --> or <![CDATA[ … ]]>
                if bytes[index...].starts(with: Array("<!--".utf8)) {
                    guard let end = Self.find(Array("-->".utf8), in: bytes, from: index + 4) else { return nil }
                    index = end + 3
                } else if bytes[index...].starts(with: Array("<![CDATA[".utf8)) {
                    guard let end = Self.find(Array("]]>".utf8), in: bytes, from: index + 9) else { return nil }
                    index = end + 3
                } else {
                    return nil  // a DTD: never here, the parser refused it
                }
            case 0x2F:  // </name>
                guard let close = Self.find([0x3E], in: bytes, from: index + 2), let top = open.popLast() else {
                    return nil
                }
                let name = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
                guard name.trimmingWhitespace() == top.name else { return nil }
                spans[top.index] = Span(
                    start: top.start, startTagEnd: top.startTagEnd, endTag: index, end: close + 1, name: top.name)
                index = close + 1
            default:
                guard let close = Self.tagEnd(bytes, from: index + 1) else { return nil }
                var nameEnd = index + 1
                while nameEnd < close, !Self.isSpace(bytes[nameEnd]), bytes[nameEnd] != 0x2F, bytes[nameEnd] != 0x3E {
                    nameEnd += 1
                }
                let name = String(decoding: bytes[(index + 1)..<nameEnd], as: UTF8.self)
                if bytes[close - 1] == 0x2F {
                    spans.append(
                        Span(start: index, startTagEnd: close + 1, endTag: close - 1, end: close + 1, name: name))
                } else {
                    open.append((spans.count, index, close + 1, name))
                    spans.append(nil)
                }
                index = close + 1
            }
        }
        guard open.isEmpty else { return nil }
        let complete = spans.compactMap { $0 }
        guard complete.count == spans.count else { return nil }
        self.spans = complete
    }

    /// The `>` closing a start tag that begins at `from`, past quoted attribute values.
    private static func tagEnd(_ bytes: [UInt8], from: Int) -> Int? {
        var quote: UInt8?
        var index = from
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == 0x22 || byte == 0x27 {
                quote = byte
            } else if byte == 0x3E {
                return index
            } else if byte == 0x3C {
                return nil
            }
            index += 1
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard from <= bytes.count - pattern.count else { return nil }
        var index = from
        while index <= bytes.count - pattern.count {
            if bytes[index] == pattern[0], bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                return index
            }
            index += 1
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last == " " || last == "\t" || last == "\n" || last == "\r" {
            text = text.dropLast()
        }
        return String(text)
    }
}

extension XMLTree {
    /// Every element of the document, in document order (the root first).
    public var elementsInDocumentOrder: [XMLTree.Element] {
        guard let root else { return [] }
        var result: [XMLTree.Element] = []
        XMLTree.Element.walk(root.node) { result.append(XMLTree.Element(document: self, node: $0)) }
        return result
    }

    /// The position of `element` among the document's elements in document order (the index of
    /// its span in ``XMLElementSpans``).
    public func documentOrderIndex(of element: XMLTree.Element) -> Int? {
        guard let root = root else { return nil }
        var index = 0
        var found: Int?
        XMLTree.Element.walk(root.node) { node in
            if found == nil && node == element.node { found = index }
            index += 1
        }
        return found
    }

    /// The span of `element` in the parsed bytes, checked against its qualified name.
    public func span(of element: XMLTree.Element, in spans: XMLElementSpans) -> XMLElementSpans.Span? {
        guard let index = documentOrderIndex(of: element), index < spans.spans.count else { return nil }
        let span = spans.spans[index]
        return span.name == element.qualifiedName ? span : nil
    }
}
