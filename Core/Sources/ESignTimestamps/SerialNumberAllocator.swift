import Foundation

/// Timestamp serial numbers that are unique and never reused, also across restarts: the allocator
/// persists the upper end of a reserved block before issuing any number from it, so a crash can
/// only skip numbers, never repeat one. Thread-safe.
public final class SerialNumberAllocator: @unchecked Sendable {
    private let lock = NSLock()
    private let stateFile: String?
    private let blockSize: UInt64
    private var nextValue: UInt64
    private var reservedUpTo: UInt64

    /// `stateFile` nil keeps everything in memory (tests, demos): uniqueness then holds per process only.
    public init(stateFile: String?, blockSize: UInt64 = 100_000) throws {
        self.stateFile = stateFile
        self.blockSize = blockSize
        var start: UInt64 = 1
        if let stateFile, let text = try? String(contentsOfFile: stateFile, encoding: .utf8),
            let saved = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            start = saved
        }
        nextValue = start
        reservedUpTo = start
        try reserve()
    }

    /// The next serial number.
    public func next() throws -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        if nextValue >= reservedUpTo { try reserve() }
        defer { nextValue += 1 }
        return nextValue
    }

    /// Persists a new upper bound (write to a temporary file, fsync, rename) before using it.
    private func reserve() throws {
        let limit = reservedUpTo + blockSize
        if let stateFile {
            let temporary = stateFile + ".tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: Data("\(limit)\n".utf8)) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, stateFile) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: stateFile])
            }
        }
        reservedUpTo = limit
    }
}
