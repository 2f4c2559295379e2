import ESignXML

/// A signature inside a document read by the byte reader (``XMLDocumentOutline``): the document's
/// bulk is canonicalised from its bytes, and only the `ds:Signature` (element `index`) is parsed
/// into a tree, on its own in its namespace scope.
struct OutlinedSignature {
    let outline: XMLDocumentOutline
    let index: Int
}
