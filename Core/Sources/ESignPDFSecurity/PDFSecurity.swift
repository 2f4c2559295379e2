import ESignCrypto
import ESignPDF

/// What a document's protection is, as the verification report shows it.
public struct PDFEncryptionSummary: Sendable, Equatable, Codable {
    /// `Standard` (passwords) or the public-key handler's name with its subfilter
    /// (`Adobe.PubSec (adbe.pkcs7.s5)`).
    public var handler: String
    /// `/R` of the standard handler; `/V` of the public-key handler, which has no revision.
    public var revision: Int
    /// `RC4 40-bit`, `RC4 128-bit`, `AES-128`, `AES-256`.
    public var algorithm: String
    /// What the document permits without the owner password (ISO 32000-2 Table 22).
    public var permissions: [String]
    /// How it was opened: `empty user password`, `user password`, `owner password`, or
    /// `recipient key (subject)` for certificate security.
    public var openedWith: String
    /// Whether a signature may be added: the owner's password opened it, or the permissions allow
    /// annotations or form filling (for a recipient, also the right to change the encryption,
    /// which grants everything).
    public var allowsSignature: Bool { openedWith == "owner password" || permissionsAllowSignature }

    /// Whether the permissions alone allow a signature.
    var permissionsAllowSignature: Bool {
        ["annotate", "fill-forms", "change-encryption"].contains { permissions.contains($0) }
    }

    public init(handler: String, revision: Int, algorithm: String, permissions: [String], openedWith: String) {
        self.handler = handler
        self.revision = revision
        self.algorithm = algorithm
        self.permissions = permissions
        self.openedWith = openedWith
    }
}

/// Opening encrypted documents: the handler named by `/Encrypt`, and the credentials tried. For
/// the standard handler, the passwords given, then the empty user password every reader tries;
/// for the public-key handler, the recipients' keys given.
///
/// ```swift
/// let document = try PDFDocument(path: "protected.pdf")
/// let summary = try PDFSecurity.open(document, with: PDFCredentials(passwords: [Secret("secret")]))
/// ```
public enum PDFSecurity {
    /// Opens `document` (nothing to do when it is not encrypted: nil). Throws
    /// ``PDFError/wrongPassword(_:)`` when no password or recipient key given opens it.
    @discardableResult
    public static func open(
        _ document: PDFDocument, with credentials: PDFCredentials = PDFCredentials()
    ) throws(PDFError) -> PDFEncryptionSummary? {
        guard document.isEncrypted else { return nil }
        // The /Encrypt dictionary is read before any decryption is set: its strings are in the clear.
        guard let encrypt = try document.dictionary(document.trailer["Encrypt"]) else {
            throw .malformed("the trailer's /Encrypt is not a dictionary")
        }
        let filter = encrypt["Filter"]?.name?.string ?? ""
        if filter == "Standard" {
            return try openStandard(document, encrypt: encrypt, passwords: credentials.passwords)
        }
        if filter == "Adobe.PubSec" || encrypt["SubFilter"]?.name?.string.hasPrefix("adbe.pkcs7.s") == true {
            return try openPublicKey(document, encrypt: encrypt, recipients: credentials.recipients)
        }
        throw .unsupported("the security handler /\(filter.isEmpty ? "(none)" : filter)")
    }

    /// The encryption of a document opened by ``open(_:with:)``, for writing into it.
    public static func decryptor(of document: PDFDocument) -> DocumentCipher? {
        document.decryptor as? DocumentCipher
    }

    private static func openStandard(
        _ document: PDFDocument, encrypt: PDFDictionary, passwords: [Secret]
    ) throws(PDFError) -> PDFEncryptionSummary {
        let id = document.trailer["ID"]?.array?.first?.string?.bytes ?? []
        let handler = try StandardSecurityHandler(encrypt: encrypt, documentID: id)
        let version = encrypt["V"]?.integer ?? 0
        let (strings, streams, embedded, filters) = try cryptFilters(encrypt, version: version, handler: handler)
        var summary = PDFEncryptionSummary(
            handler: "Standard", revision: handler.revision, algorithm: "",
            permissions: permissionNames(UInt32(bitPattern: handler.permissions), revision: handler.revision),
            openedWith: "")
        // The passwords given first, then the empty user password. A password is tried as the
        // user's first; as the owner's only when it is not that, or when the permissions withhold
        // what only the owner may then do (add a signature): the owner's check of revision 6 costs
        // as much as reading a megabyte document, and verification needs no owner.
        let restricted = !summary.permissionsAllowSignature
        for (index, password) in (passwords + [Secret("")]).enumerated() {
            var bytes = password.withBytes { Array($0) }
            defer { for i in bytes.indices { bytes[i] = 0 } }
            let key: [UInt8]
            var owner = false
            if let user = try handler.userKey(password: bytes) {
                key = user
                if restricted, let ownerKey = try handler.ownerKey(password: bytes), ownerKey == user { owner = true }
            } else if let ownerKey = try handler.ownerKey(password: bytes) {
                (key, owner) = (ownerKey, true)
            } else {
                continue
            }
            try handler.checkPerms(fileKey: key)
            func filter(_ method: CryptMethod) -> CryptFilter { CryptFilter(method: method, key: key) }
            let cipher = DocumentCipher(
                strings: filter(strings), streams: filter(streams), embeddedFiles: filter(embedded),
                filters: filters.mapValues(filter), encryptMetadata: handler.encryptMetadata)
            document.decryptor = cipher
            summary.algorithm = cipher.algorithm
            summary.openedWith =
                owner ? "owner password" : index == passwords.count ? "empty user password" : "user password"
            return summary
        }
        throw .wrongPassword(
            passwords.isEmpty
                ? "the PDF is protected by a password, and none was given"
                : "the password given does not open this PDF")
    }

