/// The bytes the canonical writer produces, in a buffer it owns and frees: an append is a
/// pointer store (an Array append checks uniqueness and capacity every time, and the writer
/// makes several appends per tag).
///
/// The storage has 16 bytes of slack past its capacity, so that a short copy (a name, a prefix, an
/// attribute value, a line of text: most copies are under 128 bytes) is a few 8-byte loads and
/// stores instead of a call to memmove, which cost more than the copy (a tenth of the reader's
/// time went to the calls).
final class XMLOutputBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0
    private static let slack = 16

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity + Self.slack)
    }

    deinit { base.deallocate() }

    @inline(__always) func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    /// Appends `length` bytes from `source`, from which `readable` bytes (at least `length`) may be
    /// read: with 8 to spare, a short copy reads and writes whole words and keeps `length`.
    @inline(__always) func append(_ source: UnsafePointer<UInt8>, count length: Int, readable: Int) {
        if count + length > capacity { grow(to: count + length) }
        let destination = UnsafeMutableRawPointer(base + count)
        if length <= 128 && readable >= length + 8 {
            // 8 bytes at a time, the last store running past `length` into the slack.
            let from = UnsafeRawPointer(source)
            var offset = 0
            repeat {
                destination.storeBytes(
                    of: from.loadUnaligned(fromByteOffset: offset, as: UInt64.self), toByteOffset: offset,
                    as: UInt64.self)
                offset += 8
            } while offset < length
        } else if length <= 8 {
            destination.storeBytes(of: Self.word(source, length), as: UInt64.self)
        } else {
            destination.copyMemory(from: source, byteCount: length)
        }
        count += length
    }

    /// Markup the writer adds (`</`, ` xmlns:`, `&amp;`…).
    @inline(__always) func append(_ text: StaticString) {
        let length = text.utf8CodeUnitCount
        append(text.utf8Start, count: length, readable: length)
    }

    /// Up to 8 bytes gathered into a word: a byte loop here was turned into a call to memcpy.
    @inline(__always) private static func word(_ source: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        var word: UInt64 = 0
        for offset in 0..<length { word |= UInt64(source[offset]) << (8 * UInt64(offset)) }
        return word
    }

    /// Calls `body` with what was written, in place.
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// A copy of what was written.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// A copy of what was written less the bytes in `range` (copied once, not twice).
    func bytes(excluding range: Range<Int>) -> [UInt8] {
        let head = range.lowerBound
        let tail = count - range.upperBound
        return [UInt8](unsafeUninitializedCapacity: head + tail) { buffer, initialized in
            buffer.baseAddress!.update(from: base, count: head)
            (buffer.baseAddress! + head).update(from: base + range.upperBound, count: tail)
            initialized = head + tail
        }
    }

    private func grow(to needed: Int) {
        let larger = max(needed, capacity * 2)
        let replacement = UnsafeMutablePointer<UInt8>.allocate(capacity: larger + Self.slack)
        replacement.moveInitialize(from: base, count: count)
        base.deallocate()
        base = replacement
        capacity = larger
    }
}
