/// Why a PDF could not be read or updated, phrased for the person who owns the file.
public enum PDFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not start with a `%PDF-x.y` header.
    case notPDF(String)
    /// The file ends before a structure it announces is complete.
    case truncated(String)
    /// No usable cross-reference data: the file cannot be located object by object.
    case brokenCrossReference(String)
    /// An object is malformed where esign must read it.
    case malformed(String)
    /// The file is encrypted (a standard or public-key security handler).
    case encrypted
    /// The document is encrypted and no password given (nor the empty one) opens it.
    case wrongPassword(String)
    /// Something the PDF uses that esign does not implement.
    case unsupported(String)
    /// The input could not be read.
    case io(String)

    public var description: String {
        switch self {
        case .notPDF(let why): return "not a PDF file: \(why)"
        case .truncated(let why): return "the PDF is truncated: \(why)"
        case .brokenCrossReference(let why): return "the PDF's cross-reference data is broken beyond repair: \(why)"
        case .malformed(let why): return "the PDF is malformed: \(why)"
        case .encrypted: return "encrypted PDFs are not supported yet"
        case .wrongPassword(let why): return why
        case .unsupported(let why): return "unsupported PDF feature: \(why)"
        case .io(let why): return why
        }
    }
}
