/// What a security handler does for the reader (ISO 32000-2 § 7.6): each string and stream of an
/// indirect object is decrypted with that object's key, as the handler's crypt filters say. The
/// document asks it only for what the standard encrypts: never the `/Encrypt` dictionary, a
/// signature's `/Contents`, cross-reference streams, or objects inside object streams (their
/// stream is decrypted whole).
public protocol PDFDecryptor: Sendable {
    func decrypt(string bytes: [UInt8], of object: ObjectReference) throws(PDFError) -> [UInt8]
    /// `dictionary`: the stream's, for the crypt filter it names (`/Crypt`, embedded files).
    func decrypt(
        stream bytes: [UInt8], of object: ObjectReference, dictionary: PDFDictionary
    ) throws(PDFError)
        -> [UInt8]
}

extension PDFDocument {
    /// The object as the handler decrypts it: strings (a signature's `/Contents` excepted) and
    /// streams, which remember which object's key they are decrypted with.
    func decrypted(
        _ object: PDFObject, as reference: ObjectReference, with decryptor: any PDFDecryptor
    )
        throws(PDFError) -> PDFObject
    {
        switch object {
        case .string(let string):
            return .string(
                PDFString(bytes: try decryptor.decrypt(string: string.bytes, of: reference), isHex: string.isHex))
        case .array(let items):
            var out: [PDFObject] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try decrypted(item, as: reference, with: decryptor)) }
            return .array(out)
        case .dictionary(let dictionary):
            return .dictionary(try decrypted(dictionary, as: reference, with: decryptor))
        case .stream(var stream):
            if stream.dictionary["Type"]?.isName("XRef") == true { return object }
            stream.dictionary = try decrypted(stream.dictionary, as: reference, with: decryptor)
            stream.encryptedAs = reference
            return .stream(stream)
        default:
            return object
        }
    }

    private func decrypted(
        _ dictionary: PDFDictionary, as reference: ObjectReference, with decryptor: any PDFDecryptor
    )
        throws(PDFError) -> PDFDictionary
    {
        // A signature's /Contents is written in the clear (ISO 32000-2 § 7.6.2): it is what /ByteRange leaves out.
        let isSignature =
            dictionary["Type"]?.isName("Sig") == true || dictionary["Type"]?.isName("DocTimeStamp") == true
            || (dictionary["ByteRange"] != nil && dictionary["Contents"]?.string != nil)
        var out = PDFDictionary()
        for (key, value) in dictionary.entries {
            if isSignature && key == PDFName("Contents") {
                out[key] = value
            } else {
                out[key] = try decrypted(value, as: reference, with: decryptor)
            }
        }
        return out
    }
}

/// The other direction, for writing into an encrypted document: what a new string or stream of
/// an object is written as, with that object's key.
public protocol PDFEncryptor: Sendable {
    func encrypt(string bytes: [UInt8], of object: ObjectReference) throws(PDFError) -> [UInt8]
    func encrypt(
        stream bytes: [UInt8], of object: ObjectReference, dictionary: PDFDictionary
    ) throws(PDFError)
        -> [UInt8]
}

extension PDFEncryptor {
    /// `object` as written encrypted for `reference`: every string, and a stream's data.
    public func encrypted(_ object: PDFObject, as reference: ObjectReference) throws(PDFError) -> PDFObject {
        switch object {
        case .string(let string):
            return .string(PDFString(bytes: try encrypt(string: string.bytes, of: reference), isHex: true))
        case .array(let items):
            var out: [PDFObject] = []
            for item in items { out.append(try encrypted(item, as: reference)) }
            return .array(out)
        case .dictionary(let dictionary):
            return .dictionary(try encrypted(dictionary, as: reference))
        case .stream(var stream):
            stream.dictionary = try encrypted(stream.dictionary, as: reference)
            if case .bytes(let data) = stream.data {
                stream.data = .bytes(try encrypt(stream: data, of: reference, dictionary: stream.dictionary))
            }
            return .stream(stream)
        default:
            return object
        }
    }

    public func encrypted(_ dictionary: PDFDictionary, as reference: ObjectReference) throws(PDFError) -> PDFDictionary
    {
        var out = PDFDictionary()
        for (key, value) in dictionary.entries { out[key] = try encrypted(value, as: reference) }
        return out
    }
}
