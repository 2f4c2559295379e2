import ESign
import ESignTestSupport
import Foundation
import Testing

@Suite("CMS SignedData")
struct CMSTests {
    @Test(arguments: [PrivateKey.Specification.rsa(bits: 2048), .rsa(bits: 3072), .ec(.p256), .ec(.p384)])
    func signedDataVerifiesAndFitsItsReservation(_ spec: PrivateKey.Specification) throws {
        let ca = Fixtures.pki.issuingCA
        let key = try PrivateKey.generate(spec)
        var builder = CertificateBuilder(subject: [("C", "VN"), ("CN", "Phạm Thị Dung")])
        builder.extensions = [("keyUsage", "critical,digitalSignature,nonRepudiation")]
        let cert = try builder.issue(publicKeyOf: key, issuer: ca.certificate, issuerKey: ca.privateKey)
        for digest in DigestAlgorithm.allCases {
            let signer = CMSSigner(
                privateKey: key, certificate: cert, chain: [ca.certificate, Fixtures.root], digest: digest)
            let content = Array("Quyết định số 1234/QĐ-UBND".utf8)
            let hash = try Digest.hash(content, digest)
            let der = try CMSSignedData.sign(messageDigest: hash, signer: signer, signingTime: nil).encoded()
            #expect(der.count <= CMSSignedData.maximumEncodedLength(signer: signer, signingTime: nil))
            let reader = try CMSSignedDataReader(der: der)
            #expect(reader.signers.count == 1)
            #expect(reader.signers[0].messageDigest == hash)
            #expect(reader.signers[0].signatureVerifies())
            #expect(reader.signers[0].certificate == cert)
            #expect(!reader.hasEncapsulatedContent)
            #expect(reader.certificates.count == 3)
            // PAdES: ESS signing-certificate-v2 present, signing-time absent.
            #expect(reader.signers[0].attributeValue("1.2.840.113549.1.9.16.2.47", signed: true) != nil)
            #expect(reader.signers[0].attributeValue("1.2.840.113549.1.9.5", signed: true) == nil)
            // A different digest must not verify against the signed attributes' message digest.
            #expect(reader.signers[0].messageDigest != (try Digest.hash(content + [0], digest)))
        }
    }

    @Test func chainValidationUsesTheGivenTime() throws {
        let leaf = Fixtures.pki.signers["commune-official"]!.certificate
        let validator = ChainValidator(trustAnchors: [Fixtures.root])
        guard
            case .valid(let path) = validator.validate(
                leaf, intermediates: [Fixtures.pki.issuingCA.certificate], at: Date())
        else {
            Issue.record("the demo chain should validate")
            return
        }
        #expect(path.count == 3)
        if case .valid = validator.validate(
            leaf, intermediates: [Fixtures.pki.issuingCA.certificate], at: Date().addingTimeInterval(20 * 365 * 86400))
        {
            Issue.record("validation 20 years ahead should fail")
        }
        if case .valid = ChainValidator(trustAnchors: [leaf]).validate(
            Fixtures.pki.signers["province-seal"]!.certificate, intermediates: [], at: Date())
        {
            Issue.record("an unrelated anchor must not validate")
        }
    }

    @Test func derEncodings() {
        #expect(DER.oid("1.2.840.113549.1.7.2") == [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02])
        #expect(DER.integer(128) == [0x02, 0x02, 0x00, 0x80])
        #expect(DER.length(300) == [0x82, 0x01, 0x2C])
        #expect(
            DER.set(of: [[0x04, 0x01, 0x02], [0x04, 0x01, 0x01]]) == [0x31, 0x06, 0x04, 0x01, 0x01, 0x04, 0x01, 0x02])
        #expect(DER.time(Date(timeIntervalSince1970: 0)) == [0x17, 0x0D] + Array("700101000000Z".utf8))
    }
}
