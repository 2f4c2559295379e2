import ESignCore
import ESignCrypto
import ESignPDF
import ESignPDFSecurity
import ESignTimestamps
import Foundation

/// Signs PDFs with PAdES baseline signatures (ETSI EN 319 142-1): B-B, and B-T when a TSA is
/// given — a CAdES detached CMS in `/Contents` of a `/Type /Sig` dictionary with `/SubFilter
/// /ETSI.CAdES.detached`, added by incremental update so the original bytes (and earlier
/// signatures) stay exactly as they were.
///
/// `/Contents` is sized from the CMS the identity will produce (computed without signing) plus,
/// for B-T, the size of the TSA's tokens, not a large fixed placeholder. The file is streamed.
///
/// ```swift
/// let signer = PAdESSigner(identity: identity)
/// let result = try signer.sign(input: "decision.pdf", output: "decision.signed.pdf")
/// ```
public struct PAdESSigner: Sendable {
    public let identity: SigningIdentity
    public var options: PAdESOptions

    public init(identity: SigningIdentity, options: PAdESOptions = PAdESOptions()) {
        self.identity = identity
        self.options = options
    }

    /// Signs the file at `input` into a new file at `output` (atomically; never over the input).
    @discardableResult
    public func sign(input: String, output: String) throws(SigningError) -> SigningResult {
        try identity.checkUsable(
            at: options.signingTime, allowExpired: options.allowExpired, padding: options.rsaPadding,
            digest: options.digest)
        if let longTerm = options.longTerm { return try signLongTerm(input: input, output: output, longTerm) }
        let writer = try makeWriter()
        return try writer.write(
            input: input, output: output, overwrite: options.overwrite, durable: options.durable,
            direct: options.directWrites,
            produce: { (digest: [UInt8]) throws(SigningError) in try signature(over: digest) })
    }

    /// Signs the file at `input` like ``sign(input:output:)``, loading the identity meanwhile on
    /// another core: the document is read and its original bytes are copied and hashed (nothing
    /// there needs the key) while `loadIdentity` decrypts the key, which on its own takes longer
    /// (PBKDF2, and OpenSSL's first use of its algorithms). An identity error is reported rather
    /// than a document error, as if the identity had been loaded first. A visible signature draws
    /// the signer's name, so with `options.visible` set the identity is loaded first.
    public static func sign(
        input: String, output: String, options: PAdESOptions,
        loadingIdentity loadIdentity: @escaping @Sendable () throws(SigningError) -> SigningIdentity
    ) throws(SigningError) -> SigningResult {
        if options.visible != nil || options.longTerm != nil {
            return try PAdESSigner(identity: try loadIdentity(), options: options).sign(input: input, output: output)
        }
        let loading = IdentityLoad(loadIdentity)
        let opened: Result<IncrementalSignatureWriter.OpenedInput, SigningError>
        do throws(SigningError) {
            opened = .success(
                try IncrementalSignatureWriter.open(
                    input: input, output: output, overwrite: options.overwrite,
                    direct: options.directWrites, digest: options.digest, credentials: options.pdfCredentials))
        } catch {
            opened = .failure(error)
        }
        let signer = PAdESSigner(identity: try loading.wait(), options: options)
        // A certificate-encrypted document may be encrypted for the signer: open it again with its key.
        if case .failure = opened, signer.identity.canDecrypt {
            return try signer.sign(input: input, output: output)
        }
        try signer.identity.checkUsable(
            at: options.signingTime, allowExpired: options.allowExpired, padding: options.rsaPadding,
            digest: options.digest)
        return try signer.makeWriter().complete(
            try opened.get(), output: output, durable: options.durable,
            produce: { (digest: [UInt8]) throws(SigningError) in try signer.signature(over: digest) })
    }

    /// A signing identity being loaded on a thread of its own (not a Dispatch queue, whose threads
    /// may all be taken, one of them by the caller waiting here).
    final class IdentityLoad: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var result: Result<SigningIdentity, SigningError>?

        init(_ load: @escaping @Sendable () throws(SigningError) -> SigningIdentity) {
            Thread {
                do throws(SigningError) { self.result = .success(try load()) } catch { self.result = .failure(error) }
                self.done.signal()
            }.start()
        }

