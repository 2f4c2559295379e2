import ESignLedger
import Foundation
import Synchronization

/// Serial numbers for the service's TSA, taken from the database in blocks so that instances
/// sharing one database never issue the same serial (numbers left in a block at shutdown are
/// skipped, never reused). The next block is reserved in the background while the current one
/// lasts, so a serial is handed out without waiting on the database: a timestamp requested while
/// the ledger is locked for an issuance (SQLite has one writer) never waits on that lock.
final class TimestampSerials: Sendable {
    private struct Blocks {
        var current: Range<Int64> = 0..<0
        var next: Range<Int64>?
        var refilling = false
    }
    private let store: any ServiceRecordStore
    private let blockSize: Int
    private let blocks = Mutex(Blocks())

    init(store: any ServiceRecordStore, blockSize: Int = 1000) {
        self.store = store
        self.blockSize = blockSize
    }

    /// Reserves the first two blocks (at start, before anything is served).
    func prepare() async throws {
        let first = try await store.reserveTimestampSerials(blockSize)
        let second = try await store.reserveTimestampSerials(blockSize)
        blocks.withLock {
            $0.current = first
            $0.next = second
        }
    }

    struct Exhausted: Error, CustomStringConvertible {
        var description: String { "no timestamp serial number is reserved yet; try again" }
    }

    func next() throws -> UInt64 {
        let (serial, refill) = try blocks.withLock { b throws -> (Int64, Bool) in
            if b.current.isEmpty {
                guard let next = b.next else { throw Exhausted() }
                b.current = next
                b.next = nil
            }
            let serial = b.current.lowerBound
            b.current = (serial + 1)..<b.current.upperBound
            let refill = b.next == nil && !b.refilling
            if refill { b.refilling = true }
            return (serial, refill)
        }
        if refill {
            Task {
                let block = try? await store.reserveTimestampSerials(blockSize)
                blocks.withLock {
                    $0.next = block
                    $0.refilling = false
                }
            }
        }
        return UInt64(serial)
    }
}
