import ESignAppearance
import ESignPDF
import Foundation

/// What the eye would see: the signed revision and the whole document rendered by poppler's
/// `pdftoppm`, compared page by page. Pixels that differ outside the annotations the change
/// analysis allowed (new signature widgets, filled fields) are a visible change made after
/// signing, whatever structure produced it; this catches manipulations nobody has named yet.
struct VisualComparison {
    /// One page that looks different.
    struct Difference: Sendable, Equatable, CustomStringConvertible {
        /// 1-based page number.
        let page: Int
        let pixels: Int
        /// The changed area in PDF points, origin at the page's lower left: x0, y0, x1, y1.
        let area: [Int]
        /// Set when the page exists in only one of the two renderings.
        var note: String?

        var description: String {
            if let note { return "page \(page) \(note)" }
            return "page \(page) looks different after signing: \(pixels) pixels changed in the area "
                + "x \(area[0])–\(area[2]), y \(area[1])–\(area[3]) (points)"
        }
    }

    /// Rendering resolution: enough to see a changed word, cheap enough to render a decision.
    static let resolution = 50
    /// How far a channel may move before a pixel counts as changed (antialiasing at edges).
    static let tolerance = 48

    let source: ByteSource
    /// The whole document, for page boxes.
    let document: PDFDocument
    let signedEnd: Int
    /// Rectangles (PDF points) per 0-based page index where changes were allowed.
    let allowedAreas: [Int: [[Double]]]

