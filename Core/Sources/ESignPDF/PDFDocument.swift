import ESignCore

/// A PDF opened for reading: its revisions, its objects (resolved on demand) and the few document
/// structures signing needs (catalog, pages, interactive form).
///
/// The file is never loaded whole: objects are read where the cross-reference data says they are.
/// One `PDFDocument` is used by one thread at a time; open one per thread for parallel work.
///
/// ```swift
/// let document = try PDFDocument(source: FileByteSource(path: "decision.pdf"))
/// let firstPage = try document.pageReference(at: 0)
/// ```
public final class PDFDocument {
    public let source: ByteSource
    /// The header version, e.g. "1.7".
    public let headerVersion: String
    /// Cross-reference sections, newest first.
    public let sections: [CrossReferenceSection]
    /// Where the newest section actually is (after any `startxref` repair).
    public var newestSectionOffset: Int { sections[0].offset }
    /// The newest trailer.
    public var trailer: PDFDictionary { sections[0].trailer }

    /// Set when `/Prev` led back to a section already read; the chain was cut there.
    public let chainLoop: String?
    /// The end of the bytes this document reads: the file's size, or the end of a historical
    /// revision. Repairs never look past it.
    public let byteLimit: Int

    private var entries: [Int: CrossReferenceEntry] = [:]
    /// The index in `sections` of the section whose entry is in effect for each object.
    private var entrySection: [Int: Int] = [:]
    private var cache: [ObjectReference: PDFObject] = [:]
    private var objectStreams: [Int: ObjectStreamIndex] = [:]
    private var resolving: Set<ObjectReference> = []
    /// Every "N G obj" header in the file, by object number, in file order: the repair index.
    private var scannedOffsets: [Int: [Int]]?
    private var sectionEnds: [Int]?
    /// What `objectExactly` found for each entry: the cross-reference audit and the change
    /// analysis both read every entry of a later revision.
    private var exactReads: [ExactReadKey: ExactRead] = [:]
    private struct ExactReadKey: Hashable {
        let number: Int
        let entry: CrossReferenceEntry
    }
    /// Set when an object had to be located by scanning because its cross-reference entry was wrong.
    public private(set) var neededRepair = false

    public init(source: ByteSource) throws(PDFError) {
        self.source = source
        guard source.count > 0 else { throw .notPDF("the file is empty") }
        let head = try source.read(at: 0, length: 1024)
        guard let header = head.firstOffset(of: Array("%PDF-".utf8)) else {
            throw .notPDF("no %PDF- header in the first 1024 bytes")
        }
        let versionBytes = head[(header + 5)...].prefix { !PDFLexer.isWhitespace($0) && $0 != 0x25 }
        let version = String(decoding: versionBytes, as: UTF8.self)
        guard versionBytes.count == 3, let major = versionBytes.first, (0x31...0x32).contains(major),
            versionBytes[versionBytes.startIndex + 1] == 0x2E,
            let minor = versionBytes.last, (0x30...0x39).contains(minor)
        else {
            throw .notPDF("illegal PDF header '%PDF-\(version.prefix(16))'")
        }
        headerVersion = version
        let reader = CrossReferenceReader(source: source)
        let start = try reader.findStartXref()
        (sections, chainLoop) = try reader.readChain(from: start)
        byteLimit = source.count
        indexEntries()
        guard trailer["Root"]?.reference != nil else { throw .brokenCrossReference("the trailer has no /Root") }
    }

    /// A document made of some of another's sections (a historical revision ending at `byteLimit`).
    init(source: ByteSource, headerVersion: String, sections: [CrossReferenceSection], byteLimit: Int) {
        self.source = source
        self.headerVersion = headerVersion
        self.sections = sections
        self.chainLoop = nil
        self.byteLimit = byteLimit
        indexEntries()
    }

    private func indexEntries() {
        for (index, section) in sections.enumerated().reversed() {
            for (number, entry) in section.entries {
                entries[number] = entry
                entrySection[number] = index
            }
        }
    }

    public convenience init(path: String) throws(PDFError) {
        try self.init(source: FileByteSource(path: path))
    }

    /// Whether the file uses a security handler (`/Encrypt` in the trailer).
    public var isEncrypted: Bool { trailer["Encrypt"] != nil }

