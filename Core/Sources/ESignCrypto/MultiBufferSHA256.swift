import CSHA256MultiBuffer
import Foundation

/// SHA-256 of several messages at once: up to four are hashed together on one core with the x86
/// SHA extensions, which gives 1.85 times the bytes per second of hashing them one after another
/// (the C kernel says why). esign uses it to verify many documents, or the several signatures of
/// one document, where every signature's bytes must be hashed. The digests are those of
/// `Digest(.sha256)`, byte for byte; tests hold the two together.
///
/// Each message is produced by a `Fill` closure that writes the message's next bytes into the
/// buffer it is given and returns how many it wrote (0 at the end). A message whose closure
/// throws gets that error as its result; the others are unaffected.
///
/// ```swift
/// if MultiBufferSHA256.isAvailable {
///     let digests = MultiBufferSHA256.digests(of: readers.map { reader in { try reader.fill($0) } })
/// }
/// ```
public enum MultiBufferSHA256 {
    public typealias Fill = (UnsafeMutableRawBufferPointer) throws -> Int

    /// Whether hashing messages together pays: this CPU has the SHA extensions, and
    /// `ESIGN_SHA256_MULTIBUFFER=0` is not set (with it, the verifier hashes each signature with
    /// OpenSSL on its own, to compare the two or to rule the kernel out).
    public static let isAvailable: Bool = {
        if ProcessInfo.processInfo.environment["ESIGN_SHA256_MULTIBUFFER"] == "0" { return false }
        return cpuHasSHAExtensions
    }()

    static let cpuHasSHAExtensions = esign_sha256_mb_available() != 0

    /// The most messages the kernel hashes together (five would spill registers).
    public static let maximumLanes = Int(ESIGN_SHA256_MB_MAX_LANES)

    /// How many messages this CPU hashes fastest together, measured once per process. Where one
    /// message's rounds wait on each other (AMD Zen 4) four lanes go 1.85 times as fast as one;
    /// where the SHA unit's throughput is the limit (an Intel Xeon of the same machine class) one
    /// run measured 1.30, 1.67, 1.52 and 1.58 GB/s for one to four lanes. So the kernel is timed on
    /// each lane count over 32 KiB a lane, best of five (about a millisecond in all), and fewer
    /// lanes than four are taken only when clearly faster. `ESIGN_SHA256_LANES=N` fixes the count.
    public static let lanes: Int = {
        if let fixed = ProcessInfo.processInfo.environment["ESIGN_SHA256_LANES"].flatMap(Int.init),
            (1...maximumLanes).contains(fixed)
        {
            return fixed
        }
        guard cpuHasSHAExtensions else { return 1 }
        return fastestLaneCount()
    }()

