import ESignCore
import ESignCrypto
import Foundation

/// A system allowed to call `esign serve` (a document-management system, the provincial data
/// hub): its name, the units it acts for and what it may do. Its bearer token is shown once when
/// the client is added; the database keeps only the token's SHA-256.
public struct APIClient: Sendable, Codable, Equatable {
    public var name: String
    /// Unit codes the client acts for; each covers the units below it (a province's client
    /// reaches its districts and communes).
    public var units: [String]
    public var scopes: Set<APIScope>
    public var createdAt: String
    public var revokedAt: String?

    enum CodingKeys: String, CodingKey {
        case name, units, scopes
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    public init(name: String, units: [String], scopes: Set<APIScope>, createdAt: String, revokedAt: String? = nil) {
        self.name = name
        self.units = units
        self.scopes = scopes
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Names are what an operator types and logs show: letters, digits, `.`, `_`, `-`.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)
            }
            && name.unicodeScalars.allSatisfy(\.isASCII)
    }
}

/// What a client may do.
public enum APIScope: String, Sendable, Codable, CaseIterable, Comparable {
    /// Sign and issue documents with the keys of its units.
    case sign
    case verify
    /// Record documents in the ledger.
    case ledger
    /// Read coverage statistics.
    case stats

    public static func < (a: APIScope, b: APIScope) -> Bool { a.rawValue < b.rawValue }

    /// `sign,verify` → the scopes, or nil when a name is unknown.
    public static func parse(list: String) -> Set<APIScope>? {
        var out = Set<APIScope>()
        for part in list.split(separator: ",") {
            guard let scope = APIScope(rawValue: part.trimmingCharacters(in: .whitespaces)) else { return nil }
            out.insert(scope)
        }
        return out.isEmpty ? nil : out
    }
}

/// Bearer tokens: 32 random bytes, base64url, prefixed so that a leaked one is recognisable in
/// a secret scanner; stored as SHA-256 hex.
public enum APIToken {
    public static let prefix = "esk_"

    public static func generate() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        let text = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return prefix + text
    }

    public static func hash(_ token: String) -> String { FileDigest.sha256Hex(Array(token.utf8)) }
}
