import Foundation

/// An incremental update (ISO 32000-2 §7.5.6): new and replaced objects appended after the
/// original bytes, with a cross-reference section and trailer that point back to the previous one.
/// The original bytes are never touched, so earlier signatures stay valid.
///
/// The section is a classic table when the newest original section is a table (hybrid files
/// included) and a cross-reference stream when it is a stream, as the standard requires.
///
/// ```swift
/// var update = IncrementalUpdate(document: document)
/// let ref = update.allocate()
/// update.set(ref, .dictionary(...))
/// let bytes = update.serialize().bytes    // append to the original file
/// ```
public struct IncrementalUpdate {
    public enum Body {
        case object(PDFObject)
        /// Pre-serialized object body, for objects whose byte layout the caller must know
        /// (a signature dictionary with placeholders).
        case raw([UInt8])
    }

    public struct Serialized {
        /// The bytes to append to the original file.
        public var bytes: [UInt8]
        /// Offset, within `bytes`, of each object's body (just after `N G obj\n`).
        public let bodyOffsets: [ObjectReference: Int]
    }

    let originalLength: Int
    let originalEndsWithEOL: Bool
    let previousTrailer: PDFDictionary
    let previousSectionOffset: Int
    let useStream: Bool
    let previousSize: Int
    private(set) var nextNumber: Int
    private var order: [ObjectReference] = []
    private var bodies: [ObjectReference: Body] = [:]
    /// Whether the document is encrypted: the trailer keeps its /Encrypt, and the objects must be
    /// encrypted (``encryptObjects(with:)``) before serialising.
    let previousEncrypt: PDFObject?

    public init(document: PDFDocument) throws(PDFError) {
        originalLength = document.source.count
        let last = try document.source.read(at: max(0, originalLength - 1), length: 1)
        originalEndsWithEOL = last.first == 0x0A || last.first == 0x0D
        previousTrailer = document.trailer
        previousSectionOffset = document.newestSectionOffset
        useStream = document.sections[0].kind == .stream
        previousSize = document.trailer["Size"]?.integer ?? 0
        previousEncrypt = document.trailer["Encrypt"]
        nextNumber = max(previousSize, document.highestObjectNumber + 1)
    }

    /// A fresh object number.
    public mutating func allocate() -> ObjectReference {
        let reference = ObjectReference(nextNumber, 0)
        nextNumber += 1
        return reference
    }

    public mutating func set(_ reference: ObjectReference, _ object: PDFObject) {
        set(reference, body: .object(object))
    }
    public mutating func set(_ reference: ObjectReference, raw: [UInt8]) { set(reference, body: .raw(raw)) }

    private mutating func set(_ reference: ObjectReference, body: Body) {
        if bodies[reference] == nil { order.append(reference) }
        bodies[reference] = body
    }

    public var isEmpty: Bool { order.isEmpty }

    /// Encrypts the strings and streams of every object set so far (raw bodies are the caller's:
    /// it encrypts what they hold), so the update is protected as the document is.
    public mutating func encryptObjects(with encryptor: any PDFEncryptor) throws(PDFError) {
        for reference in order {
            if case .object(let object) = bodies[reference]! {
                bodies[reference] = .object(try encryptor.encrypted(object, as: reference))
            }
        }
    }

    /// The update's bytes, laid out to start at the end of the original file.
    public func serialize(documentID: [UInt8]? = nil) -> Serialized {
        var out: [UInt8] = []
        if !originalEndsWithEOL { out.append(0x0A) }
        var offsets: [ObjectReference: Int] = [:]
        var bodyOffsets: [ObjectReference: Int] = [:]
        for reference in order {
            offsets[reference] = originalLength + out.count
            out += Array("\(reference.number) \(reference.generation) obj\n".utf8)
            bodyOffsets[reference] = out.count
            switch bodies[reference]! {
            case .object(let object): PDFSerializer.write(object, into: &out)
            case .raw(let raw): out += raw
            }
            out += Array("\nendobj\n".utf8)
        }
        var trailer = PDFDictionary()
        var size = nextNumber
        let xrefStreamReference = useStream ? ObjectReference(nextNumber, 0) : nil
        if xrefStreamReference != nil { size += 1 }
        trailer["Size"] = .integer(max(size, previousSize))
        trailer["Root"] = previousTrailer["Root"]
        if let info = previousTrailer["Info"] { trailer["Info"] = info }
        if let previousEncrypt { trailer["Encrypt"] = previousEncrypt }
        trailer["ID"] = idArray(newPart: documentID)
        trailer["Prev"] = .integer(previousSectionOffset)

        let sectionOffset = originalLength + out.count
        if let xrefStreamReference {
            offsets[xrefStreamReference] = sectionOffset
            out += xrefStream(reference: xrefStreamReference, offsets: offsets, trailer: trailer)
        } else {
            out += xrefTable(offsets: offsets, trailer: trailer)
        }
        out += Array("startxref\n\(sectionOffset)\n%%EOF\n".utf8)
        return Serialized(bytes: out, bodyOffsets: bodyOffsets)
    }

