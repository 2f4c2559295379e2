import ESign
import ESignTestSupport
import Foundation
import Testing

/// Each bad input gets a specific message and its documented exit code, and leaves no output behind.
@Suite("Bad input")
struct BadInputTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let exitCode: Int32
        let message: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "not-a-pdf", exitCode: 65, message: "not a PDF file"),
        Case(name: "truncated", exitCode: 65, message: "cross-reference"),
        Case(name: "broken-xref", exitCode: 65, message: "no cross-reference section"),
        Case(name: "corpus-hopeless", exitCode: 65, message: "startxref points to offset 100"),
        Case(name: "corpus-illegal-header", exitCode: 65, message: "illegal PDF header"),
        Case(name: "corpus-encrypted-aes256", exitCode: 77, message: "protected by a password, and none was given"),
        Case(name: "corpus-encrypted-rc4", exitCode: 77, message: "protected by a password, and none was given"),
        Case(name: "wrong-password", exitCode: 77, message: "wrong password"),
        Case(name: "expired-certificate", exitCode: 77, message: "expired"),
        Case(name: "missing-file", exitCode: 66, message: "no such file"),
        Case(name: "output-exists", exitCode: 73, message: "already exists"),
        Case(name: "output-is-input", exitCode: 73, message: "esign never modifies its input"),
    ]

    @Test(arguments: cases)
    func rejected(_ c: Case) throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("esign-bad")
        var input = dir.appendingPathComponent("input.pdf").path
        var output = dir.appendingPathComponent("output.pdf").path
        var identity = ["--p12", pki.signers["province-official"]!.pkcs12Path, "--password-file", pki.passwordPath]
        let good = [UInt8](try Data(contentsOf: Fixtures.samples.appendingPathComponent("decision.pdf")))
        func write(_ bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: input)) }
        func corpus(_ name: String) throws {
            if Fixtures.underCI || Fixtures.corpusAvailable {
                input = Fixtures.corpus.appendingPathComponent("pyhanko/\(name)").path
            } else {
                try write(Array("%PDF-X.Y\n".utf8))  // without the corpus, still exercise the path
            }
        }
        switch c.name {
        case "not-a-pdf": try write(Array("PK\u{3}\u{4} this is a zip file, not a PDF".utf8))
        case "truncated": try write(Array(good.prefix(good.count / 3)))
        case "broken-xref":
            var bytes = good
            let text = String(decoding: bytes.suffix(64), as: UTF8.self)
            let number = text.components(separatedBy: "startxref")[1].trimmingCharacters(in: .whitespacesAndNewlines)
                .components(separatedBy: "\n")[0]
            let start = bytes.count - 64 + Array(text.utf8).firstRange(of: Array(number.utf8))!.lowerBound
            bytes.replaceSubrange(
                start..<(start + number.count), with: Array(String(repeating: "1", count: number.count).utf8))
            try write(bytes)
        case "corpus-hopeless": try corpus("minimal-startxref-hopeless.pdf")
        case "corpus-illegal-header": try corpus("minimal-illegal-header.pdf")
        case "corpus-encrypted-aes256": try corpus("minimal-aes256.pdf")
        case "corpus-encrypted-rc4": try corpus("minimal-rc4.pdf")
        case "wrong-password":
            try write(good)
            let bad = dir.appendingPathComponent("bad-password.txt").path
            try "wrong\n".write(toFile: bad, atomically: true, encoding: .utf8)
            identity = ["--p12", pki.signers["province-official"]!.pkcs12Path, "--password-file", bad]
        case "expired-certificate":
            try write(good)
            let key = try PrivateKey.generate(.ec(.p256))
            var builder = CertificateBuilder(
                subject: [("C", "VN"), ("CN", "Đã hết hạn")], notBefore: Date().addingTimeInterval(-800 * 86400),
                notAfter: Date().addingTimeInterval(-86400))
            builder.extensions = [("keyUsage", "critical,digitalSignature,nonRepudiation")]
            let cert = try builder.issue(
                publicKeyOf: key, issuer: pki.issuingCA.certificate, issuerKey: pki.issuingCA.privateKey)
            let keyPath = dir.appendingPathComponent("expired.key.pem").path
            let certPath = dir.appendingPathComponent("expired.pem").path
            try Data(try key.pemPKCS8(password: nil)).write(to: URL(fileURLWithPath: keyPath))
            try cert.pem.write(toFile: certPath, atomically: true, encoding: .utf8)
            identity = ["--key", keyPath, "--cert", certPath]
        case "missing-file": input = dir.appendingPathComponent("does-not-exist.pdf").path
        case "output-exists":
            try write(good)
            try "keep me".write(toFile: output, atomically: true, encoding: .utf8)
        case "output-is-input":
            try write(good)
            output = input
        default: Issue.record("unknown case")
        }
        let before =
            FileManager.default.fileExists(atPath: output) ? try Data(contentsOf: URL(fileURLWithPath: output)) : nil
        let inputBefore =
            FileManager.default.fileExists(atPath: input) ? try Data(contentsOf: URL(fileURLWithPath: input)) : nil
        let run = try Peers.esign(
            ["sign", input, "-o", output, "--force"].filter { c.name == "output-is-input" || $0 != "--force" }
                + identity)
        #expect(run.status == c.exitCode, "exit \(run.status): \(run.combined)")
        #expect(run.stderr.contains(c.message), "message: \(run.stderr)")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"))
        // Nothing written: the output is absent or exactly what it was; no temporary files remain.
        let after =
            FileManager.default.fileExists(atPath: output) ? try Data(contentsOf: URL(fileURLWithPath: output)) : nil
        #expect(after == before)
        if let inputBefore { #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == inputBefore) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".esign-") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    /// --force replaces an existing output with the signed document (names exchanged, the old
    /// file removed): the result verifies, and nothing else is left in the folder. A wrong
    /// password with --force leaves the existing output as it was.
    @Test func forceReplacesTheOutputWholly() throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("esign-force")
        let input = Fixtures.samples.appendingPathComponent("decision.pdf").path
        let output = dir.appendingPathComponent("signed.pdf").path
        let identity = ["--p12", pki.signers["province-official"]!.pkcs12Path, "--password-file", pki.passwordPath]
        try "an older file".write(toFile: output, atomically: true, encoding: .utf8)
        let refused = try Peers.esign(["sign", input, "-o", output] + identity)
        #expect(refused.status == 73)
        let wrong = dir.appendingPathComponent("wrong.txt").path
        try "not the password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let badPassword = try Peers.esign([
            "sign", input, "-o", output, "--force", "--p12", pki.signers["province-official"]!.pkcs12Path,
            "--password-file", wrong,
        ])
        #expect(badPassword.status == 77)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "an older file")
        let run = try Peers.esign(["sign", input, "-o", output, "--force"] + identity)
        #expect(run.status == 0, "\(run.combined)")
        let signed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: input)))
        #expect(signed.starts(with: original) && signed.count > original.count)
        let verified = try Peers.esign(["verify", output, "--trust", pki.rootPath, "--offline"])
        #expect(verified.status == 0, "\(verified.combined)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["signed.pdf", "wrong.txt"])
    }

    @Test func passwordNeverAppearsInOutput() throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("esign-secret")
        let secretValue = Fixtures.password.withCString { String(cString: $0) }
        let run = try Peers.esign(
            [
                "sign", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o",
                dir.appendingPathComponent("o.pdf").path,
                "--p12", pki.signers["commune-official"]!.pkcs12Path, "--json",
            ], environment: ["ESIGN_PASSWORD": secretValue])
        #expect(run.status == 0, "\(run.combined)")
        #expect(!run.combined.contains(secretValue))
        let wrong = try Peers.esign(
            [
                "sign", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o",
                dir.appendingPathComponent("p.pdf").path,
                "--p12", pki.signers["commune-official"]!.pkcs12Path,
            ], environment: ["ESIGN_PASSWORD": "hunter2-wrong"])
        #expect(wrong.status == 77 && !wrong.combined.contains("hunter2-wrong"))
    }
}
