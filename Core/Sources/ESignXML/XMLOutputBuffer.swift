/// The bytes the canonical writer produces, in a buffer it owns and frees: an append is a
/// pointer store (an Array append checks uniqueness and capacity every time, and the writer
/// makes several appends per tag).
final class XMLOutputBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always) func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always) func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        let length = bytes.count
        if count + length > capacity { grow(to: count + length) }
        (base + count).update(from: source, count: length)
        count += length
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
        let replacement = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        replacement.moveInitialize(from: base, count: count)
        base.deallocate()
        base = replacement
        capacity = larger
    }
}
