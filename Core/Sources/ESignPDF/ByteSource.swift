import CSystemShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random-access bytes of a PDF: a file read on demand, never loaded whole, or bytes in memory.
public protocol ByteSource: Sendable {
    var count: Int { get }
    /// Up to `length` bytes from `offset` (fewer at the end of the source).
    func read(at offset: Int, length: Int) throws(PDFError) -> [UInt8]
    /// Calls `body` with consecutive chunks of `range`, holding at most one chunk in memory.
    func forEachChunk(in range: Range<Int>, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
    /// Reads the bytes from `offset` into `buffer`, as many as fit; returns how many (fewer only
    /// at the end of the source).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(PDFError) -> Int
}

extension ByteSource {
    public func forEachChunk(
        in range: Range<Int>, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let chunk = try read(at: offset, length: min(chunkSize, range.upperBound - offset))
            if chunk.isEmpty { throw PDFError.io("the input shrank while being read") }
            try chunk.withUnsafeBytes { try body($0) }
            offset += chunk.count
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(PDFError) -> Int {
        let bytes = try read(at: offset, length: buffer.count)
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return bytes.count
    }
}

/// Bytes held in memory: for tests, fuzzing and small documents built by esign itself.
public struct MemoryByteSource: ByteSource {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var count: Int { bytes.count }
    public func read(at offset: Int, length: Int) throws(PDFError) -> [UInt8] {
        guard offset >= 0, offset <= bytes.count, length >= 0 else { return [] }
        return Array(bytes[offset..<min(bytes.count, offset + length)])
    }
}

/// A file opened read-only and read with `pread`, so many threads may read it at once.
/// The size is fixed at open, and so is the tail read then: bytes appended or rewritten later by
/// someone else are never seen.
public final class FileByteSource: ByteSource, @unchecked Sendable {
    public let path: String
    public let count: Int
    let descriptor: Int32
    /// The last bytes of the file (up to 64 KiB), read at open: where a PDF keeps its latest
    /// cross-reference section, trailer and the objects an update added (a signature among them),
    /// so that reading them costs no system call each.
    let tail: [UInt8]
    let tailStart: Int

