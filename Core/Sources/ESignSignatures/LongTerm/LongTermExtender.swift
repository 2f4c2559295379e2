import ESignCrypto
import ESignPDF
import ESignPDFSecurity
import ESignTimestamps
import Foundation

/// The PAdES baseline levels (ETSI EN 319 142-1): B-B a signature, B-T with a signature timestamp,
/// B-LT with the validation material in the DSS, B-LTA with a document timestamp over all of it.
public enum PAdESLevel: String, Sendable, CaseIterable, Codable, Comparable {
    case bB = "B-B"
    case bT = "B-T"
    case bLT = "B-LT"
    case bLTA = "B-LTA"

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Raises signed PDFs (esign's or anyone's) to B-LT or B-LTA without touching what was signed:
/// the validation material of every signature and timestamp goes into the DSS by incremental
/// update; for B-LTA a document timestamp then covers everything, and the material of that
/// timestamp's own TSA follows in a last DSS update, ready for the next renewal.
///
/// `--level` is a promise: if any certificate's revocation data cannot be had (a responder down
/// or slow, an answer stale, unsigned or about another certificate, a revoked signer), the
/// document is refused with the reason and nothing is written.
public struct LongTermExtender: Sendable {
    public let level: PAdESLevel
    public let collector: ValidationDataCollector
    public let timestamper: DocumentTimestamper?
    /// What opens encrypted documents: their updates are encrypted with the document's key, as a
    /// signature's is.
    public var pdfCredentials = PDFCredentials()

    public init(level: PAdESLevel, collector: ValidationDataCollector, timestampClient: TimestampClient?) {
        self.level = level
        self.collector = collector
        timestamper = timestampClient.map { DocumentTimestamper(client: $0) }
    }

    /// Extends the PDF at `input` into `output`, written atomically. The document is read once
    /// into a buffer with room for what is added, and every update is appended to it in place.
    /// `name`: the file named in errors (default `input`).
    /// `direct`: write with direct I/O, for batches (see ``AtomicOutputFile/writeDirect(_:)``).
    public func extend(
        input: String, output: String, overwrite: Bool, name: String? = nil, direct: Bool = false
    ) throws(SigningError) {
        var bytes = try Self.read(input, spare: 256 << 10)
        try extend(appendingTo: &bytes, name: name ?? input)
        let file = try AtomicOutputFile(destination: output, overwrite: overwrite)
        if direct { try file.writeDirect(bytes) } else { try file.write(bytes) }
        try file.commit()
    }

    /// The extended document: `bytes` followed by the DSS update(s) and, for B-LTA, the
    /// document timestamp.
    public func extend(pdf bytes: [UInt8], name: String = "document") throws(SigningError) -> [UInt8] {
        var result = bytes
        try extend(appendingTo: &result, name: name)
        return result
    }

    /// Appends the DSS update(s) and, for B-LTA, the document timestamp to `bytes`.
    public func extend(appendingTo bytes: inout [UInt8], name: String) throws(SigningError) {
        guard level >= .bLT else { return }
        guard let timestamper = level == .bLTA ? timestamper : nil else {
            if level == .bLTA { throw .timestamp("B-LTA needs a time-stamping authority (--tsa URL)") }
            try appendMaterial(to: &bytes, name: name)
            return
        }
        // The document timestamp's own TSA chain goes into the DSS it will cover: validators look
        // for a timestamp's revocation data in what that timestamp protects.
        var extra: [[Certificate]] = []
        do {
            let sample = try timestamper.client.sampleToken()
            if let tsa = sample.tsaCertificate { extra.append(collector.chain(of: tsa, pool: sample.cms.certificates)) }
        } catch {
            throw .timestamp("\(error)")
        }
        try appendMaterial(to: &bytes, name: name, extraChains: extra)
        var stamper = timestamper
        stamper.pdfCredentials = pdfCredentials
        try stamper.timestamp(appendingTo: &bytes)
        // The timestamp's material is in the store already (unless its TSA changed certificates
        // meanwhile): a last update only when there is something to add.
        try appendMaterial(to: &bytes, name: name, materialRequired: true)
    }

