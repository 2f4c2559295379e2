import ESign
import ESignTestSupport
import Foundation
import Testing

/// The TSA engine in-process: replies that `openssl ts -verify` accepts, unique serial numbers that
/// survive restarts, and rejections with the right failure for bad requests.
@Suite("Timestamp responder")
struct TimestampResponderTests {
    static var responder: TimestampResponder {
        let tsa = Fixtures.pki.tsa
        return TimestampResponder(
            certificate: tsa.certificate, privateKey: tsa.privateKey,
            chain: [Fixtures.pki.issuingCA.certificate, Fixtures.root])
    }

    @Test func repliesVerifyWithOpenSSL() throws {
        let serials = try SerialNumberAllocator(stateFile: nil)
        let dir = Fixtures.temporaryDirectory("esign-tsa-core")
        let data = Array("Công văn 567/UBND-VX".utf8)
        let file = dir.appendingPathComponent("data.txt")
        try Data(data).write(to: file)
        var seen: Set<UInt64> = []
        for algorithm in DigestAlgorithm.allCases {
            let imprint = try Digest.hash(data, algorithm)
            let nonce = Random.bytes(8)
            let issued = try Self.responder.reply(
                to: TimestampProtocol.request(imprint: imprint, algorithm: algorithm, nonce: nonce),
                serial: { try serials.next() })
            #expect(issued.granted)
            #expect(seen.insert(try #require(issued.serialNumber)).inserted)
            let token = try TimestampProtocol.token(fromReply: issued.reply, imprint: imprint, nonce: nonce)
            #expect(token.tsaCertificate == Fixtures.pki.tsa.certificate)
            let reply = dir.appendingPathComponent("reply-\(algorithm).tsr")
            try Data(issued.reply).write(to: reply)
            let verify = try Peers.run(
                "openssl",
                [
                    "ts", "-verify", "-data", file.path, "-in", reply.path, "-CAfile", Fixtures.pki.rootPath,
                    "-untrusted", Fixtures.pki.tsa.certificatePath,
                ])
            #expect(verify.combined.contains("Verification: OK"), "\(verify.combined)")
        }
    }

    @Test func badRequestsAreRejectedWithTheRightFailure() throws {
        let serials = try SerialNumberAllocator(stateFile: nil)
        // SHA-1 imprint: badAlg.
        let sha1 = DER.sequence(
            DER.integer(1),
            DER.sequence(DER.algorithm("1.3.14.3.2.26"), DER.octetString([UInt8](repeating: 1, count: 20))),
            DER.integer(1), DER.boolean(true))
        let badAlg = try Self.responder.reply(to: sha1, serial: { try serials.next() })
        #expect(!badAlg.granted && badAlg.serialNumber == nil)
        #expect(Self.failInfo(badAlg.reply) == 0)  // bit 0: badAlg
        // Not DER at all: badDataFormat.
        let garbage = try Self.responder.reply(to: Array("POST / HTTP/1.1".utf8), serial: { try serials.next() })
        #expect(!garbage.granted && Self.failInfo(garbage.reply) == 5)
        // A policy the TSA does not offer: unacceptedPolicy.
        let policy = TimestampProtocol.request(
            imprint: [UInt8](repeating: 2, count: 32), algorithm: .sha256, nonce: [2], policyOID: "1.2.3.4.99")
        let unaccepted = try Self.responder.reply(to: policy, serial: { try serials.next() })
        #expect(!unaccepted.granted && Self.failInfo(unaccepted.reply) == 15)
    }

    @Test func serialNumbersAreNeverReusedAcrossRestarts() throws {
        let state = Fixtures.temporaryDirectory("esign-serial").appendingPathComponent("serial").path
        var issued: Set<UInt64> = []
        for _ in 0..<3 {
            let allocator = try SerialNumberAllocator(stateFile: state, blockSize: 1000)
            for _ in 0..<1500 { #expect(issued.insert(try allocator.next()).inserted) }
        }
        #expect(issued.count == 4500)
    }

    /// The lowest set bit of the PKIFailureInfo BIT STRING in a rejection reply.
    static func failInfo(_ reply: [UInt8]) -> Int? {
        let reader = DERReader(reply)
        guard let response = reader.element(at: 0), let status = reader.children(of: response).first,
            let bits = reader.children(of: status).first(where: { $0.tag == 0x03 })
        else { return nil }
        let bytes = reader[bits.content].dropFirst()
        for (i, byte) in bytes.enumerated() where byte != 0 {
            for bit in 0..<8 where byte & (0x80 >> bit) != 0 { return i * 8 + bit }
        }
        return nil
    }
}
