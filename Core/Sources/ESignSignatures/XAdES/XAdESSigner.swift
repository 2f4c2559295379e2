import ESignCore
import ESignCrypto
import ESignTimestamps
import ESignXML
import Foundation

/// XAdES baseline signatures (ETSI EN 319 132-1) of XML documents and, detached, of any file:
/// enveloped (the `ds:Signature` as the root's last child, the reference `""` with the
/// enveloped-signature transform and exclusive C14N), enveloping (the document inside a
/// `ds:Object`) or detached (a reference to the file by name, written as `FILE.xades.xml`).
/// The document's own bytes are kept: the signature is spliced in, never re-serialised.
///
/// ```swift
/// var signer = XAdESSigner(identity: identity)
/// signer.timestampClient = TimestampClient(url: "http://tsa.example/")  // B-T
/// try signer.sign(input: "invoice.xml", output: "invoice.signed.xml")
/// ```
public struct XAdESSigner: Sendable {
    /// Where the signature sits relative to what it signs.
    public enum Packaging: String, Sendable, Codable, CaseIterable {
        case enveloped, enveloping, detached
    }

    public let identity: SigningIdentity
    public var packaging: Packaging = .enveloped
    public var digest: DigestAlgorithm = .sha256
    /// RSA keys: PKCS#1 v1.5 (the default) or RSASSA-PSS (RFC 6931 `sha256-rsa-MGF1` and friends).
    public var rsaPadding: RSAPadding = .pkcs1v15
    public var signingTime = Date()
    public var allowExpired = false
    public var overwrite = false
    /// `xades:SignerRoleV2/ClaimedRoles` (from `--reason`, as a PDF's /Reason).
    public var role: String?
    /// `xades:SignatureProductionPlaceV2/City` (from `--location`).
    public var city: String?
    /// A TSA for the `xades:SignatureTimeStamp` (B-T).
    public var timestampClient: TimestampClient?
    /// Raises the signature to B-LT or B-LTA once made (with ``timestampClient`` for its B-T).
    public var longTerm: LongTermExtender?
    /// What parsing the document may take.
    public var limits = XMLTree.Limits()
    /// The `ds:Signature` Id (default: a new random one); fixed by two-step signing.
    public var signatureID: String?

    public init(identity: SigningIdentity) { self.identity = identity }

    /// The output a file is written to by default: `IN.signed.xml`, or `IN.xades.xml` when detached.
    public static func defaultOutput(for input: String, packaging: Packaging) -> String {
        if packaging == .detached { return input + ".xades.xml" }
        let lower = input.lowercased()
        let base = lower.hasSuffix(".xml") ? String(input.dropLast(4)) : input
        return base + ".signed.xml"
    }

    /// Signs the file `input` into `output` (atomically, never over the input). Returns the
    /// output's size.
    @discardableResult
    public func sign(input: String, output: String) throws(SigningError) -> Int {
        if FileManager.default.fileExists(atPath: output) && isSameFile(input, output) {
            throw .outputExists("the output \(output) is the input file; esign never modifies its input")
        }
        let bytes = try readInput(input)
        let signed = try sign(bytes, name: (input as NSString).lastPathComponent)
        let file = try AtomicOutputFile(destination: output, overwrite: overwrite)
        try file.write(signed)
        try file.commit()
        return signed.count
    }

    /// Signs a document held in memory (a request body). `name` is the URI a detached signature
    /// refers to the content by.
    public func sign(_ bytes: [UInt8], name: String) throws(SigningError) -> [UInt8] {
        try identity.checkUsable(at: signingTime, allowExpired: allowExpired, padding: rsaPadding, digest: digest)
        do {
            let signed: [UInt8]
            switch packaging {
            case .enveloped: signed = try enveloped(bytes)
            case .enveloping: signed = try enveloping(bytes)
            case .detached: signed = try detached(bytes, name: name)
            }
            guard let longTerm, longTerm.level >= .bLT else { return signed }
            if timestampClient == nil {
                throw SigningError.timestamp("\(longTerm.level.rawValue) needs a time-stamping authority (--tsa URL)")
            }
            return try longTerm.extend(xades: signed, name: name) { _ in bytes }
        } catch let error as SigningError {
            throw error
        } catch let error as XMLError {
            throw .badInput("\(name): \(error)")
        } catch {
            throw .crypto("signing \(name) failed: \(error)")
        }
    }

