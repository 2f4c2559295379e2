import ESign
import ESignTestSupport
import Foundation
import Testing

@Suite("Batch signing")
struct BatchSigningTests {
    @Test func batchSignsEveryGoodFileAndReportsFailures() throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("esign-batch")
        let inputs = dir.appendingPathComponent("in")
        let outputs = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        var files: [String] = []
        for i in 0..<12 {
            let path = inputs.appendingPathComponent("doc\(i).pdf").path
            try FileManager.default.copyItem(
                atPath: Fixtures.samplePDFs[i % Fixtures.samplePDFs.count].path, toPath: path)
            files.append(path)
        }
        let broken = inputs.appendingPathComponent("broken.pdf").path
        try "not a pdf".write(toFile: broken, atomically: true, encoding: .utf8)
        let run = try Peers.esign(
            ["sign"] + files + [
                broken, "--out-dir", outputs.path, "--p12", pki.signers["district-seal"]!.pkcs12Path,
                "--password-file", pki.passwordPath, "--json",
            ])
        #expect(run.status == 1, "\(run.combined)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 13)
        #expect(lines.filter { $0.contains("\"error\"") }.count == 1 && run.stdout.contains("broken.pdf"))
        #expect(run.stderr.contains("12 signed, 1 failed"))
        for file in files {
            let out = outputs.appendingPathComponent((file as NSString).lastPathComponent).path
            var options = VerificationOptions()
            options.trustAnchors = [Fixtures.root]
            let report = PDFSignatureVerifier(options: options).verify(path: out)
            #expect(
                report.indication == .totalPassed && report.signatures.last?.coverage == .entireFile,
                "\(report.summary)")
        }
        #expect(!FileManager.default.fileExists(atPath: outputs.appendingPathComponent("broken.pdf").path))
        // A second run without --force refuses to overwrite every output.
        let again = try Peers.esign(
            ["sign"] + files + [
                "--out-dir", outputs.path, "--p12", pki.signers["district-seal"]!.pkcs12Path,
                "--password-file", pki.passwordPath,
            ])
        #expect(again.status == 1 && again.stdout.contains("0 signed, 12 failed"))
    }

    @Test func demoCommandRunsTheWholeJob() throws {
        let dir = Fixtures.temporaryDirectory("esign-demo")
        let run = try Peers.esign([
            "demo", "--dir", dir.path, "--input", Fixtures.samples.appendingPathComponent("decision.pdf").path,
        ])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stdout.contains("ChuKyCoQuan") && run.stdout.contains("Verified") && !run.stdout.contains("FAILED"))
        #expect(run.stdout.contains("numbered 01/QĐ-UBND") && run.stdout.contains("Cấp xã:"))
        let report = try PeerReport.of(
            dir.appendingPathComponent("decision.sealed.pdf").path,
            trust: dir.appendingPathComponent("pki/root.pem").path)
        #expect(report.pyhanko.count == 2 && report.pyhanko.values.allSatisfy { $0.hasPrefix("INTACT:TRUSTED") })
        let html = try String(contentsOfFile: dir.appendingPathComponent("coverage-2024.html").path, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Cấp huyện"))
        // Run again in the same folder: a fresh ledger, the same number.
        let again = try Peers.esign([
            "demo", "--dir", dir.path, "--input", Fixtures.samples.appendingPathComponent("decision.pdf").path,
        ])
        #expect(again.status == 0 && again.stdout.contains("numbered 01/QĐ-UBND"), "\(again.combined)")
    }
}