    /// A file's bytes in an array with `spare` bytes of capacity beyond them, read straight into
    /// the array's storage.
    static func read(_ path: String, spare: Int) throws(SigningError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .missingInput("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .missingInput("cannot read \(path)") }
        let size = Int(status.st_size)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size + spare) { buffer, count in
            while count < size {
                let got = Foundation.read(fd, buffer.baseAddress! + count, size - count)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 {
                    failure = got < 0 ? errno : EIO
                    break
                }
                count += got
            }
        }
        guard failure == 0 else { throw .missingInput("cannot read \(path): \(String(cString: strerror(failure)))") }
        return bytes
    }

    /// Appends one DSS update with the material of every signature and timestamp in `bytes`
    /// (nothing when the store already holds it all).
    func appendMaterial(
        to bytes: inout [UInt8], name: String, extraChains: [[Certificate]] = [], materialRequired: Bool = false
    ) throws(SigningError) {
        // The document reads `bytes`; it is gone before they grow, so they are not copied.
        let update = try materialUpdate(
            for: bytes, name: name, extraChains: extraChains, materialRequired: materialRequired)
        if let update { bytes.append(contentsOf: update) }
    }

    func materialUpdate(
        for bytes: [UInt8], name: String, extraChains: [[Certificate]], materialRequired: Bool
    ) throws(SigningError) -> [UInt8]? {
        let document: PDFDocument
        let signatures: [EmbeddedSignature]
        do {
            document = try PDFDocument(source: MemoryByteSource(bytes))
            if document.isEncrypted {
                try IncrementalSignatureWriter.openEncrypted(document, path: name, credentials: pdfCredentials)
            }
            signatures = try EmbeddedSignature.all(in: document)
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError.reading(error, path: name)
        }
        guard !signatures.isEmpty else { throw .badInput("\(name) has no signature to extend") }
        var chains = extraChains
        for signature in signatures {
            chains += try self.chains(of: signature, name: name)
        }
        let material: ValidationMaterial
        do { material = try collector.collect(chains: chains) } catch {
            let message = "\(name): refused \(level.rawValue): \(error)"
            throw error.revoked ? .identity(message) : .validationData(message)
        }
        do {
            return try DocumentSecurityStore.update(
                document, adding: material, for: signatures, materialRequired: materialRequired,
                encryptor: PDFSecurity.decryptor(of: document))
        } catch {
            throw .badInput("\(name): cannot add the DSS: \(error)")
        }
    }

    /// The signatures and document timestamps of `document`.
    public static func signatures(in document: PDFDocument) throws -> [EmbeddedSignature] {
        try EmbeddedSignature.all(in: document)
    }

    /// The signer's chain and, when there is one, the signature timestamp's TSA chain; for a
    /// document timestamp, its TSA's chain.
    func chains(of signature: EmbeddedSignature, name: String) throws(SigningError) -> [[Certificate]] {
        guard let contents = signature.contents else {
            throw .badInput("\(name): signature \(signature.fieldName) has no /Contents")
        }
        let cms: CMSSignedDataReader
        do { cms = try CMSSignedDataReader(der: contents) } catch {
            throw .badInput("\(name): signature \(signature.fieldName) is not a CMS signature: \(error)")
        }
        guard let signer = cms.signers.first?.certificate else {
            throw .badInput("\(name): signature \(signature.fieldName) does not carry its signer's certificate")
        }
        var chains = [collector.chain(of: signer, pool: cms.certificates)]
        if !signature.isDocumentTimestamp,
            let attribute = cms.signers.first?.attributeValue(CMSSignedData.idSignatureTimeStampToken, signed: false),
            let token = try? TimestampToken(der: SignatureVerification.stripASN1Type(attribute)),
            let tsa = token.tsaCertificate
        {
            chains.append(collector.chain(of: tsa, pool: token.cms.certificates))
        }
        return chains
    }
}
