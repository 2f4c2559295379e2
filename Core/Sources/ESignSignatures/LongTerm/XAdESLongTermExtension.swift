import ESignCore
import ESignCrypto
import ESignTimestamps
import ESignXML
import Foundation

/// The XML side of long-term levels (XAdES baseline, ETSI EN 319 132-1): a signature raised to
/// B-LT carries, among its unsigned signature properties, `xades:CertificateValues` and
/// `xades:RevocationValues` (OCSP responses, CRLs) for every chain it relies on; B-LTA adds a
/// `xades141:ArchiveTimeStamp` over the document, the signature and all of it, then the
/// archive TSA's own material in a `xades141:TimeStampValidationData`, ready for the next
/// renewal, which is the same operation again.
///
/// Each property is spliced into the document's bytes at the end of the signature's
/// `UnsignedSignatureProperties`: nothing signed, and nothing an earlier archive timestamp
/// covered, changes.
extension LongTermExtender {
    /// Every XAdES signature of the XML document `bytes` raised to this extender's level.
    /// `content` gives a detached signature's file by its reference URI. A signature without a
    /// signature timestamp first gets one (which needs the TSA).
    public func extend(
        xades bytes: [UInt8], name: String, content: (String) -> [UInt8]? = { _ in nil }
    ) throws(SigningError) -> [UInt8] {
        guard level >= .bLT else { return bytes }
        do {
            let count = try Self.xadesSignatures(in: XMLTree(parsing: bytes)).count
            guard count > 0 else {
                throw SigningError.badInput(
                    "\(name) has no XAdES signature to extend (plain XMLDSig signatures have no place for "
                        + "validation data)")
            }
            var document = bytes
            for index in 0..<count {
                document = try extend(signature: index, of: document, name: name, content: content)
            }
            return document
        } catch let error as SigningError {
            throw error
        } catch let error as XMLError {
            throw .badInput("\(name): \(error)")
        } catch {
            throw .crypto("\(name): \(error)")
        }
    }

