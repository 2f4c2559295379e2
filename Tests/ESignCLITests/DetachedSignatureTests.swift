import ESign
import ESignTestSupport
import Foundation
import Testing

@Suite("Detached CAdES signatures")
struct DetachedSignatureTests {
    @Test(arguments: ["province-official", "commune-seal"])
    func p7sVerifiesWithOpenSSL(_ signer: String) throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("esign-p7s")
        let file = dir.appendingPathComponent("hồ sơ.xml").path
        try "<?xml version=\"1.0\" encoding=\"UTF-8\"?><vanban so=\"1234/QĐ-UBND\"/>\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let entity = pki.signers[signer]!
        let run = try Peers.esign(
            [
                "sign", "--detached", "--cades", file, "--key", entity.keyPath, "--cert", entity.certificatePath,
                "--chain", pki.chainPath,
            ], environment: ["ESIGN_PASSWORD": Fixtures.password.withCString { String(cString: $0) }])
        try #require(run.status == 0, "\(run.combined)")
        let p7s = file + ".p7s"
        let verify = try Peers.run(
            "openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s, "-content", file,
                "-CAfile", pki.rootPath, "-out", "/dev/null",
            ])
        #expect(verify.status == 0, "\(verify.combined)")
        #expect(verify.combined.contains("Verification successful"))
        // A changed byte must fail verification.
        try "<?xml version=\"1.0\" encoding=\"UTF-8\"?><vanban so=\"1235/QĐ-UBND\"/>\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let tampered = try Peers.run(
            "openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s, "-content", file,
                "-CAfile", pki.rootPath, "-out", "/dev/null",
            ])
        #expect(tampered.status != 0)
        // CAdES baseline carries signing-time and signing-certificate-v2.
        let printed = try Peers.run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", p7s])
        #expect(printed.stdout.contains("signingTime") && printed.stdout.contains("id-smime-aa-signingCertificateV2"))
    }
}
