import ESign
import Foundation

/// An incremental update laid out by hand, for building attacks: objects and raw bytes at known
/// offsets, and a cross-reference table that lists exactly what the caller says, right or wrong
/// (an entry that points at another object, a number listed twice, a free entry, a looping /Prev).
public struct RawUpdate {
    public let base: [UInt8]
    public let document: PDFDocument
    public private(set) var body: [UInt8] = []
    /// Cross-reference lines in the order they are written; one subsection each, so a number may
    /// appear twice.
    private var lines: [(number: Int, line: String)] = []
    /// The trailer; /Size and /Prev are filled in when the update is laid out unless set here.
    public var trailer: PDFDictionary
    /// Where /Prev points: by default the section the document's startxref names.
    public var prev: Int
    public private(set) var nextNumber: Int

    public init(_ base: [UInt8]) throws {
        self.base = base
        document = try PDFDocument(source: MemoryByteSource(base))
        var trailer = PDFDictionary()
        trailer["Root"] = document.trailer["Root"]
        if let info = document.trailer["Info"] { trailer["Info"] = info }
        if let id = document.trailer["ID"] { trailer["ID"] = id }
        self.trailer = trailer
        prev = document.newestSectionOffset
        nextNumber = max(document.trailer["Size"]?.integer ?? 0, document.highestObjectNumber + 1)
        if let last = base.last, last != 0x0A, last != 0x0D { body.append(0x0A) }
    }

    /// Where the next bytes written will be, in the whole file.
    public var offset: Int { base.count + body.count }

    public mutating func allocate() -> Int {
        defer { nextNumber += 1 }
        return nextNumber
    }

    /// Writes `number generation obj … endobj` and returns where its header is. Not listed.
    @discardableResult
    public mutating func write(_ number: Int, _ object: PDFObject, generation: Int = 0) -> Int {
        let at = offset
        body += Array("\(number) \(generation) obj\n".utf8)
        body += PDFSerializer.bytes(object)
        body += Array("\nendobj\n".utf8)
        return at
    }

    /// Writes an object and lists it where it is.
    @discardableResult
    public mutating func add(_ number: Int, _ object: PDFObject, generation: Int = 0) -> Int {
        let at = write(number, object, generation: generation)
        list(number, at: at, generation: generation)
        return at
    }

    /// Writes bytes as they are and returns where they start.
    @discardableResult
    public mutating func writeRaw(_ bytes: [UInt8]) -> Int {
        let at = offset
        body += bytes
        return at
    }

    @discardableResult
    public mutating func writeRaw(_ text: String) -> Int { writeRaw(Array(text.utf8)) }

    public mutating func list(_ number: Int, at offset: Int, generation: Int = 0) {
        lines.append((number, String(format: "%010d %05d n\r\n", offset, generation)))
    }

    public mutating func listFree(_ number: Int, nextGeneration: Int = 1) {
        lines.append((number, String(format: "%010d %05d f\r\n", 0, nextGeneration)))
    }

    /// The whole file: the base, the body, the table, the trailer.
    public func bytes() -> [UInt8] {
        var out = base + body
        let sectionOffset = out.count
        var table = "xref\n0 1\n0000000000 65535 f\r\n"
        for (number, line) in lines { table += "\(number) 1\n\(line)" }
        var trailer = self.trailer
        if trailer["Size"] == nil {
            let highest = max(nextNumber, (lines.map(\.number).max() ?? 0) + 1)
            trailer["Size"] = .integer(max(highest, document.trailer["Size"]?.integer ?? 0))
        }
        if trailer["Prev"] == nil { trailer["Prev"] = .integer(prev) }
        out += Array(table.utf8) + Array("trailer\n".utf8) + PDFSerializer.bytes(.dictionary(trailer))
        out += Array("\nstartxref\n\(sectionOffset)\n%%EOF\n".utf8)
        return out
    }

    /// Rewrites the page with `annotation` added to its /Annots: the array object itself when the
    /// page points to one, else the page, with the array made an object of its own when
    /// `indirectArray` says so.
    public mutating func appendAnnotation(
        _ annotation: Int, toPage page: ObjectReference, indirectArray: Bool = false
    )
        throws
    {
        var pageDict = try document.object(page).dictionary!
        let annots = try appended(annotation, to: pageDict["Annots"], indirectArray: indirectArray)
        guard annots != pageDict["Annots"] else { return }  // the array object was rewritten
        pageDict["Annots"] = annots
        add(page.number, .dictionary(pageDict))
    }

    /// Rewrites the form (or the catalog, when the form is written into it; a new form when there
    /// is none) with `field` added to its /Fields, likewise.
    public mutating func appendField(_ field: Int, indirectArray: Bool = false) throws {
        let form = try document.acroForm()
        var formDict = form?.dictionary ?? PDFDictionary()
        let fields = try appended(field, to: formDict["Fields"], indirectArray: indirectArray)
        guard fields != formDict["Fields"] else { return }  // the array object was rewritten
        formDict["Fields"] = fields
        if let reference = form?.reference {
            add(reference.number, .dictionary(formDict))
        } else {
            var catalog = try document.catalog()
            catalog["AcroForm"] = .dictionary(formDict)
            add(document.catalogReference.number, .dictionary(catalog))
        }
    }

    /// The value for an array entry with `number` added: the same reference when the array is an
    /// object of its own (the object is rewritten), else the array, or a reference to a new array
    /// object when `indirectArray`.
    private mutating func appended(_ number: Int, to value: PDFObject?, indirectArray: Bool) throws -> PDFObject {
        let items = (try document.resolve(value).array ?? []) + [.reference(ObjectReference(number))]
        if let indirect = value?.reference {
            add(indirect.number, .array(items))
            return .reference(indirect)
        }
        guard indirectArray else { return .array(items) }
        let array = allocate()
        add(array, .array(items))
        return .reference(ObjectReference(array))
    }
}

extension PDFDocument {
    /// The first page's first content stream.
    public func firstContentStream() throws -> ObjectReference {
        let page = try object(pageReference(at: 0)).dictionary
        switch page?["Contents"] {
        case .reference(let r)?:
            if case .array(let items) = try object(r) { return items.first!.reference! }
            return r
        case .array(let items)?: return items.first!.reference!
        default: throw PDFError.malformed("the first page has no content stream")
        }
    }

    /// The file offset of an uncompressed object.
    public func offset(of number: Int) -> Int? {
        if case .inFile(let offset, _)? = entry(for: number) { return offset }
        return nil
    }
}
