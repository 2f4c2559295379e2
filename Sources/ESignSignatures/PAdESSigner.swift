import ESignCrypto
import ESignPDF
import Foundation

/// Signs PDFs with PAdES baseline B-B signatures (ETSI EN 319 142-1): a CAdES detached CMS in
/// `/Contents` of a `/Type /Sig` dictionary with `/SubFilter /ETSI.CAdES.detached`, added by
/// incremental update so the original bytes (and earlier signatures) stay exactly as they were.
///
/// `/Contents` is sized from the CMS the identity will produce (computed without signing),
/// not a large fixed placeholder. The file is streamed: it is hashed and copied chunk by chunk.
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
        try identity.checkUsable(at: options.signingTime, allowExpired: options.allowExpired)
        if FileManager.default.fileExists(atPath: output) && isSameFile(input, output) {
            throw .outputExists("the output \(output) is the input file; esign never modifies its input")
        }
        let source: FileByteSource
        do { source = try FileByteSource(path: input) } catch { throw SigningError.from(error, path: input) }
        let prepared = try prepare(source: source, path: input)
        let file = try AtomicOutputFile(destination: output, overwrite: options.overwrite)
        let written = try finish(prepared, source: source, path: input,
                                 copyOriginal: { (hash: (UnsafeRawBufferPointer) -> Void) throws(SigningError) in
                                     try file.appendAll(of: source, observe: hash)
                                 },
                                 writeUpdate: { (bytes: UnsafeRawBufferPointer) throws(SigningError) in try file.write(bytes) })
        try file.commit(durable: options.durable)
        return SigningResult(input: input, output: output, fieldName: prepared.fieldName, byteRange: prepared.byteRange,
                             signatureLength: written, reservedLength: prepared.reserved,
                             outputLength: source.count + prepared.update.count)
    }

    /// Signs a PDF held in memory and returns the signed bytes (for services that receive documents over HTTP).
    public func sign(pdf bytes: [UInt8]) throws(SigningError) -> [UInt8] {
        try identity.checkUsable(at: options.signingTime, allowExpired: options.allowExpired)
        let source = MemoryByteSource(bytes)
        let prepared = try prepare(source: source, path: "document")
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + prepared.update.count)
        _ = try finish(prepared, source: source, path: "document", copyOriginal: { (hash: (UnsafeRawBufferPointer) -> Void) throws(SigningError) in
            bytes.withUnsafeBytes { hash($0) }
            out.append(contentsOf: bytes)
        }, writeUpdate: { (chunk: UnsafeRawBufferPointer) throws(SigningError) in
            out.append(contentsOf: chunk)
        })
        return out
    }

    /// The incremental update with its placeholder, before hashing and signing.
    struct Prepared {
        var update: [UInt8]
        let contentsRange: Range<Int>   // within `update`: the hex digits between '<' and '>'
        let byteRange: [Int]
        let reserved: Int
        let fieldName: String
    }

    func prepare(source: ByteSource, path: String) throws(SigningError) -> Prepared {
        do {
            let document = try PDFDocument(source: source)
            if document.isEncrypted { throw SigningError.badInput("\(path): \(PDFError.encrypted)") }
            try Self.checkCertification(document, path: path)
            var update = try IncrementalUpdate(document: document)
            let signer = identity.cmsSigner(digest: options.digest)
            let reserved = CMSSignedData.maximumEncodedLength(signer: signer, signingTime: nil) + options.extraReservedBytes
            let signature = update.allocate()
            let (body, byteRangeOffset, contentsOffset) = signatureDictionary(reservedBytes: reserved)
            update.set(signature, raw: body)
            let placement = try SignatureFieldPlacement.place(signature: signature, fieldName: options.fieldName,
                                                              document: document, update: &update)
            var serialized = update.serialize(documentID: Random.bytes(16))
            let bodyStart = serialized.bodyOffsets[signature]!
            let contentsStart = bodyStart + contentsOffset // index of '<'
            let hexLength = 2 * reserved
            let total = source.count + serialized.bytes.count
            let a = source.count + contentsStart
            let b = a + hexLength + 2
            let byteRange = [0, a, b, total - b]
            let rangeText = Array(byteRange.map(String.init).joined(separator: " ").utf8)
            precondition(rangeText.count <= Self.byteRangeWidth)
            let rangeStart = bodyStart + byteRangeOffset
            serialized.bytes.replaceSubrange(rangeStart..<(rangeStart + rangeText.count), with: rangeText)
            return Prepared(update: serialized.bytes, contentsRange: (contentsStart + 1)..<(contentsStart + 1 + hexLength),
                            byteRange: byteRange, reserved: reserved, fieldName: placement.fieldName)
        } catch let error as SigningError {
            throw error
        } catch let error as PDFError {
            throw SigningError.from(error, path: path)
        } catch {
            throw .badInput("\(path): \(error)")
        }
    }

    /// Writes the original bytes (`copyOriginal`, which shows each byte to the hash on the way),
    /// hashes the update around `/Contents`, signs, and writes the completed update. Returns the CMS length.
    func finish(_ prepared: Prepared, source: ByteSource, path: String,
                copyOriginal: ((UnsafeRawBufferPointer) -> Void) throws(SigningError) -> Void,
                writeUpdate: (UnsafeRawBufferPointer) throws(SigningError) -> Void) throws(SigningError) -> Int {
        var prepared = prepared
        let cms: [UInt8]
        do {
            let digest = try Digest(options.digest)
            try copyOriginal { digest.update($0) }
            prepared.update.withUnsafeBytes { raw in
                digest.update(UnsafeRawBufferPointer(rebasing: raw[0..<(prepared.contentsRange.lowerBound - 1)]))
                digest.update(UnsafeRawBufferPointer(rebasing: raw[(prepared.contentsRange.upperBound + 1)...]))
            }
            let signed = try CMSSignedData.sign(messageDigest: try digest.finalize(), signer: identity.cmsSigner(digest: options.digest),
                                                signingTime: nil)
            cms = signed.encoded()
        } catch let error as OpenSSLError {
            throw .crypto("signing failed: \(error)")
        } catch let error as SigningError {
            throw error
        } catch {
            throw .crypto("signing failed: \(error)")
        }
        guard cms.count <= prepared.reserved else {
            throw .crypto("the signature (\(cms.count) bytes) is larger than the space reserved (\(prepared.reserved))")
        }
        let hex = Self.hexDigits(cms)
        prepared.update.replaceSubrange(prepared.contentsRange.lowerBound..<(prepared.contentsRange.lowerBound + hex.count), with: hex)
        do {
            try prepared.update.withUnsafeBytes { raw in try writeUpdate(raw) }
        } catch let error as SigningError { throw error } catch { throw .cannotWrite("\(error)") }
        return cms.count
    }

    /// Room for "0 a b c" with three offsets of up to 12 digits.
    static let byteRangeWidth = 40

    /// The signature dictionary with a blank `/ByteRange` and a zero-filled `/Contents`, plus the
    /// offsets (within the body) of the `/ByteRange` numbers and of the `/Contents` '<'.
    func signatureDictionary(reservedBytes: Int) -> (body: [UInt8], byteRangeOffset: Int, contentsOffset: Int) {
        var dict = PDFDictionary([
            ("Type", "Sig"), ("Filter", "Adobe.PPKLite"), ("SubFilter", "ETSI.CAdES.detached"),
            ("M", .string(PDFString(text: PDFDate.string(from: options.signingTime, timeZone: options.timeZone)))),
        ])
        if let name = identity.certificate.subject.commonName { dict["Name"] = .string(PDFString(text: name)) }
        if let reason = options.reason { dict["Reason"] = .string(PDFString(text: reason)) }
        if let location = options.location { dict["Location"] = .string(PDFString(text: location)) }
        if let contact = options.contactInfo { dict["ContactInfo"] = .string(PDFString(text: contact)) }
        var body = PDFSerializer.bytes(.dictionary(dict))
        body.removeLast(2) // reopen the dictionary: ">>"
        body += Array("/ByteRange [".utf8)
        let byteRangeOffset = body.count
        body += [UInt8](repeating: 0x20, count: Self.byteRangeWidth)
        body += Array("] /Contents ".utf8)
        let contentsOffset = body.count
        body.append(0x3C)
        body += [UInt8](repeating: 0x30, count: 2 * reservedBytes)
        body += Array("> >>".utf8)
        return (body, byteRangeOffset, contentsOffset)
    }

    static func hexDigits(_ bytes: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8](repeating: 0, count: bytes.count * 2)
        for (i, b) in bytes.enumerated() {
            out[2 * i] = digits[Int(b >> 4)]
            out[2 * i + 1] = digits[Int(b & 0xF)]
        }
        return out
    }

    /// A document certified with "no changes allowed" (DocMDP P=1) cannot take another signature.
    static func checkCertification(_ document: PDFDocument, path: String) throws {
        guard let perms = try document.dictionary(document.catalog()["Perms"]),
              let docMDP = try document.dictionary(perms["DocMDP"]) else { return }
        for ref in try document.resolve(docMDP["Reference"]).array ?? [] {
            guard let sigRef = try document.dictionary(ref),
                  let params = try document.dictionary(sigRef["TransformParams"]) else { continue }
            if try document.resolve(params["P"]).integer == 1 {
                throw SigningError.badInput("\(path) is certified with 'no changes allowed': another signature would invalidate the certification")
            }
        }
    }
}
