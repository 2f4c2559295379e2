import Foundation

/// A password or passphrase held in memory for as short a time as possible.
///
/// Its bytes are zeroed when the last reference goes away, and it never prints its contents:
/// `description` is a fixed placeholder, so a secret cannot leak into logs or error messages.
public final class Secret: @unchecked Sendable, CustomStringConvertible {
    private var storage: [UInt8]

    public init(_ bytes: [UInt8]) { storage = bytes }
    public convenience init(_ string: String) { self.init(Array(string.utf8)) }

    deinit {
        storage.withUnsafeMutableBytes { raw in
            for i in raw.indices { raw[i] = 0 }
        }
    }

    public var isEmpty: Bool { storage.isEmpty }

    /// Calls `body` with the secret as a NUL-terminated C string.
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var copy = storage.map { CChar(bitPattern: $0) } + [0]
        defer { for i in copy.indices { copy[i] = 0 } }
        return try copy.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Calls `body` with the secret's bytes (no terminator), e.g. for a PKCS#11 PIN.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body($0) }
    }

    public var description: String { "<secret>" }

    /// The first line of a file (a password, PIN or token file), without its line break; nil
    /// when the file cannot be read. The copy read from the file is zeroed.
    public static func firstLine(ofFile path: String) -> Secret? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var bytes = [UInt8](data.prefix { $0 != 0x0A && $0 != 0x0D })
        defer { for i in bytes.indices { bytes[i] = 0 } }
        return Secret(bytes)
    }
}
