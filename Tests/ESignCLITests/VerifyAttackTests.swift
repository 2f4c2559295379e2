import ESign
import ESignTestSupport
import Foundation
import Testing

/// The PDF-Insecurity attack classes, each built here from a document esign signed, and each
/// rejected with a specific reason; and everything esign signs verifies as TOTAL-PASSED.
@Suite("Verification against PDF signature attacks")
struct VerifyAttackTests {
    static var options: VerificationOptions {
        var o = VerificationOptions()
        o.trustAnchors = [Fixtures.root]
        return o
    }

    /// A sample signed by the province's chairman, as bytes.
    static func signedSample(_ name: String = "decision.pdf") throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.samples.appendingPathComponent(name)))
        return try PAdESSigner(identity: Fixtures.identity()).sign(pdf: bytes)
    }

    static func verify(_ bytes: [UInt8]) -> DocumentReport {
        PDFSignatureVerifier(options: options).verify(source: MemoryByteSource(bytes), name: "attack.pdf")
    }

    /// Appends an incremental update made by `edit` to `bytes`.
    static func append(
        _ bytes: [UInt8], _ edit: (PDFDocument, inout IncrementalUpdate) throws -> Void
    ) throws -> [UInt8] {
        let document = try PDFDocument(source: MemoryByteSource(bytes))
        var update = try IncrementalUpdate(document: document)
        try edit(document, &update)
        return bytes + update.serialize().bytes
    }

    static func signatureReference(_ document: PDFDocument) throws -> ObjectReference {
        try #require(document.formFields().first { $0.type == "Sig" }?.dictionary["V"]?.reference)
    }

    @Test(arguments: Fixtures.samplePDFs.map(\.lastPathComponent))
    func everythingESignSignsPasses(_ name: String) throws {
        let once = try Self.signedSample(name)
        let twice = try PAdESSigner(identity: Fixtures.identity("province-seal")).sign(pdf: once)
        for bytes in [once, twice] {
            let report = Self.verify(bytes)
            #expect(report.indication == .totalPassed, "\(report.summary)")
            #expect(report.signatures.allSatisfy { $0.indication == .totalPassed })
        }
        #expect(Self.verify(twice).signatures.first?.modificationLevel == .formFilling)
    }

    @Test func untrustedSignerIsIndeterminate() throws {
        let report = PDFSignatureVerifier().verify(source: MemoryByteSource(try Self.signedSample()), name: "x")
        #expect(report.indication == .indeterminate && report.subIndication == .noCertificateChainFound)
        var options = Self.options
        options.validationTime = Date().addingTimeInterval(10 * 365 * 86400)
        let late = PDFSignatureVerifier(options: options).verify(
            source: MemoryByteSource(try Self.signedSample()), name: "x")
        #expect(late.subIndication == .outOfBoundsNoPOE)
    }

    // MARK: Universal Signature Forgery: the signature dictionary is emptied or pointed elsewhere.

    @Test(arguments: ["no-contents", "empty-contents", "no-byterange", "null-byterange", "byterange-elsewhere"])
    func universalSignatureForgery(_ variant: String) throws {
        let signed = try Self.signedSample()
        let forged = try Self.append(signed) { document, update in
            let ref = try Self.signatureReference(document)
            var dict = try #require(document.object(ref).dictionary)
            switch variant {
            case "no-contents": dict["Contents"] = nil
            case "empty-contents": dict["Contents"] = .string(PDFString(bytes: [], isHex: true))
            case "no-byterange": dict["ByteRange"] = nil
            case "null-byterange": dict["ByteRange"] = .array([.null, .null, .null, .null])
            default: dict["ByteRange"] = .array([0, 100, 200, 300])
            }
            update.set(ref, .dictionary(dict))
        }
        let report = Self.verify(forged)
        let signature = try #require(report.signatures.first)
        #expect(signature.indication == .totalFailed, "\(signature.summary)")
        #expect(
            signature.subIndication == .formatFailure || signature.subIndication == .sigConstraintsFailure,
            "\(signature.subIndication as Any)")
        #expect(report.indication == .totalFailed)
    }

    // MARK: Incremental Saving Attack

    @Test func incrementalSaveReplacingPageContent() throws {
        let forged = try Self.append(try Self.signedSample()) { document, update in
            let page = try document.pageReference(at: 0)
            var dict = try #require(document.object(page).dictionary)
            let content = update.allocate()
            update.set(
                content,
                .stream(
                    PDFStream(
                        dictionary: PDFDictionary(),
                        data: .bytes(Array("BT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET".utf8)))))
            dict["Contents"] = .reference(content)
            update.set(page, .dictionary(dict))
        }
        let signature = try #require(Self.verify(forged).signatures.first)
        #expect(signature.indication == .totalFailed && signature.subIndication == .sigConstraintsFailure)
        #expect(signature.modifications.contains { $0.contains("/Contents changed") }, "\(signature.modifications)")
    }

    @Test func incrementalSaveWithoutCrossReference() throws {
        let signed = try Self.signedSample()
        let forged = signed + Array("99 0 obj\n<< /Type /Annot /Subtype /FreeText /Contents (forged) >>\nendobj\n".utf8)
        let signature = try #require(Self.verify(forged).signatures.first)
        #expect(signature.indication == .totalFailed && signature.subIndication == .sigConstraintsFailure)
        #expect(signature.modifications.contains { $0.contains("without a cross-reference section") })
    }

    @Test func incrementalSaveHiddenInTheGap() throws {
        var forged = try Self.signedSample()
        // Overwrite the end of /Contents with an object: the gap is no longer just the /Contents string.
        let text = Array("> endobj 99 0 obj << /Evil true >> endobj %".utf8)
        let gapEnd = Self.byteRange(forged)[2] - 1  // the closing '>'
        forged.replaceSubrange((gapEnd - text.count)..<gapEnd, with: text)
        let signature = try #require(Self.verify(forged).signatures.first)
        #expect(
            signature.indication == .totalFailed && signature.subIndication == .formatFailure, "\(signature.summary)")
    }

    static func byteRange(_ bytes: [UInt8]) -> [Int] {
        let start = bytes.lastRange(of: Array("/ByteRange [".utf8))!.upperBound
        let end = bytes[start...].firstIndex(of: 0x5D)!
        return String(decoding: bytes[start..<end], as: UTF8.self).split(separator: " ").compactMap { Int($0) }
    }

    // MARK: Signature Wrapping: /ByteRange moved so it no longer frames /Contents

    @Test func signatureWrapping() throws {
        var forged = try Self.signedSample()
        let marker = Array("/ByteRange [".utf8)
        let start = forged.lastRange(of: marker)!.upperBound
        let end = forged[start...].firstIndex(of: 0x5D)!
        let numbers = String(decoding: forged[start..<end], as: UTF8.self).split(separator: " ").compactMap { Int($0) }
        let moved = "0 \(numbers[1] + 40) \(numbers[2] + 40) \(numbers[3] - 40)"
        let padded = Array((moved + String(repeating: " ", count: end - start - moved.count)).utf8)
        forged.replaceSubrange(start..<end, with: padded)
        let signature = try #require(Self.verify(forged).signatures.first)
        #expect(signature.indication == .totalFailed)
        #expect(signature.subIndication == .formatFailure || signature.subIndication == .hashFailure)
    }

    // Certification attacks (evil annotation, sneaky signature, changes under P=1) are written by
    // AttackGenerator and checked in GeneratedAttackTests.
}
