#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output file written under a temporary name beside its destination and published only when
/// complete, so a reader never sees half a file and a failure leaves nothing behind.
/// Without `overwrite`, publishing fails if the destination exists (checked atomically with `link`).
public final class AtomicOutputFile {
    public let destination: String
    let temporaryPath: String
    let descriptor: Int32
    private var finished = false

    public init(destination: String, overwrite: Bool) throws(SigningError) {
        self.destination = destination
        if !overwrite && access(destination, F_OK) == 0 {
            throw .outputExists("\(destination) already exists (use --force to overwrite)")
        }
        let slash = destination.lastIndex(of: "/")
        let directory = slash.map { String(destination[..<$0]) } ?? "."
        let base = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        var template = Array("\(directory.isEmpty ? "/" : directory)/.\(base).esign-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw .cannotWrite("cannot create a file in \(directory): \(String(decoding: strerrorText(errno), as: UTF8.self))")
        }
        fchmod(fd, 0o644)
        descriptor = fd
        temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.overwrite = overwrite
    }

    private let overwrite: Bool

    deinit {
        if !finished {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(SigningError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite("cannot write \(destination): \(String(decoding: strerrorText(errno), as: UTF8.self))")
            }
            done += n
        }
    }

    public func write(_ bytes: [UInt8]) throws(SigningError) {
        do {
            try bytes.withUnsafeBytes { raw in try write(raw) }
        } catch let error as SigningError { throw error } catch { throw .cannotWrite("\(error)") }
    }

    /// Publishes the file under its destination name. `durable` also flushes it to disk first.
    public func commit(durable: Bool = false) throws(SigningError) {
        if durable && fsync(descriptor) != 0 {
            throw .cannotWrite("cannot flush \(destination) to disk")
        }
        close(descriptor)
        finished = true
        if overwrite {
            guard rename(temporaryPath, destination) == 0 else {
                let message = String(decoding: strerrorText(errno), as: UTF8.self)
                unlink(temporaryPath)
                throw .cannotWrite("cannot write \(destination): \(message)")
            }
        } else {
            // link() fails if the destination appeared meanwhile: nothing is ever overwritten.
            guard link(temporaryPath, destination) == 0 else {
                let code = errno
                unlink(temporaryPath)
                if code == EEXIST { throw .outputExists("\(destination) already exists (use --force to overwrite)") }
                throw .cannotWrite("cannot write \(destination): \(String(decoding: strerrorText(code), as: UTF8.self))")
            }
            unlink(temporaryPath)
        }
    }
}

func strerrorText(_ code: Int32) -> [UInt8] {
    guard let s = strerror(code) else { return [] }
    return Array(UnsafeBufferPointer(start: UnsafeRawPointer(s).assumingMemoryBound(to: UInt8.self), count: strlen(s)))
}

/// Whether two paths name the same file (same device and inode).
public func isSameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat(), sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
}
