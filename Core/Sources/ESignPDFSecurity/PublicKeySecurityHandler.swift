import ESignCrypto
import ESignPDF

/// A recipient of a certificate-encrypted PDF: the certificate the document was encrypted for and
/// its private key (a file's, or a token's that can decrypt).
public struct PDFRecipient: Sendable {
    public let certificate: Certificate
    public let key: PrivateKey

    public init(certificate: Certificate, key: PrivateKey) {
        self.certificate = certificate
        self.key = key
    }
}

/// The public-key (certificate) security handler of ISO 32000-2 § 7.6.5, `/Adobe.PubSec` with
/// `adbe.pkcs7.s3`, `s4` (RC4, the recipients in `/Recipients`) or `s5` (crypt filters, each with
/// its own recipients). Each recipient entry is a CMS envelope holding a 20-byte seed and the
/// recipient's permissions; a filter's key is the SHA-1 (SHA-256 from `/V 5`) of the seed and of
/// every recipient entry of that filter.
struct PublicKeySecurityHandler {
    /// A crypt filter as `/Encrypt` defines it, before any recipient has opened it.
    struct FilterDefinition {
        let method: CryptMethod
        let keyLength: Int
        let recipients: [[UInt8]]
        let encryptMetadata: Bool
    }

    let version: Int
    let subFilter: String
    let definitions: [PDFName: FilterDefinition]
    let strings: PDFName
    let streams: PDFName
    let embeddedFiles: PDFName
    let encryptMetadata: Bool

    /// The implicit filter of `s3`/`s4` documents, which have no `/CF`.
    static let implicitFilter = PDFName("DefaultCryptFilter")
    static let identityName = PDFName("Identity")

    init(encrypt: PDFDictionary) throws(PDFError) {
        guard let version = encrypt["V"]?.integer else { throw .malformed("the /Encrypt dictionary has no /V") }
        self.version = version
        let hasFilters = encrypt["CF"] != nil
        subFilter = encrypt["SubFilter"]?.name?.string ?? (hasFilters ? "adbe.pkcs7.s5" : "adbe.pkcs7.s4")
        guard ["adbe.pkcs7.s3", "adbe.pkcs7.s4", "adbe.pkcs7.s5"].contains(subFilter) else {
            throw .unsupported("the public-key security handler's /SubFilter /\(subFilter)")
        }
        encryptMetadata = encrypt["EncryptMetadata"]?.boolean ?? true
        switch version {
        case 1, 2:
            guard subFilter != "adbe.pkcs7.s5" else {
                throw .malformed("/adbe.pkcs7.s5 requires crypt filters (/V 4 or 5)")
            }
            let bits = encrypt["Length"]?.integer ?? 40
            guard bits % 8 == 0, (40...128).contains(bits) else {
                throw .malformed("/Length \(bits) is not a key length")
            }
            let definition = FilterDefinition(
                method: .rc4, keyLength: version == 1 ? 5 : bits / 8,
                recipients: try Self.recipients(encrypt["Recipients"], where: "/Encrypt"), encryptMetadata: true)
            definitions = [Self.implicitFilter: definition]
            (strings, streams, embeddedFiles) = (Self.implicitFilter, Self.implicitFilter, Self.implicitFilter)
        case 4, 5:
            guard subFilter == "adbe.pkcs7.s5", let cf = encrypt["CF"]?.dictionary else {
                throw .malformed("crypt filters (/V \(version)) need /SubFilter /adbe.pkcs7.s5 and a /CF dictionary")
            }
            var definitions: [PDFName: FilterDefinition] = [:]
            for (name, value) in cf.entries {
                guard let entry = value.dictionary else { continue }
                definitions[name] = try Self.definition(entry, name: name.string, version: version)
            }
            self.definitions = definitions
            func named(_ key: String, default fallback: PDFName) throws(PDFError) -> PDFName {
                guard let name = encrypt[key]?.name else { return fallback }
                guard name == Self.identityName || definitions[name] != nil else {
                    throw .malformed("/\(key) names the crypt filter /\(name.string), which /CF does not define")
                }
                return name
            }
            streams = try named("StmF", default: Self.identityName)
            strings = try named("StrF", default: Self.identityName)
            embeddedFiles = try named("EFF", default: streams)
        default:
            throw .unsupported("the encryption algorithm /V \(version)")
        }
    }

    private static func recipients(_ object: PDFObject?, where place: String) throws(PDFError) -> [[UInt8]] {
        let entries: [[UInt8]]
        if let single = object?.string {
            entries = [single.bytes]
        } else if let array = object?.array {
            entries = array.compactMap { $0.string?.bytes }
            guard entries.count == array.count else { throw .malformed("\(place) /Recipients holds a non-string") }
        } else {
            throw .malformed("\(place) has no /Recipients")
        }
        guard !entries.isEmpty, entries.allSatisfy({ !$0.isEmpty }) else {
            throw .malformed("\(place) /Recipients is empty")
        }
        return entries
    }