    public init(path: String) throws(PDFError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .io("no such file: \(path)") }
            if code == EACCES { throw .io("permission denied: \(path)") }
            throw .io("cannot open \(path): \(String(decoding: strerrorBytes(code), as: UTF8.self))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw .io("cannot stat \(path)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .io("not a regular file: \(path)")
        }
        descriptor = fd
        count = Int(info.st_size)
        let start = max(0, Int(info.st_size) - Self.tailSize)
        tailStart = start
        var complete = true
        tail = [UInt8](unsafeUninitializedCapacity: Int(info.st_size) - start) { buffer, initialized in
            var done = 0
            while done < buffer.count {
                let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(start + done))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    complete = false
                    break
                }
                done += n
            }
            initialized = done
        }
        guard complete else {
            close(fd)
            throw .io("cannot read \(path)")
        }
    }

    static let tailSize = 64 << 10

    deinit { close(descriptor) }

    public func read(at offset: Int, length: Int) throws(PDFError) -> [UInt8] {
        guard offset >= 0, offset < count, length > 0 else { return [] }
        var failure: PDFError?
        let bytes = [UInt8](unsafeUninitializedCapacity: min(length, count - offset)) { buffer, initialized in
            do throws(PDFError) {
                initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// The one place a file is read after open. Fewer bytes than fit only when the file shrank
    /// since it was opened.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(PDFError) -> Int {
        guard offset >= 0, offset < count, buffer.count > 0 else { return 0 }
        let wanted = min(buffer.count, count - offset)
        // From the file up to the tail, then from the tail read at open.
        let fromFile = max(0, min(wanted, tailStart - offset))
        var done = 0
        while done < fromFile {
            let n = pread(descriptor, buffer.baseAddress! + done, fromFile - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("read error in \(path)")
            }
            if n == 0 { return done }
            done += n
        }
        if wanted > fromFile {
            tail.withUnsafeBytes {
                buffer.baseAddress!.advanced(by: fromFile).copyMemory(
                    from: $0.baseAddress! + (offset + fromFile - tailStart), byteCount: wanted - fromFile)
            }
        }
        return wanted
    }

    /// Calls `body` with consecutive chunks of `range`, read with `pread` into one buffer of at
    /// most 256 KiB that stays in the core's cache while `body` hashes it. Cheaper than mapping in
    /// a process whose threads each read many files: no page faults, and no unmapping that must
    /// interrupt the other cores to flush their address translations.
    public func forEachChunk(
        in range: Range<Int>, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw PDFError.io("read beyond the end of \(path)")
        }
        // What lies in the tail read at open is already in memory.
        let split = max(range.lowerBound, min(range.upperBound, tailStart))
        if split > range.lowerBound {
            try forEachChunkByReading(in: range.lowerBound..<split, chunkSize: min(chunkSize, 256 << 10), body)
        }
        if split < range.upperBound {
            try tail.withUnsafeBytes {
                try body(UnsafeRawBufferPointer(rebasing: $0[(split - tailStart)..<(range.upperBound - tailStart)]))
            }
        }
    }

    /// Calls `body` with consecutive chunks of `range`, mapped from the file a window at a time:
    /// no copy into user memory, page-aligned (as O_DIRECT writes need), and each window unmapped
    /// before the next so memory stays bounded.
    public func forEachMappedChunk(
        in range: Range<Int>, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw PDFError.io("read beyond the end of \(path)")
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let window = max(chunkSize, 8 << 20)
        var offset = range.lowerBound
        while offset < range.upperBound {
            let aligned = offset - offset % page
            let length = min(window, range.upperBound - aligned)
            guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, off_t(aligned)), base != MAP_FAILED
            else {
                return try forEachChunkByReading(in: offset..<range.upperBound, chunkSize: chunkSize, body)
            }
            defer { munmap(base, length) }
            _ = madvise(base, length, MADV_SEQUENTIAL)
            try body(UnsafeRawBufferPointer(start: base + (offset - aligned), count: aligned + length - offset))
            offset = aligned + length
        }
    }

    /// Calls `body` with consecutive chunks of `range` read into one reused buffer.
    func forEachChunkByReading(
        in range: Range<Int>, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: min(chunkSize, max(range.count, 1)), alignment: 64)
        defer { buffer.deallocate() }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let wanted = min(buffer.count, range.upperBound - offset)
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: offset)
            if n == 0 { throw PDFError.io("\(path) shrank while being read") }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            offset += n
        }
    }

    /// Copies the whole file to the start of the empty file open as `destination`, showing every
    /// byte to `observe` once on the way (so a hash needs no second pass over the input).
    ///
    /// With `direct`, whole 4 KiB blocks are written with O_DIRECT straight from the mapped input,
    /// bypassing the page cache (for batches: on virtual disks buffered writes of a thousand freshly
    /// created files cost several times more, as the kernel throttles the writer); without it, and
    /// for the tail and file systems that refuse O_DIRECT, `copy_file_range` copies in the kernel.
    public func copyAll(to destination: Int32, direct: Bool = false, observe: (UnsafeRawBufferPointer) -> Void) throws {
        let block = 4096
        let directEnd = count - count % block
        if direct, directEnd >= 1 << 20, esign_set_direct_io(destination, 1) == 0 {
            var written = 0
            var direct = true
            try forEachMappedChunk(in: 0..<count, chunkSize: 8 << 20) { chunk in
                observe(chunk)
                // Each chunk starts at a page boundary; only its whole blocks below directEnd go direct.
                let start = written
                let directBytes = direct ? max(0, min(chunk.count, directEnd - start)) : 0
                var done = 0
                while done < directBytes {
                    let n = write(destination, chunk.baseAddress! + done, directBytes - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        direct = false  // refused after all: the rest goes through the kernel copy
                        break
                    }
                    done += n
                }
                written += done
            }
            _ = esign_set_direct_io(destination, 0)
            try copyInKernel(written..<count, to: destination)
            return
        }
        try forEachChunk(in: 0..<count, chunkSize: 256 << 10) { observe($0) }
        try copyInKernel(0..<count, to: destination)
    }

    /// Copies `range` to the end of `destination` with `copy_file_range`, else through a buffer.
    public func copyInKernel(_ range: Range<Int>, to destination: Int32) throws {
        var sourceOffset = Int64(range.lowerBound)
        var remaining = range.count
        while remaining > 0 {
            let n = esign_copy_file_range(descriptor, &sourceOffset, destination, remaining)
            if n > 0 {
                remaining -= n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { throw PDFError.io("\(path) shrank while being copied") }
            // EXDEV, ENOSYS, EINVAL…: copy through a buffer instead.
            try forEachChunkByReading(in: Int(sourceOffset)..<range.upperBound, chunkSize: 1 << 20) { chunk in
                var done = 0
                while done < chunk.count {
                    let w = write(destination, chunk.baseAddress! + done, chunk.count - done)
                    if w < 0 {
                        if errno == EINTR { continue }
                        throw PDFError.io("write error while copying \(path)")
                    }
                    done += w
                }
            }
            return
        }
    }
}

func strerrorBytes(_ code: Int32) -> [UInt8] {
    guard let s = strerror(code) else { return [] }
    return Array(UnsafeBufferPointer(start: UnsafeRawPointer(s).assumingMemoryBound(to: UInt8.self), count: strlen(s)))
}

/// The first `count` bytes of another source: a historical revision read as it was when the file
/// ended there, so that nothing read through it can come from a later update.
public struct BoundedByteSource: ByteSource {
    public let base: ByteSource
    public let count: Int

    public init(_ base: ByteSource, count: Int) {
        self.base = base
        self.count = max(0, min(count, base.count))
    }

    public func read(at offset: Int, length: Int) throws(PDFError) -> [UInt8] {
        guard offset >= 0, offset < count, length > 0 else { return [] }
        return try base.read(at: offset, length: min(length, count - offset))
    }
}
