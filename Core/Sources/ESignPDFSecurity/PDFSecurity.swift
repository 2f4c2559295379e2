import ESignCrypto
import ESignPDF

/// What a document's protection is, as the verification report shows it.
public struct PDFEncryptionSummary: Sendable, Equatable, Codable {
    /// `Standard` (passwords) or the public-key handler's name (`Adobe.PubSec`).
    public var handler: String
    public var revision: Int
    /// `RC4 40-bit`, `RC4 128-bit`, `AES-128`, `AES-256`.
    public var algorithm: String
    /// What the document permits without the owner password (ISO 32000-2 Table 22).
    public var permissions: [String]
    /// How it was opened: `empty user password`, `user password` or `owner password`.
    public var openedWith: String

    public init(handler: String, revision: Int, algorithm: String, permissions: [String], openedWith: String) {
        self.handler = handler
        self.revision = revision
        self.algorithm = algorithm
        self.permissions = permissions
        self.openedWith = openedWith
    }
}

/// Opening encrypted documents: the handler named by `/Encrypt`, the passwords tried (those
/// given, then the empty user password every reader tries), and the document's decryption set.
///
/// ```swift
/// let document = try PDFDocument(path: "protected.pdf")
/// let summary = try PDFSecurity.open(document, passwords: ["secret"])
/// ```
public enum PDFSecurity {
    /// Opens `document` (nothing to do when it is not encrypted: nil). Throws
    /// ``PDFError/wrongPassword(_:)`` when no password opens it.
    @discardableResult
    public static func open(_ document: PDFDocument, passwords: [Secret] = []) throws(PDFError) -> PDFEncryptionSummary?
    {
        guard document.isEncrypted else { return nil }
        let (encrypt, decryptorFor, summary) = try handler(document)
        // The passwords given first (an owner's opens more than the empty user password would).
        for (index, password) in (passwords + [Secret("")]).enumerated() {
            var bytes = password.withBytes { Array($0) }
            defer { for i in bytes.indices { bytes[i] = 0 } }
            guard let opened = try decryptorFor(bytes) else { continue }
            document.decryptor = opened.decryptor
            var result = summary
            result.openedWith =
                opened.owner ? "owner password" : index == passwords.count ? "empty user password" : "user password"
            return result
        }
        _ = encrypt
        throw .wrongPassword(
            passwords.isEmpty
                ? "the PDF is protected by a password, and none was given"
                : "the password given does not open this PDF")
    }

    /// The encryption of a document opened by ``open(_:passwords:)``, for writing into it.
    public static func decryptor(of document: PDFDocument) -> StandardDecryptor? {
        document.decryptor as? StandardDecryptor
    }

    private typealias Opener = ([UInt8]) throws(PDFError) -> (decryptor: StandardDecryptor, owner: Bool)?

    private static func handler(
        _ document: PDFDocument
    ) throws(PDFError) -> (PDFDictionary, Opener, PDFEncryptionSummary) {
        // The /Encrypt dictionary is read before any decryption is set: its strings are in the clear.
        guard let encrypt = try document.dictionary(document.trailer["Encrypt"]) else {
            throw .malformed("the trailer's /Encrypt is not a dictionary")
        }
        let filter = encrypt["Filter"]?.name?.string ?? ""
        guard filter == "Standard" else {
            if filter.hasPrefix("Adobe.PubSec") || encrypt["SubFilter"]?.name?.string.hasPrefix("adbe.pkcs7.s") == true
            {
                throw .unsupported("certificate (public-key) security (\(filter)): not supported yet")
            }
            throw .unsupported("the security handler /\(filter.isEmpty ? "(none)" : filter)")
        }
        let id = document.trailer["ID"]?.array?.first?.string?.bytes ?? []
        let handler = try StandardSecurityHandler(encrypt: encrypt, documentID: id)
        let version = encrypt["V"]?.integer ?? 0
        let (strings, streams, embedded, filters) = try cryptFilters(encrypt, version: version, handler: handler)
        let method = streams == .identity ? strings : streams
        let algorithm = method == .rc4 ? "RC4 \(handler.keyLength * 8)-bit" : method.name
        let summary = PDFEncryptionSummary(
            handler: "Standard", revision: handler.revision, algorithm: algorithm,
            permissions: permissionNames(handler.permissions, revision: handler.revision), openedWith: "")
        let opener: Opener = { (password: [UInt8]) throws(PDFError) in
            guard let (key, owner) = try handler.fileKey(password: password) else { return nil }
            try handler.checkPerms(fileKey: key)
            let decryptor = StandardDecryptor(
                fileKey: key, strings: strings, streams: streams, embeddedFiles: embedded, filters: filters,
                encryptMetadata: handler.encryptMetadata)
            return (decryptor, owner)
        }
        return (encrypt, opener, summary)
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

    /// ISO 32000-2 Table 22, bit by bit (bits 3 to 12, counted from 1).
    static func permissionNames(_ p: Int32, revision: Int) -> [String] {
        let bits: [(Int, String)] = [
            (3, "print"), (4, "modify"), (5, "copy"), (6, "annotate"), (9, "fill-forms"),
            (10, "extract-for-accessibility"),
            (11, "assemble"), (12, "print-high-quality"),
        ]
        return bits.filter { bit, _ in
            (revision >= 3 || bit <= 6) && (UInt32(bitPattern: p) >> UInt32(bit - 1)) & 1 == 1
        }.map(\.1)
    }
}
