import ESignPDF

/// Why signing failed, grouped by what the user must do about it. Each group has its own
/// documented exit code in the CLI.
public enum SigningError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input is not a usable document (not a PDF, broken, encrypted…).
    case badInput(String)
    /// A file named on the command line does not exist or cannot be read.
    case missingInput(String)
    /// The output already exists (and `--force` was not given), or cannot be created.
    case outputExists(String)
    case cannotWrite(String)
    /// The key, certificate or password cannot be used to sign.
    case identity(String)
    /// The token or HSM holding the key cannot be reached (absent, removed, module not loadable).
    case tokenUnavailable(String)
    /// Revocation data for a long-term level could not be had (a responder down, slow, or
    /// answering badly).
    case validationData(String)
    /// OpenSSL failed where it should not have.
    case crypto(String)
    /// The time-stamping authority could not be reached, refused, or answered badly.
    case timestamp(String)

    public var description: String {
        switch self {
        case .badInput(let s), .missingInput(let s), .outputExists(let s), .cannotWrite(let s),
            .identity(let s), .tokenUnavailable(let s), .validationData(let s), .crypto(let s), .timestamp(let s):
            return s
        }
    }

    /// Maps a PDF reading error onto the user-facing group, naming the file.
    public static func from(_ error: PDFError, path: String) -> SigningError {
        switch error {
        case .io(let why): return .missingInput(why)
        default: return .badInput("\(path): \(error)")
        }
    }

    /// Any error met while reading the PDF at `path`, as a signing error.
    static func reading(_ error: any Error, path: String) -> SigningError {
        if let error = error as? SigningError { return error }
        if let error = error as? PDFError { return from(error, path: path) }
        return .badInput("\(path): \(error)")
    }
}
