/// An object stream (ISO 32000-2 §7.5.7) decoded once: the numbers and offsets of the objects it
/// holds, and the decoded bytes they are parsed from.
struct ObjectStreamIndex {
    let headers: [(number: Int, offset: Int)]
    let data: [UInt8]
    /// Where the first object starts in `data` (`/First`).
    let first: Int

    /// Parses the object in slot `slot`.
    func object(at slot: Int, streamNumber: Int) throws(PDFError) -> PDFObject {
        let number = headers[slot].number
        let start = first + headers[slot].offset
        guard start >= 0, start < data.count else {
            throw .malformed("object \(number) lies outside its object stream")
        }
        var parser = PDFParser(lexer: PDFLexer(bytes: Array(data[start...])))
        do {
            return try parser.parseObject()
        } catch let error {
            if case .malformed(let why) = error {
                throw .malformed("object \(number) in object stream \(streamNumber): \(why)")
            }
            throw .truncated("object stream \(streamNumber)")
        }
    }
}
