import Foundation

/// Certificates parsed once per process, looked up by their DER bytes.
///
/// Documents from the same agency carry the same signer and CA certificates, and OpenSSL 3.0
/// decodes a certificate's public key through its provider decoders, which costs more than the
/// rest of checking a small signature and takes locks every verifying thread contends for.
/// A `Certificate` is immutable once parsed (OpenSSL caches its extensions under its own lock),
/// so one parsed copy serves every thread.
public final class CertificateCache: @unchecked Sendable {
    public static let shared = CertificateCache()

    /// Entries kept before the cache starts over (a bound on memory, not a tuning knob).
    let capacity: Int
    private let lock = NSLock()
    private var entries: [Key: Certificate] = [:]

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// The certificate with this DER encoding, parsed now or earlier.
    public func certificate(der: ArraySlice<UInt8>) throws(OpenSSLError) -> Certificate {
        let key = Key(Array(der))
        lock.lock()
        let cached = entries[key]
        lock.unlock()
        if let cached { return cached }
        let parsed = try Certificate(der: key.bytes)
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        if let raced = entries[key] { return raced }
        entries[key] = parsed
        return parsed
    }

    /// DER bytes hashed in one pass over their memory (Array's own hash goes element by element).
    struct Key: Hashable {
        let bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
        static func == (a: Key, b: Key) -> Bool { a.bytes == b.bytes }
    }
}
