import ESignTestSupport
import Foundation
import Testing

@testable import ESignSignatures

/// Files of a batch asked for ahead of the workers only when they are on the disk: a folder
/// just written is read from the page cache as it is; once evicted, a worker taking a file has
/// the next ones read in the background, as far as the window and no further.
@Suite("Reading a batch's files ahead")
struct FilePrefetchTests {
    @Test func onlyFilesOnTheDiskAreAskedForWithinTheWindow() throws {
        let dir = Fixtures.temporaryDirectory("prefetch")
        let paths = (0..<40).map { dir.appendingPathComponent("document-\($0).xml").path }
        for path in paths {
            try Data(repeating: 0x61, count: 64 * 1024).write(to: URL(fileURLWithPath: path))
        }
        // Just written: in the page cache, nothing to ask for.
        #expect(FilePrefetch.isCached(paths[0]) == true)
        #expect(FilePrefetch.ifNeeded(paths) == nil)
        // Written back to the disk and dropped from the cache, as hours later.
        for path in paths { try Self.evict(path) }
        #expect(FilePrefetch.isCached(paths[0]) == false, "the file system keeps files in memory (tmpfs?)")
        let prefetch = try #require(FilePrefetch.ifNeeded(paths, window: 8))
        prefetch.taking(0)  // files 0 to 8 asked for; 9 and later not yet
        let deadline = Date().addingTimeInterval(5)
        while FilePrefetch.isCached(paths[8]) != true && Date() < deadline { usleep(2_000) }
        #expect(FilePrefetch.isCached(paths[8]) == true)
        #expect(FilePrefetch.isCached(paths[30]) == false)
        prefetch.taking(25)  // files 9 to 33
        while FilePrefetch.isCached(paths[33]) != true && Date() < deadline { usleep(2_000) }
        #expect(FilePrefetch.isCached(paths[33]) == true)
        #expect(FilePrefetch.isCached(paths[34]) == false)
    }

    /// Writes the file's pages back and drops them from the page cache.
    static func evict(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw CocoaError(.fileReadUnknown) }
        defer { close(descriptor) }
        fsync(descriptor)
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_DONTNEED))
    }
}
