/// Builds PDF objects from tokens, with limits that keep hostile files from exhausting the stack.
struct PDFParser {
    var lexer: PDFLexer
    static let maximumDepth = 256
    private var pending: [PDFLexer.Token] = []

    init(lexer: PDFLexer) { self.lexer = lexer }

    mutating func nextToken() throws(PDFLexer.LexerError) -> PDFLexer.Token {
        if !pending.isEmpty { return pending.removeFirst() }
        return try lexer.next()
    }

    mutating func pushBack(_ token: PDFLexer.Token) { pending.insert(token, at: 0) }

    /// Parses one direct object. `endedBy` reports a closing token instead of an object.
    mutating func parseObject(depth: Int = 0) throws(PDFLexer.LexerError) -> PDFObject {
        guard depth < Self.maximumDepth else { throw .malformed("objects nested deeper than \(Self.maximumDepth)") }
        let token = try nextToken()
        switch token {
        case .integer(let first):
            // Either a number, or the start of "num gen R".
            let second = try nextToken()
            if case .integer(let generation) = second, first >= 0, generation >= 0 {
                let third = try nextToken()
                if case .keyword(let k) = third, k == [0x52] {  // R
                    return .reference(ObjectReference(first, generation))
                }
                pushBack(third)
                pushBack(second)
                return .integer(first)
            }
            pushBack(second)
            return .integer(first)
        case .real(let r): return .real(r)
        case .name(let n): return .name(n)
        case .string(let s): return .string(s)
        case .arrayStart:
            var items: [PDFObject] = []
            while true {
                let t = try nextToken()
                if t == .arrayEnd { return .array(items) }
                if t == .endOfInput { throw .malformed("unterminated array") }
                pushBack(t)
                items.append(try parseObject(depth: depth + 1))
            }
        case .dictionaryStart:
            var dict = PDFDictionary()
            while true {
                let t = try nextToken()
                switch t {
                case .dictionaryEnd: return .dictionary(dict)
                case .name(let key):
                    let value = try parseObject(depth: depth + 1)
                    // Later duplicates are ignored, as most readers do; a null value means "absent".
                    if dict[key] == nil, !value.isNull { dict[key] = value }
                case .endOfInput: throw .malformed("unterminated dictionary")
                default:
                    throw .malformed("dictionary key is not a name at offset \(lexer.absolutePosition)")
                }
            }
        case .keyword(let k):
            switch k {
            case Array("true".utf8): return .boolean(true)
            case Array("false".utf8): return .boolean(false)
            case Array("null".utf8): return .null
            default:
                throw .malformed(
                    "unexpected '\(String(decoding: k.prefix(32), as: UTF8.self))' at offset \(lexer.absolutePosition)")
            }
        case .endOfInput: throw .malformed("unexpected end of data")
        case .arrayEnd, .dictionaryEnd:
            throw .malformed("unexpected closing bracket at offset \(lexer.absolutePosition)")
        }
    }

    /// Parses `num gen obj <object> [stream…] endobj` and returns the header and object.
    /// For streams the data is not read: only its start offset is recorded.
    mutating func parseIndirectObject() throws(PDFLexer.LexerError) -> (ObjectReference, PDFObject) {
        guard case .integer(let number) = try nextToken(), case .integer(let generation) = try nextToken(),
            case .keyword(let k) = try nextToken(), k == Array("obj".utf8)
        else {
            throw .malformed("no object header at offset \(lexer.absolutePosition)")
        }
        let object = try parseObject()
        let after = try nextToken()
        if case .keyword(let k2) = after, k2 == Array("stream".utf8), case .dictionary(let dict) = object {
            pending.removeAll()
            let start = try lexer.streamDataStart()
            return (
                ObjectReference(number, generation), .stream(PDFStream(dictionary: dict, data: .inFile(offset: start)))
            )
        }
        return (ObjectReference(number, generation), object)
    }
}
