import ESignCore

/// A change to what a page shows, written as an incremental update: glyphs taken out of the page's
/// content (each replaced by a move of its own width, so everything after it stays where it was),
/// then new drawing on top, with the fonts and XObjects it uses. Used to write a document's number and
/// date over the placeholder the drafter left.
///
/// The page's content streams are joined into one new stream, wrapped in `q … Q` so that a state
/// the original content leaves behind does not shift what is drawn on top; the page's resources
/// gain the new fonts and XObjects under names of their own. Nothing else of the page changes.
///
/// ```swift
/// var edit = PageContentEdit(page: 0, text: try document.pageText(at: 0))
/// edit.remove(run: 3, glyphs: 4..<12)
/// edit.draw("BT /ESignF1 13 Tf 1 0 0 1 120 760 Tm <0001> Tj ET", using: [("Font", "ESignF1", font)])
/// try edit.write(into: &update, document: document)
/// ```
public struct PageContentEdit {
    public let page: Int
    public let text: PageText
    private var removed: [Int: Set<Int>] = [:]
    private var drawing: [String] = []
    private var resources: [(kind: String, name: String, reference: ObjectReference)] = []

    public init(page: Int, text: PageText) {
        self.page = page
        self.text = text
    }

    /// Whether glyphs of run `run` can be taken out of the content (not for `'` and `"` text).
    public func canRemove(run: Int) -> Bool { text.runs.indices.contains(run) && text.runs[run].source != nil }

    public mutating func remove(run: Int, glyphs: some Sequence<Int>) {
        removed[run, default: []].formUnion(glyphs)
    }

    /// Content operators drawn over the page, in order, with the resources they use (`Font`,
    /// `XObject`) under the names they use.
    public mutating func draw(_ operators: String, using used: [(kind: String, name: String, ObjectReference)] = []) {
        drawing.append(operators)
        resources += used.map { ($0.kind, $0.name, $0.2) }
    }

    public var isEmpty: Bool { removed.isEmpty && drawing.isEmpty }

    /// The page's content with the removed glyphs replaced by moves of their widths.
    func editedContent() -> [UInt8] {
        var edits: [(range: Range<Int>, bytes: [UInt8])] = []
        for (index, glyphs) in removed where !glyphs.isEmpty {
            let run = text.runs[index]
            guard let source = run.source else { continue }
            var pieces: [String] = []
            var kept: [UInt8] = []
            var skip = 0.0
            func flushKept() {
                if !kept.isEmpty { pieces.append("<" + Hex.string(kept) + ">") }
                kept = []
            }
            for (g, glyph) in run.glyphs.enumerated() {
                if glyphs.contains(g) {
                    flushKept()
                    skip += glyph.advance
                } else {
                    if skip != 0 { pieces.append(Self.number(-skip)) }
                    skip = 0
                    kept += source.bytes[glyph.codes]
                }
            }
            flushKept()
            if skip != 0 { pieces.append(Self.number(-skip)) }
            let inner = pieces.joined(separator: " ")
            if let end = source.operatorEnd {
                edits.append((source.string.lowerBound..<end, Array("[\(inner)] TJ".utf8)))
            } else {
                edits.append((source.string, Array(" \(inner) ".utf8)))
            }
        }
        var content = text.content
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            content.replaceSubrange(edit.range, with: edit.bytes)
        }
        return content
    }

    public static func number(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// Writes the new page object, its content stream and the resources into `update`.
    public func write(into update: inout IncrementalUpdate, document: PDFDocument) throws(PDFError) {
        let pageRef = try document.pageReference(at: page)
        guard var pageDict = try document.object(pageRef).dictionary else {
            throw .malformed("page \(page + 1) is not a dictionary")
        }
        var content = Array("q\n".utf8) + editedContent() + Array("\nQ\n".utf8)
        content += Array(drawing.joined(separator: "\n").utf8) + [0x0A]
        let stream = update.allocate()
        update.set(
            stream,
            .stream(
                PDFStream(
                    dictionary: PDFDictionary([("Filter", "FlateDecode")]), data: .bytes(Flate.deflate(content)))))
        pageDict["Contents"] = .reference(stream)
        var resources =
            try document.dictionary(try document.inheritedPageAttribute("Resources", page: pageRef))
            ?? PDFDictionary()
        for kind in Set(self.resources.map(\.kind)) {
            var existing = try document.dictionary(resources[kind]) ?? PDFDictionary()
            for added in self.resources where added.kind == kind { existing[added.name] = .reference(added.reference) }
            resources[kind] = .dictionary(existing)
        }
        pageDict["Resources"] = .dictionary(resources)
        update.set(pageRef, .dictionary(pageDict))
    }
}
