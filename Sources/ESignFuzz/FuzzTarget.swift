import ESignCrypto
import ESignPDF
import ESignPDFSecurity
import ESignSignatures
import ESignXML
import Foundation

/// libFuzzer entry point over the code that reads untrusted bytes: the PDF reader (cross-reference
/// data, objects, object streams, form fields), the verifier (signature dictionaries, byte ranges,
/// revisions, difference analysis), the CMS reader and the CAdES structure editor with its archive
/// timestamp index reader, and the XML reader, canonicaliser and XML signature verifier. Any
/// crash, hang or sanitizer report is a bug.
/// It also holds esign's own multi-buffer SHA-256 to OpenSSL's on messages cut from the input.
///
/// Build and run (Linux):
/// swift build -c release --product esign-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING --scratch-path
/// .build-fuzz
///   .build-fuzz/release/esign-fuzz Fuzz/corpus -max_total_time=60
/// Without -DFUZZING the same target replays files given on the command line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    FuzzHarness.run(bytes)
    return 0
}

enum FuzzHarness {
    /// A recipient for certificate-encrypted inputs (made once per process).
    static let recipient: PDFRecipient? = {
        guard let key = try? PrivateKey.generate(.rsa(bits: 2048)),
            let certificate = try? CertificateBuilder(subject: [("CN", "fuzz recipient")])
                .issue(publicKeyOf: key, issuer: nil, issuerKey: key)
        else { return nil }
        return PDFRecipient(certificate: certificate, key: key)
    }()

    static func run(_ bytes: [UInt8]) {
        // The CMS reader sees raw bytes too (as /Contents of a signature would give them).
        _ = try? CMSSignedDataReader(der: bytes)
        _ = try? TimestampToken(der: bytes)
        let source = MemoryByteSource(bytes)
        if let document = try? PDFDocument(source: source) {
            _ = try? document.pageReferences(limit: 64)
            _ = try? document.formFields()
            _ = try? document.revisions()
            // Certificate security: its /Encrypt and every recipient envelope read with a key.
            if document.isEncrypted, let recipient {
                _ = try? PDFSecurity.open(document, with: PDFCredentials(recipients: [recipient]))
            }
        }
        if let recipient {
            _ = try? CMSEnvelope.open(bytes, certificate: recipient.certificate, key: recipient.key)
        }
        _ = PDFSignatureVerifier().verify(source: source, name: "fuzz")
        checkXML(bytes)
        checkSignedDataStructure(bytes)
        checkMultiBufferSHA256(bytes)
    }

    /// The text kernel, the XML reader, every canonicalisation, the byte layout signing splices
    /// into, and the XML signature verifier.
    static func checkXML(_ bytes: [UInt8]) {
        // The text kernel against the byte-by-byte reading, on any bytes.
        if let disagreement = XMLTextKernel.disagreement(in: Array(bytes.prefix(512))) { fatalError(disagreement) }
        guard XMLSignatureVerifier.looksLikeXML(bytes) else { return }
        _ = XMLSignatureVerifier().verify(bytes, name: "fuzz")
        let parsed = try? XMLTree(parsing: bytes)
        let outline = XMLDocumentOutline(bytes)
        if parsed == nil && outline != nil {
            fatalError("the byte reader read a document libxml2 refuses")
        }
        guard let tree = parsed, let root = tree.root else { return }
        // libxml2 refuses some documents it parses (relative namespace URIs): an error, not a crash.
        for method in Canonicalization.allCases {
            _ = try? tree.canonicalize(method)
            _ = try? tree.canonicalize(method, NodeSelection(subtree: root.children.first ?? root, excluding: root))
        }
        _ = XMLByteLayout(bytes, rootName: root.qualifiedName)
        // The byte reader against libxml2: a difference is a crash (a signature could then cover
        // something else than the document other verifiers see).
        if let outline,
            let disagreement = outline.disagreement(with: tree, element: bytes.count % outline.elements.count)
        {
            fatalError(disagreement)
        }
    }

    /// The CAdES structure editor and archive timestamp reader on raw bytes (a `.p7s`): whatever
    /// they accept, written back, must read again and write back the same.
    static func checkSignedDataStructure(_ bytes: [UInt8]) {
        guard let structure = try? SignedDataStructure(der: bytes) else { return }
        let encoded = structure.encoded()
        guard let again = try? SignedDataStructure(der: encoded), again.encoded() == encoded else {
            fatalError("a SignedData esign wrote back does not read back the same")
        }
        guard !structure.signers.isEmpty else { return }
        _ = try? ArchiveTimestampV3.hashIndex(of: structure, signer: 0, digest: .sha256)
        _ = structure.revocationData
        for token in structure.signers[0].unsignedValues(ArchiveTimestampV3.idArchiveTimestampV3) {
            if case .success(let index) = ArchiveTimestampV3.hashIndex(inToken: token) {
                _ = try? ArchiveTimestampV3.missingEntry(index, in: structure, signer: 0)
            }
        }
    }

    /// Cuts the input into up to five messages (more than the lanes, so one waits for a lane) at
    /// places its first bytes choose; a digest that differs from OpenSSL's is a crash.
    static func checkMultiBufferSHA256(_ bytes: [UInt8]) {
        guard MultiBufferSHA256.isAvailable, bytes.count >= 5 else { return }
        var cuts = bytes.prefix(4).map { Int($0) * bytes.count / 256 } + [0, bytes.count]
        cuts.sort()
        let messages = zip(cuts, cuts.dropFirst()).map { Array(bytes[$0..<$1]) }
        var offsets = Array(repeating: 0, count: messages.count)
        let fills: [MultiBufferSHA256.Fill] = messages.indices.map { i in
            { buffer in
                // Pieces of at most 100 bytes, so that lanes refill at different moments.
                let n = min(buffer.count, messages[i].count - offsets[i], 100)
                messages[i].withUnsafeBytes {
                    buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offsets[i], byteCount: n)
                }
                offsets[i] += n
                return n
            }
        }
        for (message, result) in zip(messages, MultiBufferSHA256.digests(of: fills, bufferSize: 256)) {
            guard case .success(let digest) = result, digest == (try? Digest.hash(message, .sha256)) else {
                fatalError("multi-buffer SHA-256 differs from OpenSSL on a \(message.count)-byte message")
            }
        }
    }
}
