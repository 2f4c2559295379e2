import ESignCore
import ESignCrypto
import ESignXML
import Foundation

/// The checks on one `ds:Signature` of an XML document, in order, each recorded with its outcome:
/// the structure, every reference (resolved only inside the document, or to the detached file the
/// caller names; never fetched), what the references cover, the signature value, the XAdES
/// signed properties, the signature timestamp, then the chain, revocation and algorithms shared
/// with PDF signatures (``SignerChecking``).
struct XMLSignatureVerification: SignerChecking {
    let signature: XMLTree.Element
    /// The document, or (when `outlined`) the signature alone, parsed in its namespace scope.
    let tree: XMLTree
    /// The whole document as the byte reader read it, when only the signature was parsed.
    let outlined: OutlinedSignature?
    /// Set when a reference needs the whole document's tree: the caller verifies again with it.
    var needsWholeDocument = false
    /// The content of a detached signature: its reference URI and bytes.
    let detachedContent: (uri: String, bytes: [UInt8])?
    let options: VerificationOptions
    let validator: ChainValidator
    let now: Date
    var embeddedRevocation = RevocationData()
    var revocationFromNetwork = false
    var checks: [Check] = []
    var report: SignatureReport
    /// The times valid archive timestamps prove, oldest first, and until when the newest one's
    /// TSA certificate protects the signature.
    var archiveTimestampTimes: [Date] = []
    var archiveProtectedUntil: Date?
    private var keyInfoCache: [Certificate]?
    private var failure: (Indication, SubIndication, String)?

    init(
        signature: XMLTree.Element, tree: XMLTree, outlined: OutlinedSignature? = nil, name: String,
        detachedContent: (uri: String, bytes: [UInt8])?, options: VerificationOptions, validator: ChainValidator,
        now: Date
    ) {
        self.signature = signature
        self.tree = tree
        self.outlined = outlined
        self.detachedContent = detachedContent
        self.options = options
        self.validator = validator
        self.now = now
        report = SignatureReport(
            kind: detachedContent == nil ? .signature : .detached, fieldName: name, subFilter: nil, signer: nil,
            claimedSigningTime: nil, provenSigningTime: nil, digestAlgorithm: nil, signatureAlgorithm: nil,
            byteRange: [], coverage: .unclear, laterRevisions: 0, modificationLevel: .none, modifications: [],
            certificationLevel: nil, checks: [], indication: .totalPassed, subIndication: nil, summary: "")
        report.format = "XMLDSig"
    }

    mutating func fail(_ name: String, _ indication: Indication, _ sub: SubIndication, _ detail: String) {
        checks.append(Check(name, indication == .totalFailed ? .failed : .indeterminate, detail))
        if failure == nil || indication > failure!.0 { failure = (indication, sub, detail) }
    }

    mutating func pass(_ name: String, _ detail: String?) { checks.append(Check(name, .passed, detail)) }

    mutating func run() -> SignatureReport {
        check()
        report.checks = checks
        if let failure {
            report.indication = failure.0
            report.subIndication = failure.1
            report.summary = failure.2
        } else {
            report.indication = .totalPassed
            report.summary = "signature valid"
            if report.format == "XAdES" {
                report.level =
                    report.provenSigningTime == nil
                    ? .bB : (revocationFromNetwork || embeddedRevocation.isEmpty) ? .bT : .bLT
                if report.level == .bLT && !archiveTimestampTimes.isEmpty { report.level = .bLTA }
            }
        }
        return report
    }

    static let ds = XMLDSig.namespace

