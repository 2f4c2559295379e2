import ESignCore
import ESignCrypto
import Foundation

/// A folder of trust anchors that `esign verify` (and the service) trusts without `--trust`.
///
/// Each anchor is one file, `<SHA-256>.pem`, whose comment lines before the PEM block give the
/// name it was added under and when: the folder stays readable by people and by other tools, an
/// add is one atomic file creation (two adds never lose each other's anchor) and a remove one
/// unlink.
///
/// ```swift
/// let store = TrustStore(folder: TrustStore.defaultFolder())
/// options.trustAnchors += try store.anchors().map(\.certificate)
/// ```
public struct TrustStore: Sendable {
    public let folder: String

    public init(folder: String) { self.folder = folder }

    /// `ESIGN_TRUST_STORE`, else `$XDG_DATA_HOME/esign/trust`, else `~/.local/share/esign/trust`.
    public static func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["ESIGN_TRUST_STORE"], !explicit.isEmpty { return explicit }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/esign/trust" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/esign/trust"
    }

    /// One anchor of the store.
    public struct Anchor: Sendable {
        public let name: String
        public let certificate: Certificate
        /// Upper-case hexadecimal SHA-256 of the DER certificate.
        public let sha256: String
        public let added: String?
        /// The pinned root it was checked against, when it was.
        public let pinnedAs: String?
        public let file: String
    }

    /// Every anchor, by name. A file that is not an anchor esign wrote is reported, not skipped:
    /// a store whose content is unknown must not be trusted silently.
    public func anchors() throws(SigningError) -> [Anchor] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { throw .badInput("the trust store \(folder) is not a folder") }
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: folder) } catch {
            throw .missingInput("cannot read the trust store \(folder): \(error.localizedDescription)")
        }
        var result: [Anchor] = []
        for file in names.sorted() where file.hasSuffix(".pem") && !file.hasPrefix(".") {
            let path = folder + "/" + file
            guard let data = fm.contents(atPath: path) else { throw .missingInput("cannot read \(path)") }
            guard let certificate = try? Certificate.load([UInt8](data)).first else {
                throw .badInput("\(path) in the trust store holds no certificate")
            }
            let sha256 = Self.fingerprint(certificate)
            guard file == sha256 + ".pem" else {
                throw .badInput("\(path) in the trust store is not named by its certificate's SHA-256 (\(sha256))")
            }
            let fields = Self.headerFields(String(decoding: data, as: UTF8.self))
            result.append(
                Anchor(
                    name: fields["name"] ?? certificate.subject.commonName ?? sha256, certificate: certificate,
                    sha256: sha256, added: fields["added"], pinnedAs: fields["pinned"], file: path))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// Adds a certificate under a name; refuses a name or a certificate already in the store.
    @discardableResult
    public func add(
        _ certificate: Certificate, name: String, pinnedAs: String?, now: Date = Date()
    )
        throws(SigningError) -> Anchor
    {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !name.contains(where: \.isNewline) else {
            throw .badInput("a trust anchor's name is one line of text")
        }
        let sha256 = Self.fingerprint(certificate)
        let existing = try anchors()
        if let same = existing.first(where: { $0.sha256 == sha256 }) {
            throw .outputExists("this certificate is already in the trust store, as \"\(same.name)\"")
        }
        if existing.contains(where: { $0.name == name }) {
            throw .outputExists("the trust store already has an anchor named \"\(name)\" (esign trust remove it first)")
        }
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw .cannotWrite("cannot create the trust store \(folder): \(error.localizedDescription)")
        }
        let added = CivilTime.iso8601(secondsSince1970: Int(now.timeIntervalSince1970))
        var text = "# esign trust anchor\n# name: \(name)\n# added: \(added)\n# sha256: \(sha256)\n"
        if let pinnedAs { text += "# pinned: \(pinnedAs)\n" }
        text += "# subject: \(certificate.subject.description.replacingOccurrences(of: "\n", with: " "))\n"
        text += certificate.pem
        let path = folder + "/" + sha256 + ".pem"
        let output = try AtomicOutputFile(destination: path, overwrite: false)
        try output.write(Array(text.utf8))
        try output.commit(durable: true)
        return Anchor(
            name: name, certificate: certificate, sha256: sha256, added: added, pinnedAs: pinnedAs, file: path)
    }

    /// Removes the anchor with this name, or whose SHA-256 starts with these (8 or more) hex digits.
    @discardableResult
    public func remove(_ selector: String) throws(SigningError) -> Anchor {
        let all = try anchors()
        let digits = selector.uppercased().filter { $0 != ":" }
        var matches = all.filter { $0.name == selector }
        if matches.isEmpty, digits.count >= 8, digits.allSatisfy(\.isHexDigit) {
            matches = all.filter { $0.sha256.hasPrefix(digits) }
        }
        guard let anchor = matches.first else {
            throw .missingInput("the trust store \(folder) has no anchor named or fingerprinted \"\(selector)\"")
        }
        guard matches.count == 1 else {
            throw .badInput("\"\(selector)\" names \(matches.count) anchors; give more of the fingerprint")
        }
        guard unlink(anchor.file) == 0 else {
            throw .cannotWrite("cannot remove \(anchor.file): \(String(cString: strerror(errno)))")
        }
        return anchor
    }

    /// Upper-case hexadecimal SHA-256 of the DER certificate.
    public static func fingerprint(_ certificate: Certificate) -> String {
        String(decoding: Hex.encode(certificate.fingerprint(.sha256)), as: UTF8.self)
    }

    /// Upper-case hex of a SHA-256 fingerprint written with or without colons or spaces; nil if it is not one.
    public static func normalisedFingerprint(_ text: String) -> String? {
        let digits = text.uppercased().filter { !":- ".contains($0) }
        guard digits.count == 64, digits.allSatisfy(\.isHexDigit) else { return nil }
        return digits
    }

    /// `AA:BB:…`, as certificate viewers and CA web sites show fingerprints.
    public static func colonSeparated(_ hex: String) -> String {
        let digits = Array(hex)
        return stride(from: 0, to: digits.count, by: 2).map { String(digits[$0..<min($0 + 2, digits.count)]) }
            .joined(separator: ":")
    }

    private static func headerFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard line.hasPrefix("# ") else {
                if line.hasPrefix("-----BEGIN") { break }
                continue
            }
            let body = line.dropFirst(2)
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = String(body[..<colon])
            let value = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = value }
        }
        return fields
    }
}
