import Dispatch
import Foundation

/// Runs `body` for indexes 0..<count on up to `workers` threads, each thread taking the next index
/// as it finishes one (documents differ in size, so a static split would idle a core), and returns
/// the results in index order. `progress` is called after each item with the number done, serialised.
public func parallelMap<T>(_ count: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: ((Int) -> Void)? = nil, _ body: (Int) -> T) -> [T] {
    let state = ParallelMapState<T>(count)
    withoutActuallyEscaping(body) { body in
        withoutActuallyEscaping(progress ?? { _ in }) { progress in
            nonisolated(unsafe) let body = body
            nonisolated(unsafe) let progress = progress
            DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { _ in
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
        }
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