    private mutating func check() {
        guard let info = signedInfo() else { return }
        guard let method = signatureMethod(info) else { return }
        guard let canonicalization = canonicalizationMethod(info) else { return }
        let references = info.children("Reference", in: Self.ds)
        guard !references.isEmpty else {
            fail("format", .totalFailed, .formatFailure, "SignedInfo holds no Reference")
            return
        }
        pass(
            "format", "XML signature (\(method.name), \(references.count) reference\(references.count == 1 ? "" : "s"))"
        )
        var targets: [Target] = []
        for (index, reference) in references.enumerated() {
            guard let target = checkReference(reference, number: index + 1) else { return }
            targets.append(target)
        }
        pass("integrity", "every reference's digest matches")
        guard checkCoverage(targets) else { return }
        let properties = qualifyingProperties(targets)
        guard let certificate = checkSignatureValue(info, method: method, canonicalization: canonicalization) else {
            return
        }
        var intermediates = keyInfoCertificates
        if let properties {
            guard checkSignedProperties(properties, certificate: certificate, intermediates: &intermediates) else {
                return
            }
        } else {
            checks.append(Check("qualifying properties", .notApplicable, "plain XMLDSig: no XAdES properties"))
        }
        checkAlgorithms(digestName: report.digestAlgorithm ?? "", certificate: certificate)
        checkKeyUsage(certificate)
        if let path = checkTrust(certificate, intermediates: intermediates, label: "trust") {
            checkRevocation(path: path, untrusted: intermediates)
        }
    }

    // MARK: SignedInfo

    private mutating func signedInfo() -> XMLTree.Element? {
        let children = signature.children
        guard let info = children.first, info.isElement("SignedInfo", in: Self.ds),
            children.count >= 2, children[1].isElement("SignatureValue", in: Self.ds)
        else {
            fail(
                "format", .totalFailed, .formatFailure, "ds:Signature does not begin with SignedInfo and SignatureValue"
            )
            return nil
        }
        if signature.children("SignedInfo", in: Self.ds).count != 1
            || signature.children("SignatureValue", in: Self.ds).count != 1
        {
            fail(
                "format", .totalFailed, .formatFailure, "ds:Signature holds more than one SignedInfo or SignatureValue")
            return nil
        }
        return info
    }

    private mutating func signatureMethod(_ info: XMLTree.Element) -> XMLSignatureMethod? {
        let uri = info.child("SignatureMethod", in: Self.ds)?.attribute("Algorithm") ?? ""
        if let weak = XMLSignatureMethod.weak[uri] {
            fail(
                "algorithms", .indeterminate, .cryptoConstraintsFailureNoPOE,
                "\(weak) is no longer an acceptable signature algorithm")
            return nil
        }
        guard let method = XMLSignatureMethod(uri: uri) else {
            fail("format", .totalFailed, .formatFailure, "the signature method \"\(uri)\" is not one esign verifies")
            return nil
        }
        report.signatureAlgorithm = method.name
        report.digestAlgorithm = Digest.name(ofOID: method.digest.oid)
        return method
    }

    private mutating func canonicalizationMethod(_ info: XMLTree.Element) -> (Canonicalization, [String])? {
        guard let element = info.child("CanonicalizationMethod", in: Self.ds),
            let method = Canonicalization(rawValue: element.attribute("Algorithm") ?? "")
        else {
            let uri = info.child("CanonicalizationMethod", in: Self.ds)?.attribute("Algorithm") ?? "none"
            fail("format", .totalFailed, .formatFailure, "SignedInfo's canonicalization method \"\(uri)\" is not C14N")
            return nil
        }
        return (method, Self.inclusivePrefixes(element))
    }

    static func inclusivePrefixes(_ transform: XMLTree.Element) -> [String] {
        let list = transform.child("InclusiveNamespaces", in: Canonicalization.exclusive.rawValue)?
            .attribute("PrefixList")
        return list.map { $0.split(whereSeparator: \.isWhitespace).map(String.init) } ?? []
    }

    // MARK: References

    /// What a reference resolved to.
    enum Target {
        case document
        case element(XMLTree.Element)
        case detached(String)
    }

