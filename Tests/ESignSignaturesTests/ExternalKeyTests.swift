import ESign
import ESignTestSupport
import Foundation
import Testing

/// A key that signs outside esign (as a token or a remote service does), bridged into OpenSSL:
/// PAdES signatures, TSA replies, digest signatures and their failures, without any token.
@Suite("Keys that sign outside esign")
struct ExternalKeyTests {
    /// Signs digests with a software key through OpenSSL's raw operations, counting its calls.
    final class SoftwareSigner: ExternalSigner, @unchecked Sendable {
        let key: PrivateKey
        let certificate: Certificate
        var failure: String?
        private let lock = NSLock()
        private(set) var calls = 0

        init(_ key: PrivateKey, _ certificate: Certificate) {
            self.key = key
            self.certificate = certificate
        }

        struct Refused: Error, CustomStringConvertible {
            let description: String
        }

        func sign(digest: [UInt8], algorithm: DigestAlgorithm?) throws -> [UInt8] {
            lock.lock()
            calls += 1
            lock.unlock()
            if let failure { throw Refused(description: failure) }
            return try key.signDigest(digest, algorithm: algorithm ?? .sha256)
        }
    }

    static var verifier: PDFSignatureVerifier {
        var options = VerificationOptions()
        options.trustAnchors = [Fixtures.root]
        return PDFSignatureVerifier(options: options)
    }

    @Test("PAdES signatures made through the bridge verify")
    func padesThroughTheBridge() throws {
        let entity = Fixtures.pki.signers["province-official"]!
        let signer = SoftwareSigner(entity.privateKey, entity.certificate)
        let key = try PrivateKey.external(certificate: entity.certificate, signer: signer)
        #expect(key.isExternal)
        #expect(key.kind == entity.privateKey.kind)
        #expect(key.maximumSignatureLength == entity.privateKey.maximumSignatureLength)
        let identity = try SigningIdentity(
            privateKey: key, certificate: entity.certificate, chain: [Fixtures.pki.issuingCA.certificate])
        let signed = try PAdESSigner(identity: identity, options: PAdESOptions()).sign(
            pdf: MinimalPDF.make(lines: ["Quyet dinh"]))
        #expect(signer.calls == 1)
        let path = Fixtures.temporaryDirectory().appendingPathComponent("external.pdf").path
        try Data(signed).write(to: URL(fileURLWithPath: path))
        let report = Self.verifier.verify(path: path)
        #expect(report.signatures.count == 1)
        #expect(report.indication == .totalPassed, "\(report.summary)")
    }

    /// The demo PKI's only ECDSA key is the TSA's: a CMS signer info made with it through the bridge.
    @Test("ECDSA CMS signatures made through the bridge verify with the certificate")
    func ecdsaThroughTheBridge() throws {
        let tsa = Fixtures.pki.tsa
        let signer = SoftwareSigner(tsa.privateKey, tsa.certificate)
        let key = try PrivateKey.external(certificate: tsa.certificate, signer: signer)
        #expect(key.kind == .ec(.p256))
        for digest in DigestAlgorithm.allCases {
            let cms = try CMSSignedData.sign(
                messageDigest: try Digest.hash(Array("Tờ trình".utf8), digest),
                signer: CMSSigner(privateKey: key, certificate: tsa.certificate, chain: [], digest: digest),
                signingTime: nil)
            let hash = try Digest.hash(cms.signedAttributes, digest)
            #expect(tsa.certificate.verifies(signature: cms.signatureValue, digest: hash, algorithm: digest))
        }
        #expect(signer.calls == DigestAlgorithm.allCases.count)
    }

    @Test("A TSA whose key signs outside esign issues replies openssl accepts")
    func timestampResponderThroughTheBridge() throws {
        let tsa = Fixtures.pki.tsa
        let signer = SoftwareSigner(tsa.privateKey, tsa.certificate)
        let responder = TimestampResponder(
            certificate: tsa.certificate,
            privateKey: try PrivateKey.external(certificate: tsa.certificate, signer: signer),
            chain: [Fixtures.pki.issuingCA.certificate, Fixtures.root])
        let data = Array("Báo cáo".utf8)
        let imprint = try Digest.hash(data, .sha384)
        let nonce = Random.bytes(8)
        var serial: UInt64 = 41
        let issued = try responder.reply(
            to: TimestampProtocol.request(imprint: imprint, algorithm: .sha384, nonce: nonce),
            serial: {
                serial += 1
                return serial
            })
        #expect(issued.granted && signer.calls == 1)
        let token = try TimestampProtocol.token(fromReply: issued.reply, imprint: imprint, nonce: nonce)
        #expect(token.tsaCertificate == tsa.certificate)
    }

    @Test("The signer's own error is what signing reports")
    func failuresCarryTheSignersReason() throws {
        let entity = Fixtures.pki.signers["province-seal"]!
        let signer = SoftwareSigner(entity.privateKey, entity.certificate)
        signer.failure = "token \"UBND\" was removed"
        let key = try PrivateKey.external(certificate: entity.certificate, signer: signer)
        #expect {
            try key.sign(Array("x".utf8), digest: .sha256)
        } throws: { error in
            "\(error)".contains("token \"UBND\" was removed")
        }
    }

    @Test("DigestInfo, r‖s to DER, and checking a digest signature against a certificate")
    func digestSignatures() throws {
        let entity = Fixtures.pki.signers["province-official"]!
        let digest = try Digest.hash(Array("văn bản".utf8), .sha256)
        let signature = try entity.privateKey.signDigest(digest, algorithm: .sha256)
        #expect(entity.certificate.verifies(signature: signature, digest: digest, algorithm: .sha256))
        var flipped = digest
        flipped[0] ^= 1
        #expect(!entity.certificate.verifies(signature: signature, digest: flipped, algorithm: .sha256))
        #expect(
            DigestSignature.digestInfo(digest, algorithm: .sha256).prefix(19) == [
                0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
                0x04, 0x20,
            ])
        // r with its high bit set gains a zero byte; s with leading zeros loses them.
        let raw: [UInt8] = [0x80] + [UInt8](repeating: 1, count: 31) + [0, 0] + [UInt8](repeating: 2, count: 30)
        let der = try #require(DigestSignature.ecdsaDER(fromRaw: raw))
        #expect(der.prefix(5) == [0x30, 0x43, 0x02, 0x21, 0x00])
        #expect(der[37...38] == [0x02, 0x1E])
        #expect(DigestSignature.ecdsaDER(fromRaw: [1, 2, 3]) == nil)
    }
}
