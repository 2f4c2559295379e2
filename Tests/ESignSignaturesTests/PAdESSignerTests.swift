import ESign
import ESignTestSupport
import Foundation
import Testing

@Suite("PAdES signing in the library")
struct PAdESSignerTests {
    static var verifier: PDFSignatureVerifier {
        var options = VerificationOptions()
        options.trustAnchors = [Fixtures.root]
        return PDFSignatureVerifier(options: options)
    }

    @Test func signsInMemoryAndKeepsOriginalAsPrefix() throws {
        let original = MinimalPDF.make(lines: ["Thong bao"])
        var options = PAdESOptions()
        options.reason = "Phê duyệt"
        let signed = try PAdESSigner(identity: Fixtures.identity(), options: options).sign(pdf: original)
        #expect(Array(signed.prefix(original.count)) == original)
        let dir = Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("signed.pdf").path
        try Data(signed).write(to: URL(fileURLWithPath: path))
        let report = Self.verifier.verify(path: path)
        #expect(report.signatures.count == 1)
        #expect(report.indication == .totalPassed && report.signatures[0].coverage == .entireFile, "\(report.summary)")
        let document = try PDFDocument(path: path)
        let sig = try document.dictionary(document.formFields().first?.dictionary["V"])
        #expect(sig?["SubFilter"] == .name("ETSI.CAdES.detached"))
        #expect(try document.resolve(sig?["Reason"]).string?.text == "Phê duyệt")
        #expect(try document.resolve(sig?["M"]).string?.text.hasSuffix("+07'00'") == true)
    }

    /// Loading the identity while the document is read gives the same valid signature; an identity
    /// that fails to load is the error reported, and nothing is written.
    @Test func identityLoadedWhileTheDocumentIsRead() throws {
        let dir = Fixtures.temporaryDirectory()
        let input = Fixtures.samples.appendingPathComponent("decision.pdf").path
        let output = dir.appendingPathComponent("signed.pdf").path
        let identity = try Fixtures.identity()
        let result = try PAdESSigner.sign(
            input: input, output: output, options: PAdESOptions(),
            loadingIdentity: { () throws(SigningError) in identity })
        #expect(result.output == output)
        let report = Self.verifier.verify(path: output)
        #expect(report.indication == .totalPassed, "\(report.summary)")
        let failedOutput = dir.appendingPathComponent("failed.pdf").path
        #expect(throws: SigningError.self) {
            try PAdESSigner.sign(
                input: input, output: failedOutput, options: PAdESOptions(),
                loadingIdentity: { () throws(SigningError) in throw SigningError.identity("wrong password for test.p12")
                })
        }
        #expect(!FileManager.default.fileExists(atPath: failedOutput))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["signed.pdf"])
    }

    @Test func contentsIsSizedFromTheSignature() throws {
        let result = try signSample("decision.pdf")
        // No large fixed placeholder: the reservation is within a few bytes of the real CMS.
        #expect(result.reservedLength - result.signatureLength < 16)
        #expect(result.reservedLength < 8192)
    }

    @Test func tamperingIsDetected() throws {
        let result = try signSample("notice.pdf")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: result.output)))
        bytes[200] ^= 0x01  // inside the first signed range
        let tampered = result.output + ".tampered.pdf"
        try Data(bytes).write(to: URL(fileURLWithPath: tampered))
        let report = Self.verifier.verify(path: tampered)
        #expect(report.signatures.count == 1 && report.signatures[0].subIndication == .hashFailure)
    }

    @Test func signsIntoAnExistingEmptyField() throws {
        let dir = Fixtures.temporaryDirectory()
        var options = PAdESOptions()
        options.fieldName = "ChuKyLanhDao"
        let first = try PAdESSigner(identity: Fixtures.identity(), options: options)
            .sign(
                input: Fixtures.samples.appendingPathComponent("decision.pdf").path,
                output: dir.appendingPathComponent("a.pdf").path)
        #expect(first.fieldName == "ChuKyLanhDao")
        // Signing the same field again is refused: it already holds a signature.
        #expect {
            try PAdESSigner(identity: Fixtures.identity("province-seal"), options: options)
                .sign(input: first.output, output: dir.appendingPathComponent("b.pdf").path)
        } throws: { ($0 as? SigningError)?.description.contains("already signed") == true }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.pdf").path))
    }

    func signSample(_ name: String) throws -> SigningResult {
        let dir = Fixtures.temporaryDirectory()
        return try PAdESSigner(identity: Fixtures.identity())
            .sign(
                input: Fixtures.samples.appendingPathComponent(name).path, output: dir.appendingPathComponent(name).path
            )
    }
}
