import ESignCore
import ESignCrypto
import ESignPDF
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

    struct Prepared {
        var update: [UInt8]
        let contentsRange: Range<Int>   // within `update`: the hex digits between '<' and '>'
        let byteRange: [Int]
        let fieldName: String
    }

    func prepare(source: ByteSource, path: String) throws(SigningError) -> Prepared {
        do {
            let document = try PDFDocument(source: source)
            if document.isEncrypted { throw SigningError.badInput("\(path): \(PDFError.encrypted)") }
            try Self.checkCertification(document, path: path)
            var update = try IncrementalUpdate(document: document)
            let signature = update.allocate()
            let (body, byteRangeOffset, contentsOffset) = signatureDictionary()
            update.set(signature, raw: body)
            let placement: SignatureFieldPlacement
            if let visible {
                let placed = try visible.place(in: document, update: &update)
                placement = try SignatureFieldPlacement.place(signature: signature, fieldName: fieldName, pageIndex: placed.pageIndex,
                                                              widgetRect: placed.rect, appearance: placed.appearance,
                                                              document: document, update: &update)
            } else {
                placement = try SignatureFieldPlacement.place(signature: signature, fieldName: fieldName,
                                                              document: document, update: &update)
            }
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
                            byteRange: byteRange, fieldName: placement.fieldName)
        } catch let error as SigningError {
            throw error
        } catch let error as PDFError {
            throw SigningError.from(error, path: path)
        } catch {
            throw .badInput("\(path): \(error)")
        }
    }

    /// Writes the original bytes (`copyOriginal` shows each byte to the hash on the way), hashes
    /// the update around `/Contents`, asks `produce` for the value over that digest, and writes
    /// the completed update. Returns the value's length.
    func finish(_ prepared: Prepared, copyOriginal: ((UnsafeRawBufferPointer) -> Void) throws(SigningError) -> Void,
                produce: ([UInt8]) throws(SigningError) -> [UInt8],
                writeUpdate: (UnsafeRawBufferPointer) throws(SigningError) -> Void) throws(SigningError) -> Int {
        var prepared = prepared
        let hasher: Digest
        do { hasher = try Digest(digest) } catch { throw .crypto("\(error)") }
        try copyOriginal { hasher.update($0) }
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
        prepared.update.replaceSubrange(prepared.contentsRange.lowerBound..<(prepared.contentsRange.lowerBound + hex.count), with: hex)
        do {
            try prepared.update.withUnsafeBytes { raw in try writeUpdate(raw) }
        } catch let error as SigningError { throw error } catch { throw .cannotWrite("\(error)") }
        return value.count
    }

    /// Signs the file at `input` into `output` (atomically, never over the input).
    func write(input: String, output: String, overwrite: Bool, durable: Bool, direct: Bool = false,
               produce: ([UInt8]) throws(SigningError) -> [UInt8]) throws(SigningError) -> SigningResult {
        if FileManager.default.fileExists(atPath: output) && isSameFile(input, output) {
            throw .outputExists("the output \(output) is the input file; esign never modifies its input")
        }
        let source: FileByteSource
        do { source = try FileByteSource(path: input) } catch { throw SigningError.from(error, path: input) }
        let prepared = try prepare(source: source, path: input)
        let file = try AtomicOutputFile(destination: output, overwrite: overwrite)
        if overwrite && !direct { file.preallocate(source.count + prepared.update.count) }
        let written = try finish(prepared,
                                 copyOriginal: { (hash: (UnsafeRawBufferPointer) -> Void) throws(SigningError) in
                                     try file.appendAll(of: source, direct: direct, observe: hash)
                                 },
                                 produce: produce,
                                 writeUpdate: { (bytes: UnsafeRawBufferPointer) throws(SigningError) in try file.write(bytes) })
        try file.commit(durable: durable)
        return SigningResult(input: input, output: output, fieldName: prepared.fieldName, byteRange: prepared.byteRange,
                             signatureLength: written, reservedLength: reserved, outputLength: source.count + prepared.update.count)
    }

    /// Signs a PDF held in memory and returns the signed bytes.
    func write(pdf bytes: [UInt8], produce: ([UInt8]) throws(SigningError) -> [UInt8]) throws(SigningError) -> [UInt8] {
        let source = MemoryByteSource(bytes)
        let prepared = try prepare(source: source, path: "document")
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + prepared.update.count)
        _ = try finish(prepared, copyOriginal: { (hash: (UnsafeRawBufferPointer) -> Void) throws(SigningError) in
            bytes.withUnsafeBytes { hash($0) }
            out.append(contentsOf: bytes)
        }, produce: produce, writeUpdate: { (chunk: UnsafeRawBufferPointer) throws(SigningError) in
            out.append(contentsOf: chunk)
        })
        return out
    }

    /// Room for "0 a b c" with three offsets of up to 12 digits.
    static let byteRangeWidth = 40

    /// The dictionary with a blank `/ByteRange` and a zero-filled `/Contents`, plus the offsets
    /// (within the body) of the `/ByteRange` numbers and of the `/Contents` '<'.
    func signatureDictionary() -> (body: [UInt8], byteRangeOffset: Int, contentsOffset: Int) {
        var body = PDFSerializer.bytes(.dictionary(entries))
        body.removeLast(2) // reopen the dictionary: ">>"
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
