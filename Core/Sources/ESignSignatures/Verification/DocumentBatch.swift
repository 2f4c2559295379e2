import ESignCore
import Foundation

/// A batch of files verified on every core, a few consecutive files to a worker at a time (so
/// that their digests are hashed together), with the kernel asked to read ahead of the workers
/// when the files are on the disk (``FilePrefetch``). PDFs, XML documents and `.p7s` files are
/// batched the same way; only how many a worker takes at once differs.
public enum DocumentBatch {
    /// `body` of each group of up to `perGroup` consecutive paths (fewer when that would leave a
    /// core idle), its results in input order. `progress` is told how many paths are done.
    public static func run<T>(
        _ paths: [String], perGroup: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: ((Int) -> Void)? = nil, _ body: @escaping ([String]) -> [T]
    ) -> [T] {
        let workers = max(1, workers)
        let group = max(1, min(perGroup, (paths.count + workers - 1) / workers))
        let groups = (paths.count + group - 1) / group
        let prefetch = FilePrefetch.ifNeeded(paths)
        let done = parallelMap(
            groups, workers: workers, progress: progress.map { report in { report(min(paths.count, $0 * group)) } }
        ) { g in
            let members = (g * group)..<min(paths.count, (g + 1) * group)
            prefetch?.taking(members.upperBound - 1)
            return body(Array(paths[members]))
        }
        return done.flatMap { $0 }
    }
}
