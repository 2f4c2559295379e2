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
    private var byText: [String: Certificate] = [:]

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

    /// The certificate whose DER `decode` makes of `text` (XML carries certificates in base64),
    /// parsed now or earlier: a batch signed by one official carries the same text in every
    /// document, and decoding it each time cost more than checking the signature's chain.
    public func certificate(text: String, decode: (String) -> [UInt8]?) -> Certificate? {
        lock.lock()
        let cached = byText[text]
        lock.unlock()
        if let cached { return cached }
        guard let der = decode(text), let parsed = try? certificate(der: der[...]) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if byText.count >= capacity { byText.removeAll(keepingCapacity: true) }
        byText[text] = parsed
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
