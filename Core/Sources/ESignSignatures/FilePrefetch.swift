import CSystemShims
import Foundation

/// Reads the files of a batch ahead of its workers when they are on the disk, not in the page
/// cache: a folder an agency received hours ago. Each worker reads one file at a time, so with the
/// files on the disk the cores waited for every read (a batch of 1,000 XML documents took twice
/// as long as from the page cache). A few files past the furthest one a worker has taken, the
/// kernel is asked to read them in the background (`posix_fadvise(WILLNEED)`).
///
/// ```swift
/// let prefetch = FilePrefetch.ifNeeded(paths)
/// parallelMap(paths.count) { index in
///     prefetch?.taking(index)
///     return verify(paths[index])
/// }
/// ```
public final class FilePrefetch: @unchecked Sendable {
    private let paths: [String]
    private let window: Int
    private var advised = 0
    private let lock = NSLock()

    /// A prefetcher for `paths`, or nil when the first of them is already in the page cache: the
    /// batch then reads from memory, and asking ahead would only add an open per file. (One file
    /// decides for the batch: a folder is received, copied or evicted as a whole.)
    public static func ifNeeded(_ paths: [String], window: Int = 16) -> FilePrefetch? {
        guard let first = paths.first, paths.count > 1, isCached(first) == false else { return nil }
        return FilePrefetch(paths, window: window)
    }

    /// Whether the first page of the file at `path` is in the page cache; nil when unknown.
    static func isCached(_ path: String) -> Bool? {
        switch esign_file_is_cached(path) {
        case 1: true
        case 0: false
        default: nil
        }
    }

    init(_ paths: [String], window: Int) {
        self.paths = paths
        self.window = window
    }

    /// A worker takes the file at `index`: the files up to `window` past it are asked for, each once.
    public func taking(_ index: Int) {
        lock.lock()
        let end = min(paths.count, index + 1 + window)
        let range = advised..<max(advised, end)
        advised = max(advised, end)
        lock.unlock()
        for next in range { _ = esign_prefetch_file(paths[next]) }
    }
}
