import ESign
import ESignTestSupport
import Foundation
import Testing

/// Several instances of `esign serve` on one PostgreSQL, as a province runs them behind a load
/// balancer: numbering, the ledger, clients, the audit chain and TSA serials are shared safely.
@Suite("esign serve: two instances, one PostgreSQL", .serialized)
struct ServeSharedDatabaseTests {
    @Test(.enabled(if: TestDatabase.enabled.contains(.postgres)))
    func concurrentIssuingSigningAndTimestampingThroughTwoInstances() throws {
        let fixture = try ServiceFixture(location: try TestDatabase.postgres.freshLocation())
        let a = try fixture.start()
        let b = try fixture.start()
        defer {
            a.stop()
            b.stop()
        }
        let decision = Fixtures.samples.appendingPathComponent("decision.pdf").path
        let data = fixture.directory.appendingPathComponent("data.txt").path
        try "Tờ trình\n".write(toFile: data, atomically: true, encoding: .utf8)

        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var numbers: [String] = []
            var signed = 0
            var serials: [String] = []
            var failures: [String] = []
            func add(_ body: (Results) -> Void) {
                lock.lock()
                body(self)
                lock.unlock()
            }
        }
        let results = Results()
        let perWorker = 6
        let group = DispatchGroup()
        for (w, server) in [a, b, a, b].enumerated() {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                for i in 0..<perWorker {
                    do {
                        let issued = try fixture.request(
                            server, "POST", "/v1/issue?unit=75-VP&signer=dn-official&seal=dn-seal", file: decision,
                            contentType: "application/pdf")
                        let sign = try fixture.request(
                            server, "POST", "/v1/sign?key=dx-seal&unit=25195&number=\(w)-\(i)/CV", file: decision,
                            contentType: "application/pdf")
                        // A timestamp from the instance's TSA, read back with openssl.
                        let query = fixture.directory.appendingPathComponent("q-\(w)-\(i).tsq").path
                        let reply = fixture.directory.appendingPathComponent("r-\(w)-\(i).tsr").path
                        _ = try Peers.run("openssl", ["ts", "-query", "-data", data, "-sha256", "-out", query])
                        let ts = try fixture.request(
                            server, "POST", "/tsa", token: nil, file: query, contentType: "application/timestamp-query")
                        try ts.body.write(to: URL(fileURLWithPath: reply))
                        let text = try Peers.run("openssl", ["ts", "-reply", "-in", reply, "-text"]).stdout
                        let serial = text.split(separator: "\n").first { $0.hasPrefix("Serial number:") }
                        results.add { r in
                            if issued.status == 200 {
                                r.numbers.append(issued.headers["esign-document-number"] ?? "?")
                            } else {
                                r.failures.append("issue \(issued.status): \(issued.text.prefix(200))")
                            }
                            if sign.status == 200 { r.signed += 1 } else { r.failures.append("sign \(sign.status)") }
                            if let serial {
                                r.serials.append(String(serial))
                            } else {
                                r.failures.append("tsa: \(text)")
                            }
                        }
                    } catch {
                        results.add { $0.failures.append("\(error)") }
                    }
                }
            }
        }
        group.wait()
        let total = 4 * perWorker
        #expect(results.failures.isEmpty, "\(results.failures)")
        // No duplicate and no skipped number across the instances.
        let expected = (1...total).map { DocumentIssuer.reference(number: $0, symbol: "QĐ-UBND") }
        #expect(results.numbers.sorted() == expected.sorted(), "\(results.numbers.sorted())")
        #expect(results.signed == total)
        // No TSA serial given twice.
        #expect(results.serials.count == total && Set(results.serials).count == total, "\(results.serials)")
        // No lost ledger row, the chain intact; the audit chain holds every signature (two per issuance).
        let issuedRows = try Peers.esign([
            "ledger", "list", "--unit", "75-VP", "--database", fixture.database, "--json",
        ])
        #expect(issuedRows.stdout.split(separator: "\n").count == total, "\(issuedRows.combined.prefix(500))")
        let signedRows = try Peers.esign([
            "ledger", "list", "--unit", "25195", "--database", fixture.database, "--json",
        ])
        #expect(signedRows.stdout.split(separator: "\n").count == total)
        #expect(try Peers.esign(["ledger", "check", "--database", fixture.database]).status == 0)
        let audit = try Peers.esign(["serve", "audit", "check", "--database", fixture.database, "--json"])
        #expect(audit.status == 0 && audit.stdout.contains("\"entries\":\(3 * total)"), "\(audit.combined)")
        // A client revoked through one instance's database is refused by both.
        #expect(try Peers.esign(["serve", "clients", "revoke", "xa", "--database", fixture.database]).status == 0)
        Thread.sleep(forTimeInterval: 5.5)
        #expect(try fixture.request(a, "GET", "/v1/stats", token: "xa").status == 401)
        #expect(try fixture.request(b, "GET", "/v1/stats", token: "xa").status == 401)
    }
}