    private static func definition(
        _ entry: PDFDictionary, name: String, version: Int
    ) throws(PDFError) -> FilterDefinition {
        let method: CryptMethod
        let keyLength: Int
        switch entry["CFM"]?.name?.string ?? "None" {
        case "None":
            return FilterDefinition(method: .identity, keyLength: 0, recipients: [], encryptMetadata: true)
        case "V2":
            method = .rc4
            // Bytes (Acrobat) or bits (ISO 32000-2): a key is 5 to 16 bytes either way.
            let length = entry["Length"]?.integer ?? 16
            keyLength = length <= 16 ? length : length / 8
            guard (5...16).contains(keyLength) else { throw .malformed("crypt filter /\(name): /Length \(length)") }
        case "AESV2": (method, keyLength) = (.aes128, 16)
        case "AESV3": (method, keyLength) = (.aes256, 32)
        case let other: throw .unsupported("the crypt filter method /\(other)")
        }
        if version == 5 && method != .aes256 {
            throw .malformed("a version 5 handler must use AES-256 (AESV3), not crypt filter /\(name)'s \(method.name)")
        }
        return FilterDefinition(
            method: method, keyLength: keyLength,
            recipients: try recipients(entry["Recipients"], where: "crypt filter /\(name)"),
            encryptMetadata: entry["EncryptMetadata"]?.boolean ?? true)
    }

    /// The decryption of the document for the first of `recipients` that its envelopes name, with
    /// the permissions they grant (the intersection over its filters) and who opened it; nil when
    /// none of them is a recipient.
    func open(
        recipients: [PDFRecipient]
    ) throws(PDFError) -> (cipher: DocumentCipher, permissions: UInt32, recipient: Certificate)? {
        for recipient in recipients {
            guard let (opened, permissions) = try filters(for: recipient) else { continue }
            func filter(_ name: PDFName) -> CryptFilter { name == Self.identityName ? .identity : opened[name]! }
            let cipher = DocumentCipher(
                strings: filter(strings), streams: filter(streams), embeddedFiles: filter(embeddedFiles),
                filters: opened, encryptMetadata: encryptMetadata && (definitions[streams]?.encryptMetadata ?? true))
            return (cipher, permissions, recipient.certificate)
        }
        return nil
    }

    /// Every filter opened for `recipient`, and the permissions granted (the intersection over the
    /// filters); nil when some filter is not encrypted for it.
    private func filters(
        for recipient: PDFRecipient
    ) throws(PDFError) -> (filters: [PDFName: CryptFilter], permissions: UInt32)? {
        var opened: [PDFName: CryptFilter] = [:]
        var permissions: UInt32 = 0xFFFF_FFFF
        for (name, definition) in definitions {
            if definition.method == .identity {
                opened[name] = .identity
                continue
            }
            guard let (key, granted) = try open(definition, recipient: recipient) else { return nil }
            opened[name] = CryptFilter(method: definition.method, key: key)
            if let granted { permissions &= granted }
        }
        return (opened, permissions)
    }

    /// One filter's key for `recipient`, and the permissions its envelope grants.
    private func open(
        _ definition: FilterDefinition, recipient: PDFRecipient
    ) throws(PDFError) -> (key: [UInt8], permissions: UInt32?)? {
        for envelope in definition.recipients {
            let content: [UInt8]?
            do {
                content = try CMSEnvelope.open(envelope, certificate: recipient.certificate, key: recipient.key)
            } catch {
                throw .malformed("a /Recipients envelope cannot be opened: \(error)")
            }
            guard let content else { continue }
            guard content.count == 20 || content.count == 24 else {
                throw .malformed(
                    "a /Recipients envelope holds \(content.count) bytes (a 20-byte seed and 4 of permissions)")
            }
            var permissions: UInt32?
            if content.count == 24 { permissions = content[20..<24].reduce(0) { $0 << 8 | UInt32($1) } }
            do {
                let digest = try Digest(oid: version >= 5 ? "2.16.840.1.101.3.4.2.1" : "1.3.14.3.2.26")
                digest.update(Array(content.prefix(20)))
                for entry in definition.recipients { digest.update(entry) }
                if !definition.encryptMetadata || (version < 4 && !encryptMetadata) {
                    digest.update([0xFF, 0xFF, 0xFF, 0xFF])
                }
                let hash = try digest.finalize()
                guard definition.keyLength <= hash.count else {
                    throw PDFError.malformed("a \(definition.keyLength)-byte key from a \(hash.count)-byte digest")
                }
                return (Array(hash.prefix(definition.keyLength)), permissions)
            } catch let error as PDFError {
                throw error
            } catch {
                throw .malformed("the file key cannot be derived: \(error)")
            }
        }
        return nil
    }
}