    /// The security handler's decryption, once the document has been opened with a password or
    /// key: every object read afterwards is decrypted.
    public var decryptor: (any PDFDecryptor)? {
        didSet {
            cache = [:]
            objectStreams = [:]
            exactReads = [:]
        }
    }

    /// The version in effect: the catalog's `/Version` when it is newer than the header.
    public var version: String {
        if let v = (try? catalog())?["Version"]?.name?.string, v > headerVersion { return v }
        return headerVersion
    }

    /// The largest object number in use or announced (`/Size` − 1).
    public var highestObjectNumber: Int {
        max((entries.keys.max() ?? 0), sections.map { ($0.trailer["Size"]?.integer ?? 1) - 1 }.max() ?? 0)
    }

    /// The cross-reference entry in effect for an object.
    public func entry(for number: Int) -> CrossReferenceEntry? { entries[number] }

    /// The index in `sections` of the section whose entry for `number` is in effect.
    public func sectionIndex(definingObject number: Int) -> Int? { entrySection[number] }

    /// Resolves a reference; an undefined or free object is `null`, as the PDF standard says.
    public func object(_ reference: ObjectReference) throws(PDFError) -> PDFObject {
        if let cached = cache[reference] { return cached }
        guard resolving.insert(reference).inserted else {
            throw .malformed("circular reference through object \(reference)")
        }
        defer { resolving.remove(reference) }
        let object: PDFObject
        switch entries[reference.number] {
        case .inFile(let offset, let generation)?:
            guard generation == reference.generation else { return .null }
            let read = try readObject(reference, near: offset, limit: repairLimit(forObject: reference.number))
            object = try decryptedIfEncrypted(read, as: reference)
        case .compressed(let streamNumber, let index)?:
            object = try readCompressed(reference, streamNumber: streamNumber, index: index)
        case .free?, nil:
            object = .null
        }
        cache[reference] = object
        return object
    }

    /// Follows a reference, or returns a direct object as is.
    public func resolve(_ object: PDFObject?) throws(PDFError) -> PDFObject {
        guard let object else { return .null }
        if case .reference(let r) = object { return try self.object(r) }
        return object
    }

    /// Resolves to a dictionary, or nil.
    public func dictionary(_ object: PDFObject?) throws(PDFError) -> PDFDictionary? {
        try resolve(object).dictionary
    }

    public var catalogReference: ObjectReference { trailer["Root"]!.reference! }

    public func catalog() throws(PDFError) -> PDFDictionary {
        guard let catalog = try object(catalogReference).dictionary else {
            throw .malformed("the document catalog (/Root \(catalogReference)) is not a dictionary")
        }
        return catalog
    }

    // MARK: Reading objects

    /// Reads the object at `offset`, repairing a slightly wrong offset or, failing that, taking the
    /// last header for the object found before `limit` (the end of the revision whose entry is
    /// being read, so that a repair never picks up bytes a later update wrote).
    private func readObject(_ reference: ObjectReference, near offset: Int, limit: Int) throws(PDFError) -> PDFObject {
        if let (found, object) = try? parseIndirect(at: offset), found == reference { return object }
        for delta in 1...CrossReferenceReader.tolerance {
            for candidate in [offset - delta, offset + delta] where candidate >= 0 && candidate < limit {
                if let (found, object) = try? parseIndirect(at: candidate), found == reference {
                    neededRepair = true
                    return object
                }
            }
        }
        if let scanned = try scanForObjects()[reference.number]?.last(where: { $0 < limit }),
            let (found, object) = try? parseIndirect(at: scanned), found == reference
        {
            neededRepair = true
            return object
        }
        throw .brokenCrossReference(
            "object \(reference.number) \(reference.generation) is not where the cross-reference table says "
                + "(offset \(offset))")
    }

    /// `object` decrypted, when the document is encrypted and it is not the `/Encrypt` dictionary.
    private func decryptedIfEncrypted(_ object: PDFObject, as reference: ObjectReference) throws(PDFError) -> PDFObject
    {
        guard let decryptor, reference != trailer["Encrypt"]?.reference else { return object }
        return try decrypted(object, as: reference, with: decryptor)
    }

    /// Where repairs of the object's entry must stop: the end of the revision its entry belongs to.
    private func repairLimit(forObject number: Int) -> Int {
        guard let index = entrySection[number] else { return byteLimit }
        if sectionEnds == nil {
            let ends = (try? revisions()).map { revisions in
                Dictionary(revisions.map { ($0.sectionIndex, $0.end) }, uniquingKeysWith: max)
            }
            sectionEnds = sections.indices.map { ends?[$0] ?? byteLimit }
        }
        return min(byteLimit, sectionEnds![index])
    }

