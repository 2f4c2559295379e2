import ESignCrypto
import ESignPDF
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

    public init(level: PAdESLevel, collector: ValidationDataCollector, timestampClient: TimestampClient?) {
        self.level = level
        self.collector = collector
        timestamper = timestampClient.map { DocumentTimestamper(client: $0) }
    }

    /// Extends the PDF at `input` into `output`, written atomically.
    /// `name`: the file named in errors (default `input`).
    public func extend(input: String, output: String, overwrite: Bool, name: String? = nil) throws(SigningError) {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: input))) } catch {
            throw .missingInput("cannot read \(input)")
        }
        let extended = try extend(pdf: bytes, name: name ?? input)
        let file = try AtomicOutputFile(destination: output, overwrite: overwrite)
        try file.write(extended)
        try file.commit()
    }

    /// The extended document: `bytes` followed by the DSS update(s) and, for B-LTA, the
    /// document timestamp.
    public func extend(pdf bytes: [UInt8], name: String = "document") throws(SigningError) -> [UInt8] {
        guard level >= .bLT else { return bytes }
        if level == .bLTA && timestamper == nil {
            throw .timestamp("B-LTA needs a time-stamping authority (--tsa URL)")
        }
        // The document timestamp's own TSA chain goes into the DSS it will cover: validators look
        // for a timestamp's revocation data in what that timestamp protects.
        var extra: [[Certificate]] = []
        if level == .bLTA, let timestamper {
            do {
                let sample = try timestamper.client.sampleToken()
                if let tsa = sample.tsaCertificate {
                    extra.append(collector.chain(of: tsa, pool: sample.cms.certificates))
                }
            } catch {
                throw .timestamp("\(error)")
            }
        }
        var result = try addingMaterial(to: bytes, name: name, extraChains: extra)
        if level == .bLTA, let timestamper {
            result = try timestamper.timestamp(pdf: result)
            result = try addingMaterial(to: result, name: name)
        }
        return result
    }

    /// One DSS update with the material of every signature and timestamp in `bytes` (none when
    /// the store already holds it all).
    func addingMaterial(
        to bytes: [UInt8], name: String, extraChains: [[Certificate]] = []
    ) throws(SigningError)
        -> [UInt8]
    {
        let document: PDFDocument
        let signatures: [EmbeddedSignature]
        do {
            document = try PDFDocument(source: MemoryByteSource(bytes))
            signatures = try EmbeddedSignature.all(in: document)
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
            guard let update = try DocumentSecurityStore.update(document, adding: material, for: signatures) else {
                return bytes
            }
            return bytes + update
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
