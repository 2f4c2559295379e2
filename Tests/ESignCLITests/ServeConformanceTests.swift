import ESign
import ESignTestSupport
import Foundation
import Testing

/// `esign serve` checked by tools nobody here wrote: a real browser (headless Chromium driven by
/// Playwright) on the web pages, and schemathesis generating requests from `/openapi.json` and
/// checking every answer against it.
@Suite("esign serve in a browser and against its OpenAPI document", .serialized)
struct ServeConformanceTests {
    static let scripts = Fixtures.packageRoot.appendingPathComponent("Tests/Scripts")

    @Test func aClerkReadsVerdictsInTheBrowser() throws {
        let fixture = try ServiceFixture()
        let server = try fixture.start()
        defer { server.stop() }
        let pki = Fixtures.pki
        let signed = fixture.directory.appendingPathComponent("quyet-dinh-ky-so.pdf").path
        #expect(
            try Peers.esign([
                "sign", Fixtures.samples.appendingPathComponent("decision.pdf").path, "-o", signed, "--p12",
                pki.signers["province-seal"]!.pkcs12Path, "--password-file", pki.passwordPath, "--unit", "75-VP",
                "--database", fixture.database,
            ]).status == 0)
        // A forged copy: one byte of the signed content changed.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: signed)))
        bytes[500] ^= 0x01
        let forged = fixture.directory.appendingPathComponent("quyet-dinh-gia-mao.pdf").path
        try Data(bytes).write(to: URL(fileURLWithPath: forged))
        let unsigned = Fixtures.samples.appendingPathComponent("notice.pdf").path

        let run = try Peers.run(
            "python3",
            [
                Self.scripts.appendingPathComponent("web_pages.py").path, server.url, fixture.tokens["tinh"]!, signed,
                forged,
                unsigned,
            ],
            timeout: 180)
        let parsed = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        let result = try #require(parsed as? [String: Any], "\(run.combined)")
        let documents = result["documents"] as? [String: [String: Any]] ?? [:]
        #expect(documents[signed]?["indication"] as? String == "TOTAL-PASSED", "\(documents[signed] ?? [:])")
        #expect((documents[signed]?["text"] as? String)?.contains("Hợp lệ") == true)
        #expect(documents[forged]?["indication"] as? String == "TOTAL-FAILED", "\(documents[forged] ?? [:])")
        #expect((documents[forged]?["text"] as? String)?.contains("bị thay đổi") == true)
        #expect(documents[unsigned]?["indication"] as? String != "TOTAL-PASSED", "\(documents[unsigned] ?? [:])")
        #expect((documents[unsigned]?["text"] as? String)?.contains("không có chữ ký") == true)
        // The dashboard shows the one document recorded, signed: 100%.
        #expect(result["rate"] as? String == "100", "\(result)")
        #expect((result["overall"] as? String)?.contains("1 / 1") == true, "\(result)")
        #expect(result["report_has_chart"] as? Bool == true)
    }

    @Test func schemathesisFindsNoServerErrorAndNoAnswerOutsideTheSchema() throws {
        let fixture = try ServiceFixture()
        let server = try fixture.start()
        defer { server.stop() }
        // Existing keys and units for the operations that need them, so generated requests reach signing.
        let config = fixture.directory.appendingPathComponent("schemathesis.toml").path
        try """
        [[operations]]
        include-name = "POST /v1/sign"
        parameters = { key = "dn-seal" }

        [[operations]]
        include-name = "POST /v1/issue"
        parameters = { signer = "dn-official", seal = "dn-seal", unit = "75-VP" }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try Peers.run(
            "schemathesis",
            [
                "--config-file", config, "run", server.url + "/openapi.json", "--url", server.url, "-H",
                "Authorization: Bearer \(fixture.tokens["tinh"]!)", "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--max-examples", "25", "--seed", "20261130",
            ],
            environment: [
                "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": Self.scripts.path,
                "ESIGN_SAMPLE_PDF": Fixtures.samples.appendingPathComponent("decision.pdf").path,
            ],
            timeout: 600)
        let report = fixture.directory.appendingPathComponent("schemathesis.txt")
        try Data(run.combined.utf8).write(to: report)
        #expect(run.status == 0, "schemathesis failed; its report: \(report.path)")
        #expect(run.stdout.contains("passed") && !run.stdout.contains(" failed"), "\(run.stdout.suffix(2000))")
        // Every operation of the document was exercised.
        #expect(run.stdout.contains("Tested: 9"), "\(run.stdout.suffix(1500))")
        #expect(try fixture.request(server, "GET", "/healthz", token: nil).status == 200)
        #expect(try Peers.esign(["serve", "audit", "check", "--database", fixture.database]).status == 0)
    }

    @Test func theDocumentDescribesEveryRoute() throws {
        let fixture = try ServiceFixture()
        let server = try fixture.start()
        defer { server.stop() }
        let reply = try fixture.request(server, "GET", "/openapi.json", token: nil)
        let document = try #require(reply.json)
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = Set((document["paths"] as? [String: Any] ?? [:]).keys)
        #expect(
            paths == [
                "/v1/sign", "/v1/issue", "/v1/verify", "/v1/ledger/documents", "/v1/stats", "/healthz",
                "/metrics", "/openapi.json", "/v1/signing-sessions", "/v1/signing-sessions/{id}/signature",
            ])
        // Each documented operation answers (here without a token: 401 where one is needed, never 404).
        for path in paths {
            let operations = (document["paths"] as? [String: [String: Any]])?[path]?.keys.map { $0 } ?? []
            for method in operations {
                let concrete = path.replacingOccurrences(of: "{id}", with: "ss_unknown")
                let status = try fixture.request(server, method.uppercased(), concrete, token: nil).status
                #expect(status != 404 && status < 500, "\(method) \(path): \(status)")
            }
        }
    }
}
