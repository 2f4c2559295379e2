import ESignCore
import ESignCrypto
import ESignPDF
import ESignPDFSecurity
import Foundation

/// What PAdES signatures and document timestamps share: a signature dictionary with a blank
/// `/ByteRange` and a zero-filled `/Contents` of exactly the reserved size, placed in a signature
/// field by incremental update; the original streamed (hashed while it is copied); the update
/// hashed around `/Contents`; and the value that fills `/Contents` made from that digest.
struct IncrementalSignatureWriter {
    /// The signature dictionary's entries other than /ByteRange and /Contents.
    let entries: PDFDictionary
    let fieldName: String?
    let digest: DigestAlgorithm
    /// Bytes reserved for the value in /Contents.
    let reserved: Int
    /// A visible appearance, or nil for an invisible signature.
    var visible: VisibleSignature? = nil
    /// The second half of the trailer's /ID; nil: random (a two-step signature fixes it so that
    /// the same update is built twice).
    var documentID: [UInt8]? = nil
    /// What opens an encrypted document.
    var pdfCredentials = PDFCredentials()

    struct Prepared {
        var update: [UInt8]
        let contentsRange: Range<Int>  // within `update`: the hex digits between '<' and '>'
        let byteRange: [Int]
        let fieldName: String
    }

    /// Reads the document and refuses what cannot take a signature (encrypted, certified with
    /// "no changes"). Needs no key.
    static func parse(
        source: ByteSource, path: String, credentials: PDFCredentials = PDFCredentials()
    ) throws(SigningError) -> PDFDocument {
        do {
            let document = try PDFDocument(source: source)
            if document.isEncrypted {
                try openEncrypted(document, path: path, credentials: credentials)
            }
            try checkCertification(document, path: path)
            return document
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError.reading(error, path: path)
        }
    }

    /// An encrypted document is signed only when it opens and its permissions allow a
    /// signature (annotations or form filling), or the owner's password opened it; it stays
    /// encrypted exactly as before (the update's objects are encrypted with its key).
    static func openEncrypted(
        _ document: PDFDocument, path: String, credentials: PDFCredentials
    ) throws(SigningError) {
        let summary: PDFEncryptionSummary?
        do { summary = try PDFSecurity.open(document, with: credentials) } catch {
            if case .wrongPassword(let why) = error {
                throw SigningError.identity(
                    "\(path): \(why) (--pdf-password-file or ESIGN_PDF_PASSWORD; for certificate security, "
                        + "the recipient's key: the signing key, or --recipient-p12)")
            }
            throw SigningError.reading(error, path: path)
        }
        guard let summary, PDFSecurity.decryptor(of: document) != nil else {
            throw SigningError.badInput("\(path): its encryption cannot be written into")
        }
        if !summary.allowsSignature && summary.handler.hasPrefix("Adobe.PubSec") {
            throw SigningError.identity(
                "\(path): the permissions this document grants its recipient forbid adding a signature "
                    + "(no annotations or form filling)")
        }
        if !summary.allowsSignature {
            throw SigningError.identity(
                "\(path): the document's permissions forbid adding a signature (no annotations or form filling); "
                    + "its owner password allows it (--pdf-password-file with the owner password)")
        }
    }

    func prepare(source: ByteSource, path: String) throws(SigningError) -> Prepared {
        try buildUpdate(
            document: try Self.parse(source: source, path: path, credentials: pdfCredentials),
            sourceCount: source.count,
            path: path)
    }

    /// The incremental update: the signature dictionary with its blank /ByteRange and zeroed
    /// /Contents, the field and widget, and the cross-reference section.
    func buildUpdate(document: PDFDocument, sourceCount: Int, path: String) throws(SigningError) -> Prepared {
        do {
            var update = try IncrementalUpdate(document: document)
            let signature = update.allocate()
            let encryptor = PDFSecurity.decryptor(of: document)
            let (body, byteRangeOffset, contentsOffset) = try signatureDictionary(
                encrypted: encryptor.map { ($0, signature) })
            update.set(signature, raw: body)
            let placement: SignatureFieldPlacement
            if let visible {
                let placed = try visible.place(in: document, update: &update)
                placement = try SignatureFieldPlacement.place(
                    signature: signature, fieldName: fieldName, pageIndex: placed.pageIndex,
                    widgetRect: placed.rect, appearance: placed.appearance,
                    document: document, update: &update)
            } else {
                placement = try SignatureFieldPlacement.place(
                    signature: signature, fieldName: fieldName,
                    document: document, update: &update)
            }
            if let encryptor { try update.encryptObjects(with: encryptor) }
            var serialized = update.serialize(documentID: documentID ?? Random.bytes(16))
            let bodyStart = serialized.bodyOffsets[signature]!
            let contentsStart = bodyStart + contentsOffset  // index of '<'
            let hexLength = 2 * reserved
            let total = sourceCount + serialized.bytes.count
            let a = sourceCount + contentsStart
            let b = a + hexLength + 2
            let byteRange = [0, a, b, total - b]
            let rangeText = Array(byteRange.map(String.init).joined(separator: " ").utf8)
            precondition(rangeText.count <= Self.byteRangeWidth)
            let rangeStart = bodyStart + byteRangeOffset
            serialized.bytes.replaceSubrange(rangeStart..<(rangeStart + rangeText.count), with: rangeText)
            return Prepared(
                update: serialized.bytes, contentsRange: (contentsStart + 1)..<(contentsStart + 1 + hexLength),
                byteRange: byteRange, fieldName: placement.fieldName)
        } catch {
            throw SigningError.reading(error, path: path)
        }
    }