        func wait() throws(SigningError) -> SigningIdentity {
            done.wait()
            return try result!.get()
        }
    }

    /// Signs into a partial file beside `output`, raises it to the long-term level, then writes
    /// `output` atomically; the partial file is removed whatever happens, so a refused level leaves
    /// nothing behind.
    func signLongTerm(
        input: String, output: String, _ longTerm: LongTermExtender
    ) throws(SigningError)
        -> SigningResult
    {
        var longTerm = longTerm
        longTerm.pdfCredentials = pdfCredentials
        if !options.overwrite && FileManager.default.fileExists(atPath: output) {
            throw .outputExists("\(output) exists (use --force to overwrite)")
        }
        let partial = output + ".esign-partial-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        var plain = options
        plain.longTerm = nil
        plain.overwrite = false
        let result = try PAdESSigner(identity: identity, options: plain).sign(input: input, output: partial)
        try longTerm.extend(input: partial, output: output, overwrite: options.overwrite, name: input)
        let length = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? nil
        return SigningResult(
            input: input, output: output, fieldName: result.fieldName, byteRange: result.byteRange,
            signatureLength: result.signatureLength, reservedLength: result.reservedLength,
            outputLength: length ?? result.outputLength)
    }

    /// Signs a PDF held in memory and returns the signed bytes (for services that receive documents over HTTP).
    public func sign(pdf bytes: [UInt8]) throws(SigningError) -> [UInt8] {
        try identity.checkUsable(
            at: options.signingTime, allowExpired: options.allowExpired, padding: options.rsaPadding,
            digest: options.digest)
        let signed = try makeWriter().write(
            pdf: bytes, produce: { (digest: [UInt8]) throws(SigningError) in try signature(over: digest) })
        return try options.longTerm?.extend(pdf: signed) ?? signed
    }

    /// Signs a PDF held in memory and also returns the SHA-256 (hex) of the signed file, computed
    /// along the way rather than by hashing the output again.
    public func signHashed(pdf bytes: [UInt8]) throws(SigningError) -> (pdf: [UInt8], sha256: String) {
        try identity.checkUsable(
            at: options.signingTime, allowExpired: options.allowExpired, padding: options.rsaPadding,
            digest: options.digest)
        let (signed, hash) = try makeWriter().write(
            pdf: bytes, produce: { (digest: [UInt8]) throws(SigningError) in try signature(over: digest) },
            hashingOutput: true)
        guard let hash else { throw .crypto("no output hash") }
        var output = signed
        if let longTerm = options.longTerm {
            // Long-term data is appended as incremental updates: the signed file stays a prefix.
            try longTerm.extend(appendingTo: &output, name: "document")
            guard output.count >= signed.count else { throw .crypto("the extended document is shorter") }
            output.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[signed.count...])) }
        }
        do { return (output, Hex.string(try hash.finalize())) } catch { throw .crypto("\(error)") }
    }

    /// The incremental update that signs `bytes` (B-B and B-T; the signed file is `bytes` followed
    /// by it) and the SHA-256 (hex) of the signed file: for a server that sends the document it
    /// already holds followed by the update, copying neither.
    public func signedUpdate(pdf bytes: [UInt8]) throws(SigningError) -> (update: [UInt8], sha256: String) {
        guard options.longTerm == nil else { throw .badInput("long-term levels rewrite more than one update") }
        try identity.checkUsable(
            at: options.signingTime, allowExpired: options.allowExpired, padding: options.rsaPadding,
            digest: options.digest)
        let (update, hash) = try makeWriter().update(
            pdf: bytes, produce: { (digest: [UInt8]) throws(SigningError) in try signature(over: digest) },
            hashingOutput: true)
        guard let hash else { throw .crypto("no output hash") }
        do { return (update, Hex.string(try hash.finalize())) } catch { throw .crypto("\(error)") }
    }

    func makeWriter() throws(SigningError) -> IncrementalSignatureWriter {
        var timestampRoom = 0
        if let tsa = options.timestampClient {
            do { timestampRoom = try tsa.tokenLength() + 32 } catch { throw .timestamp("\(error)") }
        }
        let signer = identity.cmsSigner(digest: options.digest, padding: options.rsaPadding)
        let reserved =
            CMSSignedData.maximumEncodedLength(signer: signer, signingTime: nil, extraUnsigned: timestampRoom)
            + options.extraReservedBytes
        var entries = PDFDictionary([
            ("Type", "Sig"), ("Filter", "Adobe.PPKLite"), ("SubFilter", "ETSI.CAdES.detached"),
            ("M", .string(PDFString(text: PDFDate.string(from: options.signingTime, timeZone: options.timeZone)))),
        ])
        if let name = identity.certificate.subject.commonName { entries["Name"] = .string(PDFString(text: name)) }
        if let reason = options.reason { entries["Reason"] = .string(PDFString(text: reason)) }
        if let location = options.location { entries["Location"] = .string(PDFString(text: location)) }
        if let contact = options.contactInfo { entries["ContactInfo"] = .string(PDFString(text: contact)) }
        var writer = IncrementalSignatureWriter(
            entries: entries, fieldName: options.fieldName, digest: options.digest, reserved: reserved)
        writer.visible = options.visible
        writer.documentID = options.documentID
        writer.pdfCredentials = pdfCredentials
        return writer
    }

    /// What opens an encrypted input: the options' credentials, then the signer's own key.
    var pdfCredentials: PDFCredentials { options.pdfCredentials.adding(recipients: identity.asPDFRecipient) }

    /// The CMS over the document digest; with a TSA, timestamped over its signature value (B-T).
    func signature(over digest: [UInt8]) throws(SigningError) -> [UInt8] {
        var signed: CMSSignedData
        do {
            signed = try CMSSignedData.sign(
                messageDigest: digest, signer: identity.cmsSigner(digest: options.digest, padding: options.rsaPadding),
                signingTime: nil)
        } catch {
            throw .crypto("signing failed: \(error)")
        }
        if let tsa = options.timestampClient {
            do { signed.addSignatureTimestamp(token: try tsa.timestamp(data: signed.signatureValue).token.der) } catch {
                throw .timestamp("\(error)")
            }
        }
        return signed.encoded()
    }
}
