import ESignPDF

/// A signature or document timestamp as it sits in a PDF: its field, its dictionary and where its
/// bytes are. Reading these never trusts the values: the verifier checks each.
public struct EmbeddedSignature: Sendable {
    public let fieldName: String
    public let dictionary: PDFDictionary
    /// Where the signature dictionary is in the file (nil when it is not an uncompressed object).
    public let dictionaryOffset: Int?
    public let byteRange: [Int]?
    public let contents: [UInt8]?
    public let subFilter: String?
    public let isDocumentTimestamp: Bool
    /// Why the signature dictionary could not be read, when it could not.
    public var readError: String? = nil

    /// End of the signed bytes (`/ByteRange` offset + length of the last range).
    public var signedEnd: Int? {
        guard let r = byteRange, r.count == 4 else { return nil }
        return r[2] + r[3]
    }

    /// `/ByteRange` as ranges of a file of `fileSize` bytes; nil unless it is pairs of
    /// non-negative integers naming bytes inside the file. (Whether they are the right ranges is
    /// for the verifier to judge.)
    public func signedRanges(fileSize: Int) -> [Range<Int>]? {
        guard let r = byteRange, r.count >= 2, r.count % 2 == 0 else { return nil }
        var ranges: [Range<Int>] = []
        for i in stride(from: 0, to: r.count, by: 2) {
            guard r[i] >= 0, r[i + 1] >= 0, r[i] <= fileSize - r[i + 1] else { return nil }
            ranges.append(r[i]..<(r[i] + r[i + 1]))
        }
        return ranges
    }

    /// Every signed signature field of the document, in the order they were signed.
    static func all(in document: PDFDocument) throws -> [EmbeddedSignature] {
        var result: [EmbeddedSignature] = []
        for field in try document.formFields() where field.type == "Sig" {
            guard let value = field.dictionary["V"] else { continue }
            let resolved: PDFObject
            do { resolved = try document.resolve(value) } catch {
                result.append(
                    EmbeddedSignature(
                        fieldName: field.name, dictionary: PDFDictionary(), dictionaryOffset: nil, byteRange: nil,
                        contents: nil, subFilter: nil, isDocumentTimestamp: false,
                        readError: "the signature dictionary cannot be read: \(error)"))
                continue
            }
            guard let dict = resolved.dictionary else { continue }
            var offset: Int?
            if let ref = value.reference, case .inFile(let o, _)? = document.entry(for: ref.number) { offset = o }
            let range = try document.resolve(dict["ByteRange"]).array.map { $0.compactMap(\.integer) }
            let contents = try document.resolve(dict["Contents"]).string?.bytes
            let subFilter = try document.resolve(dict["SubFilter"]).name?.string
            let type = try document.resolve(dict["Type"]).name?.string
            result.append(
                EmbeddedSignature(
                    fieldName: field.name, dictionary: dict, dictionaryOffset: offset, byteRange: range,
                    contents: contents, subFilter: subFilter,
                    isDocumentTimestamp: type == "DocTimeStamp" || subFilter == "ETSI.RFC3161"))
        }
        return result.sorted { ($0.signedEnd ?? 0) < ($1.signedEnd ?? 0) }
    }
}
