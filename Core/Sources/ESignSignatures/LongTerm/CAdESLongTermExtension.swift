import ESignCrypto
import ESignPDF
import ESignTimestamps
import Foundation

/// The detached side of long-term levels (CAdES baseline, ETSI EN 319 122-1): a `.p7s` raised to
/// B-LT carries the certificates and revocation data of every chain it relies on in
/// SignedData.certificates and SignedData.crls (OCSP responses as RFC 5940 other revocation
/// info); B-LTA adds an archive-time-stamp-v3 over all of it, then its own TSA's material, ready
/// for the next renewal, which is the same operation again.
///
/// The signature's signed attributes and value are never touched: only fields no signature covers
/// are added to, and every earlier archive timestamp's index still finds what it hashed.
extension LongTermExtender {
    /// The content of a detached signature, hashed as each step needs it (at most once per
    /// algorithm).
    public final class DetachedContent: @unchecked Sendable {
        let source: ByteSource
        private var digests: [DigestAlgorithm: [UInt8]]

        /// `known`: digests already computed (while signing), by algorithm.
        public init(source: ByteSource, known: [DigestAlgorithm: [UInt8]] = [:]) {
            self.source = source
            digests = known
        }

        func digest(_ algorithm: DigestAlgorithm) throws -> [UInt8] {
            if let known = digests[algorithm] { return known }
            let hasher = try Digest(algorithm)
            try source.forEachChunk(in: 0..<source.count, chunkSize: 1 << 20) { hasher.update($0) }
            let value = try hasher.finalize()
            digests[algorithm] = value
            return value
        }
    }

    /// The `.p7s` `signature` over `content` raised to this extender's level. A signature without
    /// a signature timestamp first gets one (which needs the TSA).
    public func extend(
        cades signature: [UInt8], content: DetachedContent, name: String
    ) throws(SigningError) -> [UInt8] {
        guard level >= .bLT else { return signature }
        var structure: SignedDataStructure
        let cms: CMSSignedDataReader
        do {
            structure = try SignedDataStructure(der: signature)
            cms = try CMSSignedDataReader(der: signature)
        } catch {
            throw .badInput("\(name) is not a CMS signature esign can extend: \(error)")
        }
        guard structure.signers.count == 1, let signerInfo = cms.signers.first, let signer = signerInfo.certificate
        else { throw .badInput("\(name): the signature must have one signer whose certificate it carries") }
        // An archive timestamp over another file would be worthless: the signature must sign this content.
        let algorithm = DigestAlgorithm.allCases.first { $0.oid == signerInfo.digestAlgorithmOID }
        guard let algorithm, let signed = try? content.digest(algorithm), signerInfo.messageDigest == signed else {
            throw .badInput("\(name) is not a signature of the file given as its content")
        }
        let client = timestamper?.client
        if level == .bLTA && client == nil { throw .timestamp("B-LTA needs a time-stamping authority (--tsa URL)") }
        if structure.signers[0].unsignedValues(CMSSignedData.idSignatureTimeStampToken).isEmpty {
            guard let client else {
                throw .timestamp("\(name) has no signature timestamp; \(level.rawValue) needs a TSA (--tsa URL)")
            }
            do {
                let token = try client.timestamp(data: structure.signers[0].signatureValue).token
                structure.appendUnsignedAttribute(
                    signer: 0, type: CMSSignedData.idSignatureTimeStampToken, value: token.der)
            } catch {
                throw .timestamp("\(error)")
            }
        }
        var chains = [collector.chain(of: signer, pool: cms.certificates)]
        chains += timestampChains(structure)
        if level == .bLTA, let client {
            // The archive timestamp's own TSA chain goes in before it, as for a document timestamp.
            do {
                let sample = try client.sampleToken()
                if let tsa = sample.tsaCertificate {
                    chains.append(collector.chain(of: tsa, pool: sample.cms.certificates))
                }
            } catch {
                throw .timestamp("\(error)")
            }
        }
        try add(collecting: chains, to: &structure, name: name)
        guard level == .bLTA, let client else { return structure.encoded() }
        let token: TimestampToken
        do {
            let index = try ArchiveTimestampV3.hashIndex(of: structure, signer: 0, digest: client.digest)
            let imprint = try ArchiveTimestampV3.imprint(
                of: structure, signer: 0, contentDigest: try content.digest(client.digest), hashIndex: index,
                digest: client.digest)
            token = try client.timestamp(imprint: imprint).token
            structure.appendUnsignedAttribute(
                signer: 0, type: ArchiveTimestampV3.idArchiveTimestampV3,
                value: try ArchiveTimestampV3.token(token.der, addingHashIndex: index))
        } catch let error as TimestampClient.Failure {
            throw .timestamp("\(error)")
        } catch let error as PDFError {
            throw .from(error, path: name)
        } catch {
            throw .crypto("\(name): the archive timestamp could not be built: \(error)")
        }
        if let tsa = token.tsaCertificate {
            try add(collecting: [collector.chain(of: tsa, pool: token.cms.certificates)], to: &structure, name: name)
        }
        return structure.encoded()
    }

    /// The TSA chains of the signature timestamps and archive timestamps the signature holds.
    func timestampChains(_ structure: SignedDataStructure) -> [[Certificate]] {
        let signer = structure.signers[0]
        let tokens =
            signer.unsignedValues(CMSSignedData.idSignatureTimeStampToken)
            + signer.unsignedValues(ArchiveTimestampV3.idArchiveTimestampV3)
        return tokens.compactMap { der in
            guard let token = try? TimestampToken(der: der), let tsa = token.tsaCertificate else { return nil }
            return collector.chain(of: tsa, pool: token.cms.certificates)
        }
    }

    /// Collects the material of `chains` and adds what the structure lacks.
    func add(
        collecting chains: [[Certificate]], to structure: inout SignedDataStructure, name: String
    ) throws(SigningError) {
        let material: ValidationMaterial
        do { material = try collector.collect(chains: chains) } catch {
            let message = "\(name): refused \(level.rawValue): \(error)"
            throw error.revoked ? .identity(message) : .validationData(message)
        }
        structure.add(certificates: material.certificates.map(\.der))
        structure.add(crls: material.crls)
        structure.add(ocspResponses: material.ocspResponses)
    }

    /// Extends the `.p7s` at `input` (over the file `content`) into `output`, written atomically.
    public func extend(
        cadesInput input: String, content: String, output: String, overwrite: Bool
    ) throws(SigningError) {
        guard let signature = FileManager.default.contents(atPath: input).map({ [UInt8]($0) }) else {
            throw .missingInput("cannot read \(input)")
        }
        let source: FileByteSource
        do { source = try FileByteSource(path: content) } catch {
            throw .missingInput("\(input): its signed file \(content) cannot be read: \(error)")
        }
        let extended = try extend(
            cades: DetachedSignatureVerifier.derSignature(signature), content: DetachedContent(source: source),
            name: input)
        let file = try AtomicOutputFile(destination: output, overwrite: overwrite)
        try file.write(extended)
        try file.commit(durable: true)
    }
}
