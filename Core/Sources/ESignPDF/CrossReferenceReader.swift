import ESignCore

/// Reads the chain of cross-reference sections from the last `startxref` back through `/Prev`,
/// tolerating the small defects that readers repair: a `startxref` that is a few bytes off,
/// `startxref` and its number on one line, CR/LF variations in tables, subsections not starting at 0.
struct CrossReferenceReader {
    let source: ByteSource
    /// How far from a stated offset a keyword or object header may be found.
    static let tolerance = 16
    static let maximumSections = 4096

    /// The offset stated by the last `startxref`.
    func findStartXref() throws(PDFError) -> Int {
        let tailLength = min(source.count, 4096)
        let tail = try source.read(at: source.count - tailLength, length: tailLength)
        guard let at = tail.lastOffset(of: Array("startxref".utf8)) else {
            throw .brokenCrossReference("no startxref at the end of the file")
        }
        let after = at + 9  // "startxref"
        var lexer = PDFLexer(bytes: Array(tail[after...]), base: source.count - tailLength + after)
        guard case .integer(let offset)? = try? lexer.next(), offset >= 0 else {
            throw .brokenCrossReference("startxref is not followed by an offset")
        }
        return offset
    }

    /// All sections, newest first, following `/Prev` (and `/XRefStm` for hybrid files), and
    /// whether `/Prev` led back to a section already read (a loop, which readers cut where it closes).
    func readChain(from start: Int) throws(PDFError) -> (sections: [CrossReferenceSection], loop: String?) {
        var sections: [CrossReferenceSection] = []
        var visited: Set<Int> = []
        var next: Int? = start
        var loop: String?
        while let offset = next {
            guard sections.count < Self.maximumSections else {
                throw .brokenCrossReference("more than \(Self.maximumSections) revisions")
            }
            guard visited.insert(offset).inserted else {
                loop =
                    "the /Prev chain loops: the section at offset \(sections.last?.offset ?? offset) names offset "
                    + "\(offset), which the chain already read"
                break
            }
            var section: CrossReferenceSection
            do {
                section = try readSection(near: offset)
                section.statedOffset = offset
                if sections.contains(where: { $0.offset == section.offset }) {
                    loop = "the /Prev chain loops back to the section at offset \(section.offset)"
                    break
                }
            } catch {
                if sections.isEmpty { throw error }
                throw .brokenCrossReference(
                    "the revision at offset \(offset) (named by /Prev) cannot be read: \(error)")
            }
            sections.append(section)
            if let prev = section.trailer["Prev"]?.integer, prev >= 0, prev < source.count {
                next = prev
            } else if section.trailer["Prev"] != nil && sections.count == 1 && section.trailer["Prev"]?.integer == nil {
                throw .brokenCrossReference("/Prev in the trailer is not an offset")
            } else {
                next = nil
            }
        }
        return (sections, loop)
    }

    /// Reads the section at `offset`, or a few bytes away when the offset is slightly wrong.
    func readSection(near offset: Int) throws(PDFError) -> CrossReferenceSection {
        guard offset >= 0, offset < source.count else {
            throw .brokenCrossReference(
                "startxref points to offset \(offset), outside the file (\(source.count) bytes)")
        }
        let windowStart = max(0, offset - Self.tolerance)
        let probe = try source.read(at: windowStart, length: 2 * Self.tolerance + 32)
        // Exact position first, then the nearest candidate either side.
        let candidates = [offset] + (1...Self.tolerance).flatMap { [offset - $0, offset + $0] }
        for candidate in candidates where candidate >= windowStart {
            let local = candidate - windowStart
            guard local < probe.count else { continue }
            var lexer = PDFLexer(bytes: Array(probe[local...]), base: candidate, isFinal: false)
            lexer.skipWhitespace()
            let rest = probe[(local + lexer.position)...]
            if rest.starts(with: Array("xref".utf8)) {
                return try readTable(at: candidate + lexer.position)
            }
            // "N G obj" right at the candidate (a cross-reference stream).
            if candidate == offset || (local == 0 || PDFLexer.isWhitespace(probe[local - 1])),
                let first = rest.first, first >= 0x30, first <= 0x39,
                let objRange = rest.prefix(32).firstRange(of: Array("obj".utf8)),
                rest[rest.startIndex..<objRange.lowerBound].allSatisfy({
                    ($0 >= 0x30 && $0 <= 0x39) || PDFLexer.isWhitespace($0)
                })
            {
                return try readStream(at: candidate + lexer.position)
            }
        }
        throw .brokenCrossReference("startxref points to offset \(offset), where there is no cross-reference section")
    }

    /// Parses with a growing window until the lexer no longer runs out of data.
    func withWindow<T>(
        at offset: Int, initial: Int = 16 * 1024, _ body: (inout PDFParser) throws(PDFLexer.LexerError) -> T
    ) throws(PDFError) -> T {
        var size = initial
        while true {
            let bytes = try source.read(at: offset, length: size)
            let isFinal = offset + bytes.count >= source.count
            var parser = PDFParser(lexer: PDFLexer(bytes: bytes, base: offset, isFinal: isFinal))
            do {
                return try body(&parser)
            } catch {
                switch error {
                case .needMoreData:
                    guard !isFinal else { throw PDFError.truncated("at offset \(offset)") }
                    size *= 4
                case .malformed(let why):
                    throw PDFError.malformed(why)
                }
            }
        }
    }

