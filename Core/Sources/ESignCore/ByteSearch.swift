#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Searching bytes for bytes with libc's `memchr` (each candidate first byte) and `memcmp` (the
/// rest). Foundation's generic `firstRange(of:)` and `lastRange(of:)` walk an iterator a byte at a
/// time: finding `startxref`, `%%EOF` and a dictionary's `endobj` with them cost several percent of
/// verifying a document.
extension Array where Element == UInt8 {
    /// Where `needle` first occurs, or nil.
    public func firstOffset(of needle: [UInt8]) -> Int? {
        guard !needle.isEmpty else { return 0 }
        guard count >= needle.count else { return nil }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { wanted in
                let base = haystack.baseAddress!
                let last = haystack.count - wanted.count  // the last offset where the needle fits
                var offset = 0
                while offset <= last {
                    guard let hit = memchr(base + offset, Int32(needle[0]), last - offset + 1) else { return nil }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, wanted.baseAddress!, wanted.count) == 0 { return at }
                    offset = at + 1
                }
                return nil
            }
        }
    }

    /// Where `needle` last occurs, or nil.
    public func lastOffset(of needle: [UInt8]) -> Int? {
        guard !needle.isEmpty else { return count }
        guard count >= needle.count else { return nil }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { wanted in
                let base = haystack.baseAddress!
                var at = haystack.count - wanted.count
                while at >= 0 {
                    if haystack[at] == needle[0], memcmp(base + at, wanted.baseAddress!, wanted.count) == 0 {
                        return at
                    }
                    at -= 1
                }
                return nil
            }
        }
    }

    /// Whether `needle` occurs in the bytes.
    public func containsBytes(_ needle: [UInt8]) -> Bool { firstOffset(of: needle) != nil }
}