    private mutating func checkReference(_ reference: XMLTree.Element, number: Int) -> Target? {
        let label = "reference \(number)"
        guard let uri = reference.attribute("URI") else {
            fail(label, .totalFailed, .formatFailure, "the reference has no URI: what it signs is up to the reader")
            return nil
        }
        let shown = uri.isEmpty ? "\"\" (the document)" : "\"\(uri)\""
        guard let digestURI = reference.child("DigestMethod", in: Self.ds)?.attribute("Algorithm") else {
            fail(label, .totalFailed, .formatFailure, "the reference \(shown) has no DigestMethod")
            return nil
        }
        if let weak = XMLDigestMethod.weak[digestURI] {
            fail(
                label, .indeterminate, .cryptoConstraintsFailureNoPOE,
                "the reference \(shown) is digested with \(weak), no longer acceptable")
            return nil
        }
        guard let digest = XMLDigestMethod.algorithm(digestURI) else {
            fail(label, .totalFailed, .formatFailure, "the reference \(shown) uses an unknown digest \"\(digestURI)\"")
            return nil
        }
        guard let expected = Self.base64(reference.child("DigestValue", in: Self.ds)?.text) else {
            fail(label, .totalFailed, .formatFailure, "the reference \(shown) has no readable DigestValue")
            return nil
        }
        var transforms: [XMLTree.Element] = []
        if let list = reference.child("Transforms", in: Self.ds) {
            transforms = list.children
            if transforms.contains(where: { !$0.isElement("Transform", in: Self.ds) }) {
                fail(label, .totalFailed, .formatFailure, "the reference \(shown) has a malformed Transforms list")
                return nil
            }
        }
        guard let (target, data) = resolve(uri, transforms: transforms, label: label, shown: shown) else { return nil }
        let computed: [UInt8]
        do {
            if let outlined, digest == .sha256, case .document = target,
                let together = outlined.fileDigest.hashTogether(outlined.outline.bytes, data)
            {
                computed = together  // with the file's own SHA-256 for the report, in one pass
            } else {
                computed = try data.digest(digest)
            }
        } catch {
            fail(label, .indeterminate, .cryptoConstraintsFailureNoPOE, "cannot compute \(digestURI): \(error)")
            return nil
        }
        guard computed == expected else {
            fail(
                label, .totalFailed, .hashFailure,
                "the digest of \(shown) does not match the signed one: what it covers was altered")
            return nil
        }
        return target
    }

    /// The octets a reference's digest is computed over, after its transforms; nil (and a
    /// failed check) for anything esign refuses to resolve or to run.
    private mutating func resolve(
        _ uri: String, transforms: [XMLTree.Element], label: String, shown: String
    ) -> (Target, ReferencedOctets)? {
        do {
            return try Self.dereference(
                uri, transforms: transforms, shown: shown, signature: signature, tree: tree, outlined: outlined,
                detachedContent: detachedContent)
        } catch {
            if error.needsWholeDocument { needsWholeDocument = true }
            fail(label, error.indication, .formatFailure, error.detail)
            return nil
        }
    }

    /// Why a reference cannot be dereferenced.
    struct ReferenceRefusal: Error {
        let indication: Indication
        let detail: String
        /// Not a refusal: the reference needs the whole document's tree (an element outside the
        /// signature), which the outlined reading did not build.
        var needsWholeDocument = false
        init(_ detail: String, _ indication: Indication = .totalFailed) {
            self.indication = indication
            self.detail = detail
        }
        static let wholeDocument: ReferenceRefusal = {
            var refusal = ReferenceRefusal("the reference needs the whole document's tree", .indeterminate)
            refusal.needsWholeDocument = true
            return refusal
        }()
    }

