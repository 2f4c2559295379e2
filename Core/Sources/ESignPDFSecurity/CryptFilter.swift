import ESignCrypto
import ESignPDF

/// How one class of data is encrypted (ISO 32000-2 § 7.6.6): not at all, RC4, AES-128 or AES-256.
enum CryptMethod: Sendable, Equatable {
    case identity
    case rc4
    case aes128
    case aes256

    var name: String {
        switch self {
        case .identity: return "none"
        case .rc4: return "RC4"
        case .aes128: return "AES-128"
        case .aes256: return "AES-256"
        }
    }
}

/// One crypt filter of an opened document: its method and the key its objects' keys derive from
/// (the file key of the standard handler; each public-key filter has its own, from its recipients).
struct CryptFilter: Sendable, Equatable {
    let method: CryptMethod
    let key: [UInt8]

    static let identity = CryptFilter(method: .identity, key: [])
}

/// The decryption of an opened document: the crypt filters for strings, streams and embedded
/// files. Writing into the document (signing) uses the same, encrypting.
public struct DocumentCipher: PDFDecryptor, PDFEncryptor {
    let strings: CryptFilter
    let streams: CryptFilter
    let embeddedFiles: CryptFilter
    /// Crypt filters by name, for streams that name their own (`/Filter /Crypt`).
    let filters: [PDFName: CryptFilter]
    let encryptMetadata: Bool

    /// What the report calls the encryption: that of streams, or of strings when streams are clear
    /// (`RC4 40-bit` … `RC4 128-bit`, `AES-128`, `AES-256`).
    var algorithm: String {
        let main = streams.method == .identity ? strings : streams
        return main.method == .rc4 ? "RC4 \(main.key.count * 8)-bit" : main.method.name
    }

    /// Algorithm 1: the key of one object (revisions 2–4); AES-256 uses the filter's key itself.
    func objectKey(_ object: ObjectReference, filter: CryptFilter) throws(PDFError) -> [UInt8] {
        if filter.method == .aes256 { return filter.key }
        let n = UInt32(truncatingIfNeeded: object.number)
        let g = UInt32(truncatingIfNeeded: object.generation)
        var input =
            filter.key + [
                UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(g & 0xFF), UInt8(g >> 8 & 0xFF),
            ]
        if filter.method == .aes128 { input += [0x73, 0x41, 0x6C, 0x54] }  // "sAlT"
        do {
            let digest = try Digest(oid: "1.2.840.113549.2.5")
            digest.update(input)
            return Array(try digest.finalize().prefix(min(filter.key.count + 5, 16)))
        } catch {
            throw .malformed("the object key cannot be derived: \(error)")
        }
    }

    public func decrypt(string bytes: [UInt8], of object: ObjectReference) throws(PDFError) -> [UInt8] {
        try crypt(bytes, filter: strings, object: object, encrypt: false)
    }

    public func decrypt(
        stream bytes: [UInt8], of object: ObjectReference, dictionary: PDFDictionary
    ) throws(PDFError)
        -> [UInt8]
    {
        try crypt(bytes, filter: filter(forStream: dictionary), object: object, encrypt: false)
    }

    /// What a new string of `object` is written as.
    public func encrypt(string bytes: [UInt8], of object: ObjectReference) throws(PDFError) -> [UInt8] {
        try crypt(bytes, filter: strings, object: object, encrypt: true)
    }

    /// What a new stream's data of `object` is written as.
    public func encrypt(
        stream bytes: [UInt8], of object: ObjectReference, dictionary: PDFDictionary
    ) throws(PDFError)
        -> [UInt8]
    {
        try crypt(bytes, filter: filter(forStream: dictionary), object: object, encrypt: true)
    }

    func filter(forStream dictionary: PDFDictionary) -> CryptFilter {
        let type = dictionary["Type"]?.name?.string
        if type == "XRef" { return .identity }
        if type == "Metadata" && !encryptMetadata { return .identity }
        // A stream may name its own crypt filter, first in its /Filter list.
        let firstFilter = dictionary["Filter"]?.name ?? dictionary["Filter"]?.array?.first?.name
        if firstFilter == PDFName("Crypt") {
            let parameters =
                dictionary["DecodeParms"]?.dictionary ?? dictionary["DecodeParms"]?.array?.first?.dictionary
            let name = parameters?["Name"]?.name ?? PDFName("Identity")
            return name == PDFName("Identity") ? .identity : (filters[name] ?? .identity)
        }
        if type == "EmbeddedFile" { return embeddedFiles }
        return streams
    }

    private func crypt(
        _ bytes: [UInt8], filter: CryptFilter, object: ObjectReference, encrypt: Bool
    ) throws(PDFError) -> [UInt8] {
        switch filter.method {
        case .identity:
            return bytes
        case .rc4:
            return RC4.crypt(bytes, key: try objectKey(object, filter: filter))
        case .aes128, .aes256:
            let key = try objectKey(object, filter: filter)
            if encrypt {
                let iv = Random.bytes(16)
                do {
                    return iv + (try BlockCipher.aes(bytes, key: key, iv: iv, mode: .cbc, padding: true, encrypt: true))
                } catch { throw .malformed("AES encryption failed: \(error)") }
            }
            // Some writers leave empty strings unencrypted; anything else must be IV + whole blocks.
            if bytes.isEmpty || bytes.count == 16 { return [] }
            guard bytes.count >= 32, bytes.count % 16 == 0 else {
                throw .malformed(
                    "object \(object): AES-encrypted data of \(bytes.count) bytes (it must be an IV and whole blocks)")
            }
            do {
                return try BlockCipher.aes(
                    Array(bytes[16...]), key: key, iv: Array(bytes[0..<16]), mode: .cbc, padding: true, encrypt: false)
            } catch {
                throw .malformed("object \(object) does not decrypt with the document's key (bad padding)")
            }
        }
    }
}
