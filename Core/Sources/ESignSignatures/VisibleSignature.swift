import ESignAppearance
import ESignPDF
import Foundation

/// Where a visible signature goes and what it shows: a position on a page (points, from the
/// page's bottom-left corner) and the appearance drawn there, at the appearance's size.
public struct VisibleSignature: Sendable {
    /// 0-based page index; negative counts from the end (-1 is the last page).
    public var page: Int
    /// Bottom-left corner; nil for the page's bottom right, 2 cm from the edges.
    public var origin: (x: Double, y: Double)?
    public var appearance: SignatureAppearance

    public init(page: Int, origin: (x: Double, y: Double)?, appearance: SignatureAppearance) {
        self.page = page
        self.origin = origin
        self.appearance = appearance
    }

    /// The page's visible area (CropBox, else MediaBox) as [llx, lly, urx, ury].
    public static func pageBox(_ document: PDFDocument, page: ObjectReference) throws -> [Double] {
        let box = try document.resolve(
            try document.inheritedPageAttribute("CropBox", page: page)
                ?? document.inheritedPageAttribute("MediaBox", page: page))
        let values = try (box.array ?? []).map { try document.resolve($0).number ?? 0 }
        guard values.count == 4 else { return [0, 0, 595.28, 841.89] }
        return [
            min(values[0], values[2]), min(values[1], values[3]), max(values[0], values[2]), max(values[1], values[3]),
        ]
    }

    /// Resolves the page, checks the rectangle lies on it, and adds the appearance to `update`.
    func place(
        in document: PDFDocument, update: inout IncrementalUpdate
    ) throws -> (pageIndex: Int, rect: [Double], appearance: ObjectReference) {
        let pages = try document.pageReferences()
        let index = page < 0 ? pages.count + page : page
        guard pages.indices.contains(index) else {
            throw SigningError.badInput(
                "page \(page < 0 ? String(page) : String(page + 1)) does not exist: the document has \(pages.count) "
                    + "page\(pages.count == 1 ? "" : "s")"
            )
        }
        let box = try Self.pageBox(document, page: pages[index])
        let margin = 56.7
        let at = origin ?? (box[2] - margin - appearance.width, box[1] + margin)
        let rect = SignatureAppearance.Rect(x: at.x, y: at.y, width: appearance.width, height: appearance.height)
        let tolerance = 0.5
        guard rect.width > 0, rect.height > 0, rect.x >= box[0] - tolerance, rect.y >= box[1] - tolerance,
            rect.x + rect.width <= box[2] + tolerance, rect.y + rect.height <= box[3] + tolerance
        else {
            func pt(_ v: Double) -> String { String(format: "%.1f", v) }
            throw SigningError.badInput(
                "the signature's position (x \(pt(rect.x)), y \(pt(rect.y)), \(pt(rect.width)) × \(pt(rect.height)) "
                    + "pt) is off page \(index + 1), which spans \(pt(box[0]))…\(pt(box[2])) × "
                    + "\(pt(box[1]))…\(pt(box[3])) pt"
            )
        }
        let form: ObjectReference
        do { form = try appearance.add(to: &update) } catch { throw SigningError.badInput(error.description) }
        return (index, [rect.x, rect.y, rect.x + rect.width, rect.y + rect.height], form)
    }
}

extension VisibleSignature {
    /// The same signature moved, and scaled down if it must, so that it lies on `box` (a page's
    /// [llx, lly, urx, ury]) at least `margin` points from its edges: a signer block set flush
    /// against the right margin still gets its signature on the page.
    public func inside(_ box: [Double], margin: Double = 14) -> VisibleSignature {
        guard box.count == 4, let origin else { return self }
        var moved = self
        let room = (width: box[2] - box[0] - 2 * margin, height: box[3] - box[1] - 2 * margin)
        let scale = min(1, room.width / appearance.width, room.height / appearance.height)
        if scale < 1 && scale > 0 { moved.appearance = appearance.scaled(by: scale) }
        let w = moved.appearance.width
        let h = moved.appearance.height
        moved.origin = (
            min(max(origin.x, box[0] + margin), box[2] - margin - w),
            min(max(origin.y, box[1] + margin), box[3] - margin - h)
        )
        return moved
    }
}
