import ESignLedger

/// Serial numbers for the service's TSA, taken from the database in blocks so that instances
/// sharing one database never issue the same serial (a block left unused at shutdown is skipped).
actor TimestampSerials {
    private let store: any ServiceRecordStore
    private var block: Range<Int64> = 0..<0
    private let blockSize: Int

    init(store: any ServiceRecordStore, blockSize: Int = 1000) {
        self.store = store
        self.blockSize = blockSize
    }

    func next() async throws -> UInt64 {
        if block.isEmpty { block = try await store.reserveTimestampSerials(blockSize) }
        let serial = block.lowerBound
        block = (serial + 1)..<block.upperBound
        return UInt64(serial)
    }
}
