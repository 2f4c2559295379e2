import ESignCrypto
import ESignPDF

/// The standard (password) security handler of ISO 32000-2 § 7.6.4: revisions 2 to 4 (RC4 with
/// MD5 key derivation, AES-128 from revision 4) and 5 to 6 (AES-256 with SHA-2 key derivation).
/// It turns a user or owner password into the file key, or says that neither opens the file.
struct StandardSecurityHandler {
    let revision: Int
    /// The file key's length in bytes (5 for 40-bit RC4, up to 16; 32 for AES-256).
    let keyLength: Int
    let owner: [UInt8]
    let user: [UInt8]
    let ownerEncrypted: [UInt8]
    let userEncrypted: [UInt8]
    let perms: [UInt8]
    let permissions: Int32
    let encryptMetadata: Bool
    let documentID: [UInt8]

    /// The 32 bytes a short password is padded with (algorithm 2, step a).
    static let padding: [UInt8] = [
        0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
        0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
    ]

    init(encrypt: PDFDictionary, documentID: [UInt8]) throws(PDFError) {
        guard let revision = encrypt["R"]?.integer, (2...6).contains(revision) else {
            throw .unsupported(
                "standard security handler revision \(encrypt["R"]?.integer.map(String.init) ?? "missing")")
        }
        self.revision = revision
        let version = encrypt["V"]?.integer ?? 0
        func bytes(_ key: String) -> [UInt8] { encrypt[key]?.string?.bytes ?? [] }
        owner = bytes("O")
        user = bytes("U")
        ownerEncrypted = bytes("OE")
        userEncrypted = bytes("UE")
        perms = bytes("Perms")
        guard let p = encrypt["P"]?.integer else {
            throw .malformed(encrypt["P"] == nil ? "the /Encrypt dictionary has no /P" : "/P is not an integer")
        }
        permissions = Int32(truncatingIfNeeded: p)
        encryptMetadata = encrypt["EncryptMetadata"]?.boolean ?? true
        self.documentID = documentID
        if let bits = encrypt["Length"]?.integer, bits % 8 != 0 {
            throw .malformed("/Length \(bits) is not a whole number of bytes")
        }
        if revision >= 5 {
            keyLength = 32
            guard owner.count >= 48, user.count >= 48 else {
                throw .malformed("/O and /U of a revision \(revision) handler must hold 48 bytes")
            }
            guard ownerEncrypted.count >= 32, userEncrypted.count >= 32 else {
                throw .malformed("/OE and /UE of a revision \(revision) handler must hold 32 bytes")
            }
        } else {
            let bits = revision == 2 ? 40 : (encrypt["Length"]?.integer ?? (version == 1 ? 40 : 40))
            guard bits % 8 == 0, (40...128).contains(bits) else {
                throw .malformed("/Length \(bits) is not a key length")
            }
            keyLength = revision == 2 ? 5 : bits / 8
            guard owner.count >= 32, user.count >= 32 else {
                throw .malformed("/O and /U of a revision \(revision) handler must hold 32 bytes")
            }
        }
    }

    /// The file key the password (UTF-8) opens as the user's password; nil when it does not.
    func userKey(password: [UInt8]) throws(PDFError) -> [UInt8]? {
        try deriving {
            revision >= 5
                ? try modernUserKey(Array(password.prefix(127)))
                : try legacyUserKey(padded: Self.pad(Self.latin1(String(decoding: password, as: UTF8.self))))
        }
    }

    /// The file key the password (UTF-8) opens as the owner's password; nil when it does not.
    func ownerKey(password: [UInt8]) throws(PDFError) -> [UInt8]? {
        try deriving {
            revision >= 5
                ? try modernOwnerKey(Array(password.prefix(127)))
                : try legacyOwnerKey(Self.latin1(String(decoding: password, as: UTF8.self)))
        }
    }

    private func deriving(_ body: () throws -> [UInt8]?) throws(PDFError) -> [UInt8]? {
        do { return try body() } catch let error as PDFError { throw error } catch {
            throw .malformed("the encryption keys cannot be derived: \(error)")
        }
    }

