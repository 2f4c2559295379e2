import ESignCrypto
import ESignPDFSecurity
import Foundation

/// A private key, its certificate and the chain to embed: what a signer signs with.
///
/// ```swift
/// let identity = try SigningIdentity.load(pkcs12: "official.p12", password: Secret(…))
/// try identity.checkUsable(at: Date(), allowExpired: false)
/// ```
public struct SigningIdentity: Sendable {
    public let privateKey: PrivateKey
    public let certificate: Certificate
    /// Issuing CAs (the root may be included); the signer's certificate is not repeated here.
    public let chain: [Certificate]
    /// One CMS signer per digest and padding, with its document-independent parts encoded once.
    private let signers: [SignerKey: CMSSigner]

    struct SignerKey: Hashable, Sendable {
        let digest: DigestAlgorithm
        let padding: RSAPadding
    }

    public init(privateKey: PrivateKey, certificate: Certificate, chain: [Certificate]) throws(SigningError) {
        try self.init(privateKey: privateKey, certificate: certificate, chain: chain, checked: false)
    }

    /// `checked`: the caller has already proved that the key and certificate belong together (a
    /// token key, by verifying a signature it made; OpenSSL cannot compare a key it cannot read).
    init(privateKey: PrivateKey, certificate: Certificate, chain: [Certificate], checked: Bool) throws(SigningError) {
        guard checked || certificate.matches(privateKey) else {
            throw .identity("the private key does not match the certificate (\(certificate.subject))")
        }
        self.privateKey = privateKey
        self.certificate = certificate
        let chain = chain.filter { $0 != certificate }
        self.chain = chain
        var signers: [SignerKey: CMSSigner] = [:]
        for digest in DigestAlgorithm.allCases {
            for padding in RSAPadding.allCases {
                signers[SignerKey(digest: digest, padding: padding)] = CMSSigner(
                    privateKey: privateKey, certificate: certificate, chain: chain, digest: digest, padding: padding)
            }
        }
        self.signers = signers
    }

    /// Loads a PKCS#12 file.
    public static func load(pkcs12 path: String, password: Secret) throws(SigningError) -> SigningIdentity {
        let bytes = try readFile(path)
        do {
            let bundle = try PKCS12Bundle(der: bytes, password: password)
            return try SigningIdentity(
                privateKey: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain)
        } catch let error as PKCS12Bundle.LoadError {
            switch error {
            case .wrongPassword: throw .identity("wrong password for \(path)")
            case .notPKCS12: throw .identity("\(path) is not a PKCS#12 file")
            case .missingKeyOrCertificate: throw .identity("\(path) does not hold both a private key and a certificate")
            case .unreadable(let why): throw .identity("cannot read \(path): \(why)")
            }
        } catch let error as SigningError {
            throw error
        } catch {
            throw .identity("cannot read \(path)")
        }
    }

    /// Loads a PEM key (optionally encrypted PKCS#8) and certificate, plus an optional chain file.
    public static func load(
        keyPEM keyPath: String, certificatePEM certPath: String, chainPEM chainPath: String?,
        password: Secret?
    ) throws(SigningError) -> SigningIdentity {
        let key: PrivateKey
        do {
            key = try PrivateKey.loadPEM(try readFile(keyPath), password: password)
        } catch let error as PrivateKey.LoadError {
            switch error {
            case .passwordRequired:
                throw .identity(
                    "\(keyPath) is encrypted: give its password (--password-file, ESIGN_PASSWORD or the prompt)")
            case .wrongPassword: throw .identity("wrong password for \(keyPath)")
            case .unreadable: throw .identity("\(keyPath) is not a PEM private key esign can read")
            }
        } catch let error as SigningError {
            throw error
        } catch {
            throw .identity("cannot read \(keyPath)")
        }
        let certs = try loadCertificates(certPath)
        let chain = try chainPath.map { path throws(SigningError) in try loadCertificates(path) } ?? []
        return try SigningIdentity(privateKey: key, certificate: certs[0], chain: Array(certs.dropFirst()) + chain)
    }

    static func loadCertificates(_ path: String) throws(SigningError) -> [Certificate] {
        do {
            return try Certificate.load(try readFile(path))
        } catch let error as SigningError {
            throw error
        } catch {
            throw .identity("\(path) holds no certificate esign can read")
        }
    }

    static func readFile(_ path: String) throws(SigningError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingInput("no such file: \(path)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingInput("cannot read \(path)") }
        return [UInt8](data)
    }

    /// Refuses keys and certificates that must not sign: weak keys, certificates outside their
    /// validity period (unless `allowExpired`), key usage that forbids signatures, CA certificates,
    /// certificates meant only for timestamping or OCSP.
    /// With `padding` .pss, also a key whose signer cannot pad so (a token without the mechanisms).
    public func checkUsable(
        at date: Date, allowExpired: Bool, padding: RSAPadding = .pkcs1v15, digest: DigestAlgorithm = .sha256
    ) throws(SigningError) {
        if padding == .pss, let refusal = privateKey.pssRefusal(digest: digest) { throw .identity(refusal) }
        switch privateKey.kind {
        case .rsa(let bits) where bits < 2048:
            throw .identity("RSA-\(bits) keys are too weak to sign; use RSA 2048–4096 or ECDSA P-256/P-384")
        case .rsa(let bits) where bits > 4096:
            throw .identity("RSA-\(bits) keys are not supported; use RSA 2048–4096 or ECDSA P-256/P-384")
        case .rsa, .ec(.p256), .ec(.p384):
            break
        case .ec(let curve):
            throw .identity("ECDSA \(curve.rawValue) is not supported; use P-256 or P-384")
        case .other(let name):
            throw .identity("\(name) keys are not supported; use RSA 2048–4096 or ECDSA P-256/P-384")
        }
        if !allowExpired {
            let formatter = ISO8601DateFormatter()
            if date > certificate.notAfter {
                throw .identity(
                    "the certificate of \(certificate.subject) expired on "
                        + "\(formatter.string(from: certificate.notAfter)) (use --allow-expired to sign anyway)"
                )
            }
            if date < certificate.notBefore {
                throw .identity(
                    "the certificate of \(certificate.subject) is not valid before "
                        + "\(formatter.string(from: certificate.notBefore)) (use --allow-expired to sign anyway)"
                )
            }
        }
        if let usage = certificate.keyUsage, usage.isDisjoint(with: [.digitalSignature, .nonRepudiation]) {
            throw .identity(
                "the certificate's key usage does not allow signatures (needs digitalSignature or nonRepudiation)")
        }
        if let eku = certificate.extendedKeyUsage, !eku.isEmpty,
            eku.allSatisfy({ $0 == ExtendedKeyUsageOID.timeStamping || $0 == ExtendedKeyUsageOID.ocspSigning })
        {
            throw .identity("the certificate is for timestamping or OCSP only, not for signing documents")
        }
    }

    /// The CMS signer for this identity.
    public func cmsSigner(digest: DigestAlgorithm, padding: RSAPadding = .pkcs1v15) -> CMSSigner {
        signers[SignerKey(digest: digest, padding: padding)]!
    }
}

extension SigningIdentity {
    /// Whether the identity can be the recipient of a certificate-encrypted PDF (RSA keys only:
    /// the envelopes esign reads are RSA key transport).
    var canDecrypt: Bool { privateKey.isRSA }

    /// The identity as that recipient, so that a document encrypted for its signer opens.
    var asPDFRecipient: [PDFRecipient] {
        canDecrypt ? [PDFRecipient(certificate: certificate, key: privateKey)] : []
    }
}