    private static func openPublicKey(
        _ document: PDFDocument, encrypt: PDFDictionary, recipients: [PDFRecipient]
    ) throws(PDFError) -> PDFEncryptionSummary {
        let handler = try PublicKeySecurityHandler(encrypt: encrypt)
        guard !recipients.isEmpty else {
            throw .wrongPassword(
                "the PDF is encrypted for its recipients' certificates (certificate security, \(handler.subFilter)), "
                    + "and no recipient's key was given")
        }
        guard let (cipher, permissions, recipient) = try handler.open(recipients: recipients) else {
            let names = recipients.map { $0.certificate.subject.description }.joined(separator: "; ")
            throw .wrongPassword("the PDF is not encrypted for the certificate given (\(names))")
        }
        document.decryptor = cipher
        return PDFEncryptionSummary(
            handler: "Adobe.PubSec (\(handler.subFilter))", revision: handler.version, algorithm: cipher.algorithm,
            permissions: permissionNames(permissions, revision: 4, publicKey: true),
            openedWith: "recipient key (\(recipient.subject))")
    }

    /// The crypt methods for strings, streams and embedded files (§ 7.6.6), with the named filters.
    private static func cryptFilters(
        _ encrypt: PDFDictionary, version: Int, handler: StandardSecurityHandler
    ) throws(PDFError) -> (CryptMethod, CryptMethod, CryptMethod, [PDFName: CryptMethod]) {
        switch version {
        case 1, 2, 3:
            return (.rc4, .rc4, .rc4, [:])
        case 4, 5:
            var filters: [PDFName: CryptMethod] = [:]
            for (name, value) in encrypt["CF"]?.dictionary?.entries ?? [] {
                guard let definition = value.dictionary else { continue }
                switch definition["CFM"]?.name?.string ?? "None" {
                case "None": filters[name] = .identity
                case "V2": filters[name] = .rc4
                case "AESV2": filters[name] = .aes128
                case "AESV3": filters[name] = .aes256
                case let other: throw .unsupported("the crypt filter method /\(other)")
                }
            }
            func named(_ key: String, default fallback: CryptMethod) throws(PDFError) -> CryptMethod {
                guard let name = encrypt[key]?.name else { return fallback }
                if name == PDFName("Identity") { return .identity }
                guard let method = filters[name] else {
                    throw .malformed("/\(key) names the crypt filter /\(name.string), which /CF does not define")
                }
                return method
            }
            let streams = try named("StmF", default: .identity)
            let strings = try named("StrF", default: .identity)
            let embedded = try named("EFF", default: streams)
            if version == 5 && [streams, strings].contains(where: { $0 != .aes256 && $0 != .identity }) {
                throw .malformed("a version 5 handler must use AES-256 (AESV3)")
            }
            return (strings, streams, embedded, filters)
        default:
            throw .unsupported("the encryption algorithm /V \(version)")
        }
    }

    /// ISO 32000-2 Tables 22 and 24, bit by bit (bits 2 to 12, counted from 1).
    static func permissionNames(_ p: UInt32, revision: Int, publicKey: Bool = false) -> [String] {
        let bits: [(Int, String)] = [
            (2, "change-encryption"), (3, "print"), (4, "modify"), (5, "copy"), (6, "annotate"), (9, "fill-forms"),
            (10, "extract-for-accessibility"), (11, "assemble"), (12, "print-high-quality"),
        ]
        return bits.filter { bit, _ in
            (bit != 2 || publicKey) && (revision >= 3 || bit <= 6) && (p >> UInt32(bit - 1)) & 1 == 1
        }.map(\.1)
    }
}
