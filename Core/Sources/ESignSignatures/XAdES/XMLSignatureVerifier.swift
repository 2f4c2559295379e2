import ESignCore
import ESignCrypto
import ESignXML
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Verifies the XML signatures of a document (enveloped, enveloping, or a detached XAdES file
/// with its content) with the same report and verdicts as PDF signatures: every `ds:Signature`
/// in the document, XAdES or plain XMLDSig.
///
/// ```swift
/// let report = XMLSignatureVerifier(options: options).verify(path: "invoice.signed.xml")
/// ```
public struct XMLSignatureVerifier: Sendable {
    public let options: VerificationOptions
    let validator: ChainValidator
    /// What parsing a document may take.
    public var limits = XMLTree.Limits()
    /// Documents inside the byte reader's subset are read without a whole tree (only the
    /// signatures are parsed): the same reports, in a fraction of the time. False reads every
    /// document with libxml2 (to compare the two).
    public var readsDocumentBytes = true

    public init(options: VerificationOptions = VerificationOptions()) {
        self.options = options
        validator = ChainValidator(trustAnchors: options.trustAnchors)
    }

    /// Verifies an XML file. A detached signature's content is read only when its reference is a
    /// plain file name of a file beside the signature (never a URL, never another folder).
    public func verify(path: String) -> DocumentReport {
        switch read(path) {
        case .failure(let refused): refused.report
        case .success(let bytes): verify(bytes, name: path, content: Self.filesBeside(path))
        }
    }

    /// Verifies many XML files on every core and returns `transform` of each report, in input
    /// order (`transform` runs on the worker too). Each worker takes two documents at a time
    /// where the CPU hashes four messages faster than two pairs (``verifyTogether(_:)``).
    public func verify<T>(
        paths: [String], workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: ((Int) -> Void)? = nil, _ transform: @escaping (DocumentReport) -> T
    ) -> [T] {
        DocumentBatch.run(paths, perGroup: Self.documentsHashedTogether, workers: workers, progress: progress) {
            verifyTogether($0).map(transform)
        }
    }

    /// Verifies several XML files, their digests taken together: each document's file and the
    /// canonical form its signature most likely references are hashed at once with the other
    /// documents' (four messages fill the SHA extensions better than two), then each is verified
    /// as ``verify(path:)`` would, with the same reports.
    public func verifyTogether(_ paths: [String]) -> [DocumentReport] {
        guard paths.count > 1, readsDocumentBytes, MultiBufferSHA256.isAvailable else {
            return paths.map { verify(path: $0) }
        }
        var reports = [DocumentReport?](repeating: nil, count: paths.count)
        var held: [(index: Int, bytes: [UInt8], document: OutlinedDocument?)] = []
        var ahead: [(file: [UInt8], form: XMLCanonicalForm, digest: FileDigest)] = []
        for (index, path) in paths.enumerated() {
            switch read(path) {
            case .failure(let refused):
                reports[index] = refused.report
            case .success(let bytes) where bytes.count > Self.largestHeldTogether:
                // A large document alone: held with others, a batch's memory would multiply.
                reports[index] = verify(bytes, name: path, content: Self.filesBeside(path))
            case .success(let bytes):
                let document = OutlinedDocument(bytes, limits: limits)
                held.append((index, bytes, document))
                // One enveloped signature, whose reference "" most likely takes exclusive C14N: the
                // form the reader wrote as it read. Any other reference hashes its own octets.
                if let document, document.signatures.count == 1,
                    let form = document.outline.canonicalForm(.exclusive, excluding: document.signatures[0])
                {
                    ahead.append((bytes, form, document.fileDigest))
                }
            }
        }
        FileDigest.hashAhead(ahead)
        for (index, bytes, document) in held {
            if let document, let report = verifyOutlined(document, name: paths[index]) {
                reports[index] = report
            } else {
                reports[index] = verifyWholeTree(bytes, name: paths[index], content: Self.filesBeside(paths[index]))
            }
        }
        return reports.map { $0! }
    }

    /// The largest document ``verifyTogether(_:)`` holds with others (larger ones are verified alone,
    /// as they are read): pairing pays for the many small documents of a batch, not for a few large.
    public static let largestHeldTogether = 8 << 20

    /// How many documents ``verifyTogether(_:)`` best takes at once on this CPU: as many as the
    /// SHA lanes that pay take with two messages each, rounded up (one where more lanes than two
    /// do not pay).
    static var documentsHashedTogether: Int {
        MultiBufferSHA256.isAvailable ? max(1, (MultiBufferSHA256.lanes + 1) / 2) : 1
    }

    /// A file that could not be read, as the report that says so.
    private struct Unreadable: Error { let report: DocumentReport }

    private func read(_ path: String) -> Result<[UInt8], Unreadable> {
        do { return .success(try Self.read(path, limit: limits.maximumBytes)) } catch {
            var report = PDFSignatureVerifier.failed(path, error.description, .formatFailure)
            report.inputRefused = FileManager.default.fileExists(atPath: path)
            return .failure(Unreadable(report: report))
        }
    }

    /// A detached reference's file, when the URI is a plain file name of a file beside `path`
    /// (never a URL, never another folder).
    static func filesBeside(_ path: String) -> (String) -> [UInt8]? {
        let folder = (path as NSString).deletingLastPathComponent
        return { uri in
            guard let name = uri.removingPercentEncoding, !name.isEmpty, !name.contains("/"), !name.contains("\\"),
                !name.hasPrefix("."), !name.contains(":")
            else { return nil }
            let candidate = (folder as NSString).appendingPathComponent(name)
            return FileManager.default.contents(atPath: candidate).map { [UInt8]($0) }
        }
    }

    /// Verifies a detached XML signature over the file `content`.
    public func verify(content path: String, signature signaturePath: String) -> DocumentReport {
        let bytes: [UInt8]
        let content: [UInt8]
        do {
            bytes = try Self.read(signaturePath, limit: limits.maximumBytes)
            content = try Self.read(path, limit: Int.max)
        } catch {
            return PDFSignatureVerifier.failed(path, error.description, .formatFailure)
        }
        return verify(bytes, name: path) { _ in content }
    }

    /// Verifies XML held in memory; `content` gives a detached reference's bytes (nil: not available).
    public func verify(_ bytes: [UInt8], name: String, content: (String) -> [UInt8]? = { _ in nil }) -> DocumentReport {
        if readsDocumentBytes, let document = OutlinedDocument(bytes, limits: limits),
            let report = verifyOutlined(document, name: name)
        {
            return report
        }
        return verifyWholeTree(bytes, name: name, content: content)
    }

    /// The verification of a document read by libxml2 into a whole tree.
    private func verifyWholeTree(_ bytes: [UInt8], name: String, content: (String) -> [UInt8]?) -> DocumentReport {
        let tree: XMLTree
        do { tree = try XMLTree(parsing: bytes, limits: limits) } catch {
            var report = PDFSignatureVerifier.failed(name, error.description, .formatFailure)
            report.inputRefused = true
            return report
        }
        let signatures = Self.signatures(in: tree)
        // The whole tree never sends a document to another reading: the report is always made.
        return verifyEach(signatures.count, bytes, name: name) { index, now in
            let signature = signatures[index]
            var detached: (uri: String, bytes: [UInt8])?
            if tree.root == signature, let uri = Self.externalReference(signature), let bytes = content(uri) {
                detached = (uri, bytes)
            }
            return XMLSignatureVerification(
                signature: signature, tree: tree, name: signature.identifier ?? "Signature \(index + 1)",
                detachedContent: detached, options: options, validator: validator, now: now)
        }!
    }

    /// The same verification for a document inside the byte reader's subset whose signatures are
    /// enveloped (not the root, none inside another): the document is read once, without a tree,
    /// and only each signature is parsed. Nil when the document needs the whole tree after all
    /// (outside the subset, or a reference to an element outside the signature).
    private func verifyOutlined(_ document: OutlinedDocument, name: String) -> DocumentReport? {
        let outline = document.outline
        let signatures = document.signatures
        let fileDigest = document.fileDigest
        return verifyEach(signatures.count, outline.bytes, name: name, fileDigest: fileDigest) { index, now in
            guard let tree = try? outline.subtree(signatures[index]), let signature = tree.root?.children.first else {
                return nil
            }
            return XMLSignatureVerification(
                signature: signature, tree: tree,
                outlined: OutlinedSignature(outline: outline, index: signatures[index], fileDigest: fileDigest),
                name: signature.identifier ?? "Signature \(index + 1)", detachedContent: nil, options: options,
                validator: validator, now: now)
        }
    }

    /// Runs the verification of each of `count` signatures (made by `make` with the time of the
    /// run; nil, or a verification that asks for the whole tree, sends the document to another
    /// reading: nil) and concludes the document's report.
    private func verifyEach(
        _ count: Int, _ bytes: [UInt8], name: String, fileDigest: FileDigest? = nil,
        _ make: (Int, Date) -> XMLSignatureVerification?
    ) -> DocumentReport? {
        let now = Date()
        var reports: [SignatureReport] = []
        var protectedUntil: Date?
        for index in 0..<count {
            guard var verification = make(index, now) else { return nil }
            reports.append(verification.run())
            if verification.needsWholeDocument { return nil }
            if reports.last?.level == .bLTA, let until = verification.archiveProtectedUntil {
                protectedUntil = min(protectedUntil ?? until, until)
            }
        }
        return conclude(
            bytes, name: name, reports: reports, protectedUntil: protectedUntil, now: now,
            fileSHA256: fileDigest?.sha256)
    }

    private func conclude(
        _ bytes: [UInt8], name: String, reports: [SignatureReport], protectedUntil: Date?, now: Date,
        fileSHA256: [UInt8]? = nil
    ) -> DocumentReport {
        let digest = fileSHA256 ?? (try? Digest.hash(bytes, .sha256)) ?? []
        var report = DocumentReport(
            file: name, fileSHA256: Hex.string(digest).lowercased(),
            validationTime: options.validationTime ?? now, signatures: reports, indication: .totalPassed,
            subIndication: nil, summary: "")
        report.concludeFromSignatures()
        report.archiveProtectedUntil = protectedUntil
        return report
    }

    /// Every ds:Signature of the document, in document order.
    static func signatures(in tree: XMLTree) -> [XMLTree.Element] {
        guard let root = tree.root else { return [] }
        let inside = root.descendants("Signature", in: XMLDSig.namespace)
        return root.isElement("Signature", in: XMLDSig.namespace) ? [root] + inside : inside
    }

    /// The first reference of a signature that is neither empty nor a fragment: a detached file.
    static func externalReference(_ signature: XMLTree.Element) -> String? {
        signature.child("SignedInfo", in: XMLDSig.namespace)?.children("Reference", in: XMLDSig.namespace)
            .compactMap { $0.attribute("URI") }.first { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Whether bytes look like XML (after a byte-order mark and whitespace, a '<').
    public static func looksLikeXML(_ bytes: some Collection<UInt8>) -> Bool {
        var rest = bytes[...]
        if rest.starts(with: [0xEF, 0xBB, 0xBF]) { rest = rest.dropFirst(3) }
        return rest.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == 0x3C
    }

    struct ReadError: Error, CustomStringConvertible { let description: String }

    /// The file's bytes, read with one open, one fstat and pread (a batch reads thousands; Foundation's
    /// attributes and contents calls cost more than the reading).
    static func read(_ path: String, limit: Int) throws(ReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ReadError(description: errno == ENOENT ? "no such file: \(path)" : "cannot read \(path)")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw ReadError(description: "cannot read \(path)")
        }
        let size = Int(info.st_size)
        if size > limit {
            throw ReadError(
                description: "the XML document is \(size / (1 << 20)) MiB; esign reads XML of at most "
                    + "\(limit / (1 << 20)) MiB")
        }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let n = pread(descriptor, buffer.baseAddress! + count, size - count, off_t(count))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                count += n
            }
            failed = count < size
        }
        if failed { throw ReadError(description: "cannot read \(path)") }
        return bytes
    }
}