    static func fastestLaneCount() -> Int {
        let blocks = 512
        let data = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * blocks * maximumLanes, alignment: 64)
        let stateWords = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * maximumLanes)
        defer {
            data.deallocate()
            stateWords.deallocate()
        }
        data.initializeMemory(as: UInt8.self, repeating: 0x5A)
        stateWords.initialize(repeating: 0, count: 8 * maximumLanes)
        // Best of five per lane count: the least disturbed run is the kernel's own speed.
        var perByte = [Double](repeating: .infinity, count: maximumLanes + 1)
        for lanes in 1...maximumLanes {
            var states = (0..<lanes).map { Optional(stateWords + 8 * $0) }
            var pointers = (0..<lanes).map {
                Optional(UnsafePointer(data.baseAddress!.assumingMemoryBound(to: UInt8.self) + 64 * blocks * $0))
            }
            for _ in 0..<5 {
                let start = DispatchTime.now().uptimeNanoseconds
                esign_sha256_mb_compress(&states, &pointers, Int32(lanes), blocks)
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
                perByte[lanes] = min(perByte[lanes], elapsed / Double(64 * blocks * lanes))
            }
        }
        // More lanes unless fewer are clearly faster: a noisy measurement keeps the kernel's design.
        var best = maximumLanes
        for lanes in stride(from: maximumLanes - 1, through: 1, by: -1) where perByte[lanes] < perByte[best] * 0.95 {
            best = lanes
        }
        return best
    }

    /// The SHA-256 digest of each message, in order. At most `lanes` are in flight (by default
    /// ``lanes``, the count this CPU hashes fastest); when one ends, the next takes its lane. Each
    /// lane reads through a buffer of `bufferSize` bytes (four of 128 KiB stay in a core's L2
    /// cache, and measured a little faster than 32, 64 or 256 KiB). Without the SHA extensions the
    /// messages are hashed with OpenSSL, one after another.
    public static func digests(
        of messages: [Fill], bufferSize: Int = 128 << 10, lanes requested: Int? = nil
    ) -> [Result<[UInt8], any Error>] {
        guard cpuHasSHAExtensions else {
            return messages.map { fill in Result { try digestOneByOne(fill, bufferSize: bufferSize) } }
        }
        // One message needs no calibration.
        let lanes = max(1, min(maximumLanes, requested ?? (messages.count <= 1 ? 1 : Self.lanes)))
        var results = [Result<[UInt8], any Error>?](repeating: nil, count: messages.count)
        let size = max(bufferSize - bufferSize % 64, 128)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: size * lanes, alignment: 64)
        let stateWords = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * lanes)
        defer {
            storage.deallocate()
            stateWords.deallocate()
        }
        var slots: [Lane?] = Array(repeating: nil, count: lanes)
        var next = 0

        while true {
            for s in 0..<lanes where slots[s] == nil && next < messages.count {
                slots[s] = Lane(
                    message: next,
                    buffer: UnsafeMutableRawBufferPointer(rebasing: storage[(s * size)..<((s + 1) * size)]),
                    state: stateWords + 8 * s)
                next += 1
            }
            // Each lane needs a whole block; a lane whose message has ended finishes with what is left.
            var finishedOne = false
            for s in 0..<lanes {
                guard var lane = slots[s] else { continue }
                do {
                    if lane.pending < 64 && !lane.ended { try lane.refill(messages[lane.message]) }
                    if lane.ended && lane.pending < 64 {
                        results[lane.message] = .success(lane.finish())
                        slots[s] = nil
                        finishedOne = true
                        continue
                    }
                    slots[s] = lane
                } catch {
                    results[lane.message] = .failure(error)
                    slots[s] = nil
                    finishedOne = true
                }
            }
            if finishedOne && next < messages.count { continue }  // fill the freed lanes first
            let active = slots.compactMap { $0 }
            if active.isEmpty { break }
            let blocks = active.map { $0.pending / 64 }.min()!
            var states = active.map { Optional($0.state) }
            var data = active.map {
                Optional(UnsafePointer($0.buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + $0.start))
            }
            esign_sha256_mb_compress(&states, &data, Int32(active.count), blocks)
            for s in 0..<lanes where slots[s] != nil { slots[s]!.start += 64 * blocks }
        }
        return results.map { $0! }
    }

    /// The SHA-256 digest of each message held in memory, hashed together where they lie (no copy
    /// through lane buffers): the few large messages of one document, such as its bytes and a
    /// reference's canonical form. Without the SHA extensions, OpenSSL hashes them one by one.
    public static func digests(inPlace messages: [UnsafeRawBufferPointer]) -> [[UInt8]] {
        digests(inPieces: messages.map { [$0] })
    }

    /// The same for messages each made of pieces lying apart (a canonical form less an element's
    /// span): whole blocks are hashed where they lie, and only the block that straddles two pieces
    /// is gathered into a 64-byte buffer.
    public static func digests(inPieces messages: [[UnsafeRawBufferPointer]]) -> [[UInt8]] {
        guard cpuHasSHAExtensions, messages.count > 1 else {
            return messages.map { pieces in
                (try? Digest(.sha256)).flatMap { digest in
                    for piece in pieces { digest.update(piece) }
                    return try? digest.finalize()
                } ?? []
            }
        }
        let stateWords = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * messages.count)
        defer { stateWords.deallocate() }
        for m in messages.indices {
            for (i, word) in initialState.enumerated() { stateWords[8 * m + i] = word }
        }
        var cursors = messages.map { PieceCursor(pieces: $0) }
        // Whole blocks: up to `maximumLanes` messages together, as long as the shortest has them.
        while true {
            for m in cursors.indices { cursors[m].gather(into: stateWords + 8 * m) }
            let active = cursors.indices.filter { cursors[$0].wholeBlocks > 0 }.prefix(maximumLanes)
            guard !active.isEmpty else { break }
            let blocks = active.map { cursors[$0].wholeBlocks }.min()!
            var states = active.map { Optional(stateWords + 8 * $0) }
            var data = active.map { Optional(cursors[$0].position) }
            esign_sha256_mb_compress(&states, &data, Int32(active.count), blocks)
            for m in active { cursors[m].advance(by: 64 * blocks) }
        }
        return cursors.indices.map { m in
            cursors[m].pending.withUnsafeBytes { tail in
                finish(state: stateWords + 8 * m, tail: tail, length: UInt64(cursors[m].length))
            }
        }
    }

    /// Where one message of pieces has been hashed to: the piece and the offset in it, and the
    /// bytes of a block that straddles pieces (fewer than 64), gathered until the block is whole.
    private struct PieceCursor {
        let pieces: [UnsafeRawBufferPointer]
        let length: Int
        var piece = 0
        var offset = 0
        var pending: [UInt8] = []

        init(pieces: [UnsafeRawBufferPointer]) {
            self.pieces = pieces.filter { $0.count > 0 }
            length = pieces.reduce(0) { $0 + $1.count }
        }

        /// The whole blocks that lie in the current piece from the cursor on.
        var wholeBlocks: Int { piece < pieces.count ? (pieces[piece].count - offset) / 64 : 0 }

        var position: UnsafePointer<UInt8> {
            (pieces[piece].baseAddress! + offset).assumingMemoryBound(to: UInt8.self)
        }

        mutating func advance(by count: Int) {
            offset += count
            if piece < pieces.count && offset == pieces[piece].count {
                piece += 1
                offset = 0
            }
        }

        /// When fewer than 64 bytes are left in the current piece: moves them into `pending`, with
        /// the next pieces' first bytes, hashing each block that becomes whole into `state` (on its
        /// own); stops where the current piece has whole blocks again, or at the message's end.
        mutating func gather(into state: UnsafeMutablePointer<UInt32>) {
            while piece < pieces.count && (!pending.isEmpty || pieces[piece].count - offset < 64) {
                let take = min(64 - pending.count, pieces[piece].count - offset)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: pieces[piece][offset..<(offset + take)]))
                advance(by: take)
                if pending.count == 64 {
                    pending.withUnsafeBytes { block in
                        var states: [UnsafeMutablePointer<UInt32>?] = [state]
                        var data: [UnsafePointer<UInt8>?] = [block.baseAddress!.assumingMemoryBound(to: UInt8.self)]
                        esign_sha256_mb_compress(&states, &data, 1, 1)
                    }
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
    }

    /// Pads a message's last bytes `tail` (fewer than 64; FIPS 180-4 §5.1.1: 0x80, zeros, the
    /// length in bits), hashes them into `state` and returns the digest.
    static func finish(state: UnsafeMutablePointer<UInt32>, tail: UnsafeRawBufferPointer, length: UInt64) -> [UInt8] {
        var last = [UInt8](repeating: 0, count: 128)
        for i in 0..<tail.count { last[i] = tail[i] }
        last[tail.count] = 0x80
        let blocks = tail.count + 9 <= 64 ? 1 : 2
        let bits = length &* 8
        for i in 0..<8 { last[blocks * 64 - 1 - i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i))) }
        last.withUnsafeBytes { raw in
            var states: [UnsafeMutablePointer<UInt32>?] = [state]
            var data: [UnsafePointer<UInt8>?] = [raw.baseAddress!.assumingMemoryBound(to: UInt8.self)]
            esign_sha256_mb_compress(&states, &data, 1, blocks)
        }
        var digest = [UInt8](repeating: 0, count: 32)
        for i in 0..<8 {
            let word = state[i]
            for j in 0..<4 { digest[4 * i + j] = UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32(j))) }
        }
        return digest
    }

    /// One message through OpenSSL's SHA-256.
    static func digestOneByOne(_ fill: Fill, bufferSize: Int) throws -> [UInt8] {
        let digest = try Digest(.sha256)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferSize, 64), alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try fill(buffer)
            precondition(n >= 0 && n <= buffer.count, "a Fill wrote outside its buffer")
            if n == 0 { return try digest.finalize() }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// One message in one lane: its buffer, the unhashed bytes in it, and its running state.
    private struct Lane {
        let message: Int
        let buffer: UnsafeMutableRawBufferPointer
        let state: UnsafeMutablePointer<UInt32>
        /// The unhashed bytes are `buffer[start..<end]`.
        var start = 0, end = 0
        /// Bytes the message has produced so far.
        var length: UInt64 = 0
        var ended = false

        init(message: Int, buffer: UnsafeMutableRawBufferPointer, state: UnsafeMutablePointer<UInt32>) {
            self.message = message
            self.buffer = buffer
            self.state = state
            for (i, word) in MultiBufferSHA256.initialState.enumerated() { state[i] = word }
        }

        var pending: Int { end - start }

        /// Moves the unhashed bytes to the front of the buffer and tops it up from the message.
        mutating func refill(_ fill: Fill) throws {
            if start > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: pending)
                end -= start
                start = 0
            }
            while end < buffer.count {
                let n = try fill(UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
                precondition(n >= 0 && n <= buffer.count - end, "a Fill wrote outside its buffer")
                if n == 0 {
                    ended = true
                    return
                }
                end += n
                length += UInt64(n)
            }
        }

        /// Pads the last bytes and returns the digest.
        func finish() -> [UInt8] {
            MultiBufferSHA256.finish(
                state: state, tail: UnsafeRawBufferPointer(rebasing: buffer[start..<(start + pending)]), length: length)
        }
    }

    /// FIPS 180-4 §5.3.3.
    static let initialState: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
}
