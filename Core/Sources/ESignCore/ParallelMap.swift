import Dispatch
import Foundation

/// Runs `body` for indexes 0..<count on up to `workers` threads, each thread taking the next index
/// as it finishes one (documents differ in size, so a static split would idle a core), and returns
/// the results in index order. `progress` is called after each item with the number done, serialised.
///
/// The workers are threads of their own, not Dispatch's pool (which never runs more items at once
/// than there are cores): work that waits for the disk, like signing with direct writes, keeps
/// every core busy only with more workers than cores.
public func parallelMap<T>(
    _ count: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
    progress: ((Int) -> Void)? = nil, _ body: @escaping (Int) -> T
) -> [T] {
    let state = ParallelMapState<T>(count)
    let threads = max(1, min(workers, count))
    // The closures run only until this function returns; the threads never outlive it.
    nonisolated(unsafe) let body = body
    nonisolated(unsafe) let progress = progress ?? { _ in }
    let work: @Sendable () -> Void = {
        while true {
            state.lock.lock()
            let index = state.next
            state.next += 1
            state.lock.unlock()
            guard index < count else { return }
            let result = body(index)
            state.lock.lock()
            state.results[index] = result
            state.done += 1
            progress(state.done)
            state.lock.unlock()
        }
    }
    if threads == 1 {
        work()
    } else {
        let finished = DispatchGroup()
        for _ in 0..<threads {
            finished.enter()
            Thread {
                work()
                finished.leave()
            }.start()
        }
        finished.wait()
    }
    return state.results.map { $0! }
}

/// The shared cursor and results of one `parallelMap`, guarded by its lock.
private final class ParallelMapState<T>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0, done = 0
    var results: [T?]
    init(_ count: Int) { results = Array(repeating: nil, count: count) }
}
