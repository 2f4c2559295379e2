import ESignCrypto
import ESignPDF
import ESignTimestamps
import ESignXML
import Foundation

/// Renewing a B-LTA archive (ETSI EN 319 142-1 § 5.5): before the newest document timestamp's
/// TSA certificate expires, or once its algorithms are getting weak, its validation data goes into
/// the DSS and a fresh document timestamp covers everything, so the chain of proofs goes on.
public struct ArchiveRenewal: Sendable {
    /// What was decided for one document.
    public enum Outcome: Sendable, Equatable {
        case renewed(previousExpiry: Date?, newExpiry: Date?)
        case skipped(String)
    }

    public let extender: LongTermExtender
    /// Renew when the newest timestamp's TSA certificate expires before now + `window`.
    public let window: TimeInterval
    /// Digests no longer strong enough to protect an archive for long.
    public var weakDigests: Set<String> = ["SHA1", "MD5"]
    public var minimumRSABits = 2048

    public init(extender: LongTermExtender, window: TimeInterval) {
        self.extender = extender
        self.window = window
    }

    /// Whether the document needs renewing, and why (or why not).
    public func assess(
        pdf bytes: [UInt8], name: String, now: Date = Date()
    ) throws(SigningError) -> (
        renew: Bool, reason: String, expiry: Date?
    ) {
        let signatures: [EmbeddedSignature]
        do { signatures = try EmbeddedSignature.all(in: PDFDocument(source: MemoryByteSource(bytes))) } catch {
            throw SigningError.reading(error, path: name)
        }
        guard !signatures.isEmpty else { return (false, "no signature", nil) }
        guard let newest = signatures.last(where: \.isDocumentTimestamp) else {
            return (true, "no document timestamp yet (not B-LTA)", nil)
        }
        guard let token = try? TimestampToken(der: newest.contents ?? []) else {
            return (true, "the newest document timestamp cannot be read", nil)
        }
        return assess(newest: token, now: now)
    }

    /// The same for a detached `.p7s`, by its newest archive-time-stamp-v3.
    public func assess(cades der: [UInt8], now: Date = Date()) -> (renew: Bool, reason: String, expiry: Date?) {
        guard let structure = try? SignedDataStructure(der: der), let signer = structure.signers.first else {
            return (true, "the signature cannot be read", nil)
        }
        let tokens = signer.unsignedValues(ArchiveTimestampV3.idArchiveTimestampV3).compactMap {
            try? TimestampToken(der: $0)
        }
        // The newest by time; of two in the same second, the later added.
        let newest = tokens.enumerated().max { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        guard let newest else { return (true, "no archive timestamp yet (not B-LTA)", nil) }
        return assess(newest: newest.element, now: now)
    }

    /// The same for an XML document, by the newest archive timestamp of its XAdES signatures
    /// (the one protecting least long decides). Nil when it holds no XAdES signature.
    public func assess(xades bytes: [UInt8], now: Date = Date()) -> (renew: Bool, reason: String, expiry: Date?)? {
        guard let tree = try? XMLTree(parsing: bytes) else { return (true, "the document cannot be read", nil) }
        let signatures = LongTermExtender.xadesSignatures(in: tree)
        guard !signatures.isEmpty else { return nil }
        var weakest: (renew: Bool, reason: String, expiry: Date?)?
        for signature in signatures {
            let stamps =
                XAdESArchiveTimeStamp.unsignedSignatureProperties(of: signature)?
                .children("ArchiveTimeStamp", in: XMLDSig.xades141) ?? []
            let tokens = stamps.compactMap { stamp in
                XMLSignatureVerification.base64(stamp.child("EncapsulatedTimeStamp", in: XMLDSig.xades)?.text)
                    .flatMap { try? TimestampToken(der: $0) }
            }
            let newest = tokens.enumerated().max { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
            guard let newest else { return (true, "no archive timestamp yet (not B-LTA)", nil) }
            let decision = assess(newest: newest.element, now: now)
            if weakest == nil || (decision.renew && !weakest!.renew) { weakest = decision }
        }
        return weakest
    }

    /// Whether the protection `newest` gives runs out within the window or is getting weak.
    func assess(newest token: TimestampToken, now: Date) -> (renew: Bool, reason: String, expiry: Date?) {
        guard let tsa = token.tsaCertificate else { return (true, "the newest timestamp has no TSA certificate", nil) }
        let expiry = tsa.notAfter
        let formatter = ISO8601DateFormatter()
        if expiry < now.addingTimeInterval(window) {
            return (true, "the newest timestamp's TSA certificate expires \(formatter.string(from: expiry))", expiry)
        }
        let digest = Digest.name(ofOID: token.imprintAlgorithmOID)
        if weakDigests.contains(digest.uppercased().replacingOccurrences(of: "-", with: "")) {
            return (true, "the newest timestamp uses \(digest), no longer strong enough", expiry)
        }
        if let bits = tsa.rsaKeyBits, bits < minimumRSABits {
            return (true, "the newest timestamp's TSA key is RSA-\(bits), weak for long-term use", expiry)
        }
        return (false, "protected until \(formatter.string(from: expiry))", expiry)
    }

    /// Renews the file at `input` into `output` (atomically) when it needs it.
    public func renew(input: String, output: String, overwrite: Bool) throws(SigningError) -> Outcome {
        var renewed = try LongTermExtender.read(input, spare: 256 << 10)
        let decision = try assess(pdf: renewed, name: input)
        guard decision.renew else { return .skipped(decision.reason) }
        try extender.extend(appendingTo: &renewed, name: input)
        let file = try AtomicOutputFile(destination: output, overwrite: overwrite)
        try file.write(renewed)
        try file.commit(durable: true)
        let after = try assess(pdf: renewed, name: input)
        return .renewed(previousExpiry: decision.expiry, newExpiry: after.expiry)
    }

    /// Renews the XAdES signatures of the XML document at `input` into `output` when they need it
    /// (a detached one's file beside it); XML holding no XAdES signature is skipped.
    public func renew(xadesInput input: String, output: String, overwrite: Bool) throws(SigningError) -> Outcome {
        guard let bytes = FileManager.default.contents(atPath: input).map({ [UInt8]($0) }) else {
            throw .missingInput("cannot read \(input)")
        }
        guard let decision = assess(xades: bytes) else { return .skipped("no XAdES signature") }
        guard decision.renew else { return .skipped(decision.reason) }
        try extender.extend(xadesInput: input, content: nil, output: output, overwrite: overwrite)
        let after = FileManager.default.contents(atPath: output).flatMap { assess(xades: [UInt8]($0)) }
        return .renewed(previousExpiry: decision.expiry, newExpiry: after?.expiry)
    }

    /// Renews the detached signature at `input` (over the file `content`) into `output` when it
    /// needs it: the validation data of every timestamp, then a fresh archive timestamp.
    public func renew(
        cadesInput input: String, content: String, output: String, overwrite: Bool
    ) throws(SigningError) -> Outcome {
        guard let bytes = FileManager.default.contents(atPath: input).map({ [UInt8]($0) }) else {
            throw .missingInput("cannot read \(input)")
        }
        let decision = assess(cades: DetachedSignatureVerifier.derSignature(bytes))
        guard decision.renew else { return .skipped(decision.reason) }
        try extender.extend(cadesInput: input, content: content, output: output, overwrite: overwrite)
        let after = assess(cades: FileManager.default.contents(atPath: output).map { [UInt8]($0) } ?? [])
        return .renewed(previousExpiry: decision.expiry, newExpiry: after.expiry)
    }
}
