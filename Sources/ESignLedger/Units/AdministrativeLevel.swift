import Foundation

/// Where a unit sits in Vietnam's administration. Statistics and targets are per level.
///
/// Until 30 June 2025 there were three local levels (province, district, commune); from 1 July 2025
/// the district level is gone. Ministries and other central bodies are `central`.
public enum AdministrativeLevel: String, CaseIterable, Codable, Sendable, Comparable {
    case central, province, district, commune

    /// Accepts the English names and the Vietnamese ones used in document-management exports.
    public init?(parsing text: String) {
        switch text.lowercased().trimmingCharacters(in: .whitespaces) {
        case "central", "ministry", "trung ương", "trung uong", "bộ", "bo": self = .central
        case "province", "tỉnh", "tinh", "thành phố trung ương": self = .province
        case "district", "huyện", "huyen": self = .district
        case "commune", "xã", "xa", "phường", "phuong", "thị trấn", "ward": self = .commune
        default: return nil
        }
    }

    /// Vietnamese name for reports ("Cấp tỉnh").
    public var vietnameseName: String {
        switch self {
        case .central: return "Trung ương"
        case .province: return "Cấp tỉnh"
        case .district: return "Cấp huyện"
        case .commune: return "Cấp xã"
        }
    }

    private var order: Int { AdministrativeLevel.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
}
