/// Where an object lives, as a cross-reference section says (ISO 32000-2 §7.5.4, §7.5.8).
public enum CrossReferenceEntry: Sendable, Hashable {
    case free
    /// An uncompressed object at a byte offset.
    case inFile(offset: Int, generation: Int)
    /// Object `index` of object stream `streamNumber`.
    case compressed(streamNumber: Int, index: Int)
}

/// One cross-reference section and its trailer: one revision of the file.
public struct CrossReferenceSection: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A classic `xref` table.
        case table
        /// A cross-reference stream (PDF 1.5).
        case stream
        /// A classic table whose trailer also points (`/XRefStm`) to a cross-reference stream.
        case hybrid
    }
    /// Where the section starts (`xref` keyword or the stream object's header).
    public let offset: Int
    public let kind: Kind
    public let trailer: PDFDictionary
    public let entries: [Int: CrossReferenceEntry]
    /// Where the section and its trailer end (the byte after `%%EOF` is not included).
    public let end: Int
    /// The offset that named the section (`startxref` or `/Prev`); differs from `offset` when the
    /// reader had to look a few bytes away, a repair a viewer may or may not make.
    public var statedOffset: Int
    /// What one viewer may read one way and another reader another: an object listed twice in the
    /// section, or listed differently by the table and the stream of a hybrid section.
    public var ambiguities: [String] = []

    init(
        offset: Int, kind: Kind, trailer: PDFDictionary, entries: [Int: CrossReferenceEntry], end: Int,
        ambiguities: [String] = []
    ) {
        self.offset = offset
        self.kind = kind
        self.trailer = trailer
        self.entries = entries
        self.end = end
        self.statedOffset = offset
        self.ambiguities = ambiguities
    }
}