    /// Extends the XML file at `input` into `output`, written atomically. A detached signature's
    /// file is `content`, else the file its reference names beside the signature.
    public func extend(xadesInput input: String, content: String?, output: String, overwrite: Bool) throws(SigningError)
    {
        guard let bytes = FileManager.default.contents(atPath: input).map({ [UInt8]($0) }) else {
            throw .missingInput("cannot read \(input)")
        }
        let given = content.flatMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } }
        if let content, given == nil { throw .missingInput("\(input): its signed file \(content) cannot be read") }
        let beside = XMLSignatureVerifier.filesBeside(input)
        let extended = try extend(xades: bytes, name: input) { uri in given ?? beside(uri) }
        let file = try AtomicOutputFile(destination: output, overwrite: overwrite)
        try file.write(extended)
        try file.commit(durable: true)
    }

    /// Every certificate the XML signatures of `bytes` carry: in KeyInfo, among the unsigned
    /// properties, in their timestamp tokens.
    public static func certificates(inXML bytes: [UInt8]) -> [Certificate] {
        guard let tree = try? XMLTree(parsing: bytes) else { return [] }
        return XMLSignatureVerifier.signatures(in: tree).flatMap { signature in
            XMLSignatureVerification.keyInfoCertificates(signature)
                + XAdESArchiveTimeStamp.embeddedMaterial(of: signature).certificates
                + timestampTokens(of: signature).flatMap(\.cms.certificates)
        }
    }

    /// The signatures with XAdES qualifying properties, in document order.
    static func xadesSignatures(in tree: XMLTree) -> [XMLTree.Element] {
        XMLSignatureVerifier.signatures(in: tree).filter { XAdESArchiveTimeStamp.qualifyingProperties(of: $0) != nil }
    }

    private func extend(
        signature index: Int, of bytes: [UInt8], name: String, content: (String) -> [UInt8]?
    ) throws -> [UInt8] {
        var document = bytes
        var (tree, signature) = try Self.locate(index, in: document)
        var detached: (uri: String, bytes: [UInt8])?
        if tree.root == signature, let uri = XMLSignatureVerifier.externalReference(signature) {
            guard let bytes = content(uri) else {
                throw SigningError.missingInput("\(name): the file it signs (\(uri)) cannot be read (--content FILE)")
            }
            detached = (uri, bytes)
        }
        let client = timestamper?.client
        if level == .bLTA && client == nil {
            throw SigningError.timestamp("B-LTA needs a time-stamping authority (--tsa URL)")
        }
        let id = signature.identifier ?? "xades"
        let stamps =
            XAdESArchiveTimeStamp.unsignedSignatureProperties(of: signature)?
            .children("SignatureTimeStamp", in: XMLDSig.xades) ?? []
        if stamps.isEmpty {
            guard let client else {
                throw SigningError.timestamp(
                    "\(name) has no signature timestamp; \(level.rawValue) needs a TSA (--tsa URL)")
            }
            guard let value = signature.child("SignatureValue", in: XMLDSig.namespace) else {
                throw SigningError.badInput("\(name): the signature has no SignatureValue")
            }
            let canonical = try tree.canonicalize(.exclusive, NodeSelection(subtree: value))
            let token = try timestamp(client) { try $0.timestamp(data: canonical).token }
            document = try Self.insert(
                XAdESArchiveTimeStamp.signatureTimeStamp(token: token.der, id: Self.newID(id, "sigtst")), into: index,
                of: document)
            (tree, signature) = try Self.locate(index, in: document)
        }
        // The chains: the signer's, every timestamp's TSA, and for B-LTA the archive TSA's own.
        let embedded = XAdESArchiveTimeStamp.embeddedMaterial(of: signature)
        let verification = XMLSignatureVerification.certificates(of: signature)
        let pool = verification.all + embedded.certificates
        guard let signer = verification.signer else {
            throw SigningError.badInput("\(name): the signature does not carry its signer's certificate")
        }
        var chains = [collector.chain(of: signer, pool: pool)]
        for token in Self.timestampTokens(of: signature) {
            if let tsa = token.tsaCertificate { chains.append(collector.chain(of: tsa, pool: token.cms.certificates)) }
        }
        if level == .bLTA, let client {
            let sample = try timestamp(client) { try $0.sampleToken() }
            if let tsa = sample.tsaCertificate {
                chains.append(collector.chain(of: tsa, pool: sample.cms.certificates))
            }
        }
        let properties = XAdESArchiveTimeStamp.unsignedSignatureProperties(of: signature)
        let firstMaterial =
            properties.map {
                $0.child("CertificateValues", in: XMLDSig.xades) == nil
                    && $0.child("RevocationValues", in: XMLDSig.xades) == nil
            } ?? true
        if let text = try materialText(chains, present: (verification.all, embedded), id: id, asValues: firstMaterial) {
            document = try Self.insert(text, into: index, of: document)
        }
        guard level == .bLTA, let client else { return document }
        (tree, signature) = try Self.locate(index, in: document)
        let input = try XAdESArchiveTimeStamp.input(
            signature: signature, tree: tree, method: XAdESArchiveTimeStamp.method, before: nil,
            detachedContent: detached)
        let token = try timestamp(client) { try $0.timestamp(data: input).token }
        document = try Self.insert(
            XAdESArchiveTimeStamp.element(token: token.der, id: Self.newID(id, "ats")), into: index, of: document)
        // Its TSA's material, when the sample's was another certificate.
        if let tsa = token.tsaCertificate {
            (tree, signature) = try Self.locate(index, in: document)
            let now = XAdESArchiveTimeStamp.embeddedMaterial(of: signature)
            if let text = try materialText(
                [collector.chain(of: tsa, pool: token.cms.certificates)],
                present: (XMLSignatureVerification.certificates(of: signature).all, now), id: id, asValues: false)
            {
                document = try Self.insert(text, into: index, of: document)
            }
        }
        return document
    }

    /// The properties holding what `chains` need and the signature lacks, or nil when it has it all.
    private func materialText(
        _ chains: [[Certificate]], present: ([Certificate], (certificates: [Certificate], revocation: RevocationData)),
        id: String, asValues: Bool
    ) throws(SigningError) -> String? {
        var material: ValidationMaterial
        do { material = try collector.collect(chains: chains) } catch {
            let message = "refused \(level.rawValue): \(error)"
            throw error.revoked ? .identity(message) : .validationData(message)
        }
        let known = present.0 + present.1.certificates
        material.certificates.removeAll { known.contains($0) }
        material.ocspResponses.removeAll { present.1.revocation.ocspResponses.contains($0) }
        material.crls.removeAll { present.1.revocation.crls.contains($0) }
        if material.certificates.isEmpty && material.ocspResponses.isEmpty && material.crls.isEmpty { return nil }
        return asValues
            ? XAdESArchiveTimeStamp.validationValues(material, id: id)
            : XAdESArchiveTimeStamp.timeStampValidationData(material, id: Self.newID(id, "tsvd"))
    }

    private func timestamp<T>(_ client: TimestampClient, _ body: (TimestampClient) throws -> T) throws -> T {
        do { return try body(client) } catch let error as TimestampClient.Failure {
            throw SigningError.timestamp("\(error)")
        }
    }

    /// The signature and archive timestamp tokens of a signature.
    static func timestampTokens(of signature: XMLTree.Element) -> [TimestampToken] {
        guard let properties = XAdESArchiveTimeStamp.unsignedSignatureProperties(of: signature) else { return [] }
        let stamps =
            properties.children("SignatureTimeStamp", in: XMLDSig.xades)
            + properties.children("ArchiveTimeStamp", in: XMLDSig.xades141)
        return stamps.compactMap { stamp in
            XMLSignatureVerification.base64(stamp.child("EncapsulatedTimeStamp", in: XMLDSig.xades)?.text)
                .flatMap { try? TimestampToken(der: $0) }
        }
    }

    private static func newID(_ signature: String, _ kind: String) -> String {
        "\(signature)-\(kind)-" + Hex.string(Random.bytes(4)).lowercased()
    }

    private static func locate(_ index: Int, in bytes: [UInt8]) throws -> (XMLTree, XMLTree.Element) {
        let tree = try XMLTree(parsing: bytes)
        let signatures = xadesSignatures(in: tree)
        guard index < signatures.count else { throw SigningError.badInput("the signature moved while being extended") }
        return (tree, signatures[index])
    }

    /// `text` (unsigned signature properties) appended to the XAdES signature `index`'s
    /// UnsignedSignatureProperties, created (with UnsignedProperties) when missing.
    static func insert(_ text: String, into index: Int, of bytes: [UInt8]) throws -> [UInt8] {
        if XMLByteLayout.isWideEncoding(bytes) {
            throw SigningError.badInput(
                "the document is UTF-16 or UTF-32; esign extends XML in UTF-8 (or ASCII-based) only")
        }
        let (tree, signature) = try locate(index, in: bytes)
        guard let spans = XMLElementSpans(bytes),
            let qualifying = XAdESArchiveTimeStamp.qualifyingProperties(of: signature)
        else { throw SigningError.badInput("the signature's elements cannot be located in the document's bytes") }
        let declaration = "xmlns:xades=\"\(XMLDSig.xades)\""
        func splice(_ element: XMLTree.Element, _ inner: String) throws -> [UInt8] {
            guard let span = tree.span(of: element, in: spans) else {
                throw SigningError.badInput(
                    "the signature's \(element.localName) cannot be located in the document's bytes")
            }
            if span.isEmpty {
                // <e …/> becomes <e …>inner</e>
                return Array(bytes[..<span.endTag]) + Array(">\(inner)</\(span.name)>".utf8) + Array(bytes[span.end...])
            }
            return Array(bytes[..<span.endTag]) + Array(inner.utf8) + Array(bytes[span.endTag...])
        }
        if let unsigned = qualifying.child("UnsignedProperties", in: XMLDSig.xades) {
            if let properties = unsigned.child("UnsignedSignatureProperties", in: XMLDSig.xades) {
                return try splice(properties, text)
            }
            // UnsignedSignatureProperties comes first in UnsignedProperties.
            guard let span = tree.span(of: unsigned, in: spans), !span.isEmpty else {
                return try splice(
                    unsigned,
                    "<xades:UnsignedSignatureProperties \(declaration)>\(text)</xades:UnsignedSignatureProperties>")
            }
            return Array(bytes[..<span.startTagEnd])
                + Array(
                    "<xades:UnsignedSignatureProperties \(declaration)>\(text)</xades:UnsignedSignatureProperties>".utf8
                )
                + Array(bytes[span.startTagEnd...])
        }
        return try splice(
            qualifying,
            "<xades:UnsignedProperties \(declaration)><xades:UnsignedSignatureProperties>\(text)"
                + "</xades:UnsignedSignatureProperties></xades:UnsignedProperties>")
    }
}