    /// Keeps the permanent first identifier; the second changes with each revision (§14.4).
    private func idArray(newPart: [UInt8]?) -> PDFObject {
        let fresh = newPart ?? Array((0..<16).map { _ in UInt8.random(in: 0...255) })
        if let existing = previousTrailer["ID"]?.array, let first = existing.first?.string {
            return .array([.string(first), .string(PDFString(bytes: fresh, isHex: true))])
        }
        return .array([.string(PDFString(bytes: fresh, isHex: true)), .string(PDFString(bytes: fresh, isHex: true))])
    }

    /// Consecutive runs of object numbers, for subsections / `/Index`.
    private func runs(_ numbers: [Int]) -> [(first: Int, count: Int)] {
        var result: [(Int, Int)] = []
        for n in numbers.sorted() {
            if let last = result.last, last.0 + last.1 == n {
                result[result.count - 1].1 += 1
            } else {
                result.append((n, 1))
            }
        }
        return result
    }

    private func xrefTable(offsets: [ObjectReference: Int], trailer: PDFDictionary) -> [UInt8] {
        var out = Array("xref\n".utf8)
        let byNumber = Dictionary(uniqueKeysWithValues: offsets.map { ($0.key.number, ($0.value, $0.key.generation)) })
        for run in runs(Array(byNumber.keys)) {
            out += Array("\(run.first) \(run.count)\n".utf8)
            for n in run.first..<(run.first + run.count) {
                let (offset, generation) = byNumber[n]!
                let o = String(offset)
                let g = String(generation)
                out += Array(
                    (String(repeating: "0", count: max(0, 10 - o.count)) + o + " "
                        + String(repeating: "0", count: max(0, 5 - g.count)) + g + " n\r\n").utf8)
            }
        }
        out += Array("trailer\n".utf8)
        PDFSerializer.write(.dictionary(trailer), into: &out)
        out.append(0x0A)
        return out
    }

    private func xrefStream(
        reference: ObjectReference, offsets: [ObjectReference: Int], trailer: PDFDictionary
    ) -> [UInt8] {
        let byNumber = Dictionary(uniqueKeysWithValues: offsets.map { ($0.key.number, ($0.value, $0.key.generation)) })
        let maxOffset = offsets.values.max() ?? 0
        var offsetWidth = 1
        while maxOffset >= 1 << (8 * offsetWidth) { offsetWidth += 1 }
        var data: [UInt8] = []
        var index: [PDFObject] = []
        for run in runs(Array(byNumber.keys)) {
            index += [.integer(run.first), .integer(run.count)]
            for n in run.first..<(run.first + run.count) {
                let (offset, generation) = byNumber[n]!
                data.append(1)
                for shift in stride(from: 8 * (offsetWidth - 1), through: 0, by: -8) {
                    data.append(UInt8((offset >> shift) & 0xFF))
                }
                data += [UInt8((generation >> 8) & 0xFF), UInt8(generation & 0xFF)]
            }
        }
        var dict = PDFDictionary([("Type", .name("XRef"))])
        for (key, value) in trailer.entries { dict[key] = value }
        dict["W"] = .array([1, .integer(offsetWidth), 2])
        dict["Index"] = .array(index)
        var out = Array("\(reference.number) \(reference.generation) obj\n".utf8)
        PDFSerializer.write(.stream(PDFStream(dictionary: dict, data: .bytes(data))), into: &out)
        out += Array("\nendobj\n".utf8)
        return out
    }
}
