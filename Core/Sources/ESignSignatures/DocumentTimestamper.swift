import ESignCrypto
import ESignPDF
import ESignPDFSecurity
import ESignTimestamps
import Foundation

/// Adds a document timestamp (PAdES, ETSI EN 319 142-1 §5.4): a `/Type /DocTimeStamp` signature
/// with `/SubFilter /ETSI.RFC3161` whose `/Contents` is an RFC 3161 token over the byte ranges.
/// It proves the whole document, earlier signatures included, existed at the token's time.
///
/// ```swift
/// try DocumentTimestamper(client: TimestampClient(url: tsa)).timestamp(input: "a.pdf", output: "a.ts.pdf")
/// ```
public struct DocumentTimestamper: Sendable {
    public let client: TimestampClient
    public var fieldName: String?
    public var overwrite = false
    /// What opens an encrypted document.
    public var pdfCredentials = PDFCredentials()

    public init(client: TimestampClient) { self.client = client }

    @discardableResult
    public func timestamp(input: String, output: String) throws(SigningError) -> SigningResult {
        try writer().write(
            input: input, output: output, overwrite: overwrite, durable: false,
            produce: { (digest: [UInt8]) throws(SigningError) in try token(over: digest) })
    }

    public func timestamp(pdf bytes: [UInt8]) throws(SigningError) -> [UInt8] {
        try writer().write(pdf: bytes, produce: { (digest: [UInt8]) throws(SigningError) in try token(over: digest) })
    }

    /// Appends the document timestamp to `bytes` in place.
    public func timestamp(appendingTo bytes: inout [UInt8]) throws(SigningError) {
        try writer().append(
            to: &bytes, produce: { (digest: [UInt8]) throws(SigningError) in try token(over: digest) })
    }

    func writer() throws(SigningError) -> IncrementalSignatureWriter {
        let length: Int
        do { length = try client.tokenLength() + 32 } catch { throw .timestamp("\(error)") }
        let entries = PDFDictionary([
            ("Type", "DocTimeStamp"), ("Filter", "Adobe.PPKLite"), ("SubFilter", "ETSI.RFC3161"),
        ])
        var writer = IncrementalSignatureWriter(
            entries: entries, fieldName: fieldName, digest: client.digest, reserved: length)
        writer.pdfCredentials = pdfCredentials
        return writer
    }

    func token(over digest: [UInt8]) throws(SigningError) -> [UInt8] {
        do { return try client.timestamp(imprint: digest).token.der } catch { throw .timestamp("\(error)") }
    }
}
