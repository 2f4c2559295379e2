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

/// The SHA-256 of a document's bytes, made alongside another digest: two messages of about the
/// same length hash together with the SHA extensions (``MultiBufferSHA256``) in much less time
/// than one after the other.
final class FileDigest {
    private(set) var sha256: [UInt8]?

    /// The SHA-256 of `other`, hashed together with `file` when the file's is not known yet;
    /// nil once it is (the caller then hashes `other` alone).
    func hashTogether(_ file: [UInt8], _ other: ReferencedOctets) -> [UInt8]? {
        guard sha256 == nil else { return nil }
        let digests = file.withUnsafeBytes { file in
            other.withPieces { pieces in MultiBufferSHA256.digests(inPieces: [[file], pieces]) }
        }
        sha256 = digests[0]
        return digests[1]
    }
}
