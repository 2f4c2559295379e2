import ESign
import ESignTestSupport
import Foundation
import Testing

/// Hostile XML given to `esign sign` and `esign verify`: a clear error and exit 65 (verify also
/// reports TOTAL-FAILED FORMAT_FAILURE naming the cause), quickly, with bounded memory,
/// never a network call or a crash.
@Suite("XML hostile input")
struct XMLHostileInputTests {
    let pki = Fixtures.pki

    static func cases(in dir: URL) throws -> [(name: String, path: String, reason: String)] {
        var out: [(String, String, String)] = []
        func add(_ name: String, _ bytes: [UInt8], _ reason: String) throws {
            let path = dir.appendingPathComponent("\(name).xml").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            out.append((name, path, reason))
        }
        var laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        var previous = "lol"
        for level in 1...9 {
            laughs += "<!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">"
            previous = "lol\(level)"
        }
        laughs += "]>\n<lolz>&\(previous);</lolz>\n"
        try add("billion-laughs", Array(laughs.utf8), "DTD")
        try add(
            "external-entity",
            Array(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<r>&x;</r>\n".utf8),
            "DTD")
        try add(
            "deep-nesting",
            Array((String(repeating: "<a>", count: 10_000) + String(repeating: "</a>", count: 10_000)).utf8),
            "deeper than")
        try add(
            "invalid-utf8",
            Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r>".utf8) + [0xC3, 0x28, 0xFF] + Array("</r>\n".utf8),
            "not well-formed")
        try add("truncated", Array("<?xml version=\"1.0\"?>\n<QuyetDinh><TrichYeu>Về việc".utf8), "not well-formed")
        // 200 MB: a sparse file of that size, refused by its size before it is read.
        let big = dir.appendingPathComponent("huge.xml").path
        _ = FileManager.default.createFile(atPath: big, contents: Data("<r>".utf8))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
        try handle.truncate(atOffset: 200 << 20)
        try handle.close()
        out.append(("200 MB", big, "at most 100 MiB"))
        return out
    }

    @Test("sign: exit 65 with the cause, no output; verify: exit 65, TOTAL-FAILED FORMAT_FAILURE with the cause")
    func hostile() throws {
        let dir = Fixtures.temporaryDirectory("xml-hostile")
        for (name, path, reason) in try Self.cases(in: dir) {
            let output = dir.appendingPathComponent("\(name).signed.xml").path
            let start = Date()
            let sign = try Peers.esign(
                [
                    "sign", path, "-o", output, "--p12", pki.signers["province-seal"]!.pkcs12Path, "--password-file",
                    pki.passwordPath,
                ])
            #expect(sign.status == 65, "\(name): \(sign.combined)")
            #expect(sign.stderr.contains(reason), "\(name): \(sign.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output), "\(name): an output was written")
            let verify = try Peers.esign(["verify", path, "--json", "--trust", pki.rootPath])
            #expect(verify.status == 65, "\(name): \(verify.combined)")
            #expect(
                verify.stdout.contains("FORMAT_FAILURE") && verify.stdout.contains(reason), "\(name): \(verify.stdout)")
            #expect(Date().timeIntervalSince(start) < 20, "\(name) took too long")
        }
    }

    @Test("a second enveloped signature, which would break the first, is refused; detached is offered")
    func secondEnvelopedSignature() throws {
        let dir = Fixtures.temporaryDirectory("xml-second")
        let input = dir.appendingPathComponent("qd.xml").path
        try XMLAttackGenerator.document.write(toFile: input, atomically: true, encoding: .utf8)
        let once = dir.appendingPathComponent("once.xml").path
        let key = ["--p12", pki.signers["province-official"]!.pkcs12Path, "--password-file", pki.passwordPath]
        let first = try Peers.esign(["sign", input, "-o", once] + key)
        try #require(first.status == 0, "\(first.combined)")
        let twice = dir.appendingPathComponent("twice.xml").path
        let second = try Peers.esign(["sign", once, "-o", twice] + key)
        #expect(second.status == 65 && second.stderr.contains("would break it"), "\(second.combined)")
        #expect(!FileManager.default.fileExists(atPath: twice))
        let detached = try Peers.esign(["sign", once, "--detached"] + key)
        #expect(detached.status == 0, "\(detached.combined)")
        let verify = try Peers.esign(["verify", once + ".xades.xml", "--trust", pki.rootPath])
        #expect(verify.status == 0, "\(verify.combined)")
    }
}