    /// What a viewer that follows the entry without any repair reads: the object whose header
    /// stands exactly at the entry's offset (or exactly at the entry's index of its object
    /// stream), or why there is none. `.free` reads as `null`.
    public func objectExactly(_ number: Int, entry: CrossReferenceEntry) -> ExactRead {
        let key = ExactReadKey(number: number, entry: entry)
        if let known = exactReads[key] { return known }
        let read = readExactly(number, entry: entry)
        exactReads[key] = read
        return read
    }

    private func readExactly(_ number: Int, entry: CrossReferenceEntry) -> ExactRead {
        switch entry {
        case .free:
            return .object(.null)
        case .inFile(let offset, let generation):
            guard offset >= 0, offset < source.count else {
                return .mismatch("points at offset \(offset), outside the file")
            }
            guard let (found, object) = try? parseIndirect(at: offset) else {
                return .mismatch("points at offset \(offset), where no object begins")
            }
            guard found.number == number, found.generation == generation else {
                return .mismatch(
                    "points at offset \(offset), which holds object \(found.number) \(found.generation) "
                        + "instead of \(number) \(generation)",
                    holding: found)
            }
            if case .stream(let stream) = object, !streamLengthIsExact(stream) {
                return .mismatch("points at a stream whose /Length does not end at endstream (offset \(offset))")
            }
            guard let clear = try? decryptedIfEncrypted(object, as: found) else {
                return .mismatch("points at offset \(offset), where the object cannot be decrypted")
            }
            return .object(clear)
        case .compressed(let streamNumber, let index):
            guard let objectStream = try? objectStreamIndex(streamNumber) else {
                return .mismatch("points into object \(streamNumber), which is not a readable object stream")
            }
            guard index >= 0, index < objectStream.headers.count else {
                return .mismatch("points at index \(index) of object stream \(streamNumber), which has no such index")
            }
            guard objectStream.headers[index].number == number else {
                return .mismatch(
                    "points at index \(index) of object stream \(streamNumber), which holds object "
                        + "\(objectStream.headers[index].number)")
            }
            guard let object = try? objectStream.object(at: index, streamNumber: streamNumber) else {
                return .mismatch("points at index \(index) of object stream \(streamNumber), which cannot be read")
            }
            return .object(object)
        }
    }

    /// What `objectExactly` found.
    public enum ExactRead: Equatable {
        case object(PDFObject)
        /// Why the entry does not lead to the object; `holding` is the object found there instead.
        case mismatch(String, holding: ObjectReference? = nil)
    }

    /// The object numbers an object stream declares, in order (nil when it is not one).
    public func objectStreamMembers(_ streamNumber: Int) -> [Int]? {
        (try? objectStreamIndex(streamNumber))?.headers.map(\.number)
    }

    /// Where the object whose header stands at `offset` ends (after `endobj`, or after the stream's
    /// data for a stream), or nil when no object begins there.
    public func extentOfObject(at offset: Int) -> Int? {
        guard offset >= 0, offset < source.count else { return nil }
        return try? CrossReferenceReader(source: source).withWindow(at: offset, initial: 4096) {
            (parser: inout PDFParser) throws(PDFLexer.LexerError) -> Int in
            let (_, object) = try parser.parseIndirectObject()
            if case .stream(let stream) = object, case .inFile(let dataStart) = stream.data {
                let length = (try? self.resolve(stream.dictionary["Length"]).integer) ?? 0
                return dataStart + max(0, length)
            }
            return parser.lexer.absolutePosition
        }
    }

    /// Whether a stream's `/Length` ends exactly where `endstream` follows.
    func streamLengthIsExact(_ stream: PDFStream) -> Bool {
        guard case .inFile(let offset) = stream.data else { return true }
        guard let length = try? resolve(stream.dictionary["Length"]).integer, length >= 0,
            offset + length <= source.count, let tail = try? source.read(at: offset + length, length: 32)
        else { return false }
        var lexer = PDFLexer(bytes: tail, isFinal: true)
        lexer.skipWhitespace()
        return tail[lexer.position...].starts(with: Array("endstream".utf8))
    }