    // MARK: Packagings

    private func enveloped(_ bytes: [UInt8]) throws -> [UInt8] {
        let layout: XMLByteLayout
        let canonical: [UInt8]
        var element: XAdESSignatureElement
        if let outline = XMLDocumentOutline(bytes, limits: limits),
            outline.elements(named: "Signature", in: XMLDSig.namespace).isEmpty,
            let form = outline.canonicalize(.exclusive)
        {
            // Read in one pass without a tree (no earlier signature to look into).
            layout = outline.layout
            canonical = form
            element = newElement { !outline.elements(withID: $0).isEmpty }
        } else {
            let tree: XMLTree
            (tree, layout) = try parse(bytes)
            try refuseBreakingEarlierSignatures(tree)
            canonical = try tree.canonicalize(.exclusive)
            element = newElement { !tree.elements(withID: $0).isEmpty }
        }
        element.references = [
            .init(
                id: "\(element.id)-ref0", uri: "",
                transforms: [XMLDSig.envelopedSignature, Canonicalization.exclusive.rawValue], digest: digest,
                digestValue: try hash(canonical), mimeType: "text/xml"),
            signedPropertiesReference(element),
        ]
        try finish(&element, parsedFrom: { element in Array(element.text.utf8) })
        let signature = Array(element.text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + signature.count + layout.rootName.utf8.count + 3)
        if layout.rootIsEmpty {
            // <root …/> becomes <root …>SIGNATURE</root>
            out += bytes[..<layout.rootEndTag]
            out += Array(">".utf8) + signature + Array("</\(layout.rootName)>".utf8)
            out += bytes[layout.rootEnd...]
        } else {
            out += bytes[..<layout.rootEndTag]
            out += signature
            out += bytes[layout.rootEndTag...]
        }
        return out
    }

