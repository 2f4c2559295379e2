import ESign
import Foundation

/// An `esign serve` set up the way an agency would: the demo PKI's keys for Đồng Nai (unit 75)
/// and one of its communes (25195) and for Hồ Chí Minh City (79), the sample unit list, a TSA, and
/// clients with tokens. Servers it starts are stopped by the test (and when it is released).
public final class ServiceFixture: @unchecked Sendable {
    public let directory: URL
    /// `--database` for the esign commands (a SQLite path or a postgres:// URL).
    public let database: String
    public let configPath: String
    public private(set) var servers: [LoopbackServer] = []
    /// Tokens by client name: `tinh` (unit 75, every scope), `xa` (unit 25195: sign, stats),
    /// `hcm` (unit 79: sign, verify).
    public private(set) var tokens: [String: String] = [:]
    /// Variables added for the servers it starts (SOFTHSM2_CONF for token keys).
    public let environment: [String: String]

    /// `limits`: the configuration's limits object; `extra`: more top-level fields.
    public init(
        location: LedgerLocation? = nil, limits: [String: Any] = [:], extra: [String: Any] = [:],
        keys: [[String: Any]] = [], environment: [String: String] = [:], clients: Bool = true
    ) throws {
        directory = Fixtures.temporaryDirectory("esign-serve")
        self.environment = environment
        let location = location ?? .sqlite(path: directory.appendingPathComponent("ledger.sqlite").path)
        database = TestDatabase.argument(location)
        let pki = Fixtures.pki
        let units = Fixtures.samples.appendingPathComponent("units/binh-phuoc-binh-duong-binh-thuan.csv").path
        let imported = try Peers.esign(["units", "import", units, "--database", database])
        guard imported.status == 0 else { throw Peers.PeerError.missing("units import: \(imported.combined)") }
        func key(_ id: String, _ unit: String, _ name: String, image: String) -> [String: Any] {
            [
                "id": id, "unit": unit, "p12": pki.signers[name]!.pkcs12Path, "passwordFile": pki.passwordPath,
                "image": pki.directory + "/" + image,
            ]
        }
        var config: [String: Any] = [
            "listen": "127.0.0.1:{port}", "database": database, "trust": [pki.rootPath],
            "keys": [
                key("dn-official", "75", "province-official", image: "province-official-signature.png"),
                key("dn-seal", "75", "province-seal", image: "province-seal.png"),
                key("dx-seal", "25195", "commune-seal", image: "commune-seal.png"),
                key("hcm-seal", "79", "district-seal", image: "district-seal.png"),
            ] + keys,
            "tsa": ["p12": pki.tsa.pkcs12Path, "passwordFile": pki.passwordPath],
        ]
        if !limits.isEmpty { config["limits"] = limits }
        for (k, v) in extra { config[k] = v }
        configPath = directory.appendingPathComponent("esign-server.json").path
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: configPath + ".template"))
        if clients {
            try addClient("tinh", units: "75", scopes: "sign,verify,ledger,stats")
            try addClient("xa", units: "25195", scopes: "sign,stats")
            try addClient("hcm", units: "79", scopes: "sign,verify")
        }
    }

    deinit { for s in servers { s.stop() } }

    /// Adds a client and keeps its token (the last line of `clients add`).
    @discardableResult
    public func addClient(_ name: String, units: String, scopes: String) throws -> String {
        let out = try Peers.esign([
            "serve", "clients", "add", name, "--units", units, "--scopes", scopes, "--database", database,
        ])
        guard out.status == 0, let token = out.stdout.split(separator: "\n").last.map(String.init) else {
            throw Peers.PeerError.missing("clients add: \(out.combined)")
        }
        tokens[name] = token
        return token
    }

    /// Starts an instance on a free port; its log goes to `serve-N.log` in the fixture's folder.
    @discardableResult
    public func start() throws -> LoopbackServer {
        let port = try LoopbackServer.freePort()
        let template = try String(contentsOfFile: configPath + ".template", encoding: .utf8)
        let config = configPath.replacingOccurrences(of: ".json", with: "-\(port).json")
        try template.replacingOccurrences(of: "{port}", with: String(port)).write(
            toFile: config, atomically: true, encoding: .utf8)
        let server = try LoopbackServer(
            try Peers.esignBinary(), ["serve", "--config", config, "--log-level", "warning"], port: port,
            environment: environment, log: directory.appendingPathComponent("serve-\(port).log"))
        servers.append(server)
        return server
    }

    /// The answer of one curl request.
    public struct Reply: Sendable {
        public var status: Int
        public var body: Data
        public var headers: [String: String]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    /// Sends a request with curl: `token` a client's name (nil: no Authorization header),
    /// `file` the body, `arguments` more curl arguments.
    public func request(
        _ server: LoopbackServer, _ method: String, _ path: String, token: String? = "tinh", file: String? = nil,
        contentType: String? = nil, arguments: [String] = [], timeout: TimeInterval = 120
    ) throws -> Reply {
        let out = directory.appendingPathComponent("reply-\(UUID().uuidString.prefix(8))").path
        let headers = out + ".headers"
        var args = ["-s", "-S", "-o", out, "-D", headers, "-w", "%{http_code}", "-X", method]
        if let token { args += ["-H", "Authorization: Bearer \(tokens[token] ?? token)"] }
        if let contentType { args += ["-H", "Content-Type: \(contentType)"] }
        if let file { args += ["--data-binary", "@\(file)"] }
        args += arguments + [server.url + path]
        let run = try Peers.run("curl", args, timeout: timeout)
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: headers)
        }
        var fields: [String: String] = [:]
        for line in ((try? String(contentsOfFile: headers, encoding: .utf8)) ?? "").split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { fields[pair[0].lowercased()] = pair[1].trimmingCharacters(in: .whitespaces) }
        }
        return Reply(
            status: Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
            body: FileManager.default.contents(atPath: out) ?? Data(), headers: fields)
    }

    /// Writes a reply's body to a file in the fixture's folder and returns its path.
    public func save(_ reply: Reply, as name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try reply.body.write(to: URL(fileURLWithPath: path))
        return path
    }
}
