import ESignAppearance
import ESignCrypto
import Foundation

/// A demonstration PKI for trying esign and for its tests: a root CA, an issuing CA, an official's
/// signing certificate and an agency-seal certificate for each administrative level, a TSA and an
/// OCSP responder, all with Vietnamese UTF-8 names. Every key is written as encrypted PKCS#8 PEM and
/// as PKCS#12 under one random password stored in `password.txt` (mode 0600).
///
/// These certificates are for demonstration only. Real deployments use certificates from licensed
/// Vietnamese CAs chaining to the national root, or from the Government Cipher Committee's
/// specialised root for state agencies.
public struct DemoPKI: Sendable {
    /// An entity of the PKI and the files written for it.
    public struct Entity: Sendable {
        public let name: String
        public let certificate: Certificate
        public let privateKey: PrivateKey
        public var certificatePath: String
        public var keyPath: String
        public var pkcs12Path: String
    }

    public let directory: String
    public let root: Entity
    public let issuingCA: Entity
    /// Signers by file name: province-official, province-seal, district-…, commune-…
    public let signers: [String: Entity]
    public let tsa: Entity
    public let ocsp: Entity
    public let passwordPath: String
    public var rootPath: String { root.certificatePath }
    /// issuing CA then root, PEM.
    public let chainPath: String

    public struct Options: Sendable {
        public var signerKey: PrivateKey.Specification = .rsa(bits: 2048)
        public var caKey: PrivateKey.Specification = .rsa(bits: 2048)
        public var tsaKey: PrivateKey.Specification = .ec(.p256)
        /// Written into end-entity certificates when set (for revocation tests).
        public var ocspURL: String?
        public var crlURL: String?
        /// Written into the issuing CA's certificate when set: where the root's CRL (written as
        /// root.crl, valid 30 days) is served. Long-term validators want revocation data for every
        /// certificate below the root.
        public var caCRLURL: String?
        public var overwrite = false
        /// Validity of end-entity certificates.
        public var notBefore = Date().addingTimeInterval(-86400)
        public var notAfter = Date().addingTimeInterval(3 * 365 * 86400)
        /// End of the TSA's and the OCSP responder's certificates' validity (default `notAfter`):
        /// longer than the signers', to try archives whose signers' certificates have expired.
        public var tsaNotAfter: Date?
        public init() {}
    }

    /// The levels and the people and agencies the demo certificates name.
    static let units: [(level: String, agency: String, province: String, official: String, title: String)] = [
        ("province", "Ủy ban nhân dân tỉnh Bình Phước", "Bình Phước", "Nguyễn Văn An", "Chủ tịch"),
        ("district", "Ủy ban nhân dân huyện Đồng Phú", "Bình Phước", "Trần Thị Bình", "Chủ tịch"),
        ("commune", "Ủy ban nhân dân xã Tân Lập", "Bình Phước", "Lê Văn Cường", "Chủ tịch"),
    ]

    public static func create(in directory: String, options: Options = Options()) throws -> DemoPKI {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let passwordPath = directory + "/password.txt"
        if !options.overwrite && fm.fileExists(atPath: passwordPath) {
            throw SigningError.outputExists("\(directory) already holds a demo PKI (use --force to replace it)")
        }
        var random = [UInt8](repeating: 0, count: 18)
        for i in random.indices { random[i] = UInt8.random(in: 0...255) }
        let passwordText = Data(random).base64EncodedString().replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "+", with: "-")
        let password = Secret(passwordText)

        func write(_ bytes: [UInt8], _ name: String, mode: Int = 0o644) throws -> String {
            let path = directory + "/" + name
            let file = try AtomicOutputFile(destination: path, overwrite: true)
            try file.write(bytes)
            try file.commit()
            try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            return path
        }

        func entity(
            _ name: String, subject: [(String, String)], key spec: PrivateKey.Specification,
            extensions: [(String, String)],
            issuer: Entity?, chain: [Certificate], notBefore: Date, notAfter: Date
        ) throws -> Entity {
            let key = try PrivateKey.generate(spec)
            var builder = CertificateBuilder(subject: subject, notBefore: notBefore, notAfter: notAfter)
            builder.extensions =
                [("subjectKeyIdentifier", "hash")] + (issuer == nil ? [] : [("authorityKeyIdentifier", "keyid:always")])
                + extensions
            let cert = try builder.issue(
                publicKeyOf: key, issuer: issuer?.certificate, issuerKey: issuer?.privateKey ?? key)
            let certPath = try write(Array(cert.pem.utf8), name + ".pem")
            let keyPath = try write(try key.pemPKCS8(password: password), name + ".key.pem", mode: 0o600)
            let p12 = try PKCS12Bundle(privateKey: key, certificate: cert, chain: chain).der(
                password: password, friendlyName: subject.last?.1)
            let p12Path = try write(p12, name + ".p12", mode: 0o600)
            return Entity(
                name: name, certificate: cert, privateKey: key, certificatePath: certPath, keyPath: keyPath,
                pkcs12Path: p12Path)
        }

