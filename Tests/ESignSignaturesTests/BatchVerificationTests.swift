import ESign
import ESignTestSupport
import Foundation
import Testing

@testable import ESignSignatures

/// A batch hashes the signed bytes of several documents together (``MultiBufferSHA256``); every
/// report must be the one the document gets alone with OpenSSL hashing, whatever sits beside it.
@Suite("Verifying documents in batches")
struct BatchVerificationTests {
    static func verifier(hashesAhead: Bool) -> PDFSignatureVerifier {
        var options = VerificationOptions()
        options.trustAnchors = [Fixtures.root]
        options.offline = true
        var verifier = PDFSignatureVerifier(options: options)
        verifier.hashesAhead = hashesAhead
        return verifier
    }

    /// Valid documents of several sizes, SHA-384 and twice-signed ones, tampered copies (a byte
    /// changed before and after /Contents), ranges pointing past a truncated end, unsigned and
    /// non-PDF files, mixed so that every group holds several kinds.
    static func mixedFolder() throws -> [String] {
        let dir = Fixtures.temporaryDirectory("esign-batch-verify")
        let identity = try Fixtures.identity()
        var files: [String] = []
        func write(_ name: String, _ bytes: [UInt8]) throws {
            let path = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        var sha384 = PAdESOptions()
        sha384.digest = .sha384
        var second = PAdESOptions()
        second.fieldName = "Signature2"
        for sample in ["notice.pdf", "decision.pdf", "decision-objstm.pdf", "report.pdf"] {
            let original = [UInt8](try Data(contentsOf: Fixtures.samples.appendingPathComponent(sample)))
            let signed = try PAdESSigner(identity: identity, options: PAdESOptions()).sign(pdf: original)
            try write("signed-\(sample)", signed)
            try write("sha384-\(sample)", try PAdESSigner(identity: identity, options: sha384).sign(pdf: original))
            try write("twice-\(sample)", try PAdESSigner(identity: identity, options: second).sign(pdf: signed))
            // A byte of the first stream's data, and a digit of the document ID in the last trailer:
            // the file still parses, only the signed bytes differ.
            var early = signed
            let stream = try #require(early.firstRange(of: Array("stream".utf8)))
            early[stream.upperBound + 5] ^= 0x01
            try write("tampered-early-\(sample)", early)
            var late = signed
            let id = try #require(late.ranges(of: Array("/ID [<".utf8)).last)
            late[id.upperBound] = late[id.upperBound] == 0x30 ? 0x31 : 0x30
            try write("tampered-late-\(sample)", late)
            try write("truncated-\(sample)", Array(signed.prefix(signed.count - 10)))
            try write("unsigned-\(sample)", original)
        }
        try write("not-a-pdf.pdf", Array("hello".utf8))
        try write("empty.pdf", [])
        return files
    }

    @Test func batchReportsEqualSingleReports() throws {
        let files = try Self.mixedFolder()
        let alone = Self.verifier(hashesAhead: false)
        let single = Dictionary(uniqueKeysWithValues: files.map { ($0, alone.verify(path: $0)) })
        // Three orders, so that valid documents take every lane: as written, reversed, and the
        // valid ones first (whole groups of them).
        let valid = files.filter { single[$0]!.indication == .totalPassed }
        #expect(valid.count == 12)
        for order in [files, files.reversed(), valid + files.filter { !valid.contains($0) }] {
            let batch = Self.verifier(hashesAhead: true).verify(paths: order, workers: 2) { $0 }
            #expect(batch.count == order.count)
            for (path, report) in zip(order, batch) {
                let expected = single[path]!
                #expect(report.file == path)
                #expect(
                    report.indication == expected.indication && report.subIndication == expected.subIndication,
                    "\(path): \(report.summary) / \(expected.summary)")
                #expect(report.signatures.map(\.checks) == expected.signatures.map(\.checks), "\(path)")
            }
        }
        for path in files {
            let name = (path as NSString).lastPathComponent
            let report = single[path]!
            if name.hasPrefix("signed-") || name.hasPrefix("sha384-") || name.hasPrefix("twice-") {
                #expect(report.indication == .totalPassed, "\(name): \(report.summary)")
            }
            if name.hasPrefix("twice-") { #expect(report.signatures.count == 2) }
            if name.hasPrefix("tampered-") {
                #expect(
                    report.indication == .totalFailed && report.subIndication == .hashFailure,
                    "\(name): \(report.summary)")
            }
        }
    }
}
