import ESignCore
import XCTest

@testable import ESignCrypto

/// The multi-buffer kernel is esign's own SHA-256, so it is held to OpenSSL's on every length
/// that exercises the padding, on messages that end in different lanes at different times, and
/// on fills that hand over bytes in odd pieces. (On a CPU without the SHA extensions the same
/// calls go through OpenSSL, and the tests hold that path instead.)
final class MultiBufferSHA256Tests: XCTestCase {
    /// A message served `piece` bytes at a time at most (0: as much as the buffer takes).
    final class Message {
        let bytes: [UInt8]
        let piece: Int
        var offset = 0
        init(_ bytes: [UInt8], piece: Int = 0) {
            self.bytes = bytes
            self.piece = piece
        }
        func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
            let n = min(buffer.count, bytes.count - offset, piece > 0 ? piece : Int.max)
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            offset += n
            return n
        }
    }

    /// The digests with every lane count the kernel has; they must all agree.
    func digests(_ messages: [Message], bufferSize: Int = 64 << 10) throws -> [[UInt8]] {
        var first: [[UInt8]]?
        for lanes in 1...MultiBufferSHA256.maximumLanes {
            for message in messages { message.offset = 0 }
            let got = try MultiBufferSHA256.digests(
                of: messages.map { m in { m.fill($0) } }, bufferSize: bufferSize, lanes: lanes
            ).map { try $0.get() }
            if let first { XCTAssertEqual(got, first, "\(lanes) lanes") } else { first = got }
        }
        return first!
    }

    /// The lane count is measured, within the kernel's range.
    func testLaneCountIsMeasured() {
        XCTAssertTrue((1...MultiBufferSHA256.maximumLanes).contains(MultiBufferSHA256.lanes))
        XCTAssertTrue((1...MultiBufferSHA256.maximumLanes).contains(MultiBufferSHA256.fastestLaneCount()))
    }

    func testFIPSExamples() throws {
        let abc = Array("abc".utf8)
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        let million = [UInt8](repeating: 0x61, count: 1_000_000)
        let got = try digests([Message(abc), Message([]), Message(twoBlocks), Message(million)])
        XCTAssertEqual(Hex.string(got[0]), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Hex.string(got[1]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(Hex.string(got[2]), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(Hex.string(got[3]), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every length from 0 to 300 bytes (each padding case, one and two final blocks), ten at a
    /// time, so that lanes end at different blocks and new messages take the freed lanes.
    func testEveryShortLengthMatchesOpenSSL() throws {
        let messages = (0...300).map { n in Message(Random.bytes(n)) }
        let got = try digests(messages)
        for (message, digest) in zip(messages, got) {
            XCTAssertEqual(digest, try Digest.hash(message.bytes, .sha256), "length \(message.bytes.count)")
        }
    }

    /// Large messages of unequal sizes, fed in uneven pieces through small buffers: lanes refill
    /// at different moments and run together for different numbers of blocks.
    func testLongMessagesInUnevenPiecesMatchOpenSSL() throws {
        // (size, most bytes per fill; 0 = as many as the buffer takes)
        let shapes = [
            (1 << 20, 0), (1 << 20, 4096), (5000, 1), (700_001, 777), (65_536, 0), (65_537, 64),
            (3 * 65_536 + 63, 65_535), (1_000_000, 3), (5, 0), (200_000, 10_000),
        ]
        for bufferSize in [128, 4096 + 64, 64 << 10] {
            let messages = shapes.map { size, piece in
                Message(Random.bytes(size), piece: piece)
            }
            let got = try digests(messages, bufferSize: bufferSize)
            for (message, digest) in zip(messages, got) {
                XCTAssertEqual(
                    digest, try Digest.hash(message.bytes, .sha256), "size \(message.bytes.count), buffer \(bufferSize)"
                )
            }
        }
    }

    /// The path CPUs without the SHA extensions take gives the same digests.
    func testOpenSSLPathForCPUsWithoutSHAExtensions() throws {
        for size in [0, 1, 55, 56, 64, 1000, 200_001] {
            let message = Message(Random.bytes(size), piece: 333)
            XCTAssertEqual(
                try MultiBufferSHA256.digestOneByOne({ message.fill($0) }, bufferSize: 4096),
                try Digest.hash(message.bytes, .sha256), "size \(size)")
        }
    }

    /// A message whose reading fails gets its error; the messages beside it still get digests.
    func testAFailingMessageLeavesTheOthersIntact() throws {
        struct ReadFailure: Error {}
        let good = Message([UInt8](repeating: 7, count: 200_000))
        var calls = 0
        let failing: MultiBufferSHA256.Fill = { buffer in
            calls += 1
            if calls > 2 { throw ReadFailure() }
            buffer.initializeMemory(as: UInt8.self, repeating: 1)
            return buffer.count
        }
        let results = MultiBufferSHA256.digests(of: [{ good.fill($0) }, failing, { _ in 0 }], bufferSize: 4096)
        XCTAssertEqual(try results[0].get(), try Digest.hash(good.bytes, .sha256))
        XCTAssertThrowsError(try results[1].get()) { XCTAssertTrue($0 is ReadFailure) }
        XCTAssertEqual(
            Hex.string(try results[2].get()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// Messages hashed where they lie: every padding length, lanes ending at different blocks,
    /// more messages than lanes, an empty one; each digest OpenSSL's.
    func testInPlaceDigestsEqualOpenSSL() throws {
        var generator = SystemRandomNumberGenerator()
        let lengths = [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 4096, 100_003, 102_624, 250_000]
        for count in [2, 3, 5, 6] {
            for _ in 0..<4 {
                let messages = (0..<count).map { _ in
                    (0..<lengths.randomElement(using: &generator)!).map { _ in UInt8.random(in: 0...255) }
                }
                let digests = withUnsafeRawBuffers(messages) { MultiBufferSHA256.digests(inPlace: $0) }
                for (message, digest) in zip(messages, digests) {
                    XCTAssertEqual(digest, try Digest.hash(message, .sha256), "\(message.count) bytes among \(count)")
                }
            }
        }
    }

    /// Messages in pieces lying apart (a canonical form less an element's span): cut anywhere,
    /// into pieces shorter than a block, longer, empty; each digest OpenSSL's over the whole.
    func testDigestsInPiecesEqualOpenSSL() throws {
        var generator = SystemRandomNumberGenerator()
        let lengths = [0, 1, 63, 64, 65, 127, 128, 129, 1000, 4096, 100_003]
        for count in [2, 3, 5] {
            for _ in 0..<20 {
                let messages = (0..<count).map { _ in
                    (0..<lengths.randomElement(using: &generator)!).map { _ in UInt8.random(in: 0...255) }
                }
                let cuts = messages.map { message in
                    ([0, message.count]
                        + (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                            Int.random(in: 0...message.count, using: &generator)
                        }).sorted()
                }
                let digests = withUnsafeRawBuffers(messages) { buffers in
                    MultiBufferSHA256.digests(
                        inPieces: zip(buffers, cuts).map { buffer, cut in
                            zip(cut, cut.dropFirst()).map { UnsafeRawBufferPointer(rebasing: buffer[$0..<$1]) }
                        })
                }
                for (message, (digest, cut)) in zip(messages, zip(digests, cuts)) {
                    XCTAssertEqual(digest, try Digest.hash(message, .sha256), "\(message.count) bytes cut at \(cut)")
                }
            }
        }
    }

    private func withUnsafeRawBuffers<R>(_ messages: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
        var pointers: [UnsafeRawBufferPointer] = []
        var copies: [UnsafeMutableRawBufferPointer] = []
        defer {
            for copy in copies { copy.deallocate() }
        }
        for message in messages {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(message.count, 1), alignment: 1)
            copy.copyBytes(from: message)
            copies.append(copy)
            pointers.append(UnsafeRawBufferPointer(rebasing: copy[..<message.count]))
        }
        return body(pointers)
    }
}
