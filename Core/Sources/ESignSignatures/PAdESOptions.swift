import ESignCrypto
import ESignPDF
import ESignPDFSecurity
import ESignTimestamps
import Foundation

/// How a PDF signature is made: the choices a clerk makes on the command line.
public struct PAdESOptions: Sendable {
    public var digest: DigestAlgorithm = .sha256
    /// RSA keys: PKCS#1 v1.5 (the default, read by every validator) or RSASSA-PSS.
    public var rsaPadding: RSAPadding = .pkcs1v15
    /// Sign into this field: an existing empty signature field, or a new field of this name.
    public var fieldName: String?
    public var reason: String?
    public var location: String?
    public var contactInfo: String?
    /// The claimed signing time, written to `/M`. PAdES baseline signatures carry no signing-time attribute.
    public var signingTime: Date = Date()
    /// Time zone for `/M`; Vietnam time by default.
    public var timeZone: TimeZone = PDFDate.vietnam
    /// Sign with a certificate outside its validity period.
    public var allowExpired = false
    /// Replace an existing output file.
    public var overwrite = false
    /// fsync the output before publishing it.
    public var durable = false
    /// Write the copied original with direct I/O (O_DIRECT), past the page cache. A batch gains
    /// (buffered writes of a thousand new files make the kernel throttle the writer), one file
    /// loses: it would wait for the disk instead of returning once the data is in memory.
    /// ``BatchSigner`` turns it on.
    public var directWrites = false
    /// Extra bytes reserved in `/Contents` beyond the CMS size (room for unsigned attributes).
    public var extraReservedBytes = 0
    /// A TSA to timestamp the signature (PAdES B-T).
    public var timestampClient: TimestampClient?
    /// Draw the signature on a page (Decree 30/2020 appearances); invisible when nil.
    public var visible: VisibleSignature?

    /// The second half of the trailer's /ID (16 bytes); nil: random. Fixed by two-step signing,
    /// which builds the same update when preparing and when completing.
    public var documentID: [UInt8]?

    /// Raise each signature to B-LT or B-LTA right after signing (the DSS, and a document
    /// timestamp for B-LTA); the output is written only once all of it succeeded.
    public var longTerm: LongTermExtender?
    /// Passwords and recipients' keys to open an encrypted PDF with (the signer's own key is tried
    /// too); the signature is then written encrypted with the document's key.
    public var pdfCredentials = PDFCredentials()

    public init() {}
}

/// What a signing produced.
public struct SigningResult: Sendable, Codable {
    public let input: String
    public let output: String
    public let fieldName: String
    /// `/ByteRange` of the new signature.
    public let byteRange: [Int]
    /// Bytes of CMS actually written, and bytes reserved for it in `/Contents`.
    public let signatureLength: Int
    public let reservedLength: Int
    public let outputLength: Int
}