    /// The octets of a reference after its transforms (XMLDSig § 4.4.3.2), inside `tree` or the
    /// detached file; a node-set left at the end is canonicalised with `finalCanonicalization`
    /// (C14N 1.0 for a digest; an archive timestamp's own method for its input).
    static func dereference(
        _ uri: String, transforms: [XMLTree.Element], shown: String, signature: XMLTree.Element, tree: XMLTree,
        outlined: OutlinedSignature? = nil, detachedContent: (uri: String, bytes: [UInt8])?,
        finalCanonicalization: Canonicalization = .c14n10
    ) throws(ReferenceRefusal) -> (Target, ReferencedOctets) {
        var envelopedRemoved = false
        var canonicalization: (Canonicalization, [String])?
        for (index, transform) in transforms.enumerated() {
            let algorithm = transform.attribute("Algorithm") ?? ""
            if algorithm == XMLDSig.envelopedSignature {
                guard canonicalization == nil else {
                    throw ReferenceRefusal("\(shown): enveloped-signature after canonicalization")
                }
                envelopedRemoved = true
            } else if let method = Canonicalization(rawValue: algorithm) {
                guard canonicalization == nil, index == transforms.count - 1 else {
                    throw ReferenceRefusal("\(shown): canonicalization must be the last transform, and only one")
                }
                canonicalization = (method, inclusivePrefixes(transform))
            } else {
                throw ReferenceRefusal(
                    "\(shown): the transform \"\(algorithm)\" is refused, not run "
                        + "(esign runs enveloped-signature and C14N only: XSLT, XPath and others can make a signature "
                        + "cover something other than what is shown)")
            }
        }
        let target: Target
        var selection = NodeSelection()
        if uri.isEmpty {
            target = .document
            if let outlined {
                // The document's bulk, canonicalised as it was read, less this signature if enveloped.
                let (method, prefixes) = canonicalization ?? (finalCanonicalization, [])
                guard
                    let form = outlined.outline.canonicalForm(
                        method, inclusivePrefixes: prefixes, excluding: envelopedRemoved ? outlined.index : nil)
                else { throw .wholeDocument }
                return (target, .form(form))
            }
        } else if uri.hasPrefix("#") {
            let id = String(uri.dropFirst())
            if id.hasPrefix("xpointer(") { throw ReferenceRefusal("\(shown): XPointer references are refused") }
            var found = tree.elements(withID: id)
            var count = found.count
            if let outlined {
                // Identifiers count over the whole document (a second element with the same Id
                // anywhere is signature wrapping); only the signature's own SignedProperties are
                // resolved in the signature's tree, anything else in the whole document's.
                let everywhere = outlined.outline.elements(withID: id)
                count = everywhere.count
                if count == 1 {
                    guard outlined.outline.isWithin(everywhere[0], outlined.index), found.count == 1,
                        found[0].isElement("SignedProperties", in: XMLDSig.xades)
                    else { throw .wholeDocument }
                    // Canonicalised from the document's bytes when a transform names the method
                    // (else by libxml2 on the signature's tree, below).
                    if !envelopedRemoved, let (method, prefixes) = canonicalization,
                        let form = outlined.outline.canonicalize(
                            element: everywhere[0], method, inclusivePrefixes: prefixes)
                    {
                        return (.element(found[0]), .bytes(form))
                    }
                } else {
                    found = []
                }
            }
            guard count == 1 else {
                throw ReferenceRefusal(
                    count == 0
                        ? "\(shown) names no element of the document"
                        : "\(count) elements carry the identifier \"\(id)\": which one is signed depends on "
                            + "the reader (a signature-wrapping attack, or a broken document)")
            }
            target = .element(found[0])
            selection.subtree = found[0]
        } else if let detachedContent, detachedContent.uri == uri {
            guard transforms.isEmpty else {
                throw ReferenceRefusal("\(shown): a detached file's reference takes no transforms")
            }
            return (.detached(uri), .bytes(detachedContent.bytes))
        } else {
            throw ReferenceRefusal(
                "\(shown) points outside the document: esign never fetches URLs or files a signature names",
                .indeterminate)
        }
        if envelopedRemoved { selection.excluding = signature }
        let (method, prefixes) = canonicalization ?? (finalCanonicalization, [])
        do {
            return (target, .bytes(try tree.canonicalize(method, selection, inclusivePrefixes: prefixes)))
        } catch {
            throw ReferenceRefusal("\(shown) cannot be canonicalised: \(error)", .indeterminate)
        }
    }

