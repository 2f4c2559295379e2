import ESignCrypto
import ESignXML

/// A signature inside a document read by the byte reader (``XMLDocumentOutline``): the document's
/// bulk is canonicalised from its bytes, and only the `ds:Signature` (element `index`) is parsed
/// into a tree, on its own in its namespace scope.
struct OutlinedSignature {
    let outline: XMLDocumentOutline
    let index: Int
    /// The file's SHA-256 (the report's `file_sha256`), computed together with the first
    /// whole-document reference's digest, shared by the document's signatures.
    let fileDigest: FileDigest

    /// The canonical form of the signature's SignedInfo (its first child) by `method`, read from
    /// the document's bytes; nil when the reader does not take it (libxml2 then canonicalises the
    /// signature's tree).
    func signedInfoForm(_ method: Canonicalization, inclusivePrefixes: [String]) -> [UInt8]? {
        let info = index + 1
        guard info < outline.elements.count, outline.elements[info].parent == index,
            outline.isElement(info, "SignedInfo", in: XMLDSig.namespace)
        else { return nil }
        return outline.canonicalize(element: info, method, inclusivePrefixes: inclusivePrefixes)
    }
}

/// A document read by the byte reader whose signatures are all enveloped (none is the root, none
/// is inside another): what the verification of each takes from the document.
struct OutlinedDocument {
    let outline: XMLDocumentOutline
    /// The `ds:Signature` elements, in document order.
    let signatures: [Int]
    let fileDigest = FileDigest()

    /// Nil when the document is outside the reader's subset or its signatures are not all enveloped.
    init?(_ bytes: [UInt8], limits: XMLTree.Limits) {
        guard let outline = XMLDocumentOutline(bytes, limits: limits) else { return nil }
        let signatures = outline.elements(named: "Signature", in: XMLDSig.namespace)
        guard !signatures.contains(outline.root),
            !signatures.contains(where: { inner in signatures.contains { $0 != inner && outline.isWithin(inner, $0) } })
        else { return nil }
        self.outline = outline
        self.signatures = signatures
    }
}

/// The SHA-256 of a document's bytes, made alongside another digest: two messages of about the
/// same length hash together with the SHA extensions (``MultiBufferSHA256``) in much less time
/// than one after the other, and four (two documents of a batch) in less again.
final class FileDigest {
    private(set) var sha256: [UInt8]?
    /// A whole-document canonical form hashed ahead, with the file (``hashAhead(_:)``).
    private var ahead: (form: XMLCanonicalForm, sha256: [UInt8])?

    /// The SHA-256 of `other`: the one hashed ahead when `other` is that form, else hashed
    /// together with `file` when the file's is not known yet; nil once it is (the caller then
    /// hashes `other` alone).
    func hashTogether(_ file: [UInt8], _ other: ReferencedOctets) -> [UInt8]? {
        if let ahead, case .form(let form) = other, form.isSame(as: ahead.form) { return ahead.sha256 }
        guard sha256 == nil else { return nil }
        let digests = file.withUnsafeBytes { file in
            other.withPieces { pieces in MultiBufferSHA256.digests(inPieces: [[file], pieces]) }
        }
        sha256 = digests[0]
        return digests[1]
    }

    /// Hashes the files and the forms of several documents at once (each form is the one its
    /// document's signature most likely references; the verification takes its digest only if it
    /// is). With the SHA extensions, four messages together take about four fifths of the time
    /// of two pairs.
    static func hashAhead(_ documents: [(file: [UInt8], form: XMLCanonicalForm, digest: FileDigest)]) {
        guard !documents.isEmpty else { return }
        func pieces(_ index: Int, _ collected: [[UnsafeRawBufferPointer]]) -> [[UInt8]] {
            guard index < documents.count else { return MultiBufferSHA256.digests(inPieces: collected) }
            return documents[index].file.withUnsafeBytes { file in
                documents[index].form.withPieces { form in pieces(index + 1, collected + [[file], form]) }
            }
        }
        let digests = pieces(0, [])
        for (index, document) in documents.enumerated() {
            document.digest.sha256 = digests[2 * index]
            document.digest.ahead = (document.form, digests[2 * index + 1])
        }
    }
}
