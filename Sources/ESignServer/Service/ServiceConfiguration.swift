import ESignSigning
import Foundation

/// What `esign serve` reads from its JSON configuration file: where to listen, which database,
/// which roots to trust, which keys sign for which units, an optional TSA, and the limits.
/// Secrets (passwords, PINs) come only from files the configuration names; relative paths are
/// relative to the configuration file. Unknown fields are errors, so that a misspelt limit is not
/// silently ignored.
///
/// ```json
/// {
///   "listen": "127.0.0.1:8480",
///   "database": "esign.sqlite",
///   "trust": ["pki/root.pem"],
///   "keys": [
///     {"id": "ubnd-seal", "unit": "70", "p12": "pki/seal.p12", "passwordFile": "pki/password.txt"},
///     {"id": "chu-tich", "unit": "70", "pkcs11": "pkcs11:token=Chu%20tich;object=sign", "pinFile": "pin.txt"}
///   ],
///   "tsa": {"p12": "pki/tsa.p12", "passwordFile": "pki/password.txt"},
///   "limits": {"maxBodyBytes": 52428800, "requestTimeoutSeconds": 60}
/// }
/// ```
public struct ServiceConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8480
    /// A SQLite path or a postgres:// URL; nil: the default embedded ledger.
    public var database: String?
    public var trust: [String] = []
    /// A trust store folder (`esign trust`) whose anchors the service trusts too, read at start.
    public var trustStore: String?
    public var keys: [KeySource] = []
    public var tsa: KeySource?
    /// The TSA that `level=B-T` and above timestamp at (this service's own `/tsa` when it has one).
    public var timestampURL: String?
    /// How RSA keys pad when a request does not say (`padding=`): PKCS#1 v1.5, or RSASSA-PSS as
    /// Vietnam's requirements ask (`"rsaPadding": "pss"`); also the TSA's tokens.
    public var rsaPadding: RSAPadding = .pkcs1v15
    public var limits = Limits()

    /// Where one key lives, and for which unit it signs.
    public struct KeySource: Sendable {
        public enum Location: Sendable {
            case pkcs12(path: String, passwordFile: String)
            case pem(key: String, certificate: String, chain: String?, passwordFile: String?)
            case token(uri: String, pinFile: String?, chain: String?)
        }
        public var id: String
        public var unit: String
        public var location: Location
        /// A PNG drawn for this key's signatures in issued documents (the signature, or the seal).
        public var image: String?
        /// The TSA's policy OID (for `tsa` only).
        public var policy: String?
        /// A file with the PIN that authorises this key's signatures through the CSC API
        /// (`credentials/authorize`); keys without one are not offered as CSC credentials.
        public var authorizationPinFile: String?
    }

    public struct Limits: Sendable {
        /// Largest request body; larger ones get 413 before they are read.
        public var maxBodyBytes = 50 << 20
        /// A request whose body has not arrived whole by then gets 408.
        public var requestTimeoutSeconds = 60.0
        /// A connection idle this long is closed.
        public var idleTimeoutSeconds = 30.0
        /// Request bytes held in memory at once across all requests; beyond it, 503 with Retry-After.
        public var maxBufferedBytes = 256 << 20
        /// Signatures made at once (more wait); default: the number of cores.
        public var concurrentSignatures = ProcessInfo.processInfo.activeProcessorCount
        /// Seconds a CSC signature activation data (SAD) lasts.
        public var sadLifetimeSeconds = 300
        /// Seconds a two-step signing session stays open.
        public var signingSessionSeconds = 600
    }

    public init() {}

    /// A configuration problem: the field, and what is wrong with it.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var field: String
        public var message: String
        public var description: String { field.isEmpty ? message : "\(field): \(message)" }
    }

    /// Reads and checks the file; every path is resolved against the file's folder and must exist.
    public static func load(path: String) throws(Problem) -> ServiceConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(field: "", message: "cannot read the configuration file \(path)")
        }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw Problem(field: "", message: "\(path) is not valid JSON (\(error.localizedDescription))")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try parse(json, base: base)
    }

    static func parse(_ json: Any, base: URL) throws(Problem) -> ServiceConfiguration {
        let root = try Fields(json, at: "")
        try root.allow([
            "listen", "database", "trust", "trustStore", "keys", "tsa", "timestampURL", "rsaPadding", "limits",
        ])
        var config = ServiceConfiguration()
        if let listen = try root.string("listen") {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                (0...65535).contains(port), colon != listen.startIndex
            else { throw Problem(field: "listen", message: "expected host:port, e.g. 127.0.0.1:8480") }
            config.host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            config.port = port
        }
        if let database = try root.string("database") {
            config.database =
                database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
                ? database : resolve(database, base: base)
        }
        config.trust = try (root.strings("trust") ?? []).enumerated().map { (i, p) throws(Problem) in
            try existing(p, base: base, field: "trust[\(i)]")
        }
        if let store = try root.string("trustStore") {
            config.trustStore = try existing(store, base: base, field: "trustStore")
        }
        var ids = Set<String>()
        for (i, item) in (try root.array("keys") ?? []).enumerated() {
            let key = try keySource(item, at: "keys[\(i)]", base: base, needsUnit: true)
            guard ids.insert(key.id).inserted else {
                throw Problem(field: "keys[\(i)].id", message: "\(key.id) is given twice")
            }
            config.keys.append(key)
        }
        if let tsa = root.values["tsa"] { config.tsa = try keySource(tsa, at: "tsa", base: base, needsUnit: false) }
        if let url = try root.string("timestampURL") {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw Problem(field: "timestampURL", message: "expected an http:// or https:// URL")
            }
            config.timestampURL = url
        }
        if let padding = try root.string("rsaPadding") {
            guard let parsed = RSAPadding(rawValue: padding) else {
                throw Problem(field: "rsaPadding", message: "expected \"pkcs1-v1_5\" or \"pss\"")
            }
            config.rsaPadding = parsed
        }
        if let limits = root.values["limits"] {
            let l = try Fields(limits, at: "limits")
            try l.allow([
                "maxBodyBytes", "requestTimeoutSeconds", "idleTimeoutSeconds", "maxBufferedBytes",
                "concurrentSignatures", "sadLifetimeSeconds", "signingSessionSeconds",
            ])
            if let v = try l.number("maxBodyBytes", in: 1024...4_294_967_296) { config.limits.maxBodyBytes = Int(v) }
            if let v = try l.number("requestTimeoutSeconds", in: 0.1...3600) { config.limits.requestTimeoutSeconds = v }
            if let v = try l.number("idleTimeoutSeconds", in: 0.1...3600) { config.limits.idleTimeoutSeconds = v }
            if let v = try l.number("maxBufferedBytes", in: 1024...68_719_476_736) {
                config.limits.maxBufferedBytes = Int(v)
            }
            if let v = try l.number("concurrentSignatures", in: 1...1024) {
                config.limits.concurrentSignatures = Int(v)
            }
            if let v = try l.number("sadLifetimeSeconds", in: 1...3600) { config.limits.sadLifetimeSeconds = Int(v) }
            if let v = try l.number("signingSessionSeconds", in: 1...86_400) {
                config.limits.signingSessionSeconds = Int(v)
            }
            if config.limits.maxBufferedBytes < config.limits.maxBodyBytes {
                throw Problem(field: "limits.maxBufferedBytes", message: "must be at least limits.maxBodyBytes")
            }
        }
        return config
    }

    static func keySource(_ json: Any, at path: String, base: URL, needsUnit: Bool) throws(Problem) -> KeySource {
        let f = try Fields(json, at: path)
        try f.allow(
            (needsUnit ? ["id", "unit", "image", "authorizationPinFile"] : ["policy"])
                + ["p12", "passwordFile", "key", "cert", "chain", "pkcs11", "pinFile"])
        let id = needsUnit ? try f.required("id") : "tsa"
        if needsUnit, id.isEmpty || id.contains(where: { $0 == "/" || $0 == "?" || $0 == "&" || $0 == " " }) {
            throw Problem(field: "\(path).id", message: "use letters, digits, '-', '_' or '.'")
        }
        let unit = needsUnit ? try f.required("unit") : ""
        func file(_ name: String) throws(Problem) -> String? {
            guard let p = try f.string(name) else { return nil }
            return try existing(p, base: base, field: "\(path).\(name)")
        }
        let location: KeySource.Location
        let kinds = ["p12", "key", "pkcs11"].filter { f.values[$0] != nil }
        guard kinds.count == 1 else {
            throw Problem(field: path, message: "give one of p12 (+ passwordFile), key + cert, or pkcs11 (+ pinFile)")
        }
        switch kinds[0] {
        case "p12":
            let p12 = try file("p12")!
            guard let passwordFile = try file("passwordFile") else {
                throw Problem(field: "\(path).passwordFile", message: "required with p12 (secrets only by file)")
            }
            location = .pkcs12(path: p12, passwordFile: passwordFile)
        case "key":
            guard let cert = try file("cert") else {
                throw Problem(field: "\(path).cert", message: "required with key")
            }
            location = .pem(
                key: try file("key")!, certificate: cert, chain: try file("chain"),
                passwordFile: try file("passwordFile"))
        default:
            let uri = try f.required("pkcs11")
            do { _ = try PKCS11URI(parsing: uri) } catch {
                throw Problem(field: "\(path).pkcs11", message: error.description)
            }
            location = .token(uri: uri, pinFile: try file("pinFile"), chain: try file("chain"))
        }
        return KeySource(
            id: id, unit: unit, location: location, image: try file("image"), policy: try f.string("policy"),
            authorizationPinFile: try file("authorizationPinFile"))
    }

    static func resolve(_ path: String, base: URL) -> String {
        path.hasPrefix("/") ? path : base.appendingPathComponent(path).standardizedFileURL.path
    }

    static func existing(_ path: String, base: URL, field: String) throws(Problem) -> String {
        let full = resolve(path, base: base)
        guard FileManager.default.fileExists(atPath: full) else {
            throw Problem(field: field, message: "no such file or folder: \(full)")
        }
        return full
    }

    /// A JSON object being read, with the path of its fields for messages.
    struct Fields {
        let values: [String: Any]
        let path: String

        init(_ json: Any, at path: String) throws(Problem) {
            guard let object = json as? [String: Any] else {
                throw Problem(field: path, message: "expected a JSON object")
            }
            values = object
            self.path = path
        }

        func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        func allow(_ names: [String]) throws(Problem) {
            for key in values.keys.sorted() where !names.contains(key) {
                throw Problem(field: name(key), message: "unknown field (known: \(names.joined(separator: ", ")))")
            }
        }

        func string(_ key: String) throws(Problem) -> String? {
            guard let value = values[key] else { return nil }
            guard let text = value as? String, !text.isEmpty else {
                throw Problem(field: name(key), message: "expected a non-empty string")
            }
            return text
        }

        func required(_ key: String) throws(Problem) -> String {
            guard let text = try string(key) else { throw Problem(field: name(key), message: "required") }
            return text
        }

        func strings(_ key: String) throws(Problem) -> [String]? {
            guard let value = values[key] else { return nil }
            if let one = value as? String { return [one] }
            guard let list = value as? [String] else {
                throw Problem(field: name(key), message: "expected a string or a list of strings")
            }
            return list
        }

        func array(_ key: String) throws(Problem) -> [Any]? {
            guard let value = values[key] else { return nil }
            guard let list = value as? [Any] else { throw Problem(field: name(key), message: "expected a list") }
            return list
        }

        func number(_ key: String, in range: ClosedRange<Double>) throws(Problem) -> Double? {
            guard let value = values[key] else { return nil }
            guard let n = JSONField.number(value), range.contains(n) else {
                throw Problem(
                    field: name(key),
                    message: "expected a number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
            }
            return n
        }
    }
}