    /// Compares the two renderings; writes side-by-side PNGs (signed left, now right) of every
    /// page into `outputDirectory` when given, named after `label`.
    func differences(outputDirectory: String?, label: String) throws(SigningError) -> [Difference] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("esign-visual-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        do {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let before = try source.read(at: 0, length: signedEnd)
            let after = try source.read(at: 0, length: source.count)
            try Data(before).write(to: work.appendingPathComponent("signed.pdf"))
            try Data(after).write(to: work.appendingPathComponent("now.pdf"))
        } catch {
            throw .cannotWrite("cannot prepare the renderings: \(error)")
        }
        let signedPages = try Self.render(work.appendingPathComponent("signed.pdf").path, into: work.path, prefix: "s")
        let nowPages = try Self.render(work.appendingPathComponent("now.pdf").path, into: work.path, prefix: "n")
        var found: [Difference] = []
        for index in 0..<max(signedPages.count, nowPages.count) {
            guard index < signedPages.count else {
                found.append(Difference(page: index + 1, pixels: 0, area: [], note: "was added after signing"))
                continue
            }
            guard index < nowPages.count else {
                found.append(Difference(page: index + 1, pixels: 0, area: [], note: "was removed after signing"))
                continue
            }
            let old = signedPages[index]
            let new = nowPages[index]
            if let difference = compare(old, new, page: index) { found.append(difference) }
            if let outputDirectory {
                let name = "\(label)-page\(index + 1).png"
                let picture = Self.sideBySide(old, new).encoded()
                do {
                    try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
                    try Data(picture).write(to: URL(fileURLWithPath: outputDirectory).appendingPathComponent(name))
                } catch {
                    throw .cannotWrite("cannot write \(name) into \(outputDirectory): \(error)")
                }
            }
        }
        return found
    }

    /// The changed pixels of one page outside the allowed areas, or nil when it looks the same.
    func compare(_ old: PNGImage, _ new: PNGImage, page index: Int) -> Difference? {
        guard old.width == new.width, old.height == new.height else {
            return Difference(
                page: index + 1, pixels: new.width * new.height, area: [],
                note: "changed size after signing (\(old.width)×\(old.height) to \(new.width)×\(new.height) pixels)")
        }
        let box = pageBox(index)
        let scale = Double(Self.resolution) / 72
        // Allowed rectangles in pixels, grown by two pixels for antialiasing.
        let allowed: [(Int, Int, Int, Int)] = (allowedAreas[index] ?? []).map { rect in
            let x0 = Int(((min(rect[0], rect[2]) - box[0]) * scale).rounded(.down)) - 2
            let x1 = Int(((max(rect[0], rect[2]) - box[0]) * scale).rounded(.up)) + 2
            let y0 = Int(((box[3] - max(rect[1], rect[3])) * scale).rounded(.down)) - 2
            let y1 = Int(((box[3] - min(rect[1], rect[3])) * scale).rounded(.up)) + 2
            return (x0, y0, x1, y1)
        }
        var count = 0
        var minX = Int.max
        var minY = Int.max
        var maxX = -1
        var maxY = -1
        for y in 0..<old.height {
            for x in 0..<old.width {
                let i = 3 * (y * old.width + x)
                let changed =
                    abs(Int(old.rgb[i]) - Int(new.rgb[i])) > Self.tolerance
                    || abs(Int(old.rgb[i + 1]) - Int(new.rgb[i + 1])) > Self.tolerance
                    || abs(Int(old.rgb[i + 2]) - Int(new.rgb[i + 2])) > Self.tolerance
                guard changed, !allowed.contains(where: { x >= $0.0 && x <= $0.2 && y >= $0.1 && y <= $0.3 }) else {
                    continue
                }
                count += 1
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        guard count > 0 else { return nil }
        let area = [
            Int(box[0] + Double(minX) / scale), Int(box[3] - Double(maxY + 1) / scale),
            Int((box[0] + Double(maxX + 1) / scale).rounded(.up)), Int((box[3] - Double(minY) / scale).rounded(.up)),
        ]
        return Difference(page: index + 1, pixels: count, area: area)
    }

    /// The page's crop box (what pdftoppm renders), else its media box, else A4.
    func pageBox(_ index: Int) -> [Double] {
        guard let page = try? document.pageReference(at: index) else { return [0, 0, 595, 842] }
        for key in ["CropBox", "MediaBox"] {
            if let box = (try? document.inheritedPageAttribute(key, page: page))??.array?.compactMap(\.number),
                box.count == 4
            {
                return [min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])]
            }
        }
        return [0, 0, 595, 842]
    }

    /// Renders every page of `pdf` with pdftoppm into PPM files and reads them back.
    static func render(_ pdf: String, into directory: String, prefix: String) throws(SigningError) -> [PNGImage] {
        guard let tool = locate("pdftoppm") else {
            throw .missingInput("--visual needs poppler's pdftoppm (Debian: apt-get install poppler-utils)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-r", String(resolution), pdf, (directory as NSString).appendingPathComponent(prefix)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            throw .cannotWrite("cannot run pdftoppm: \(error)")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(prefix + "-") && $0.hasSuffix(".ppm") }
            .sorted { pageNumber($0) < pageNumber($1) }
        var pages: [PNGImage] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path), let image = readPPM([UInt8](data)) else {
                throw .cannotWrite("pdftoppm wrote an unreadable page: \(name)")
            }
            pages.append(image)
        }
        return pages
    }

    static func pageNumber(_ name: String) -> Int {
        Int(name.split(separator: "-").last?.split(separator: ".").first ?? "") ?? 0
    }

    /// A binary PPM (P6, 8-bit) as an RGB image.
    static func readPPM(_ bytes: [UInt8]) -> PNGImage? {
        var fields: [Int] = []
        var position = 2
        guard bytes.starts(with: Array("P6".utf8)) else { return nil }
        while fields.count < 3, position < bytes.count {
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x0A || bytes[position] == 0x0D
            {
                position += 1
            }
            var value = 0
            var digits = 0
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39, digits < 9 {
                value = value * 10 + Int(bytes[position] - 0x30)
                position += 1
                digits += 1
            }
            guard digits > 0 else { return nil }
            fields.append(value)
        }
        position += 1  // the single whitespace before the samples
        guard fields.count == 3, fields[2] == 255, position + 3 * fields[0] * fields[1] <= bytes.count else {
            return nil
        }
        let rgb = Array(bytes[position..<(position + 3 * fields[0] * fields[1])])
        return PNGImage(width: fields[0], height: fields[1], rgb: rgb, alpha: nil)
    }

    /// The two renderings next to each other, a grey gutter between.
    static func sideBySide(_ left: PNGImage, _ right: PNGImage) -> PNGImage {
        let gutter = 8
        let width = left.width + gutter + right.width
        let height = max(left.height, right.height)
        var rgb = [UInt8](repeating: 128, count: 3 * width * height)
        for (image, offset) in [(left, 0), (right, left.width + gutter)] {
            for y in 0..<image.height {
                let from = 3 * y * image.width
                let to = 3 * (y * width + offset)
                rgb.replaceSubrange(to..<(to + 3 * image.width), with: image.rgb[from..<(from + 3 * image.width)])
            }
        }
        return PNGImage(width: width, height: height, rgb: rgb, alpha: nil)
    }

    static func locate(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
