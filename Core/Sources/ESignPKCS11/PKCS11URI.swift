/// A PKCS#11 URI (RFC 7512) naming a token and a key on it:
/// `pkcs11:token=UBND%20tinh;object=seal;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so`.
///
/// Every path attribute given must match; an attribute esign does not know is an error rather
/// than ignored, since ignoring it could pick another key than the one meant. A PIN in the URI
/// (`pin-value`) is refused: a URI is typed on command lines, which other users can read.
public struct PKCS11URI: Sendable, Equatable, CustomStringConvertible {
    public var token: String?
    public var manufacturer: String?
    public var serial: String?
    public var model: String?
    public var libraryManufacturer: String?
    public var libraryDescription: String?
    public var slotDescription: String?
    public var slotManufacturer: String?
    public var slotID: UInt?
    /// The object's label (CKA_LABEL).
    public var object: String?
    /// The object's CKA_ID.
    public var id: [UInt8]?
    /// private, public, cert, secret-key or data.
    public var type: String?
    public var modulePath: String?
    public var moduleName: String?
    /// `file:/path` (or a bare path): the file whose first line is the PIN.
    public var pinSource: String?

    public init() {}

    public init(parsing text: String) throws(PKCS11Error) {
        guard text.lowercased().hasPrefix("pkcs11:") else {
            throw .uri("a PKCS#11 URI starts with \"pkcs11:\" (RFC 7512), not \"\(text.prefix(20))\"")
        }
        let rest = text.dropFirst("pkcs11:".count)
        let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts.first.map(String.init) ?? ""
        let query = parts.count > 1 ? String(parts[1]) : ""
        for item in path.split(separator: ";") where !item.isEmpty {
            let (name, raw) = try Self.split(item)
            let value = try Self.percentDecoded(raw, attribute: name)
            let text = String(decoding: value, as: UTF8.self)
            switch name {
            case "token": token = text
            case "manufacturer": manufacturer = text
            case "serial": serial = text
            case "model": model = text
            case "library-manufacturer": libraryManufacturer = text
            case "library-description": libraryDescription = text
            case "library-version": break  // informative: one module path is loaded whatever its version
            case "slot-description": slotDescription = text
            case "slot-manufacturer": slotManufacturer = text
            case "slot-id":
                guard let number = UInt(text) else { throw .uri("slot-id must be a number, not \"\(text)\"") }
                slotID = number
            case "object": object = text
            case "id": id = value
            case "pin-value":
                throw .uri(
                    "a PIN inside the URI (pin-value) would be visible to other users; use --pin-file, ESIGN_PIN, "
                        + "pin-source=file:… or the prompt")
            case "type":
                guard ["private", "public", "cert", "secret-key", "data"].contains(text) else {
                    throw .uri("type must be private, public, cert, secret-key or data, not \"\(text)\"")
                }
                type = text
            default:
                throw .uri("the PKCS#11 URI names an attribute esign does not know: \"\(name)\"")
            }
        }
        for item in query.split(separator: "&") where !item.isEmpty {
            let (name, raw) = try Self.split(item)
            let value = String(decoding: try Self.percentDecoded(raw, attribute: name), as: UTF8.self)
            switch name {
            case "module-path": modulePath = value
            case "module-name": moduleName = value
            case "pin-source": pinSource = value
            case "pin-value":
                throw .uri(
                    "a PIN inside the URI (pin-value) would be visible to other users; use --pin-file, ESIGN_PIN, "
                        + "pin-source=file:… or the prompt")
            default:
                throw .uri("the PKCS#11 URI names a query attribute esign does not know: \"\(name)\"")
            }
        }
    }

    private static func split(_ item: Substring) throws(PKCS11Error) -> (String, Substring) {
        guard let equals = item.firstIndex(of: "=") else {
            throw .uri("\"\(item)\" in the PKCS#11 URI has no \"=\"")
        }
        return (String(item[..<equals]).lowercased(), item[item.index(after: equals)...])
    }

    private static func percentDecoded(_ text: Substring, attribute: String) throws(PKCS11Error) -> [UInt8] {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
                else {
                    throw .uri("bad percent-encoding in the PKCS#11 URI's \(attribute)")
                }
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return bytes
    }

    /// Whether the token matches every token attribute this URI gives.
    public func matches(_ token: TokenInfo) -> Bool {
        (self.token == nil || self.token == token.label)
            && (manufacturer == nil || manufacturer == token.manufacturer)
            && (serial == nil || serial == token.serialNumber)
            && (model == nil || model == token.model)
    }

    public func matches(_ slot: SlotInfo) -> Bool {
        (slotID == nil || slotID == UInt(slot.id))
            && (slotDescription == nil || slotDescription == slot.description)
            && (slotManufacturer == nil || slotManufacturer == slot.manufacturer)
    }

    public func matches(_ module: PKCS11Module) -> Bool {
        (libraryManufacturer == nil || libraryManufacturer == module.manufacturer)
            && (libraryDescription == nil || libraryDescription == module.description)
    }

    /// The URI text, every value percent-encoded where RFC 7512 requires.
    public var description: String {
        var path: [String] = []
        func add(_ name: String, _ value: String?) {
            if let value { path.append("\(name)=\(Self.encoded(Array(value.utf8)))") }
        }
        add("token", token)
        add("manufacturer", manufacturer)
        add("serial", serial)
        add("model", model)
        add("slot-description", slotDescription)
        add("slot-manufacturer", slotManufacturer)
        if let slotID { path.append("slot-id=\(slotID)") }
        add("object", object)
        if let id { path.append("id=" + id.map { "%" + ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()) }
        add("type", type)
        var query: [String] = []
        if let modulePath { query.append("module-path=\(Self.encoded(Array(modulePath.utf8), keepSlash: true))") }
        if let moduleName { query.append("module-name=\(Self.encoded(Array(moduleName.utf8)))") }
        if let pinSource { query.append("pin-source=\(Self.encoded(Array(pinSource.utf8), keepSlash: true))") }
        return "pkcs11:" + path.joined(separator: ";") + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    private static func encoded(_ bytes: [UInt8], keepSlash: Bool = false) -> String {
        var out = ""
        for byte in bytes {
            let c = Character(UnicodeScalar(byte))
            let unreserved = (byte.isASCIIAlphanumeric) || "-._~".contains(c) || (keepSlash && "/:".contains(c))
            if unreserved {
                out.append(c)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16).uppercased()
            }
        }
        return out
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}
