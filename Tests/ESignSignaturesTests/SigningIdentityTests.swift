import ESign
import ESignTestSupport
import Foundation
import Testing

@Suite("Signing identities")
struct SigningIdentityTests {
    @Test func pkcs12AndEncryptedPEMLoad() throws {
        let pki = Fixtures.pki
        let entity = pki.signers["district-official"]!
        let fromP12 = try SigningIdentity.load(pkcs12: entity.pkcs12Path, password: Fixtures.password)
        let fromPEM = try SigningIdentity.load(
            keyPEM: entity.keyPath, certificatePEM: entity.certificatePath,
            chainPEM: pki.chainPath, password: Fixtures.password)
        #expect(fromP12.certificate == fromPEM.certificate)
        #expect(fromP12.chain.count == 2)
        #expect(fromP12.certificate.subject.commonName == "Trần Thị Bình")
        #expect(fromP12.certificate.subject["O"] == "Ủy ban nhân dân huyện Đồng Phú")
    }

    @Test func wrongPasswordIsNamed() {
        let entity = Fixtures.pki.signers["province-seal"]!
        #expect(throws: SigningError.identity("wrong password for \(entity.pkcs12Path)")) {
            try SigningIdentity.load(pkcs12: entity.pkcs12Path, password: Secret("not-the-password"))
        }
        #expect(throws: SigningError.identity("wrong password for \(entity.keyPath)")) {
            try SigningIdentity.load(
                keyPEM: entity.keyPath, certificatePEM: entity.certificatePath, chainPEM: nil,
                password: Secret("nope"))
        }
        #expect {
            try SigningIdentity.load(
                keyPEM: entity.keyPath, certificatePEM: entity.certificatePath, chainPEM: nil, password: nil)
        } throws: { ($0 as? SigningError)?.description.contains("is encrypted") == true }
    }

    @Test func mismatchedKeyAndCertificate() throws {
        let a = Fixtures.pki.signers["province-official"]!
        let b = Fixtures.pki.signers["commune-seal"]!
        #expect { try SigningIdentity(privateKey: a.privateKey, certificate: b.certificate, chain: []) } throws: {
            ($0 as? SigningError)?.description.contains("does not match") == true
        }
    }

    @Test func expiredAndWrongUsageAreRefused() throws {
        let ca = Fixtures.pki.issuingCA
        let key = try PrivateKey.generate(.ec(.p256))
        var builder = CertificateBuilder(
            subject: [("C", "VN"), ("CN", "Hết hạn")],
            notBefore: Date().addingTimeInterval(-400 * 86400),
            notAfter: Date().addingTimeInterval(-30 * 86400))
        builder.extensions = [("keyUsage", "critical,digitalSignature")]
        let expired = try SigningIdentity(
            privateKey: key,
            certificate: builder.issue(publicKeyOf: key, issuer: ca.certificate, issuerKey: ca.privateKey), chain: [])
        #expect { try expired.checkUsable(at: Date(), allowExpired: false) } throws: {
            ($0 as? SigningError)?.description.contains("expired") == true
        }
        try expired.checkUsable(at: Date(), allowExpired: true)

        builder = CertificateBuilder(subject: [("CN", "Encipher only")])
        builder.extensions = [("keyUsage", "critical,keyEncipherment")]
        let wrongUsage = try SigningIdentity(
            privateKey: key,
            certificate: builder.issue(publicKeyOf: key, issuer: ca.certificate, issuerKey: ca.privateKey), chain: [])
        #expect { try wrongUsage.checkUsable(at: Date(), allowExpired: false) } throws: {
            ($0 as? SigningError)?.description.contains("key usage") == true
        }

        let tsa = try SigningIdentity(
            privateKey: Fixtures.pki.tsa.privateKey, certificate: Fixtures.pki.tsa.certificate, chain: [])
        #expect { try tsa.checkUsable(at: Date(), allowExpired: false) } throws: {
            ($0 as? SigningError)?.description.contains("timestamping") == true
        }
    }

    @Test func weakRSAIsRefused() throws {
        let key = try PrivateKey.generate(.rsa(bits: 1024))
        let cert = try CertificateBuilder(subject: [("CN", "weak")]).issue(
            publicKeyOf: key, issuer: nil, issuerKey: key)
        let identity = try SigningIdentity(privateKey: key, certificate: cert, chain: [])
        #expect { try identity.checkUsable(at: Date(), allowExpired: false) } throws: {
            ($0 as? SigningError)?.description.contains("too weak") == true
        }
    }
}
