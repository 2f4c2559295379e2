import ESignCore
import Foundation

/// The document id of an issued file: SHA-256 of its bytes, as `sha256sum` prints it.
public enum FileDigest {
    /// A file that cannot be read.
    public struct UnreadableFile: Error, CustomStringConvertible {
        public let description: String
    }

    /// SHA-256 of bytes in memory.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { try! MessageHasher(.sha256).hash(bytes) }

    /// SHA-256 (lower-case hex) of bytes in memory.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.string(sha256(bytes)) }

    public static func sha256Hex(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw UnreadableFile(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        let digest = try Digest(.sha256)
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { digest.update($0) }
        }
        return Hex.string(try digest.finalize())
    }
}