    /// What the references cover must be what a reader reads: the whole document (less this
    /// signature), or in an enveloping signature every object that is not XAdES's, or a detached file.
    private mutating func checkCoverage(_ targets: [Target]) -> Bool {
        var covered: [String] = []
        var coversDocument = false
        var coveredElements: [XMLTree.Element] = []
        for target in targets {
            switch target {
            case .document:
                coversDocument = true
                covered.append("the whole document")
            case .element(let element):
                coveredElements.append(element)
                if element == tree.root { coversDocument = true }
                if element.isElement("SignedProperties", in: XMLDSig.xades) && element.isWithin(signature) {
                    covered.append("its XAdES signed properties")
                } else {
                    covered.append("the element \(element.path) (\"\(element.identifier ?? "")\")")
                }
            case .detached(let uri):
                covered.append("the file \(uri)")
            }
        }
        report.covers = covered
        let isSignatureDocument = tree.root == signature
        if isSignatureDocument {
            // Enveloping or detached: every ds:Object but XAdES's must be signed, and something must be.
            let objects = signature.children("Object", in: Self.ds).filter {
                $0.child("QualifyingProperties", in: XMLDSig.xades) == nil
            }
            let unsigned = objects.filter { object in !coveredElements.contains { $0 == object } }
            if let object = unsigned.first {
                fail(
                    "coverage", .totalFailed, .sigConstraintsFailure,
                    "the ds:Object \(object.identifier.map { "\"\($0)\"" } ?? "without an Id") is not signed")
                return false
            }
            let data = targets.filter {
                if case .element(let element) = $0 { return objects.contains(element) }
                if case .detached = $0 { return true }
                return false
            }
            guard !data.isEmpty else {
                fail(
                    "coverage", .totalFailed, .sigConstraintsFailure,
                    "the signature covers no document: only its own properties")
                return false
            }
            report.coverage = .entireFile
            pass("coverage", covered.joined(separator: "; "))
            return true
        }
        guard coversDocument else {
            report.coverage = .unclear
            fail(
                "coverage", .totalFailed, .sigConstraintsFailure,
                covered.allSatisfy({ $0 == "its XAdES signed properties" })
                    ? "the signature covers only its own properties, not the document"
                    : "the signature covers only \(covered.joined(separator: ", ")), not the whole document: what "
                        + "lies outside can be changed without breaking it")
            return false
        }
        report.coverage = .entireFile
        pass("coverage", covered.joined(separator: "; "))
        return true
    }

    // MARK: Signature value and signer

    /// Every certificate in KeyInfo/X509Data.
    /// KeyInfo's certificates, read once per verification.
    var keyInfoCertificates: [Certificate] {
        mutating get {
            if let known = keyInfoCache { return known }
            let read = Self.keyInfoCertificates(signature)
            keyInfoCache = read
            return read
        }
    }

    /// The certificates of KeyInfo, parsed once per process (an agency signs many documents with one).
    static func keyInfoCertificates(_ signature: XMLTree.Element) -> [Certificate] {
        guard let keyInfo = signature.child("KeyInfo", in: ds) else { return [] }
        return keyInfo.children("X509Data", in: ds).flatMap { $0.children("X509Certificate", in: ds) }
            .compactMap { CertificateCache.shared.certificate(text: $0.text, decode: base64) }
    }

    /// The KeyInfo certificates and, among them, the one the signed SigningCertificate(V2)
    /// names (else the first): whose chain a long-term extension gathers material for.
    static func certificates(of signature: XMLTree.Element) -> (all: [Certificate], signer: Certificate?) {
        let all = keyInfoCertificates(signature)
        let properties = XAdESArchiveTimeStamp.qualifyingProperties(of: signature)?
            .child("SignedProperties", in: XMLDSig.xades)?.child("SignedSignatureProperties", in: XMLDSig.xades)
        let digest =
            (properties?.child("SigningCertificateV2", in: XMLDSig.xades)
            ?? properties?.child("SigningCertificate", in: XMLDSig.xades))?.child("Cert", in: XMLDSig.xades)?
            .child("CertDigest", in: XMLDSig.xades)
        if let digest,
            let algorithm = XMLDigestMethod.algorithm(
                digest.child("DigestMethod", in: ds)?.attribute("Algorithm") ?? ""),
            let value = base64(digest.child("DigestValue", in: ds)?.text),
            let named = all.first(where: { $0.fingerprint(algorithm) == value })
        {
            return (all, named)
        }
        return (all, all.first)
    }

    /// The canonical SignedInfo's signature under a KeyInfo certificate: the signer's certificate.
    private mutating func checkSignatureValue(
        _ info: XMLTree.Element, method: XMLSignatureMethod, canonicalization: (Canonicalization, [String])
    ) -> Certificate? {
        guard let value = Self.base64(signature.child("SignatureValue", in: Self.ds)?.text), !value.isEmpty else {
            fail("signature", .totalFailed, .formatFailure, "SignatureValue is empty or not base64")
            return nil
        }
        let certificates = keyInfoCertificates
        guard !certificates.isEmpty else {
            fail(
                "signer", .indeterminate, .noSigningCertificateFound,
                "the signature carries no X.509 certificate (KeyInfo/X509Data)")
            return nil
        }
        let digest: [UInt8]
        do {
            let form =
                try outlined?.signedInfoForm(canonicalization.0, inclusivePrefixes: canonicalization.1)
                ?? tree.canonicalize(
                    canonicalization.0, NodeSelection(subtree: info), inclusivePrefixes: canonicalization.1)
            digest = try Digest.hash(form, method.digest)
        } catch {
            fail("signature", .indeterminate, .formatFailure, "SignedInfo cannot be canonicalised: \(error)")
            return nil
        }
        let signer = certificates.first { certificate in
            switch method.keyType {
            case .rsa:
                return certificate.hasRSAKey
                    && certificate.verifies(
                        signature: value, digest: digest, algorithm: method.digest, pss: method.padding == .pss)
            case .ecdsa:
                guard certificate.ecFieldLength != nil, let der = DigestSignature.ecdsaDER(fromRaw: value) else {
                    return false
                }
                return certificate.verifies(signature: der, digest: digest, algorithm: method.digest)
            }
        }
        guard let signer else {
            fail(
                "signature", .totalFailed, .sigCryptoFailure,
                "the signature value does not verify under the key of any certificate the signature carries")
            return nil
        }
        report.signer = SignatureVerification.summary(signer)
        pass("signature", "SignatureValue verifies with \(method.name)")
        return signer
    }

    // MARK: XAdES

    /// The XAdES QualifyingProperties of this signature (Target pointing at it), when present.
    private func qualifyingProperties(_ targets: [Target]) -> XMLTree.Element? {
        for object in signature.children("Object", in: Self.ds) {
            for properties in object.children("QualifyingProperties", in: XMLDSig.xades) {
                let target = properties.attribute("Target") ?? ""
                if target.isEmpty || target == "#" + (signature.identifier ?? "\u{0}") { return properties }
            }
        }
        return nil
    }

    private mutating func checkSignedProperties(
        _ properties: XMLTree.Element, certificate: Certificate, intermediates: inout [Certificate]
    ) -> Bool {
        report.format = "XAdES"
        guard let signed = properties.child("SignedProperties", in: XMLDSig.xades),
            let signatureProperties = signed.child("SignedSignatureProperties", in: XMLDSig.xades)
        else {
            fail("signed properties", .totalFailed, .formatFailure, "QualifyingProperties holds no SignedProperties")
            return false
        }
        // Exactly this element must be signed: a reference to its Id, resolved uniquely above.
        let signedByReference =
            signed.identifier.map { id in
                signature.child("SignedInfo", in: Self.ds)?.children("Reference", in: Self.ds)
                    .contains { $0.attribute("URI") == "#" + id } ?? false
            } ?? false
        guard signedByReference else {
            fail(
                "signed properties", .totalFailed, .sigConstraintsFailure,
                "the XAdES SignedProperties are not covered by the signature")
            return false
        }
        if let time = signatureProperties.child("SigningTime", in: XMLDSig.xades)?.text {
            report.claimedSigningTime = Self.dateTime(time)
        }
        guard checkSigningCertificate(signatureProperties, certificate: certificate) else { return false }
        pass("signed properties", "SigningTime and the signing certificate's digest are signed")
        if let unsigned = properties.child("UnsignedProperties", in: XMLDSig.xades)?
            .child("UnsignedSignatureProperties", in: XMLDSig.xades)
        {
            for stamp in unsigned.children("SignatureTimeStamp", in: XMLDSig.xades) {
                checkSignatureTimeStamp(stamp)
            }
            let embedded = XAdESArchiveTimeStamp.embeddedMaterial(of: signature)
            embeddedRevocation = embedded.revocation
            intermediates += embedded.certificates.filter { !intermediates.contains($0) }
            checkArchiveTimeStamps(unsigned, certificates: intermediates)
            if report.provenSigningTime == nil, let poe = archiveTimestampTimes.first {
                report.provenSigningTime = poe
            }
        }
        return true
    }

    /// SigningCertificateV2 (or the older SigningCertificate): its first Cert's digest names the
    /// certificate whose key verified the signature.
    private mutating func checkSigningCertificate(_ properties: XMLTree.Element, certificate: Certificate) -> Bool {
        let element =
            properties.child("SigningCertificateV2", in: XMLDSig.xades)
            ?? properties.child("SigningCertificate", in: XMLDSig.xades)
        guard let cert = element?.child("Cert", in: XMLDSig.xades),
            let digestElement = cert.child("CertDigest", in: XMLDSig.xades),
            let uri = digestElement.child("DigestMethod", in: Self.ds)?.attribute("Algorithm"),
            let value = Self.base64(digestElement.child("DigestValue", in: Self.ds)?.text)
        else {
            fail(
                "signing certificate", .indeterminate, .noSigningCertificateFound,
                "the XAdES properties do not name the signing certificate (SigningCertificateV2)")
            return false
        }
        let computed: [UInt8]?
        if let algorithm = XMLDigestMethod.algorithm(uri) {
            computed = certificate.fingerprint(algorithm)
        } else if uri == "http://www.w3.org/2000/09/xmldsig#sha1" {
            // A certificate's SHA-1 identifies it; no signature depends on SHA-1 here.
            let sha1 = try? Digest(oid: "1.3.14.3.2.26")
            sha1?.update(certificate.der)
            computed = try? sha1?.finalize()
        } else {
            computed = nil
        }
        guard computed == value else {
            fail(
                "signing certificate", .indeterminate, .noSigningCertificateFound,
                "the signed SigningCertificate names another certificate than the one whose key verifies "
                    + "the signature")
            return false
        }
        return true
    }

    /// A xades:SignatureTimeStamp: the token over the canonical ds:SignatureValue.
    private mutating func checkSignatureTimeStamp(_ stamp: XMLTree.Element) {
        guard let token = Self.base64(stamp.child("EncapsulatedTimeStamp", in: XMLDSig.xades)?.text),
            let value = signature.child("SignatureValue", in: Self.ds)
        else {
            fail("signature timestamp", .indeterminate, .formatFailure, "the SignatureTimeStamp holds no token")
            return
        }
        let uri = stamp.child("CanonicalizationMethod", in: Self.ds)?.attribute("Algorithm")
        guard let method = uri.map({ Canonicalization(rawValue: $0) }) ?? .c14n10 else {
            fail(
                "signature timestamp", .indeterminate, .formatFailure,
                "the SignatureTimeStamp's canonicalization \"\(uri ?? "")\" is not C14N")
            return
        }
        guard let data = try? tree.canonicalize(method, NodeSelection(subtree: value)) else {
            fail("signature timestamp", .indeterminate, .formatFailure, "SignatureValue cannot be canonicalised")
            return
        }
        checkTimestamp(token: token, over: data, label: "signature timestamp")
    }

    // MARK: Values

    /// Base64 text with the whitespace XML allows in it (by bytes: certificates and tokens are long).
    static func base64(_ text: String?) -> [UInt8]? {
        text.flatMap { Base64.decode(ignoringXMLWhitespace: $0) }
    }

    /// An xsd:dateTime (with an offset or Z; fractional seconds allowed), without ICU.
    static func dateTime(_ text: String) -> Date? {
        // XML whitespace around the value (Foundation's trimming went through CharacterSet: a
        // fifth of checking the signed properties).
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return CivilTime.secondsSince1970(rfc3339: text[start..<end]).map { Date(timeIntervalSince1970: $0) }
    }
}
