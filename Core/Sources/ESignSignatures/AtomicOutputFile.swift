import CSystemShims
import ESignPDF

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output file that becomes visible under its name only when complete, so a reader never sees
/// half a file and a failure (or a crash) leaves nothing behind.
///
/// On Linux the file is created unnamed (`O_TMPFILE`) and named at commit with `linkat`, which
/// fails if the name exists: nothing is ever overwritten unless `overwrite` is set, in which case a
/// file under a temporary name beside the destination takes the destination's name (names
/// exchanged, then the old file removed; a rename where exchanging is not possible). Elsewhere a
/// temporary name is used.
public final class AtomicOutputFile {
    public let destination: String
    let descriptor: Int32
    /// The temporary name, when the file has one (overwrite mode, or no O_TMPFILE).
    let temporaryPath: String?
    private let overwrite: Bool
    private var finished = false

    public init(destination: String, overwrite: Bool) throws(SigningError) {
        self.destination = destination
        self.overwrite = overwrite
        if !overwrite && access(destination, F_OK) == 0 {
            throw .outputExists("\(destination) already exists (use --force to overwrite)")
        }
        let slash = destination.lastIndex(of: "/")
        let directory = slash.map { String(destination[..<$0]) } ?? "."
        let base = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        let dir = directory.isEmpty ? "/" : directory
        if !overwrite {
            let fd = esign_open_unnamed(dir, 0o644)
            if fd >= 0 {
                descriptor = fd
                temporaryPath = nil
                return
            }
            if errno == ENOENT || errno == EACCES || errno == EROFS {
                throw .cannotWrite("cannot create a file in \(dir): \(Self.describe(errno))")
            }
        }
        var template = Array("\(dir)/.\(base).esign-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .cannotWrite("cannot create a file in \(dir): \(Self.describe(errno))") }
        fchmod(fd, 0o644)
        descriptor = fd
        temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        if !finished {
            close(descriptor)
            if let temporaryPath { unlink(temporaryPath) }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(SigningError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite("cannot write \(destination): \(Self.describe(errno))")
            }
            done += n
        }
    }

    public func write(_ bytes: [UInt8]) throws(SigningError) {
        do {
            try bytes.withUnsafeBytes { raw in try write(raw) }
        } catch let error as SigningError { throw error } catch { throw .cannotWrite("\(error)") }
    }

    /// Writes `bytes` with direct I/O (O_DIRECT) in whole 4 KiB blocks staged through a page-aligned
    /// buffer, the tail through the page cache: a batch writing a thousand new files then is not
    /// throttled by the kernel's write-back of dirty pages. Falls back to ordinary writes where the
    /// file system refuses O_DIRECT or the data is small.
    public func writeDirect(_ bytes: [UInt8]) throws(SigningError) {
        let block = 4096
        let directEnd = bytes.count - bytes.count % block
        guard directEnd >= 1 << 20, esign_set_direct_io(descriptor, 1) == 0 else { return try write(bytes) }
        let stagingSize = 1 << 20
        var staging: UnsafeMutableRawPointer?
        guard posix_memalign(&staging, block, stagingSize) == 0, let staging else {
            _ = esign_set_direct_io(descriptor, 0)
            return try write(bytes)
        }
        defer { free(staging) }
        var done = 0
        var failed = false
        bytes.withUnsafeBytes { raw in
            while done < directEnd && !failed {
                let length = min(stagingSize, directEnd - done)
                staging.copyMemory(from: raw.baseAddress! + done, byteCount: length)
                var written = 0
                while written < length {
                    let n = Glibc.write(descriptor, staging + written, length - written)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 {
                        failed = true
                        break
                    }
                    written += n
                }
                if !failed { done += length }
            }
        }
        _ = esign_set_direct_io(descriptor, 0)
        // What direct I/O did not take (the tail, or all of it after a refusal) goes the usual way.
        if failed { lseek(descriptor, off_t(done), SEEK_SET) }
        do {
            try bytes.withUnsafeBytes { raw in try write(UnsafeRawBufferPointer(rebasing: raw[done...])) }
        } catch let error as SigningError { throw error } catch { throw .cannotWrite("\(error)") }
    }

    /// Writes all of `source` into this (still empty) file, showing each chunk to `observe` on the
    /// way; `direct` writes whole blocks past the page cache (see ``FileByteSource/copyAll(to:direct:observe:)``).
    public func appendAll(
        of source: FileByteSource, direct: Bool = false, observe: (UnsafeRawBufferPointer) -> Void
    ) throws(SigningError) {
        do { try source.copyAll(to: descriptor, direct: direct, observe: observe) } catch {
            throw .cannotWrite("cannot write \(destination): \(error)")
        }
    }

    /// Publishes the file under its destination name. `durable` also flushes it to disk first.
    public func commit(durable: Bool = false) throws(SigningError) {
        if durable && fsync(descriptor) != 0 {
            throw .cannotWrite("cannot flush \(destination) to disk")
        }
        defer { finished = true }
        guard let temporaryPath else {
            // Unnamed file: linkat fails with EEXIST if the name appeared meanwhile.
            let status = esign_publish_unnamed(descriptor, destination)
            let code = errno
            close(descriptor)
            if status != 0 {
                if code == EEXIST { throw .outputExists("\(destination) already exists (use --force to overwrite)") }
                throw .cannotWrite("cannot write \(destination): \(Self.describe(code))")
            }
            return
        }
        close(descriptor)
        if overwrite {
            // Swap the names, then remove the old file under the temporary name: readers see the
            // old file or the new one, as with a rename, but ext4 does not first write the new
            // data to disk, which it does when a rename replaces a file (auto_da_alloc; 1.5 ms of
            // a 15 ms signing). When the destination does not exist, a plain rename.
            if esign_exchange_names(temporaryPath, destination) == 0 {
                unlink(temporaryPath)
                return
            }
            guard rename(temporaryPath, destination) == 0 else {
                let message = Self.describe(errno)
                unlink(temporaryPath)
                throw .cannotWrite("cannot write \(destination): \(message)")
            }
        } else {
            guard link(temporaryPath, destination) == 0 else {
                let code = errno
                unlink(temporaryPath)
                if code == EEXIST { throw .outputExists("\(destination) already exists (use --force to overwrite)") }
                throw .cannotWrite("cannot write \(destination): \(Self.describe(code))")
            }
            unlink(temporaryPath)
        }
    }

    static func describe(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "error \(code)" }
        return String(decoding: UnsafeRawBufferPointer(start: s, count: strlen(s)), as: UTF8.self)
    }
}

/// Whether two paths name the same file (same device and inode).
public func isSameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat()
    var sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
}