    private func enveloping(_ bytes: [UInt8]) throws -> [UInt8] {
        let (tree, layout) = try parse(bytes)
        var element = newElement { !tree.elements(withID: $0).isEmpty }
        guard let content = String(bytes: bytes[layout.rootStart..<layout.rootEnd], encoding: .utf8) else {
            throw SigningError.badInput("an enveloping signature holds UTF-8 documents only")
        }
        element.objectContent = content
        element.references = [
            .init(
                id: "\(element.id)-ref0", uri: "#\(element.objectID)",
                transforms: [Canonicalization.exclusive.rawValue],
                digest: digest, mimeType: "text/xml"),
            signedPropertiesReference(element),
        ]
        try finish(&element, parsedFrom: { Array($0.text.utf8) })
        return Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element.text + "\n").utf8)
    }

    private func detached(_ bytes: [UInt8], name: String) throws -> [UInt8] {
        var element = newElement { _ in false }
        element.references = [
            .init(
                id: "\(element.id)-ref0", uri: Self.uriReference(name), transforms: [], digest: digest,
                digestValue: try Digest.hash(bytes, digest), mimeType: Self.mimeType(name)),
            signedPropertiesReference(element),
        ]
        try finish(&element, parsedFrom: { Array($0.text.utf8) })
        return Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element.text + "\n").utf8)
    }

    // MARK: Building

    private func parse(_ bytes: [UInt8]) throws -> (XMLTree, XMLByteLayout) {
        if XMLByteLayout.isWideEncoding(bytes) {
            throw SigningError.badInput(
                "the document is UTF-16 or UTF-32; esign signs XML in UTF-8 (or ASCII-based) only")
        }
        let tree = try XMLTree(parsing: bytes, limits: limits)
        guard let root = tree.root, let layout = XMLByteLayout(bytes, rootName: root.qualifiedName) else {
            throw SigningError.badInput("the document's root element cannot be located in its bytes")
        }
        return (tree, layout)
    }

    /// An enveloped signature over the whole document leaves out only itself: a second one, added
    /// inside the document, would change what the first covers and break it. Never silently.
    private func refuseBreakingEarlierSignatures(_ tree: XMLTree) throws {
        guard let root = tree.root else { return }
        let rootID = root.identifier.map { "#" + $0 }
        for earlier in XMLSignatureVerifier.signatures(in: tree) {
            let uris =
                earlier.child("SignedInfo", in: XMLDSig.namespace)?.children("Reference", in: XMLDSig.namespace)
                .compactMap { $0.attribute("URI") } ?? []
            if uris.contains(where: { $0.isEmpty || $0 == rootID }) {
                let name = earlier.identifier ?? "ds:Signature"
                throw SigningError.badInput(
                    "the document already holds a signature over the whole document (\(name)); a second "
                        + "enveloped signature would break it: sign it detached (--detached) or enveloping "
                        + "(--enveloping) instead")
            }
        }
    }

    /// The signature element to fill, its Id one the document does not already use.
    private func newElement(idTaken: (String) -> Bool) -> XAdESSignatureElement {
        var id = signatureID ?? ""
        while id.isEmpty || idTaken(id) {
            id = "xades-" + Hex.string(Random.bytes(8)).lowercased()
        }
        let key: XMLSignatureMethod.KeyType = identity.privateKey.isRSA ? .rsa : .ecdsa
        return XAdESSignatureElement(
            id: id, method: XMLSignatureMethod(keyType: key, digest: digest, padding: rsaPadding), references: [],
            certificates: [identity.certificate] + identity.chain, signingTime: signingTime,
            certificateDigest: digest.isSHA3 ? .sha256 : digest, role: role, city: city)
    }

    private func signedPropertiesReference(_ element: XAdESSignatureElement) -> XAdESSignatureElement.Reference {
        .init(
            id: "\(element.id)-ref-signedprops", uri: "#\(element.signedPropertiesID)",
            type: XMLDSig.signedPropertiesType,
            transforms: [Canonicalization.exclusive.rawValue], digest: digest)
    }

    /// Digests the references computed from the signature itself (an enveloping object, the
    /// signed properties), signs SignedInfo and, with a TSA, timestamps the signature value.
    private func finish(
        _ element: inout XAdESSignatureElement, parsedFrom text: (XAdESSignatureElement) -> [UInt8]
    ) throws {
        let parsed = try XMLTree(parsing: text(element))
        for index in element.references.indices where element.references[index].uri.hasPrefix("#") {
            let id = String(element.references[index].uri.dropFirst())
            element.references[index].digestValue = try hash(element.canonicalForm(of: id, in: parsed))
        }
        let signedInfo = try element.canonicalSignedInfo()
        var value = try identity.privateKey.sign(signedInfo, digest: digest, padding: rsaPadding)
        if !identity.privateKey.isRSA {
            guard let length = identity.certificate.ecFieldLength,
                let raw = DigestSignature.ecdsaRaw(fromDER: value, fieldLength: length)
            else { throw SigningError.crypto("the ECDSA signature is not a DER ECDSA-Sig-Value") }
            value = raw
        }
        element.signatureValue = value
        if let tsa = timestampClient {
            do {
                let token = try tsa.timestamp(data: try element.canonicalSignatureValue()).token.der
                element.unsignedSignatureProperties.append(element.signatureTimeStamp(token: token))
            } catch let error as TimestampClient.Failure {
                throw SigningError.timestamp("\(error)")
            }
        }
    }

    private func hash(_ bytes: [UInt8]) throws -> [UInt8] { try Digest.hash(bytes, digest) }

    private func readInput(_ path: String) throws(SigningError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingInput("no such file: \(path)") }
        if packaging != .detached,
            let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
            size > limits.maximumBytes
        {
            throw .badInput(
                "\(path): the XML document is \(size / (1 << 20)) MiB; esign reads XML of at most "
                    + "\(limits.maximumBytes / (1 << 20)) MiB")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingInput("cannot read \(path)") }
        return [UInt8](data)
    }

    /// A file name as a relative URI reference (RFC 3986: unreserved characters kept, the rest
    /// percent-encoded as UTF-8).
    static func uriReference(_ name: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<"\u{80}"))
        allowed.insert(charactersIn: "-._~")
        return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
    }

    /// The media type of a detached file, by its extension.
    static func mimeType(_ name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "xml": return "text/xml"
        case "pdf": return "application/pdf"
        case "docx": return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "doc": return "application/msword"
        case "odt": return "application/vnd.oasis.opendocument.text"
        case "zip": return "application/zip"
        case "txt": return "text/plain"
        case "json": return "application/json"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "tif", "tiff": return "image/tiff"
        default: return "application/octet-stream"
        }
    }
}
