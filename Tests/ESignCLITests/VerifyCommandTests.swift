import ESign
import ESignTestSupport
import Foundation
import Testing

@Suite("esign verify on the command line")
struct VerifyCommandTests {
    @Test func exitCodesAndJSONLinesForAFolder() throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("esign-verify-cli")
        let good = dir.appendingPathComponent("good.pdf").path
        let sign = try Peers.esign([
            "sign", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o", good,
            "--p12", pki.signers["commune-official"]!.pkcs12Path, "--password-file", pki.passwordPath,
        ])
        try #require(sign.status == 0, "\(sign.combined)")
        // Passed with the root trusted; indeterminate without it.
        #expect(try Peers.esign(["verify", good, "--trust", pki.rootPath]).status == 0)
        let untrusted = try Peers.esign(["verify", good])
        #expect(untrusted.status == 2 && untrusted.stdout.contains("NO_CERTIFICATE_CHAIN_FOUND"))
        // A tampered copy fails.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        bytes[300] ^= 0x20
        try Data(bytes).write(to: dir.appendingPathComponent("tampered.pdf"))
        try Data(MinimalPDF.make(lines: ["unsigned"])).write(to: dir.appendingPathComponent("unsigned.pdf"))
        let folder = try Peers.esign(["verify", dir.path, "--trust", pki.rootPath, "--json"])
        #expect(folder.status == 1, "\(folder.combined)")
        let lines = folder.stdout.split(separator: "\n").map {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == 3 && lines.allSatisfy { $0?["schema"] as? String == "esign.verify/1" })
        let byFile = Dictionary(
            uniqueKeysWithValues: lines.compactMap { $0 }.map { (($0["file"] as! NSString).lastPathComponent, $0) })
        #expect(byFile["good.pdf"]?["indication"] as? String == "TOTAL-PASSED")
        #expect(byFile["tampered.pdf"]?["indication"] as? String == "TOTAL-FAILED")
        #expect(byFile["unsigned.pdf"]?["sub_indication"] as? String == "NO_SIGNATURE")
        let signature = (byFile["good.pdf"]?["signatures"] as? [[String: Any]])?.first
        #expect(
            (signature?["signer"] as? [String: Any])?["subject"] as? String
                == "CN=Lê Văn Cường, title=Chủ tịch, O=Ủy ban nhân dân xã Tân Lập, ST=Bình Phước, C=VN")
        #expect((signature?["claimed_signing_time"] as? String)?.hasSuffix("+07:00") == true)
        // Human report names the verdict and the Vietnamese signer.
        let text = try Peers.esign(["verify", good, "--trust", pki.rootPath])
        #expect(text.stdout.contains("TOTAL-PASSED") && text.stdout.contains("Lê Văn Cường"))
        #expect(try Peers.esign(["verify", dir.appendingPathComponent("missing.pdf").path]).status == 66)
    }

    @Test func detachedSignaturesFromESignAndOpenSSL() throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("esign-verify-p7s")
        let file = dir.appendingPathComponent("bao-cao.xml").path
        try "<baocao tinh=\"Bình Phước\"/>\n".write(toFile: file, atomically: true, encoding: .utf8)
        let entity = pki.signers["district-seal"]!
        let ours = try Peers.esign([
            "sign", "--detached", "--cades", file, "--p12", entity.pkcs12Path, "--password-file", pki.passwordPath,
        ])
        try #require(ours.status == 0, "\(ours.combined)")
        let theirs = dir.appendingPathComponent("openssl.p7s").path
        let openssl = try Peers.run(
            "openssl",
            [
                "cms", "-sign", "-binary", "-in", file, "-signer", entity.certificatePath, "-inkey", entity.keyPath,
                "-passin", "file:\(pki.passwordPath)", "-certfile", pki.chainPath, "-outform", "DER", "-out", theirs,
            ])
        try #require(openssl.status == 0, "\(openssl.combined)")
        for p7s in [file + ".p7s", theirs] {
            let run = try Peers.esign(["verify", file, "--signature", p7s, "--trust", pki.rootPath])
            #expect(run.status == 0, "\(run.combined)")
            #expect(run.stdout.contains("TOTAL-PASSED"))
        }
        try "<baocao tinh=\"Bình Dương\"/>\n".write(toFile: file, atomically: true, encoding: .utf8)
        let changed = try Peers.esign(["verify", file, "--signature", theirs, "--trust", pki.rootPath, "--json"])
        #expect(changed.status == 1 && changed.stdout.contains("HASH_FAILURE"))
    }

    @Test func hostileFilesGetAVerdictNotACrash() throws {
        var generator = SystemRandomNumberGenerator()
        let signed = try PAdESSigner(identity: Fixtures.identity()).sign(pdf: MinimalPDF.make(lines: ["fuzz"]))
        for _ in 0..<300 {
            var bytes = signed
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            let report = PDFSignatureVerifier().verify(source: MemoryByteSource(bytes), name: "mutated")
            #expect(!report.summary.isEmpty)
        }
    }
}
