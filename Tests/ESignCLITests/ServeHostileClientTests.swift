import ESign
import ESignTestSupport
import Foundation
import Testing

/// `esign serve` under hostile clients: bodies over the limit (declared or not), slow senders,
/// malformed multipart, wrong content types, a flood of large bodies; a graceful stop that answers
/// requests in flight; a kill in the middle of issuing that leaves every number given either issued or void.
@Suite("esign serve under hostile clients", .serialized)
struct ServeHostileClientTests {
    static let script = Fixtures.packageRoot.appendingPathComponent("Tests/Scripts/hostile_clients.py").path

    static func hostile(
        _ server: LoopbackServer, _ fixture: ServiceFixture, _ arguments: [String]
    ) throws
        -> [String: Any]
    {
        let run = try Peers.run(
            "python3", [script, String(server.port), fixture.tokens["tinh"]!] + arguments, timeout: 300)
        guard let object = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
            throw Peers.PeerError.missing("hostile_clients.py: \(run.combined)")
        }
        return object
    }

    /// The server's peak resident memory so far, in MiB (VmHWM).
    static func peakMemory(_ server: LoopbackServer) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(server.pid)/status", encoding: .utf8) else {
            return nil
        }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 / 1024 }
        }
        return nil
    }

    @Test func limitsHoldAndTheServerStaysUp() throws {
        let fixture = try ServiceFixture(
            limits: ["maxBodyBytes": 4 << 20, "requestTimeoutSeconds": 2, "maxBufferedBytes": 32 << 20])
        let server = try fixture.start()
        defer { server.stop() }

        let declared = try Self.hostile(server, fixture, ["oversized-declared"])
        #expect(declared["status"] as? Int == 413, "\(declared)")
        #expect((declared["seconds"] as? Double ?? 99) < 2, "\(declared)")
        let chunked = try Self.hostile(server, fixture, ["oversized-chunked", String(64 << 20)])
        #expect(chunked["status"] as? Int == 413, "\(chunked)")
        #expect((chunked["sent"] as? Int ?? Int.max) < 32 << 20, "answered only after the body: \(chunked)")
        let slow = try Self.hostile(server, fixture, ["slow-sender", "10"])
        #expect(slow["status"] as? Int == 408, "\(slow)")
        #expect((slow["seconds"] as? Double ?? 99) < 6, "\(slow)")

        // Malformed multipart, wrong content types, not a PDF, not JSON.
        let broken = fixture.directory.appendingPathComponent("broken.txt").path
        try "--XYZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc".write(
            toFile: broken, atomically: true, encoding: .utf8)
        let multipart = try fixture.request(
            server, "POST", "/v1/verify", file: broken, contentType: "multipart/form-data; boundary=XYZ")
        #expect(multipart.status == 400 && multipart.text.contains("multipart"), "\(multipart.text)")
        let noBoundary = try fixture.request(
            server, "POST", "/v1/verify", file: broken, contentType: "multipart/form-data")
        #expect(noBoundary.status == 400)
        #expect(
            try fixture.request(server, "POST", "/v1/verify", file: broken, contentType: "text/plain").status == 415)
        #expect(
            try fixture.request(server, "POST", "/v1/ledger/documents", file: broken, contentType: "text/csv").status
                == 415)
        #expect(
            try fixture.request(server, "POST", "/v1/ledger/documents", file: broken, contentType: "application/json")
                .status == 400)
        let notPDF = try fixture.request(
            server, "POST", "/v1/sign?key=dn-seal", file: broken, contentType: "application/pdf")
        #expect(notPDF.status == 422 && notPDF.headers["content-type"] == "application/problem+json")
        #expect(try fixture.request(server, "GET", "/v1/nothing-here").status == 404)

        // 64 connections sending 4 MiB each against a 32 MiB budget: some wait their turn as 503s,
        // none gets a 5xx other than that, memory stays bounded, and the server answers afterwards.
        let flood = try Self.hostile(server, fixture, ["flood", "64", String(4 << 20)])
        let statuses = flood["statuses"] as? [String: Int] ?? [:]
        #expect(statuses.keys.allSatisfy { ["200", "503", "closed"].contains($0) }, "\(flood)")
        #expect((statuses["200"] ?? 0) > 0 && (statuses["503"] ?? 0) > 0, "\(flood)")
        let peak = try #require(Self.peakMemory(server))
        #expect(peak < 512, "peak memory \(peak) MiB")
        #expect(try fixture.request(server, "GET", "/healthz", token: nil).status == 200)
    }

    @Test func aStopAnswersRequestsInFlightAndAKillLeavesEveryNumberIssuedOrVoid() throws {
        let fixture = try ServiceFixture()
        let decision = Fixtures.samples.appendingPathComponent("decision.pdf").path
        let server = try fixture.start()
        // Issue from four clients at once, and kill the server in the middle.
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            DispatchQueue.global().async {
                for _ in 0..<6 {
                    _ = try? fixture.request(
                        server, "POST", "/v1/issue?unit=75-SNV&signer=dn-official&seal=dn-seal",
                        file: decision, contentType: "application/pdf", timeout: 30)
                }
                group.leave()
            }
        }
        Thread.sleep(forTimeInterval: 1.5)
        server.stop()  // SIGKILL
        group.wait()
        let list = try Peers.esign(["ledger", "list", "--unit", "75-SNV", "--database", fixture.database, "--json"])
        let recorded = list.stdout.split(separator: "\n").filter { $0.contains("QĐ-UBND") }.count
        #expect(recorded > 0, "nothing issued before the kill: \(list.combined)")

        // After a restart the next number follows every number given before: those the kill interrupted are
        // void (with the reason), none is given twice, none is missing from the register.
        let again = try fixture.start()
        defer { again.stop() }
        let next = try fixture.request(
            again, "POST", "/v1/issue?unit=75-SNV&signer=dn-official&seal=dn-seal", file: decision,
            contentType: "application/pdf")
        let listed = try Peers.esign([
            "ledger", "list", "--register", "--unit", "75-SNV", "--year", String(CivilDate.today().year), "--format",
            "json", "--database", fixture.database,
        ])
        let register = try listed.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(RegisterEntry.self, from: Data($0.utf8))
        }
        #expect(register.map(\.number) == Array(1...register.count).map(Optional.init), "\(listed.combined)")
        #expect(register.allSatisfy { $0.status == .issued || $0.status == .void }, "\(listed.combined)")
        #expect(register.filter { $0.status == .issued }.count == recorded + 1)
        #expect(register.filter { $0.status == .void }.allSatisfy { $0.note?.contains("interrupted") == true })
        let expected = DocumentIssuer.reference(number: register.count, symbol: "QĐ-UBND")
        #expect(next.headers["esign-document-number"] == expected, "\(next.status) \(next.text.prefix(200))")
        #expect(try Peers.esign(["ledger", "check", "--database", fixture.database]).status == 0)

        // SIGTERM while a request is on its way: it is answered, then the server exits 0.
        final class Box: @unchecked Sendable { var status = 0 }
        let box = Box()
        let slow = DispatchGroup()
        slow.enter()
        DispatchQueue.global().async {
            box.status =
                (try? fixture.request(
                    again, "POST", "/v1/sign?key=dn-seal", file: decision, contentType: "application/pdf",
                    arguments: ["--limit-rate", "25k"]
                ).status) ?? -1
            slow.leave()
        }
        Thread.sleep(forTimeInterval: 0.8)
        let exit = again.terminateGracefully()
        slow.wait()
        #expect(box.status == 200)
        #expect(exit == 0)
    }
}
