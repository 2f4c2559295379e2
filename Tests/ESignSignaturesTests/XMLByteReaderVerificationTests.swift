import ESign
import ESignTestSupport
import Foundation
import Testing

/// Verification reads documents inside the byte reader's subset without a whole tree (only the
/// signatures are parsed by libxml2). Whatever the document, the report must be the one the
/// whole tree gives: for signatures esign makes in many document shapes, for edits of them, and
/// for every generated attack.
@Suite("XML verification from the document's bytes")
struct XMLByteReaderVerificationTests {
    static let shapes: [String] = [
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
            + "<HoSo xmlns=\"urn:vn:gov:hoso\" xmlns:vb=\"urn:vn:gov:vanban\">\r\n"
            + "  <vb:VanBan So=\"12/QĐ-UBND\">Về việc &amp; số 12 &#x1F600;</vb:VanBan>\r\n</HoSo>\r\n",
        "<!-- đầu --><?xml-stylesheet href=\"a.xsl\"?><r:Root xmlns:r=\"urn:r\" a='1' b=\"x&#9;y\"><r:e/>"
            + "<![CDATA[<&>]]><x xmlns=\"urn:d\"><y xmlns=\"\"/></x></r:Root>",
        "<Invoice Id=\"inv1\"><Line id=\"l1\" amount=\"1&lt;2\">a &gt; b</Line><?pi data?></Invoice>",
        "<a/>",
    ]

    /// esign's signatures in every shape, edits of them and every generated attack.
    static func documents() throws -> [(name: String, bytes: [UInt8])] {
        let context = try XMLAttackGenerator.Context(pki: Fixtures.pki)
        var documents: [(name: String, bytes: [UInt8])] = [
            ("enveloped", Array(context.enveloped.utf8)), ("enveloping", Array(context.enveloping.utf8)),
        ]
        documents += try XMLAttackGenerator.all(context).map { ($0.name, Array($0.text.utf8)) }
        let signer = XAdESSigner(identity: try Fixtures.identity())
        for (number, shape) in Self.shapes.enumerated() {
            let signed = try signer.sign(Array(shape.utf8), name: "shape-\(number).xml")
            documents.append(("shape \(number)", signed))
            // Each letter of the document's own text changed in turn (a few of them).
            let text = String(decoding: signed, as: UTF8.self)
            for letter in ["V", "a", "1", "y"] {
                if let range = text.range(of: letter) {
                    documents.append(
                        (
                            "shape \(number), \(letter) changed",
                            Array(text.replacingCharacters(in: range, with: "Z").utf8)
                        ))
                }
            }
        }
        return documents
    }

    static func verifier() -> XMLSignatureVerifier {
        var options = VerificationOptions()
        options.trustAnchors = [Fixtures.root]
        options.offline = true
        options.validationTime = Date()
        return XMLSignatureVerifier(options: options)
    }

    @Test("reading the document's bytes gives every report libxml2's whole tree gives")
    func sameReports() throws {
        let documents = try Self.documents()
        let fromBytes = Self.verifier()
        var fromTree = fromBytes
        fromTree.readsDocumentBytes = false
        var outlined = 0
        var passed = 0
        for document in documents {
            let fast = fromBytes.verify(document.bytes, name: document.name)
            let whole = fromTree.verify(document.bytes, name: document.name)
            #expect(
                fast.indication == whole.indication && fast.subIndication == whole.subIndication,
                "\(document.name): \(fast.summary) / \(whole.summary)")
            #expect(fast.signatures.map(\.checks) == whole.signatures.map(\.checks), "\(document.name)")
            #expect(fast.signatures.map(\.covers) == whole.signatures.map(\.covers), "\(document.name)")
            #expect(fast.signatures.map(\.level) == whole.signatures.map(\.level), "\(document.name)")
            #expect(fast.fileSHA256 == whole.fileSHA256, "\(document.name)")
            if XMLDocumentOutline(document.bytes) != nil { outlined += 1 }
            if fast.indication == .totalPassed { passed += 1 }
        }
        // Most documents take the byte reader's path, and both verdicts occur: the comparison bites.
        #expect(outlined > documents.count / 2, "only \(outlined) of \(documents.count) read from bytes")
        #expect(passed >= Self.shapes.count + 2 && passed < documents.count / 2)
    }

    /// Documents verified a few at a time (their digests hashed ahead together) get the reports
    /// they get one by one: a form hashed ahead is taken only by the reference that digests it.
    @Test("documents verified together get the reports they get alone")
    func togetherAsAlone() throws {
        let folder = Fixtures.temporaryDirectory().path
        var paths: [String] = []
        for (number, document) in try Self.documents().enumerated() {
            let path = folder + "/document-\(number).xml"
            try Data(document.bytes).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        paths.insert(folder + "/missing.xml", at: 3)
        // A document larger than a worker holds with others, verified alone between them.
        let record = "<vb:VanBan So=\"1/QĐ-UBND\">Về việc phê duyệt kế hoạch chuyển đổi số</vb:VanBan>\n"
        let count = XMLSignatureVerifier.largestHeldTogether / record.utf8.count + 10
        let large =
            "<HoSo xmlns=\"urn:vn:gov:hoso\" xmlns:vb=\"urn:vn:gov:vanban\">\n"
            + String(repeating: record, count: count) + "</HoSo>\n"
        let largeSigned = try XAdESSigner(identity: try Fixtures.identity()).sign(Array(large.utf8), name: "large.xml")
        try Data(largeSigned).write(to: URL(fileURLWithPath: folder + "/large.xml"))
        paths.insert(folder + "/large.xml", at: 6)
        let verifier = Self.verifier()
        let alone = paths.map { verifier.verify(path: $0) }
        var runs = [2, 3].map { size in
            stride(from: 0, to: paths.count, by: size).flatMap { start in
                verifier.verifyTogether(Array(paths[start..<min(start + size, paths.count)]))
            }
        }
        runs.append(verifier.verify(paths: paths, workers: 2) { $0 })  // the batch: groups on two workers
        for together in runs {
            #expect(together.count == alone.count)
            for (one, other) in zip(alone, together) {
                #expect(one.file == other.file)
                #expect(
                    one.indication == other.indication && one.subIndication == other.subIndication,
                    "\(one.file): \(one.summary) / \(other.summary)")
                #expect(one.signatures.map(\.checks) == other.signatures.map(\.checks), "\(one.file)")
                #expect(one.signatures.map(\.covers) == other.signatures.map(\.covers), "\(one.file)")
                #expect(one.fileSHA256 == other.fileSHA256, "\(one.file)")
                #expect(one.inputRefused == other.inputRefused, "\(one.file)")
            }
        }
        #expect(alone.contains { $0.indication == .totalPassed } && alone.contains { $0.indication == .totalFailed })
        #expect(alone[6].indication == .totalPassed, "\(alone[6].summary)")
    }
}
