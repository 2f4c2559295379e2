/// Why a visible signature cannot be drawn: a missing or unusable image or font. Every case names
/// the file or the value.
public enum AppearanceError: Error, Equatable, CustomStringConvertible, Sendable {
    case missingFile(String)
    case notPNG(String)
    case unsupportedPNG(String)
    case notTrueType(String)
    case missingGlyphs(font: String, characters: String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): no such file"
        case .notPNG(let what): return "\(what) is not a PNG image"
        case .unsupportedPNG(let what): return what
        case .notTrueType(let what): return what
        case .missingGlyphs(let font, let characters):
            return
                "font \(font) has no glyph for \(characters): choose a font with Vietnamese characters (DejaVu Sans, "
                + "Times New Roman)"
        }
    }
}
