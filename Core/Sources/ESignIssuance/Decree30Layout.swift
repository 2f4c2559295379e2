import ESignAppearance
import ESignCore
import ESignPDF
import ESignSignatures
import Foundation

/// How Decree 30/2020/NĐ-CP (Appendix I) lays out signatures on an issued electronic document:
/// the official's handwritten signature image at the signer block, the agency's seal at real size
/// over the left third of it with the agency name and the signing time, and, for attachments and
/// copies, an agency signature without image at the top right of the first page in 10 pt text.
public struct Decree30Layout: Sendable {
    public var font: TrueTypeFont
    /// Seal diameter in points: 36 mm, the common size of an agency seal.
    public var sealDiameter = 36 / 25.4 * 72
    /// The official's signature image box.
    public var officialWidth = 150.0
    public var defaultOfficialHeight = 62.0
    /// Text size under the seal; attachments and copies use 10 pt as the decree asks.
    public var sealTextSize = 8.0
    public var noteTextSize = 10.0

    public init(font: TrueTypeFont) { self.font = font }

    /// ISO 8601 with the Vietnam offset, as the decree shows signing times.
    public static func time(_ date: Date) -> String {
        CivilTime.iso8601(secondsSince1970: Int(date.timeIntervalSince1970))
    }

    /// Where the official signs: under the last line on the page that holds `title` (e.g. CHỦ TỊCH),
    /// above the signer's name when it is found, centred on the title.
    public struct SignerBlock: Sendable, Equatable {
        public var page: Int
        public var centreX: Double
        /// The space between the title's baseline and the name's top.
        public var top: Double
        public var bottom: Double
    }

    public static func findSignerBlock(in document: PDFDocument, titles: [String], name: String?) throws -> SignerBlock?
    {
        let pages = try document.pageReferences()
        for index in pages.indices.reversed() {
            let text = try document.pageText(at: index)
            let lines = text.lines
            for title in titles where !title.isEmpty {
                guard
                    let (row, line) = lines.enumerated().reversed().first(where: { $0.element.extent(of: title) != nil }
                    ),
                    let extent = line.extent(of: title)
                else { continue }
                let top = line.y - line.fontSize * 0.35
                var bottom = top - 62
                if let name, let nameLine = lines[(row + 1)...].first(where: { $0.extent(of: name) != nil }) {
                    bottom = nameLine.y + nameLine.fontSize * 0.9
                }
                return SignerBlock(
                    page: index, centreX: (extent.minX + extent.maxX) / 2, top: top, bottom: max(bottom, top - 120))
            }
        }
        return nil
    }

    /// The official's signature: the image only, fitted into the signer block.
    public func official(image: PNGImage, block: SignerBlock) -> VisibleSignature {
        let height = max(30, min(block.top - block.bottom, 90))
        var appearance = SignatureAppearance(width: officialWidth, height: height, font: font)
        appearance.images.append(
            .init(image: image, frame: fit(image, into: .init(x: 0, y: 0, width: officialWidth, height: height))))
        return VisibleSignature(
            page: block.page, origin: (block.centreX - officialWidth / 2, block.top - height), appearance: appearance)
    }

    /// The agency's seal over the left third of the official's image, with the agency name and time
    /// beneath it.
    public func seal(image: PNGImage, agency: String, time: String, over official: VisibleSignature) -> VisibleSignature
    {
        let lines = [agency, time]
        let textWidth = lines.map { font.width(of: $0, size: sealTextSize) }.max() ?? 0
        let width = max(sealDiameter, textWidth + 4)
        let textBlock = Double(lines.count) * (sealTextSize + 1.5) + 2
        var appearance = SignatureAppearance(width: width, height: sealDiameter + textBlock, font: font)
        appearance.images.append(
            .init(
                image: image,
                frame: .init(x: (width - sealDiameter) / 2, y: textBlock, width: sealDiameter, height: sealDiameter)))
        for (i, line) in lines.enumerated() {
            let w = font.width(of: line, size: sealTextSize)
            appearance.lines.append(
                .init(
                    text: line, x: (width - w) / 2, y: textBlock - Double(i + 1) * (sealTextSize + 1.5),
                    size: sealTextSize, colour: .red))
        }
        // The official's drawn image (fitted inside its box).
        let officialImage =
            official.appearance.images.first?.frame
            ?? .init(x: 0, y: 0, width: official.appearance.width, height: official.appearance.height)
        let origin = official.origin ?? (0, 0)
        let imageLeft = origin.x + officialImage.x
        let imageCentreY = origin.y + officialImage.y + officialImage.height / 2
        let sealX = imageLeft + officialImage.width / 3 - sealDiameter
        let sealY = imageCentreY - sealDiameter / 2
        return VisibleSignature(
            page: official.page, origin: (sealX - (width - sealDiameter) / 2, sealY - textBlock), appearance: appearance
        )
    }

    /// An agency signature without image at the top right of the first page, 10 pt black text
    /// (attachments: the main document's number and the time; copies: the form, the agency, the time).
    public func note(lines: [String], pageBox: [Double]) -> VisibleSignature {
        let width = (lines.map { font.width(of: $0, size: noteTextSize) }.max() ?? 0) + 6
        let lineHeight = noteTextSize * 1.2
        var appearance = SignatureAppearance(width: width, height: Double(lines.count) * lineHeight + 4, font: font)
        for (i, line) in lines.enumerated() {
            appearance.lines.append(
                .init(
                    text: line, x: 3, y: appearance.height - 2 - Double(i + 1) * lineHeight + noteTextSize * 0.25,
                    size: noteTextSize))
        }
        // In the top margin, above the national motto and the agency's name that open the page.
        let margin = 56.7
        let topMargin = 6.0
        return VisibleSignature(
            page: 0, origin: (pageBox[2] - margin - width, pageBox[3] - topMargin - appearance.height),
            appearance: appearance)
    }

    func fit(_ image: PNGImage, into box: SignatureAppearance.Rect) -> SignatureAppearance.Rect {
        let scale = min(box.width / Double(image.width), box.height / Double(image.height))
        let w = Double(image.width) * scale
        let h = Double(image.height) * scale
        return .init(x: box.x + (box.width - w) / 2, y: box.y + (box.height - h) / 2, width: w, height: h)
    }
}