    private func parseIndirect(at offset: Int) throws(PDFError) -> (ObjectReference, PDFObject) {
        guard offset >= 0, offset < source.count else { throw .malformed("offset \(offset) outside the file") }
        return try CrossReferenceReader(source: source).withWindow(at: offset, initial: 4096) {
            (parser: inout PDFParser) throws(PDFLexer.LexerError) in try parser.parseIndirectObject()
        }
    }

    private func readCompressed(
        _ reference: ObjectReference, streamNumber: Int, index: Int
    ) throws(PDFError)
        -> PDFObject
    {
        guard reference.generation == 0 else { return .null }
        let objectStream = try objectStreamIndex(streamNumber)
        // Prefer the stated index; fall back to searching by number (some writers misnumber indices).
        var slot =
            index < objectStream.headers.count && objectStream.headers[index].number == reference.number ? index : nil
        if slot == nil { slot = objectStream.headers.firstIndex { $0.number == reference.number } }
        guard let slot else {
            throw .malformed("object stream \(streamNumber) does not contain object \(reference.number)")
        }
        return try objectStream.object(at: slot, streamNumber: streamNumber)
    }

    private func objectStreamIndex(_ streamNumber: Int) throws(PDFError) -> ObjectStreamIndex {
        if let known = objectStreams[streamNumber] { return known }
        guard case .stream(let stream) = try object(ObjectReference(streamNumber, 0)),
            stream.dictionary["Type"]?.isName("ObjStm") == true
        else {
            throw .malformed("object \(streamNumber) is named as an object stream, but it is not one")
        }
        let data = try streamData(stream)
        guard let n = stream.dictionary["N"]?.integer, let first = stream.dictionary["First"]?.integer,
            n >= 0, first >= 0, first <= data.count
        else {
            throw .malformed("object stream \(streamNumber) lacks /N or /First")
        }
        var lexer = PDFLexer(bytes: Array(data[0..<first]))
        var headers: [(number: Int, offset: Int)] = []
        for _ in 0..<n {
            guard case .integer(let number)? = try? lexer.next(), case .integer(let offset)? = try? lexer.next()
            else { break }
            headers.append((number, offset))
        }
        let index = ObjectStreamIndex(headers: headers, data: data, first: first)
        objectStreams[streamNumber] = index
        return index
    }

    /// The raw (still encoded) bytes of a stream, using `/Length` and checking for `endstream`.
    public func rawStreamData(_ stream: PDFStream) throws(PDFError) -> [UInt8] {
        switch stream.data {
        case .bytes(let bytes): return bytes
        case .inFile(let offset):
            let length = try resolve(stream.dictionary["Length"]).integer
            if let length, length >= 0, offset + length <= source.count {
                let tail = try source.read(at: offset + length, length: 32)
                var lexer = PDFLexer(bytes: tail, isFinal: true)
                lexer.skipWhitespace()
                if tail[lexer.position...].starts(with: Array("endstream".utf8)) {
                    return try source.read(at: offset, length: length)
                }
            }
            // Wrong or missing /Length: find endstream (bounded search).
            var searched = 0
            let step = 1 << 20
            while searched < 64 << 20 && offset + searched < source.count {
                let window = try source.read(at: offset + searched, length: step + 16)
                if let r = window.firstRange(of: Array("endstream".utf8)) {
                    var end = searched + r.lowerBound
                    let all = try source.read(at: offset, length: end)
                    if end > 0 && all[end - 1] == 0x0A { end -= 1 }
                    if end > 0 && all[end - 1] == 0x0D { end -= 1 }
                    return Array(all[0..<end])
                }
                searched += step
            }
            throw .malformed("a stream at offset \(offset) has no endstream")
        }
    }

    /// The decoded bytes of a stream (Flate with predictors only), decrypted first in an
    /// encrypted document.
    public func streamData(_ stream: PDFStream) throws(PDFError) -> [UInt8] {
        var dict = stream.dictionary
        // DecodeParms may be indirect.
        if let parms = dict["DecodeParms"], case .reference = parms { dict["DecodeParms"] = try resolve(parms) }
        return try StreamDecoder.decode(try clearStreamData(stream), dictionary: dict)
    }