    static func hasher(_ digest: DigestAlgorithm) throws(SigningError) -> Digest {
        do { return try Digest(digest) } catch { throw .crypto("\(error)") }
    }

    /// Hashes the update around `/Contents` (`hasher` has seen every original byte), asks `produce`
    /// for the value over that digest, and writes the completed update. Returns the value's length.
    func finish(
        _ prepared: Prepared, hasher: Digest, produce: ([UInt8]) throws(SigningError) -> [UInt8],
        writeUpdate: (UnsafeRawBufferPointer) throws(SigningError) -> Void
    ) throws(SigningError) -> Int {
        var prepared = prepared
        prepared.update.withUnsafeBytes { raw in
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<(prepared.contentsRange.lowerBound - 1)]))
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[(prepared.contentsRange.upperBound + 1)...]))
        }
        let value: [UInt8]
        do { value = try produce(try hasher.finalize()) } catch let error as SigningError { throw error } catch {
            throw .crypto("\(error)")
        }
        guard value.count <= reserved else {
            throw .crypto("the signature (\(value.count) bytes) is larger than the space reserved (\(reserved))")
        }
        let hex = Hex.encode(value)
        prepared.update.replaceSubrange(
            prepared.contentsRange.lowerBound..<(prepared.contentsRange.lowerBound + hex.count), with: hex)
        do {
            try prepared.update.withUnsafeBytes { raw in try writeUpdate(raw) }
        } catch let error as SigningError { throw error } catch { throw .cannotWrite("\(error)") }
        return value.count
    }

    /// The part of signing a file that needs no key: the document read, and its original bytes
    /// copied to the (not yet published) output and hashed on the way. ``PAdESSigner`` does it
    /// while the identity is still being loaded on another core.
    struct OpenedInput {
        let path: String
        let source: FileByteSource
        let document: PDFDocument
        let file: AtomicOutputFile
        let hasher: Digest
    }

    /// Opens `input`, reads it as a PDF, creates the output (refusing an existing one unless
    /// `overwrite`) and copies the original into it.
    static func open(
        input: String, output: String, overwrite: Bool, direct: Bool, digest: DigestAlgorithm,
        credentials: PDFCredentials = PDFCredentials()
    ) throws(SigningError) -> OpenedInput {
        if FileManager.default.fileExists(atPath: output) && isSameFile(input, output) {
            throw .outputExists("the output \(output) is the input file; esign never modifies its input")
        }
        let source: FileByteSource
        do { source = try FileByteSource(path: input) } catch { throw SigningError.from(error, path: input) }
        let document = try parse(source: source, path: input, credentials: credentials)
        let file = try AtomicOutputFile(destination: output, overwrite: overwrite)
        let hasher = try hasher(digest)
        try file.appendAll(of: source, direct: direct, observe: { hasher.update($0) })
        return OpenedInput(path: input, source: source, document: document, file: file, hasher: hasher)
    }

    /// Completes a signature on an opened input: the update, its hash, the value, the publication.
    func complete(
        _ opened: OpenedInput, output: String, durable: Bool,
        produce: ([UInt8]) throws(SigningError) -> [UInt8]
    ) throws(SigningError) -> SigningResult {
        let prepared = try buildUpdate(document: opened.document, sourceCount: opened.source.count, path: opened.path)
        let file = opened.file
        let written = try finish(
            prepared, hasher: opened.hasher, produce: produce,
            writeUpdate: { (bytes: UnsafeRawBufferPointer) throws(SigningError) in try file.write(bytes) })
        try file.commit(durable: durable)
        return SigningResult(
            input: opened.path, output: output, fieldName: prepared.fieldName, byteRange: prepared.byteRange,
            signatureLength: written, reservedLength: reserved,
            outputLength: opened.source.count + prepared.update.count)
    }

    /// Signs the file at `input` into `output` (atomically, never over the input).
    func write(
        input: String, output: String, overwrite: Bool, durable: Bool, direct: Bool = false,
        produce: ([UInt8]) throws(SigningError) -> [UInt8]
    ) throws(SigningError) -> SigningResult {
        let opened = try Self.open(
            input: input, output: output, overwrite: overwrite, direct: direct, digest: digest,
            credentials: pdfCredentials)
        return try complete(opened, output: output, durable: durable, produce: produce)
    }

    /// Signs a PDF held in memory and returns the signed bytes.
    func write(pdf bytes: [UInt8], produce: ([UInt8]) throws(SigningError) -> [UInt8]) throws(SigningError) -> [UInt8] {
        try write(pdf: bytes, produce: produce, hashingOutput: false).bytes
    }

    /// The same, and with `hashingOutput` a SHA-256 under way over the whole output (to be
    /// finalised by the caller, who may append more).
    func write(
        pdf bytes: [UInt8], produce: ([UInt8]) throws(SigningError) -> [UInt8], hashingOutput: Bool
    ) throws(SigningError) -> (bytes: [UInt8], outputHash: Digest?) {
        let (update, hash) = try update(pdf: bytes, produce: produce, hashingOutput: hashingOutput)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + update.count)
        out.append(contentsOf: bytes)
        out.append(contentsOf: update)
        return (out, hash)
    }

    /// Only the incremental update that signs `bytes` (the signed file is `bytes` followed by
    /// it), so that a caller holding the document elsewhere (a server's request) copies nothing.
    /// With `hashingOutput`, a SHA-256 under way over the signed file: with SHA-256 signatures a
    /// copy of the signature's own hash taken after the original bytes, so they are hashed once.
    func update(
        pdf bytes: [UInt8], produce: ([UInt8]) throws(SigningError) -> [UInt8], hashingOutput: Bool
    ) throws(SigningError) -> (update: [UInt8], outputHash: Digest?) {
        let prepared = try prepare(source: MemoryByteSource(bytes), path: "document")
        let hasher = try Self.hasher(digest)
        hasher.update(bytes)
        var outputHash: Digest?
        if hashingOutput {
            do {
                if digest == .sha256 {
                    outputHash = try hasher.copy()
                } else {
                    outputHash = try Digest(.sha256)
                    outputHash?.update(bytes)
                }
            } catch { throw .crypto("\(error)") }
        }
        var tail: [UInt8] = []
        tail.reserveCapacity(prepared.update.count)
        _ = try finish(
            prepared, hasher: hasher, produce: produce,
            writeUpdate: { (chunk: UnsafeRawBufferPointer) throws(SigningError) in
                tail.append(contentsOf: chunk)
                outputHash?.update(chunk)
            })
        return (tail, outputHash)
    }

    /// Signs a PDF held in memory by appending the update to `bytes` itself: no copy of the
    /// document is made (the document read from `bytes` is gone before they grow).
    func append(to bytes: inout [UInt8], produce: ([UInt8]) throws(SigningError) -> [UInt8]) throws(SigningError) {
        let tail = try update(pdf: bytes, produce: produce, hashingOutput: false).update
        bytes.append(contentsOf: tail)
    }

    /// Room for "0 a b c" with three offsets of up to 12 digits.
    static let byteRangeWidth = 40

    /// The dictionary with a blank `/ByteRange` and a zero-filled `/Contents`, plus the offsets
    /// (within the body) of the `/ByteRange` numbers and of the `/Contents` '<'.
    /// `encrypted`: in an encrypted document, its encryption and the dictionary's object (every
    /// string but /Contents is encrypted).
    func signatureDictionary(
        encrypted: (any PDFEncryptor, ObjectReference)? = nil
    ) throws(PDFError) -> (body: [UInt8], byteRangeOffset: Int, contentsOffset: Int) {
        var written = entries
        if let (encryptor, reference) = encrypted { written = try encryptor.encrypted(entries, as: reference) }
        var body = PDFSerializer.bytes(.dictionary(written))
        body.removeLast(2)  // reopen the dictionary: ">>"
        body += Array("/ByteRange [".utf8)
        let byteRangeOffset = body.count
        body += [UInt8](repeating: 0x20, count: Self.byteRangeWidth)
        body += Array("] /Contents ".utf8)
        let contentsOffset = body.count
        body.append(0x3C)
        body += [UInt8](repeating: 0x30, count: 2 * reserved)
        body += Array("> >>".utf8)
        return (body, byteRangeOffset, contentsOffset)
    }

    /// A document certified with "no changes allowed" (DocMDP P=1) cannot take another signature.
    static func checkCertification(_ document: PDFDocument, path: String) throws {
        guard let perms = try document.dictionary(document.catalog()["Perms"]),
            let docMDP = try document.dictionary(perms["DocMDP"])
        else { return }
        for ref in try document.resolve(docMDP["Reference"]).array ?? [] {
            guard let sigRef = try document.dictionary(ref),
                let params = try document.dictionary(sigRef["TransformParams"])
            else { continue }
            if try document.resolve(params["P"]).integer == 1 {
                throw SigningError.badInput(
                    "\(path) is certified with 'no changes allowed': another signature would invalidate the "
                        + "certification"
                )
            }
        }
    }
}
