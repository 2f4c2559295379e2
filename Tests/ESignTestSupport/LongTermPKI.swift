import ESign
import Foundation

/// Everything a long-term signature needs, on loopback: a demo PKI whose signers' certificates
/// expire in two days (so that a validation time ten days ahead finds them expired) while the TSA's
/// and the OCSP responder's last years; an `openssl ocsp` responder over an index of the signers
/// (nextUpdate 30 days ahead), the root's CRL for the issuing CA served by `python3 -m http.server`,
/// and esign's own TSA. Every server is stopped with `stop()` (and when this is released).
public final class LongTermPKI: @unchecked Sendable {
    public let pki: DemoPKI
    public let directory: URL
    public let ocspLog: URL
    public private(set) var ocsp: LoopbackServer?
    public private(set) var crl: LoopbackServer?
    public let tsa: LoopbackServer
    let ocspPort: Int
    /// The port the signers' certificates name for OCSP (a test may put another server there).
    public var ocspPortForTests: Int { ocspPort }

    public var tsaURL: String { tsa.url }
    public var password: String {
        ((try? String(contentsOfFile: pki.passwordPath, encoding: .utf8)) ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    /// `revoked`: signers listed as revoked an hour ago.
    public init(revoked: [String] = [], signerDays: Double = 2) throws {
        directory = Fixtures.temporaryDirectory("esign-ltv")
        ocspPort = try LoopbackServer.freePort()
        let crlPort = try LoopbackServer.freePort()
        var options = DemoPKI.Options()
        options.ocspURL = "http://127.0.0.1:\(ocspPort)"
        options.caCRLURL = "http://127.0.0.1:\(crlPort)/root.crl"
        options.notAfter = Date().addingTimeInterval(signerDays * 86400)
        options.tsaNotAfter = Date().addingTimeInterval(3000 * 86400)
        let pkiDirectory = directory.appendingPathComponent("pki")
        pki = try DemoPKI.create(in: pkiDirectory.path, options: options)
        var lines: [String] = []
        for (name, entity) in pki.signers.sorted(by: { $0.key < $1.key }) {
            lines.append(Self.indexLine(entity.certificate, revokedAt: revoked.contains(name) ? Date() - 3600 : nil))
        }
        lines.append(Self.indexLine(pki.tsa.certificate, revokedAt: nil))
        let index = directory.appendingPathComponent("index.txt")
        try (lines.joined(separator: "\n") + "\n").write(to: index, atomically: true, encoding: .utf8)
        try "unique_subject = no\n".write(
            to: directory.appendingPathComponent("index.txt.attr"), atomically: true, encoding: .utf8)
        ocspLog = directory.appendingPathComponent("ocsp.log")
        crl = try LoopbackServer(
            "python3", ["-m", "http.server", "--bind", "127.0.0.1", String(crlPort)], directory: pkiDirectory,
            port: crlPort)
        tsa = try LoopbackServer(
            try Peers.esignBinary(),
            [
                "tsa", "serve", "--port", "{port}", "--p12", pki.tsa.pkcs12Path, "--password-file", pki.passwordPath,
                "--log-level", "warning",
            ])
        try startOCSP()
    }

    deinit { stop() }

    public func startOCSP() throws {
        ocsp = try LoopbackServer(
            "openssl",
            [
                "ocsp", "-index", directory.appendingPathComponent("index.txt").path, "-port", String(ocspPort),
                "-rsigner", pki.ocsp.certificatePath, "-rkey", pki.ocsp.keyPath, "-passin",
                "file:\(pki.passwordPath)", "-CA", pki.issuingCA.certificatePath, "-ndays", "30",
            ], port: ocspPort, log: ocspLog)
    }

    /// Stops the OCSP responder and the CRL server: from here on only what documents hold counts.
    public func goOffline() {
        ocsp?.stop()
        crl?.stop()
    }

    public func stop() {
        goOffline()
        tsa.stop()
    }

    /// How many requests the OCSP responder has answered.
    public var ocspRequests: Int {
        ((try? String(contentsOf: ocspLog, encoding: .utf8)) ?? "").components(separatedBy: "Received request").count
            - 1
    }

    public func identity(_ name: String = "province-official") throws -> (p12: String, passwordFile: String) {
        (pki.signers[name]!.pkcs12Path, pki.passwordPath)
    }

    /// A line of `openssl ocsp`'s index file.
    public static func indexLine(_ cert: Certificate, revokedAt: Date?) -> String {
        func stamp(_ d: Date) -> String {
            let c = CivilTime(secondsSince1970: Int(d.timeIntervalSince1970))
            return String(format: "%02d%02d%02d%02d%02d%02dZ", c.year % 100, c.month, c.day, c.hour, c.minute, c.second)
        }
        return [
            revokedAt == nil ? "V" : "R", stamp(cert.notAfter), revokedAt.map(stamp) ?? "", cert.serialNumberHex,
            "unknown", "/CN=demo",
        ]
        .joined(separator: "\t")
    }

    /// An ISO 8601 time `days` from now, for `--at` and pyHanko's `--validation-time`.
    public static func daysAhead(_ days: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date().addingTimeInterval(days * 86400))
    }

    /// A second PKI whose TSA certificate expires in `days`, and esign's TSA serving with it (the
    /// caller stops it): what makes an archive due for renewal.
    public static func shortLivedTSA(days: Double = 100) throws -> (pki: DemoPKI, tsa: LoopbackServer) {
        var options = DemoPKI.Options()
        options.tsaNotAfter = Date().addingTimeInterval(days * 86400)
        let pki = try DemoPKI.create(in: Fixtures.temporaryDirectory("esign-short-tsa").path, options: options)
        let tsa = try LoopbackServer(
            try Peers.esignBinary(),
            [
                "tsa", "serve", "--port", "{port}", "--p12", pki.tsa.pkcs12Path, "--password-file", pki.passwordPath,
                "--log-level", "warning",
            ])
        return (pki, tsa)
    }
}
