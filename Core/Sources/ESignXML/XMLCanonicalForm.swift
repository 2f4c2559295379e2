/// A document's canonical form where the byte reader wrote it, less one element's span (an
/// enveloped signature): what a reference to the whole document digests. It is read in its pieces
/// (``withPieces(_:)``), hashed where it lies, instead of being copied into one array, 100 KB for
/// a document of that size.
public struct XMLCanonicalForm {
    /// The reader's output, shared with the outline that keeps it (never written to again).
    let buffer: XMLOutputBuffer
    let excluded: Range<Int>?

    /// The form as one array (a copy).
    public var bytes: [UInt8] {
        guard let excluded else { return buffer.bytes }
        return buffer.bytes(excluding: excluded)
    }

    /// Whether `other` is this form: the same reader's output less the same span (so the same
    /// octets, whose digest need not be computed twice).
    public func isSame(as other: XMLCanonicalForm) -> Bool {
        buffer === other.buffer && excluded == other.excluded
    }

    /// Calls `body` with the form's pieces, in order: the bytes before the excluded span and those
    /// after it. The pointers are valid only during the call.
    public func withPieces<Result>(_ body: ([UnsafeRawBufferPointer]) throws -> Result) rethrows -> Result {
        try buffer.withUnsafeBytes { all in
            guard let excluded else { return try body([all]) }
            return try body([
                UnsafeRawBufferPointer(rebasing: all[..<excluded.lowerBound]),
                UnsafeRawBufferPointer(rebasing: all[excluded.upperBound...]),
            ])
        }
    }
}