    func readTable(at offset: Int) throws(PDFError) -> CrossReferenceSection {
        let (entries, duplicates, trailer, end) = try withWindow(at: offset) {
            (parser: inout PDFParser) throws(PDFLexer.LexerError) in
            _ = try parser.nextToken()  // "xref"
            var entries: [Int: CrossReferenceEntry] = [:]
            var duplicates: [Int] = []
            while true {
                let token = try parser.nextToken()
                if case .keyword(let k) = token, k == Array("trailer".utf8) { break }
                guard case .integer(let first) = token, case .integer(let count) = try parser.nextToken(),
                    first >= 0, count >= 0, count < 50_000_000
                else {
                    throw .malformed("bad cross-reference subsection header")
                }
                var number = first
                for _ in 0..<count {
                    let a = try parser.nextToken()
                    if case .keyword(let k) = a, k == Array("trailer".utf8) {
                        parser.pushBack(a)
                        break
                    }
                    guard case .integer(let field1) = a, case .integer(let field2) = try parser.nextToken(),
                        case .keyword(let type) = try parser.nextToken()
                    else {
                        throw .malformed("bad cross-reference entry for object \(number)")
                    }
                    let entry: CrossReferenceEntry =
                        type == [0x6E] && field1 > 0 ? .inFile(offset: field1, generation: field2) : .free  // n
                    if let first = entries[number] {
                        if first != entry { duplicates.append(number) }
                    } else {
                        entries[number] = entry
                    }
                    number += 1
                }
            }
            guard case .dictionary(let trailer) = try parser.parseObject() else {
                throw .malformed("trailer is not a dictionary")
            }
            return (entries, duplicates, trailer, parser.lexer.absolutePosition)
        }
        var ambiguities = duplicates.sorted().map {
            "the cross-reference table at offset \(offset) lists object \($0) twice, at different places"
        }
        var merged = entries
        var kind = CrossReferenceSection.Kind.table
        if let streamOffset = trailer["XRefStm"]?.integer, streamOffset > 0, streamOffset < source.count {
            // Hybrid file: the stream adds entries (objects in object streams) the table does not list.
            if let stream = try? readStream(at: streamOffset) {
                for (number, entry) in stream.entries.sorted(by: { $0.key < $1.key }) {
                    switch merged[number] {
                    case nil, .free?: merged[number] = entry
                    case let listed? where listed != entry && entry != .free:
                        ambiguities.append(
                            "the hybrid section at offset \(offset) lists object \(number) in its table and "
                                + "elsewhere in its /XRefStm stream")
                    default: break
                    }
                }
                kind = .hybrid
                ambiguities += stream.ambiguities
            }
        }
        return CrossReferenceSection(
            offset: offset, kind: kind, trailer: trailer, entries: merged, end: end, ambiguities: ambiguities)
    }

    func readStream(at offset: Int) throws(PDFError) -> CrossReferenceSection {
        let (_, object) = try withWindow(at: offset) { (parser: inout PDFParser) throws(PDFLexer.LexerError) in
            try parser.parseIndirectObject()
        }
        guard case .stream(let stream) = object, stream.dictionary["Type"]?.isName("XRef") == true else {
            throw .brokenCrossReference("the object at offset \(offset) is not a cross-reference stream")
        }
        let dict = stream.dictionary
        guard let length = dict["Length"]?.integer, length >= 0, case .inFile(let dataOffset) = stream.data,
            dataOffset + length <= source.count
        else {
            throw .brokenCrossReference("cross-reference stream at \(offset) has no usable direct /Length")
        }
        let raw = try source.read(at: dataOffset, length: length)
        let data = try StreamDecoder.decode(raw, dictionary: dict)
        guard let widths = dict["W"]?.array?.compactMap(\.integer), widths.count == 3,
            widths.allSatisfy({ $0 >= 0 && $0 <= 8 })
        else {
            throw .brokenCrossReference("cross-reference stream at \(offset) has a bad /W")
        }
        let size = dict["Size"]?.integer ?? 0
        var index = dict["Index"]?.array?.compactMap(\.integer) ?? [0, size]
        if index.count % 2 != 0 { index.removeLast() }
        let rowLength = widths.reduce(0, +)
        guard rowLength > 0 else { throw .brokenCrossReference("cross-reference stream with empty rows") }
        var entries: [Int: CrossReferenceEntry] = [:]
        var duplicates: [Int] = []
        var row = 0
        func field(_ start: Int, _ width: Int) -> Int {
            var v = 0
            for i in 0..<width { v = v << 8 | Int(data[start + i]) }
            return v
        }
        for pair in stride(from: 0, to: index.count, by: 2) {
            let first = index[pair]
            let count = index[pair + 1]
            guard first >= 0, count >= 0 else { continue }
            for n in 0..<count {
                let start = row * rowLength
                guard start + rowLength <= data.count else { break }
                let type = widths[0] == 0 ? 1 : field(start, widths[0])
                let f2 = field(start + widths[0], widths[1])
                let f3 = field(start + widths[0] + widths[1], widths[2])
                let number = first + n
                let entry: CrossReferenceEntry
                switch type {
                case 1: entry = f2 > 0 ? .inFile(offset: f2, generation: f3) : .free
                case 2: entry = .compressed(streamNumber: f2, index: f3)
                default: entry = .free
                }
                if let listed = entries[number] {
                    if listed != entry { duplicates.append(number) }
                } else {
                    entries[number] = entry
                }
                row += 1
            }
        }
        let ambiguities = duplicates.sorted().map {
            "the cross-reference stream at offset \(offset) lists object \($0) twice, at different places"
        }
        return CrossReferenceSection(
            offset: offset, kind: .stream, trailer: dict, entries: entries, end: dataOffset + length,
            ambiguities: ambiguities)
    }
}
