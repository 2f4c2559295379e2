import ESignCore
import Foundation

/// A root that esign knows by name and, when a citable source gives it, by the SHA-256
/// fingerprint of its DER encoding. esign never ships or downloads a certificate file: an
/// administrator downloads the root from its operator and `esign trust add --name ID` accepts the
/// file only when its fingerprint is the pinned one.
public struct PinnedRoot: Codable, Sendable, Equatable {
    /// Short identifier used with `--name`.
    public let id: String
    /// The root's name as its operator publishes it.
    public let name: String
    /// Who runs it, and for whom.
    public let operatedBy: String
    /// Upper-case hexadecimal SHA-256 of the DER certificate; nil when no source could be cited.
    public let sha256: String?
    /// Where the fingerprint comes from (a document a reader can check), when there is one.
    public let source: String?

    public init(id: String, name: String, operatedBy: String, sha256: String?, source: String?) {
        self.id = id
        self.name = name
        self.operatedBy = operatedBy
        self.sha256 = sha256.map { TrustStore.normalisedFingerprint($0) ?? $0 }
        self.source = source
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id), name: try container.decode(String.self, forKey: .name),
            operatedBy: try container.decodeIfPresent(String.self, forKey: .operatedBy) ?? "",
            sha256: try container.decodeIfPresent(String.self, forKey: .sha256),
            source: try container.decodeIfPresent(String.self, forKey: .source))
    }

    enum CodingKeys: String, CodingKey {
        case id, name, sha256, source
        case operatedBy = "operated_by"
    }

    /// Vietnam's two roots for signatures on administrative documents. Their fingerprints are not
    /// pinned: no source that can be cited was available where esign is built (README, "Trust anchors for Vietnam"),
    /// so `esign trust add --name` asks for the fingerprint the operator publishes
    /// (`--fingerprint`) and checks the file against it.
    public static let shipped: [PinnedRoot] = [
        PinnedRoot(
            id: "vn-national-root-ca", name: "Vietnam National Root CA",
            operatedBy:
                "National Electronic Authentication Centre (NEAC), Ministry of Science and Technology: the root of "
                + "the licensed public CAs",
            sha256: nil, source: nil),
        PinnedRoot(
            id: "vn-government-root-ca", name: "Vietnam Government Root CA (Ban Cơ yếu Chính phủ)",
            operatedBy:
                "Government Cipher Committee: the specialised root for state agencies and their officials",
            sha256: nil, source: nil),
    ]

    /// The shipped list, with the entries of a pins file (JSON array of pinned roots) added or, by
    /// id, replacing shipped ones: an agency's IT department can distribute the fingerprints it
    /// has checked. The file comes from `ESIGN_TRUST_PINS` when no path is given.
    public static func load(
        file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SigningError) -> [PinnedRoot] {
        guard let path = file ?? environment["ESIGN_TRUST_PINS"], !path.isEmpty else { return shipped }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .missingInput("no such pins file: \(path)")
        }
        let extra: [PinnedRoot]
        do { extra = try JSONDecoder().decode([PinnedRoot].self, from: data) } catch {
            throw .badInput("\(path) is not a JSON array of pinned roots (id, name, operated_by, sha256, source)")
        }
        for pin in extra where pin.sha256 != nil && TrustStore.normalisedFingerprint(pin.sha256!) == nil {
            throw .badInput("\(path): the fingerprint of \(pin.id) is not 64 hexadecimal digits")
        }
        var result = shipped.filter { pin in !extra.contains { $0.id == pin.id } }
        result += extra
        return result
    }
}
