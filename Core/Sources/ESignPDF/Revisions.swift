import ESignCore

/// One revision of a PDF: the bytes from the start of the file to the `%%EOF` that closes one
/// cross-reference section. Each incremental update makes a new revision; a signature covers one.
public struct Revision: Sendable, Equatable {
    /// Index of the section in `PDFDocument.sections` (newest first).
    public let sectionIndex: Int
    /// Offset just past the revision's `%%EOF` (and the end-of-line after it, when present).
    public let end: Int
    /// Offset of `%%EOF` itself; a signature whose range ends between this and `end` covers the revision.
    public let eofMarker: Int
}

extension PDFDocument {
    /// The file's revisions ordered by where they end, oldest first. Sections whose `%%EOF` cannot
    /// be found within a few hundred bytes of their trailer end where their trailer ends.
    public func revisions() throws(PDFError) -> [Revision] {
        var result: [Revision] = []
        for (index, section) in sections.enumerated() {
            let window = try source.read(at: section.end, length: 1024)
            if let at = window.firstOffset(of: Array("%%EOF".utf8)) {
                var end = section.end + at + 5
                let after = try source.read(at: end, length: 2)
                if after.first == 0x0D {
                    end += 1
                    if after.count > 1 && after[1] == 0x0A { end += 1 }
                } else if after.first == 0x0A {
                    end += 1
                }
                result.append(Revision(sectionIndex: index, end: end, eofMarker: section.end + at))
            } else {
                result.append(Revision(sectionIndex: index, end: section.end, eofMarker: section.end))
            }
        }
        return result.sorted { $0.end < $1.end }
    }

    /// The document as it was when the file ended at `end`: only the sections of revisions ending
    /// there or earlier, reading only the bytes before `end`. Returns nil when no section
    /// qualifies. Pass `revisions` when already known.
    public func view(endingAt end: Int, revisions known: [Revision]? = nil) throws(PDFError) -> PDFDocument? {
        let all: [Revision]
        if let known { all = known } else { all = try revisions() }
        let included = Set(all.filter { $0.end <= end || $0.eofMarker + 5 <= end }.map(\.sectionIndex))
        let kept = sections.enumerated().filter { included.contains($0.offset) }.map(\.element)
        guard !kept.isEmpty, kept[0].trailer["Root"]?.reference != nil else { return nil }
        let limit = min(end, all.filter { included.contains($0.sectionIndex) }.map(\.end).max() ?? end)
        let view = PDFDocument(
            source: BoundedByteSource(source, count: limit), headerVersion: headerVersion, sections: kept,
            byteLimit: limit)
        // An earlier revision is read with the same key when it names the same encryption.
        if let decryptor, view.trailer["Encrypt"] == trailer["Encrypt"] { view.decryptor = decryptor }
        return view
    }

    /// Object numbers a section defines (in use or freed).
    public func objectNumbers(inSection index: Int) -> Set<Int> { Set(sections[index].entries.keys) }
}
