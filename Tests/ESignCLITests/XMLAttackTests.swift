import ESign
import ESignTestSupport
import Foundation
import Testing

/// Generated manipulations of XML signatures (``XMLAttackGenerator``): each gets the verdict
/// expected of it, with its reason, and none reaches the network or a file.
@Suite("XML signature attacks")
struct XMLAttackTests {
    let pki = Fixtures.pki

    @Test("every generated XML manipulation is TOTAL-FAILED or refused, with its reason")
    func generated() throws {
        // A listener on the port the variants' URLs name, logging every connection: none may come.
        let dir = Fixtures.temporaryDirectory("xml-attacks")
        let log = dir.appendingPathComponent("connections.log")
        let listener = try LoopbackServer(
            "python3",
            [
                "-c",
                "import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                    + "s.bind(('127.0.0.1',int(sys.argv[1])));s.listen(16)\n"
                    + "while True:\n c,_=s.accept();print('connection',flush=True);c.close()",
                "{port}",
            ], log: log)
        defer { listener.stop() }
        Thread.sleep(forTimeInterval: 0.2)
        let probes = try String(contentsOf: log, encoding: .utf8).components(separatedBy: "connection").count
        var context = try XMLAttackGenerator.Context(pki: pki)
        context.port = listener.port
        // The two unmanipulated signatures pass: the verdicts below come from the manipulations.
        for (name, text) in [("enveloped", context.enveloped), ("enveloping", context.enveloping)] {
            let path = dir.appendingPathComponent("\(name).xml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try Peers.esign(["verify", path, "--trust", pki.rootPath])
            #expect(run.status == 0, "\(name): \(run.combined)")
        }
        let variants = try XMLAttackGenerator.all(context)
        #expect(variants.count >= 35, "only \(variants.count) variants")
        var paths: [String] = []
        for (index, variant) in variants.enumerated() {
            let path = dir.appendingPathComponent(String(format: "xml-attack-%03d.xml", index)).path
            try variant.text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let start = Date()
        let run = try Peers.esign(["verify", "--json", "--offline", "--trust", pki.rootPath] + paths)
        #expect(Date().timeIntervalSince(start) < 60)
        let lines = run.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }
        try #require(lines.count == variants.count, "\(run.combined)")
        for (line, variant) in zip(lines, variants) {
            #expect(
                line.contains("\"indication\":\"\(variant.expected.rawValue)\""),
                "\(variant.name): expected \(variant.expected.rawValue), got \(line.prefix(600))")
            #expect(line.contains(variant.reason), "\(variant.name): no \"\(variant.reason)\" in \(line.prefix(600))")
        }
        Thread.sleep(forTimeInterval: 0.2)
        let connections = try String(contentsOf: log, encoding: .utf8).components(separatedBy: "connection").count
        #expect(connections == probes, "esign connected to the URL a variant names")
        if let seeds = ProcessInfo.processInfo.environment["ESIGN_VARIANT_SEEDS"] {
            try? FileManager.default.createDirectory(atPath: seeds, withIntermediateDirectories: true)
            for path in paths {
                try? FileManager.default.copyItem(
                    atPath: path, toPath: seeds + "/" + (path as NSString).lastPathComponent)
            }
        }
    }
}
