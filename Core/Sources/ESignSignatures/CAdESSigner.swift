import ESignCore
import ESignCrypto
import ESignPDF
import ESignTimestamps
import Foundation

/// Detached CAdES-BES signatures (ETSI EN 319 122-1 baseline B-B) for files that are not PDF
/// (docx, xml, zip, scans): a DER `.p7s` beside the file, which `openssl cms -verify` accepts.
/// Unlike PAdES, CAdES baseline signatures carry the signing-time attribute.
///
/// ```swift
/// try CAdESSigner(identity: identity).sign(input: "report.docx", output: "report.docx.p7s")
/// ```
public struct CAdESSigner: Sendable {
    public let identity: SigningIdentity
    public var digest: DigestAlgorithm = .sha256
    /// RSA keys: PKCS#1 v1.5 (the default) or RSASSA-PSS.
    public var rsaPadding: RSAPadding = .pkcs1v15
    public var signingTime = Date()
    public var allowExpired = false
    public var overwrite = false
    /// A TSA to timestamp the signature (CAdES-T).
    public var timestampClient: TimestampClient?
    /// B-LT or B-LTA after the signature timestamp: the certificates and revocation data of the
    /// signer's and the TSA's chains in SignedData, then for B-LTA an archive-time-stamp-v3
    /// (``LongTermExtender/extend(cades:content:name:)``).
    public var longTerm: LongTermExtender?

    public init(identity: SigningIdentity) { self.identity = identity }

    @discardableResult
    public func sign(input: String, output: String) throws(SigningError) -> Int {
        try identity.checkUsable(at: signingTime, allowExpired: allowExpired, padding: rsaPadding, digest: digest)
        if FileManager.default.fileExists(atPath: output) && isSameFile(input, output) {
            throw .outputExists("the output \(output) is the input file; esign never modifies its input")
        }
        let source: FileByteSource
        do { source = try FileByteSource(path: input) } catch { throw SigningError.from(error, path: input) }
        let der: [UInt8]
        do {
            let hasher = try Digest(digest)
            try source.forEachChunk(in: 0..<source.count, chunkSize: 1 << 20) { hasher.update($0) }
            der = try signature(messageDigest: try hasher.finalize(), content: source, name: input)
        } catch let error as PDFError {
            throw SigningError.from(error, path: input)
        } catch let error as SigningError {
            throw error
        } catch {
            throw .crypto("signing \(input) failed: \(error)")
        }
        let file = try AtomicOutputFile(destination: output, overwrite: overwrite)
        try file.write(der)
        try file.commit()
        return der.count
    }

    /// The detached signature (DER) over `data` held in memory (a request body).
    public func sign(data: [UInt8]) throws(SigningError) -> [UInt8] { try signHashed(data: data).signature }

    /// The same, with the SHA-256 (hex) of `data` (the signature's own message digest when it is
    /// SHA-256, so the content is hashed once).
    public func signHashed(data: [UInt8]) throws(SigningError) -> (signature: [UInt8], sha256: String) {
        try identity.checkUsable(at: signingTime, allowExpired: allowExpired, padding: rsaPadding, digest: digest)
        do {
            let messageDigest = try Digest.hash(data, digest)
            let sha256 = digest == .sha256 ? messageDigest : try Digest.hash(data, .sha256)
            let der = try signature(
                messageDigest: messageDigest, content: MemoryByteSource(data), name: "the document")
            return (der, Hex.string(sha256))
        } catch let error as SigningError {
            throw error
        } catch {
            throw .crypto("signing failed: \(error)")
        }
    }

    /// The CMS over a content digest: signed, then timestamped and raised to the long-term level
    /// asked for. `content` is read again only when an archive timestamp needs another digest.
    func signature(messageDigest: [UInt8], content: ByteSource, name input: String) throws -> [UInt8] {
        var signed = try CMSSignedData.sign(
            messageDigest: messageDigest, signer: identity.cmsSigner(digest: digest, padding: rsaPadding),
            signingTime: signingTime)
        if let tsa = timestampClient {
            do {
                signed.addSignatureTimestamp(token: try tsa.timestamp(data: signed.signatureValue).token.der)
            } catch {
                throw SigningError.timestamp("\(error)")
            }
        }
        guard let longTerm, longTerm.level >= .bLT else { return signed.encoded() }
        guard timestampClient != nil else { throw SigningError.timestamp("CAdES B-LT needs a TSA (--tsa URL)") }
        return try longTerm.extend(
            cades: signed.encoded(),
            content: LongTermExtender.DetachedContent(source: content, known: [digest: messageDigest]), name: input)
    }
}
