import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Reads request bodies within the service's limits: a declared length over the limit is refused
/// (413) before a byte is read, an undeclared one as soon as it passes the limit; a body that has
/// not arrived whole in time gets 408; and the bytes held by all requests together stay under a
/// budget (503 beyond it), so a flood of large bodies cannot exhaust memory.
final class RequestBodyReader: Sendable {
    let maximumBytes: Int
    let timeout: Duration
    let timeoutSeconds: Double
    let budget: Int
    private let reserved = Mutex(0)

    init(maximumBytes: Int, timeoutSeconds: Double, budget: Int) {
        self.maximumBytes = maximumBytes
        self.timeoutSeconds = timeoutSeconds
        timeout = .milliseconds(Int64(timeoutSeconds * 1000))
        self.budget = budget
    }

    var bufferedBytes: Int { reserved.withLock { $0 } }

    /// Calls `body` with the request's bytes; the bytes count against the budget until it returns.
    func withBody<T: Sendable>(
        _ request: Request, _ body: @Sendable ([UInt8]) async throws -> T
    ) async throws -> T {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > maximumBytes { throw Problem.tooLarge(maximumBytes) }
        // Reserve what the body may take: its declared length, else the limit.
        let claim = declared ?? maximumBytes
        let granted = reserved.withLock { total -> Bool in
            guard total + claim <= budget else { return false }
            total += claim
            return true
        }
        guard granted else {
            throw Problem.busy("too many large requests at once; retry shortly")
        }
        defer { reserved.withLock { $0 -= claim } }
        let limit = maximumBytes
        let stream = request.body
        let expected = min(declared ?? 64 * 1024, limit)
        // Straight into one array sized from Content-Length: no growing buffer, no second copy.
        let collected: [UInt8] = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(expected)
                for try await chunk in stream {
                    guard bytes.count + chunk.readableBytes <= limit else { throw Problem.tooLarge(limit) }
                    chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
                }
                return bytes
            }
            group.addTask {
                try await Task.sleep(for: self.timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let bytes = first else {
                throw Problem.timeout(self.timeoutSeconds)
            }
            return bytes
        }
        return try await body(collected)
    }
}