    /// After a revision 5–6 key is found: `/Perms` must decrypt to the permissions `/P` states.
    func checkPerms(fileKey: [UInt8]) throws(PDFError) {
        guard revision >= 5 else { return }
        guard perms.count >= 16,
            let clear = try? BlockCipher.aes(
                Array(perms.prefix(16)), key: fileKey, mode: .ecb, padding: false, encrypt: false),
            clear[9] == 0x61, clear[10] == 0x64, clear[11] == 0x62
        else {
            throw .malformed(
                "/Perms does not decrypt with the file key: the encryption dictionary is damaged or altered")
        }
        let stated = Int32(
            bitPattern: UInt32(clear[0]) | UInt32(clear[1]) << 8 | UInt32(clear[2]) << 16 | UInt32(clear[3]) << 24)
        guard stated == permissions else {
            throw .malformed("/Perms and /P disagree on the permissions: the encryption dictionary was altered")
        }
    }

    // MARK: Revisions 2–4

    static func pad(_ password: [UInt8]) -> [UInt8] { Array((password + padding).prefix(32)) }

    /// Passwords are PDFDocEncoding for revisions 2–4: Latin-1 where the text allows it.
    static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { $0.value < 256 ? UInt8($0.value) : 0x3F }
    }

    private static func md5(_ parts: [UInt8]...) throws -> [UInt8] {
        let digest = try Digest(oid: "1.2.840.113549.2.5")
        for part in parts { digest.update(part) }
        return try digest.finalize()
    }

    /// Algorithm 2: the file key from a padded user password.
    func legacyFileKey(padded: [UInt8]) throws -> [UInt8] {
        let p = UInt32(bitPattern: permissions)
        let pBytes: [UInt8] = [UInt8(p & 0xFF), UInt8(p >> 8 & 0xFF), UInt8(p >> 16 & 0xFF), UInt8(p >> 24)]
        let metadata: [UInt8] = revision >= 4 && !encryptMetadata ? [0xFF, 0xFF, 0xFF, 0xFF] : []
        var key = try Self.md5(padded, Array(owner.prefix(32)), pBytes, documentID, metadata)
        if revision >= 3 {
            for _ in 0..<50 { key = try Self.md5(Array(key.prefix(keyLength))) }
        }
        return Array(key.prefix(keyLength))
    }

    /// Algorithms 4–6: the key, when the padded password is the user's.
    private func legacyUserKey(padded: [UInt8]) throws -> [UInt8]? {
        let key = try legacyFileKey(padded: padded)
        if revision == 2 { return RC4.crypt(Self.padding, key: key) == Array(user.prefix(32)) ? key : nil }
        var value = RC4.crypt(try Self.md5(Self.padding, documentID), key: key)
        for round in 1...19 { value = RC4.crypt(value, key: key.map { $0 ^ UInt8(round) }) }
        return value == Array(user.prefix(16)) ? key : nil
    }

    /// Algorithm 7: the owner password decrypts /O into the user password.
    private func legacyOwnerKey(_ password: [UInt8]) throws -> [UInt8]? {
        var hash = try Self.md5(Self.pad(password))
        if revision >= 3 { for _ in 0..<50 { hash = try Self.md5(hash) } }
        let key = Array(hash.prefix(keyLength))
        var value = Array(owner.prefix(32))
        if revision == 2 {
            value = RC4.crypt(value, key: key)
        } else {
            for round in stride(from: 19, through: 0, by: -1) {
                value = RC4.crypt(value, key: key.map { $0 ^ UInt8(round) })
            }
        }
        return try legacyUserKey(padded: value)
    }

    // MARK: Revisions 5–6

    private func modernUserKey(_ password: [UInt8]) throws -> [UInt8]? {
        guard try hash(password, salt: Array(user[32..<40]), userData: []) == Array(user.prefix(32)) else { return nil }
        let intermediate = try hash(password, salt: Array(user[40..<48]), userData: [])
        return try BlockCipher.aes(
            Array(userEncrypted.prefix(32)), key: intermediate, mode: .cbc, padding: false, encrypt: false)
    }

    private func modernOwnerKey(_ password: [UInt8]) throws -> [UInt8]? {
        let userData = Array(user.prefix(48))
        guard try hash(password, salt: Array(owner[32..<40]), userData: userData) == Array(owner.prefix(32)) else {
            return nil
        }
        let intermediate = try hash(password, salt: Array(owner[40..<48]), userData: userData)
        return try BlockCipher.aes(
            Array(ownerEncrypted.prefix(32)), key: intermediate, mode: .cbc, padding: false, encrypt: false)
    }

    /// Revision 5: SHA-256; revision 6: algorithm 2.B (rounds of AES-128 and SHA-2).
    private func hash(_ password: [UInt8], salt: [UInt8], userData: [UInt8]) throws -> [UInt8] {
        revision >= 6
            ? try PDFPasswordHash.revision6(password: password, salt: salt, userData: userData)
            : try Digest.hash(password + salt + userData, .sha256)
    }
}
