import Foundation

/// Who a Vietnamese subscriber certificate names: a person or an organisation, with the
/// identifiers Vietnamese CAs write in the subject's UID attribute (0.9.2342.19200300.100.1.1) as
/// `SCHEME:VALUE`: `MST:0101234567` (tax code, an organisation's, or a branch's `-001`),
/// `MNS:1234567` (a state agency's budget-relation code), `CCCD:001099012345` (citizen identity
/// card), `CMND:…` (the older identity card), `HC:…` (passport), `BHXH:…` (social insurance).
///
/// A UID esign cannot parse is kept whole in `unparsed`, never dropped; an identifier whose value
/// does not have its scheme's shape is shown with `wellFormed` false.
public struct CertificateHolder: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case person
        case organization
        /// Neither a personal nor an organisation's identifier, nor a name that tells.
        case unknown
    }

    public struct Identifier: Codable, Sendable, Equatable {
        /// `MST`, `MNS`, `CCCD`, `CMND`, `HC`, `BHXH`, upper case.
        public let scheme: String
        public let value: String
        /// What the scheme is, in Vietnamese.
        public let label: String
        public let wellFormed: Bool
    }

    public let kind: Kind
    /// CN.
    public let name: String?
    /// O, OU, title (the person's position), L, ST, as the certificate writes them.
    public let organization: String?
    public let organizationalUnit: String?
    public let title: String?
    public let locality: String?
    public let province: String?
    public let identifiers: [Identifier]
    /// UID values that are not `SCHEME:VALUE` with a known scheme, as written.
    public let unparsed: [String]

    static let schemes: [String: (label: String, personal: Bool, shape: @Sendable (String) -> Bool)] = [
        "MST": ("Mã số thuế", false, { matches($0, digits: [10]) || matchesBranch($0) }),
        "MNS": ("Mã số đơn vị có quan hệ với ngân sách", false, { matches($0, digits: [7]) }),
        "CCCD": ("Căn cước công dân", true, { matches($0, digits: [12]) }),
        "CMND": ("Chứng minh nhân dân", true, { matches($0, digits: [9, 12]) }),
        "HC": ("Hộ chiếu", true, { passport($0) }),
        "BHXH": ("Mã số bảo hiểm xã hội", true, { matches($0, digits: [10]) }),
    ]

    static func matches(_ value: String, digits counts: Set<Int>) -> Bool {
        counts.contains(value.count) && value.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// A branch's tax code: the parent's ten digits, a hyphen, three digits.
    static func matchesBranch(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && matches(String(parts[0]), digits: [10]) && matches(String(parts[1]), digits: [3])
    }

    /// Vietnamese passports are a letter and seven digits; foreign ones vary: 6 to 12 letters and digits.
    static func passport(_ value: String) -> Bool {
        (6...12).contains(value.count) && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    public init(subject: DistinguishedName) {
        var identifiers: [Identifier] = []
        var unparsed: [String] = []
        for attribute in subject.attributes where attribute.type == "UID" {
            for part in attribute.value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
            where !part.isEmpty {
                guard let colon = part.firstIndex(of: ":") else {
                    unparsed.append(part)
                    continue
                }
                let scheme = part[..<colon].trimmingCharacters(in: .whitespaces).uppercased()
                let value = part[part.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                guard let known = Self.schemes[scheme] else {
                    unparsed.append(part)
                    continue
                }
                identifiers.append(
                    Identifier(scheme: scheme, value: value, label: known.label, wellFormed: known.shape(value)))
            }
        }
        name = subject["CN"]
        organization = subject["O"]
        organizationalUnit = subject["OU"]
        title = subject["title"]
        locality = subject["L"]
        province = subject["ST"]
        self.identifiers = identifiers
        self.unparsed = unparsed
        let personal = identifiers.contains { Self.schemes[$0.scheme]?.personal == true }
        let organisational = identifiers.contains { Self.schemes[$0.scheme]?.personal == false }
        if personal || (!organisational && (title != nil || subject["GN"] != nil || subject["SN"] != nil)) {
            kind = .person
        } else if organisational || (name != nil && name == organization) {
            kind = .organization
        } else {
            kind = .unknown
        }
    }

    /// One line for people: "person Nguyễn Văn An (Chủ tịch, Ủy ban…) — CCCD 001099012345".
    public var summary: String {
        var text = kind.rawValue
        if let name { text += " " + name }
        let context = [title, kind == .person && organization != name ? organization : nil].compactMap { $0 }
        if !context.isEmpty { text += " (" + context.joined(separator: ", ") + ")" }
        let ids =
            identifiers.map { "\($0.scheme) \($0.value)" + ($0.wellFormed ? "" : " (not a well-formed \($0.label))") }
            + unparsed.map { "UID \"\($0)\"" }
        if !ids.isEmpty { text += " — " + ids.joined(separator: ", ") }
        return text
    }
}

extension Certificate {
    /// The holder the subject names, with the Vietnamese identifiers parsed.
    public var holder: CertificateHolder { CertificateHolder(subject: subject) }
}
