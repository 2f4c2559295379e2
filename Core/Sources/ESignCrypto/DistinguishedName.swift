import COpenSSL
import ESignCore
import Foundation

/// An X.509 name as ordered attribute/value pairs, with values decoded to Swift strings (UTF-8),
/// so Vietnamese names print as written: "CN=Nguyễn Văn An, O=UBND tỉnh Bình Phước, C=VN".
public struct DistinguishedName: Sendable, Hashable, CustomStringConvertible, Codable {
    public struct Attribute: Sendable, Hashable, Codable {
        /// Short name such as "CN", or the dotted OID when OpenSSL has no name for it.
        public let type: String
        public let value: String

        public init(type: String, value: String) {
            self.type = type
            self.value = value
        }
    }

    public let attributes: [Attribute]
    /// Most specific attribute first, as RFC 4514 prints names (made once: reports print it).
    public let description: String

    public init(attributes: [Attribute]) {
        self.attributes = attributes
        description = Self.describe(attributes)
    }

    private enum CodingKeys: String, CodingKey { case attributes }

    public init(from decoder: Decoder) throws {
        self.init(
            attributes: try decoder.container(keyedBy: CodingKeys.self).decode([Attribute].self, forKey: .attributes))
    }

    private static func describe(_ attributes: [Attribute]) -> String {
        attributes.reversed().map { "\($0.type)=\($0.value)" }.joined(separator: ", ")
    }

    init(_ name: OpaquePointer?) {
        guard let name else {
            self.init(attributes: [])
            return
        }
        var result: [Attribute] = []
        for i in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, i) else { continue }
            let object = X509_NAME_ENTRY_get_object(entry)
            let nid = OBJ_obj2nid(object)
            let type = nid != NID_undef ? String(cString: OBJ_nid2sn(nid)) : Certificate.oidText(object)
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry))
            var value = ""
            if length >= 0, let utf8 {
                value = String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
                CRYPTO_free(utf8, nil, 0)
            } else if let data = X509_NAME_ENTRY_get_data(entry), let bytes = ASN1_STRING_get0_data(data) {
                // Not text in its declared string type: the raw octets, as RFC 4514 writes such values.
                let raw = UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(data)))
                value = "#" + String(decoding: Hex.encode(Array(raw), uppercase: false), as: UTF8.self)
            }
            result.append(Attribute(type: type, value: value))
        }
        self.init(attributes: result)
    }

    /// The first value of an attribute type ("CN", "O", …).
    public subscript(type: String) -> String? { attributes.first { $0.type == type }?.value }

    public var commonName: String? { self["CN"] }
}
