/// A CMS EnvelopedData (RFC 5652 § 6) opened with one recipient's key: what a certificate-encrypted
/// PDF carries in `/Recipients`, the seed of its file key sealed to each recipient's certificate.
///
/// Only key transport (RSA PKCS#1 v1.5 or RSAES-OAEP) recipients are read; the content may be
/// encrypted with AES-CBC, triple DES or RC4, as Acrobat and pyHanko write it.
///
/// ```swift
/// if let seed = try CMSEnvelope.open(recipientDER, certificate: cert, key: key) { … }
/// ```
public enum CMSEnvelope {
    /// Why an envelope cannot be opened (it is damaged, or uses what esign does not read).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The decrypted content, or nil when no recipient of the envelope is `certificate`.
    public static func open(
        _ der: [UInt8], certificate: Certificate, key: PrivateKey
    ) throws(Failure) -> [UInt8]? {
        let reader = DERReader(der)
        guard let contentInfo = reader.element(at: 0), contentInfo.tag == 0x30,
            case let outer = reader.children(of: contentInfo), outer.count == 2, outer[0].tag == 0x06,
            outer[1].tag == 0xA0
        else { throw Failure("a recipient entry is not a CMS ContentInfo") }
        let type = DER.oidText(reader[outer[0].content])
        guard type == "1.2.840.113549.1.7.3" else {
            throw Failure("a recipient entry holds \(type), not enveloped data (1.2.840.113549.1.7.3)")
        }
        guard let envelope = reader.children(of: outer[1]).first, envelope.tag == 0x30 else {
            throw Failure("the enveloped data is not a SEQUENCE")
        }
        var fields = reader.children(of: envelope).dropFirst()  // version
        if fields.first?.tag == 0xA0 { fields = fields.dropFirst() }  // originatorInfo
        guard fields.count >= 2, let recipients = fields.first, recipients.tag == 0x31,
            case let contentInfoFields = fields.dropFirst().first!, contentInfoFields.tag == 0x30
        else { throw Failure("the enveloped data lacks its recipient infos or encrypted content") }

        var kinds: Set<String> = []
        for recipient in reader.children(of: recipients) {
            guard recipient.tag == 0x30 else {
                kinds.insert(recipient.tag == 0xA1 ? "key agreement (ECDH)" : "tag \(recipient.tag)")
                continue
            }
            guard let contentKey = try keyTransport(reader, recipient, certificate: certificate, key: key) else {
                continue
            }
            return try decryptContent(reader, contentInfoFields, key: contentKey)
        }
        if !kinds.isEmpty && !certificate.hasRSAKey {
            throw Failure("the envelope's \(kinds.sorted().joined(separator: ", ")) recipients are not supported")
        }
        return nil
    }

    /// The content-encryption key, when this KeyTransRecipientInfo names `certificate`.
    private static func keyTransport(
        _ reader: DERReader, _ recipient: DERReader.Element, certificate: Certificate, key: PrivateKey
    ) throws(Failure) -> [UInt8]? {
        let fields = reader.children(of: recipient)
        guard fields.count == 4, fields[1].tag == 0x30 || fields[1].tag == 0x80, fields[2].tag == 0x30,
            fields[3].tag == 0x04
        else { throw Failure("a key transport recipient info is malformed") }
        if fields[1].tag == 0x30 {
            let name = reader.children(of: fields[1])
            guard name.count == 2, reader[name[0].range] == certificate.issuerNameDER,
                reader[name[1].range] == certificate.serialNumberDER
            else { return nil }
        } else {
            guard let identifier = certificate.subjectKeyIdentifier, reader[fields[1].content] == identifier else {
                return nil
            }
        }
        let algorithm = reader.children(of: fields[2])
        guard let oid = algorithm.first, oid.tag == 0x06 else {
            throw Failure("a key encryption algorithm is malformed")
        }
        let padding: RSAEncryptionPadding
        switch DER.oidText(reader[oid.content]) {
        case "1.2.840.113549.1.1.1": padding = .pkcs1v15
        case "1.2.840.113549.1.1.7": padding = try oaepParameters(reader, algorithm.dropFirst().first)
        case let other: throw Failure("the key encryption algorithm \(other) is not supported (RSA only)")
        }
        do { return try key.decryptRSA(reader[fields[3].content], padding: padding) } catch {
            throw Failure("the recipient's key does not decrypt its envelope: \(error)")
        }
    }

    /// RSAES-OAEP-params (RFC 8017 A.2.1): the hash and MGF1's hash, SHA-1 when absent.
    private static func oaepParameters(
        _ reader: DERReader, _ parameters: DERReader.Element?
    ) throws(Failure) -> RSAEncryptionPadding {
        var hash = "SHA1"
        var mgf = "SHA1"
        func digestName(_ algorithm: DERReader.Element?) -> String? {
            guard let algorithm, let oid = reader.children(of: algorithm).first, oid.tag == 0x06 else { return nil }
            return Digest.name(ofOID: DER.oidText(reader[oid.content]))
        }
        if let parameters, parameters.tag == 0x30 {
            for field in reader.children(of: parameters) {
                let inner = reader.children(of: field).first
                switch field.tag {
                case 0xA0: hash = digestName(inner) ?? hash
                case 0xA1: mgf = inner.flatMap { reader.children(of: $0).dropFirst().first }.flatMap(digestName) ?? mgf
                default: continue
                }
            }
        }
        return .oaep(digest: hash, mgf1Digest: mgf)
    }

    private static func decryptContent(
        _ reader: DERReader, _ info: DERReader.Element, key: [UInt8]
    ) throws(Failure) -> [UInt8] {
        let fields = reader.children(of: info)
        guard fields.count == 3, fields[1].tag == 0x30, let oid = reader.children(of: fields[1]).first,
            oid.tag == 0x06
        else { throw Failure("the envelope's encrypted content is missing or malformed") }
        // [0] IMPLICIT OCTET STRING: primitive, or constructed from OCTET STRING pieces.
        guard fields[2].tag == 0x80 || fields[2].tag == 0xA0 else {
            throw Failure("the envelope's encrypted content is malformed")
        }
        let encrypted: [UInt8] =
            fields[2].tag == 0x80
            ? reader[fields[2].content]
            : reader.children(of: fields[2]).filter { $0.tag == 0x04 }.flatMap { reader[$0.content] }
        let parameters = reader.children(of: fields[1]).dropFirst().first
        func iv(_ count: Int) throws(Failure) -> [UInt8] {
            guard let parameters, parameters.tag == 0x04, parameters.content.count == count else {
                throw Failure("the envelope's cipher has no \(count)-byte IV")
            }
            return reader[parameters.content]
        }
        let algorithm = DER.oidText(reader[oid.content])
        do {
            switch algorithm {
            case "2.16.840.1.101.3.4.1.2", "2.16.840.1.101.3.4.1.22", "2.16.840.1.101.3.4.1.42":
                return try BlockCipher.aes(
                    encrypted, key: key, iv: try iv(16), mode: .cbc, padding: true, encrypt: false)
            case "1.2.840.113549.3.7":
                return try BlockCipher.tripleDESDecrypt(encrypted, key: key, iv: try iv(8))
            case "1.2.840.113549.3.4":
                return RC4.crypt(encrypted, key: key)
            default:
                throw Failure("the envelope's content cipher \(algorithm) is not supported (AES, triple DES, RC4)")
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure("the envelope's content does not decrypt: \(error)")
        }
    }
}
