import ESignLedger
import Foundation
import Synchronization

/// Appends audit events with group commit: events arriving while a write is under way go in the
/// next transaction together, and each caller returns once its event is committed. A signature is
/// handed out only after its audit row is durable, without one transaction per signature.
final class AuditRecorder: Sendable {
    private struct Pending {
        var events: [AuditEvent] = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var writing = false
    }
    private let store: any ServiceRecordStore
    private let pending = Mutex(Pending())

    init(store: any ServiceRecordStore) { self.store = store }

    func record(_ event: AuditEvent) async throws { try await record([event]) }

    /// Several events of one request (a batch of CSC signatures), committed together.
    func record(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startWriter = pending.withLock { p -> Bool in
                p.events.append(contentsOf: events)
                p.waiters.append(continuation)
                if p.writing { return false }
                p.writing = true
                return true
            }
            if startWriter { Task { await self.drain() } }
        }
    }

    /// Writes batches until nothing is pending.
    private func drain() async {
        while true {
            let (events, waiters) = pending.withLock { p -> ([AuditEvent], [CheckedContinuation<Void, any Error>]) in
                let taken = (p.events, p.waiters)
                p.events = []
                p.waiters = []
                if taken.0.isEmpty { p.writing = false }
                return taken
            }
            if events.isEmpty { return }
            do {
                try await store.appendAudit(events)
                for w in waiters { w.resume() }
            } catch {
                for w in waiters { w.resume(throwing: error) }
            }
        }
    }
}
