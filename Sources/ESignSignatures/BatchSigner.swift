import Foundation

/// Signs many files in one process on every core: one identity loaded once, one document per
/// thread, per-file errors collected without stopping the batch.
///
/// ```swift
/// let outcomes = BatchSigner(signer: signer).sign(jobs) { done, total in print("\(done)/\(total)") }
/// ```
public struct BatchSigner: Sendable {
    public let signer: PAdESSigner
    public var concurrency = ProcessInfo.processInfo.activeProcessorCount

    public init(signer: PAdESSigner) { self.signer = signer }

    public struct Job: Sendable {
        public let input: String
        public let output: String
        public init(input: String, output: String) {
            self.input = input
            self.output = output
        }
    }

    public struct Outcome: Sendable {
        public let job: Job
        public let result: Result<SigningResult, SigningError>
    }

    /// Signs every job; `progress` is called (from worker threads, serialised) after each file.
    public func sign(_ jobs: [Job], progress: (@Sendable (Int, Int) -> Void)? = nil) -> [Outcome] {
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var done = 0
            var outcomes: [Outcome?]
            init(count: Int) { outcomes = Array(repeating: nil, count: count) }
        }
        let shared = Shared(count: jobs.count)
        let workers = max(1, min(concurrency, jobs.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                shared.lock.lock()
                let index = shared.next
                shared.next += 1
                shared.lock.unlock()
                guard index < jobs.count else { return }
                let job = jobs[index]
                let result: Result<SigningResult, SigningError>
                do throws(SigningError) {
                    result = .success(try signer.sign(input: job.input, output: job.output))
                } catch {
                    result = .failure(error)
                }
                shared.lock.lock()
                shared.outcomes[index] = Outcome(job: job, result: result)
                shared.done += 1
                let done = shared.done
                progress?(done, jobs.count)
                shared.lock.unlock()
            }
        }
        return shared.outcomes.map { $0! }
    }
}