        let caStart = Date().addingTimeInterval(-2 * 86400)
        let caEnd = Date().addingTimeInterval(10 * 365 * 86400)
        let org = "esign demo PKI (not a real CA)"
        let root = try entity(
            "root", subject: [("C", "VN"), ("O", org), ("CN", "esign Demo Root CA")], key: options.caKey,
            extensions: [("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign,cRLSign")],
            issuer: nil, chain: [], notBefore: caStart, notAfter: caEnd)
        let issuing = try entity(
            "issuing-ca", subject: [("C", "VN"), ("O", org), ("CN", "esign Demo Issuing CA")], key: options.caKey,
            extensions: [
                ("basicConstraints", "critical,CA:TRUE,pathlen:0"), ("keyUsage", "critical,keyCertSign,cRLSign"),
            ] + (options.caCRLURL.map { [("crlDistributionPoints", "URI:\($0)")] } ?? []),
            issuer: root, chain: [root.certificate], notBefore: caStart, notAfter: caEnd)
        if options.caCRLURL != nil {
            var crl = CRLBuilder(issuer: root.certificate, issuerKey: root.privateKey)
            crl.nextUpdate = Date().addingTimeInterval(30 * 86400)
            _ = try write(try crl.issue(), "root.crl")
        }
        let chain = [issuing.certificate, root.certificate]
        let chainPath = try write(Array((issuing.certificate.pem + root.certificate.pem).utf8), "chain.pem")

        var revocation: [(String, String)] = []
        if let crl = options.crlURL { revocation.append(("crlDistributionPoints", "URI:\(crl)")) }
        if let ocsp = options.ocspURL { revocation.append(("authorityInfoAccess", "OCSP;URI:\(ocsp)")) }
        let signing =
            [("basicConstraints", "critical,CA:FALSE"), ("keyUsage", "critical,digitalSignature,nonRepudiation")]
            + revocation

        var signers: [String: Entity] = [:]
        for unit in units {
            signers["\(unit.level)-official"] = try entity(
                "\(unit.level)-official",
                subject: [
                    ("C", "VN"), ("ST", unit.province), ("O", unit.agency), ("title", unit.title),
                    ("CN", unit.official),
                ],
                key: options.signerKey, extensions: signing, issuer: issuing, chain: chain,
                notBefore: options.notBefore, notAfter: options.notAfter)
            signers["\(unit.level)-seal"] = try entity(
                "\(unit.level)-seal",
                subject: [("C", "VN"), ("ST", unit.province), ("O", unit.agency), ("CN", unit.agency)],
                key: options.signerKey, extensions: signing, issuer: issuing, chain: chain,
                notBefore: options.notBefore, notAfter: options.notAfter)
        }
        let tsa = try entity(
            "tsa", subject: [("C", "VN"), ("O", org), ("CN", "esign Demo TSA")], key: options.tsaKey,
            extensions: [
                ("basicConstraints", "critical,CA:FALSE"), ("keyUsage", "critical,digitalSignature"),
                ("extendedKeyUsage", "critical,timeStamping"),
            ] + revocation,
            issuer: issuing, chain: chain, notBefore: options.notBefore,
            notAfter: min(options.tsaNotAfter ?? options.notAfter, caEnd))
        let ocsp = try entity(
            "ocsp", subject: [("C", "VN"), ("O", org), ("CN", "esign Demo OCSP Responder")], key: options.signerKey,
            extensions: [
                ("basicConstraints", "critical,CA:FALSE"), ("keyUsage", "critical,digitalSignature"),
                ("extendedKeyUsage", "critical,OCSPSigning"), ("noCheck", "ignored"),
            ],
            issuer: issuing, chain: chain, notBefore: options.notBefore,
            notAfter: min(options.tsaNotAfter ?? options.notAfter, caEnd))
        // Stand-in images for visible signatures (Decree 30/2020): a seal per agency, a handwritten
        // signature per official. Generated, never a real seal.
        for (i, unit) in units.enumerated() {
            _ = try write(DemoArtwork.seal(seed: i).pngData(), "\(unit.level)-seal.png")
            _ = try write(DemoArtwork.signature(seed: i).pngData(), "\(unit.level)-official-signature.png")
        }
        // Written last: its presence marks a complete PKI.
        _ = try write(Array((passwordText + "\n").utf8), "password.txt", mode: 0o600)
        return DemoPKI(
            directory: directory, root: root, issuingCA: issuing, signers: signers, tsa: tsa, ocsp: ocsp,
            passwordPath: passwordPath, chainPath: chainPath)
    }
}
