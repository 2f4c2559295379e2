import ESignCrypto
import ESignPDFSecurity
import Foundation

/// What a verification trusts and assumes.
public struct VerificationOptions: Sendable {
    /// Roots (and any other certificates) to trust as anchors.
    public var trustAnchors: [Certificate] = []
    /// Names of anchors by the upper-case hex SHA-256 of their certificate (the trust store's
    /// names), shown in the report as the anchor a chain ended at.
    public var trustAnchorNames: [String: String] = [:]
    /// Validate as of this time instead of the signing time (`--at`).
    public var validationTime: Date?
    /// Passwords and recipients' keys to open encrypted PDFs with (never logged).
    public var pdfCredentials = PDFCredentials()
    /// Never fetch revocation data over the network; use only what the file embeds.
    public var offline = false
    /// Time limit for each OCSP or CRL request.
    public var networkTimeout: TimeInterval = 10
    /// The smallest RSA key accepted, and digest algorithms refused (by OpenSSL short name).
    public var minimumRSABits = 2048
    public var rejectedDigests: Set<String> = ["MD5", "SHA1", "MD2", "MD4"]
    /// Also render each signed revision and the whole document with poppler's pdftoppm and
    /// report any page that looks different outside the allowed annotations (`--visual`).
    public var visual = false
    /// Where `visual` writes side-by-side PNGs of the two renderings (`--visual-out`).
    public var visualOutputDirectory: String?
    /// Whether the structural change analysis runs. Only tests turn it off, to show that the
    /// visual comparison alone catches a change.
    public var analysesChanges = true

    public init() {}

    /// Adds the anchors of a trust store, with their names.
    public mutating func trust(_ store: TrustStore) throws(SigningError) {
        for anchor in try store.anchors() where !trustAnchors.contains(anchor.certificate) {
            trustAnchors.append(anchor.certificate)
            trustAnchorNames[anchor.sha256] = anchor.name
        }
    }

    /// Loads every certificate from PEM/DER files and from the files of folders.
    public static func loadTrustAnchors(_ paths: [String]) throws(SigningError) -> [Certificate] {
        var result: [Certificate] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .missingInput("no such trust anchor file or folder: \(path)")
            }
            let files =
                isDirectory.boolValue
                ? ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted().map {
                    (path as NSString).appendingPathComponent($0)
                }
                : [path]
            var found = 0
            for file in files {
                guard let data = fm.contents(atPath: file), let certs = try? Certificate.load([UInt8](data)) else {
                    continue
                }
                result += certs
                found += certs.count
            }
            if found == 0 { throw .badInput("\(path) holds no certificate") }
        }
        return result
    }
}
