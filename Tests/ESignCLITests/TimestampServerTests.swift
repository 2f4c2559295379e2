import ESign
import ESignTestSupport
import Foundation
import Testing

/// `esign tsa serve` as its peers use it: `openssl ts -query` sent with curl and checked by
/// `openssl ts -verify`, pyHanko signing with --timestamp-url, esign's own client, malformed
/// requests, graceful shutdown, and serial numbers that survive a restart.
@Suite("Time-stamping authority server", .serialized)
struct TimestampServerTests {
    static func serve(database: String) throws -> LoopbackServer {
        let pki = Fixtures.pki
        return try LoopbackServer(
            try Peers.esignBinary(),
            [
                "tsa", "serve", "--port", "{port}", "--p12", pki.tsa.pkcs12Path,
                "--password-file", pki.passwordPath, "--db", database, "--log-level", "warning",
            ])
    }

    static func curl(_ url: String, body: String, contentType: String, output: String) throws -> Int {
        let run = try Peers.run(
            "curl",
            [
                "-s", "-o", output, "-w", "%{http_code}", "-H", "Content-Type: \(contentType)", "--data-binary",
                "@\(body)", url,
            ])
        return Int(run.stdout) ?? -1
    }

    @Test func answersOpenSSLAndPyHankoAndESign() throws {
        let pki = Fixtures.pki
        let dir = Fixtures.temporaryDirectory("esign-tsa-server")
        let server = try Self.serve(database: dir.appendingPathComponent("audit.jsonl").path)
        defer { server.stop() }
        let data = dir.appendingPathComponent("data.txt").path
        try "Biên bản giao nhận hồ sơ\n".write(toFile: data, atomically: true, encoding: .utf8)
        let query = dir.appendingPathComponent("q.tsq").path
        try #require(
            try Peers.run("openssl", ["ts", "-query", "-data", data, "-sha256", "-cert", "-out", query]).status == 0)
        let reply = dir.appendingPathComponent("r.tsr").path
        #expect(
            try Self.curl(server.url + "/", body: query, contentType: "application/timestamp-query", output: reply)
                == 200)
        let verify = try Peers.run(
            "openssl",
            [
                "ts", "-verify", "-data", data, "-in", reply, "-CAfile", pki.rootPath, "-untrusted",
                pki.tsa.certificatePath,
            ])
        #expect(verify.combined.contains("Verification: OK"), "\(verify.combined)")

        // pyHanko timestamps its signature at esign's TSA and accepts the token.
        let signed = dir.appendingPathComponent("pyhanko.pdf").path
        let ph = try Peers.run(
            "pyhanko",
            [
                "sign", "addsig", "--field", "Sig1", "--timestamp-url", server.url + "/", "pkcs12", "--passfile",
                pki.passwordPath,
                Fixtures.samples.appendingPathComponent("notice.pdf").path, signed,
                pki.signers["commune-official"]!.pkcs12Path,
            ])
        try #require(ph.status == 0, "\(ph.combined)")
        let validation = try Peers.pyhankoValidate(signed, trust: pki.rootPath)
        #expect(validation.stdout.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "\(validation.combined)")

        // esign's own client: B-T signing and a document timestamp.
        let bt = dir.appendingPathComponent("bt.pdf").path
        #expect(
            try Peers.esign([
                "sign", Fixtures.samples.appendingPathComponent("decision.pdf").path, "-o", bt, "--tsa",
                server.url + "/",
                "--p12", pki.signers["province-seal"]!.pkcs12Path, "--password-file", pki.passwordPath,
            ]).status == 0)
        #expect(try Peers.esign(["timestamp", bt, "--document", "--tsa", server.url + "/"]).status == 0)
        let verified = try Peers.esign([
            "verify", dir.appendingPathComponent("bt.timestamped.pdf").path, "--trust", pki.rootPath,
        ])
        #expect(verified.status == 0 && verified.stdout.contains("document-timestamp"), "\(verified.combined)")

        // Every token is in the audit log, with distinct serial numbers.
        let audit = try String(contentsOf: dir.appendingPathComponent("audit.jsonl"), encoding: .utf8).split(
            separator: "\n")
        let serials = audit.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["serial"] as? Int
        }
        #expect(serials.count >= 4 && Set(serials).count == serials.count)
    }

    @Test func malformedRequestsGetProperAnswers() throws {
        let dir = Fixtures.temporaryDirectory("esign-tsa-bad")
        let server = try Self.serve(database: dir.appendingPathComponent("audit.jsonl").path)
        defer { server.stop() }
        let junk = dir.appendingPathComponent("junk").path
        try Data((0..<3000).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: junk))
        let truncated = dir.appendingPathComponent("truncated").path
        let full = TimestampProtocol.request(imprint: [UInt8](repeating: 7, count: 32), algorithm: .sha256, nonce: [9])
        try Data(full.prefix(full.count - 5)).write(to: URL(fileURLWithPath: truncated))
        let big = dir.appendingPathComponent("big").path
        try Data(count: 200_000).write(to: URL(fileURLWithPath: big))
        let out = dir.appendingPathComponent("out").path
        for body in [junk, truncated] {
            #expect(
                try Self.curl(server.url + "/", body: body, contentType: "application/timestamp-query", output: out)
                    == 200)
            let text = try Peers.run("openssl", ["ts", "-reply", "-in", out, "-text"])
            #expect(text.stdout.contains("Rejected") && text.stdout.contains("wrong format"), "\(text.combined)")
        }
        #expect(try Self.curl(server.url + "/", body: junk, contentType: "text/plain", output: out) == 415)
        #expect(
            try Self.curl(server.url + "/", body: big, contentType: "application/timestamp-query", output: out) == 413)
        // A slow client that sends half a request and stops does not hold the server up.
        let slow = try Peers.run(
            "python3",
            [
                "-c",
                """
                import socket, time
                s = socket.create_connection(('127.0.0.1', \(server.port)))
                s.sendall(b'POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: \
                application/timestamp-query\\r\\nContent-Length: 100\\r\\n\\r\\n0123')
                time.sleep(0.5)
                """,
            ])
        #expect(slow.status == 0)
        #expect(
            try Self.curl(server.url + "/", body: junk, contentType: "application/timestamp-query", output: out) == 200)
    }

    @Test func gracefulShutdownAndSerialsAcrossRestarts() throws {
        let dir = Fixtures.temporaryDirectory("esign-tsa-restart")
        let database = dir.appendingPathComponent("audit.jsonl").path
        let client = { (url: String) throws -> UInt64 in
            let (token, _) = try TimestampClient(url: url).timestamp(data: Array("x".utf8))
            return UInt64(token.serialNumberHex, radix: 16) ?? 0
        }
        let first = try Self.serve(database: database)
        var before: [UInt64] = []
        for _ in 0..<5 { before.append(try client(first.url + "/")) }
        #expect(first.terminateGracefully() == 0)
        let second = try Self.serve(database: database)
        defer { second.stop() }
        let after = try client(second.url + "/")
        #expect(after > before.max()!, "serial \(after) after a restart, \(before) before")
        #expect(Set(before).count == 5)
    }
}