    /// The stream's bytes before its filters: decrypted in an encrypted document, else as stored.
    public func clearStreamData(_ stream: PDFStream) throws(PDFError) -> [UInt8] {
        let raw = try rawStreamData(stream)
        guard let decryptor, let owner = stream.encryptedAs else { return raw }
        return try decryptor.decrypt(stream: raw, of: owner, dictionary: stream.dictionary)
    }

    /// The offsets of each "N G obj" in the file, in file order: the repair index, built once and
    /// only when needed.
    private func scanForObjects() throws(PDFError) -> [Int: [Int]] {
        if let scannedOffsets { return scannedOffsets }
        var found: [Int: [Int]] = [:]
        let chunk = 1 << 20
        var offset = 0
        while offset < source.count {
            let bytes = try source.read(at: offset, length: chunk + 64)
            var i = 0
            let limit = min(bytes.count, chunk)
            while i < limit {
                // Look for "obj" preceded by "<digits> <digits> ".
                if bytes[i] == 0x6F, i + 2 < bytes.count, bytes[i + 1] == 0x62, bytes[i + 2] == 0x6A, i >= 4 {
                    var j = i - 1
                    while j >= 0 && PDFLexer.isWhitespace(bytes[j]) { j -= 1 }
                    var genDigits = 0
                    while j >= 0 && bytes[j] >= 0x30 && bytes[j] <= 0x39 {
                        j -= 1
                        genDigits += 1
                    }
                    var gap = 0
                    while j >= 0 && PDFLexer.isWhitespace(bytes[j]) {
                        j -= 1
                        gap += 1
                    }
                    let numEnd = j
                    while j >= 0 && bytes[j] >= 0x30 && bytes[j] <= 0x39 { j -= 1 }
                    if genDigits > 0, gap > 0, numEnd > j, numEnd - j <= 10, j < 0 || !PDFLexer.isRegular(bytes[j]) {
                        let number = Int(String(decoding: bytes[(j + 1)...numEnd], as: UTF8.self)) ?? -1
                        if number >= 0 { found[number, default: []].append(offset + j + 1) }
                    }
                }
                i += 1
            }
            offset += chunk
        }
        scannedOffsets = found
        return found
    }

    /// The offsets of every "N G obj" header in `range` of the file, with their object numbers.
    public func objectHeaders(in range: Range<Int>) throws(PDFError) -> [(number: Int, offset: Int)] {
        var result: [(number: Int, offset: Int)] = []
        for (number, offsets) in try scanForObjects() {
            for offset in offsets where range.contains(offset) { result.append((number, offset)) }
        }
        return result.sorted { $0.offset < $1.offset }
    }

    // MARK: Pages

    /// References of the page objects in document order, walking the page tree with protection
    /// against cycles (a page tree that loops is read up to the loop).
    public func pageReferences(limit: Int = .max) throws(PDFError) -> [ObjectReference] {
        guard let root = try catalog()["Pages"]?.reference else { throw .malformed("the catalog has no /Pages") }
        var result: [ObjectReference] = []
        var visited: Set<ObjectReference> = []
        var stack: [ObjectReference] = [root]
        while let node = stack.popLast(), result.count < limit {
            guard visited.insert(node).inserted else { continue }
            guard let dict = try object(node).dictionary else { continue }
            if dict["Type"]?.isName("Page") == true || (dict["Kids"] == nil && dict["Type"]?.isName("Pages") != true) {
                result.append(node)
            } else if let kids = try resolve(dict["Kids"]).array {
                for kid in kids.reversed() { if let r = kid.reference { stack.append(r) } }
            }
        }
        return result
    }

    public func pageReference(at index: Int) throws(PDFError) -> ObjectReference {
        let pages = try pageReferences(limit: index + 1)
        guard index >= 0, index < pages.count else {
            throw .malformed("the document has \(pages.count) page(s); page \(index + 1) does not exist")
        }
        return pages[index]
    }

    /// A page attribute, inherited from ancestors when the page lacks it (MediaBox, CropBox, Resources, Rotate).
    public func inheritedPageAttribute(_ key: String, page: ObjectReference) throws(PDFError) -> PDFObject? {
        var current: ObjectReference? = page
        var visited: Set<ObjectReference> = []
        while let node = current, visited.insert(node).inserted {
            guard let dict = try object(node).dictionary else { return nil }
            if let value = dict[key] { return try resolve(value) }
            current = dict["Parent"]?.reference
        }
        return nil
    }
}
