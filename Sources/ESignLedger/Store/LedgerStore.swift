import ESignCore

/// Where the ledger lives: an embedded SQLite file (the default) or a PostgreSQL server shared by
/// several signing services. Both keep the same schema and behave the same; `Ledger` holds the
/// logic, a store only moves rows.
public protocol LedgerStore: ServiceRecordStore {
    /// "SQLite /var/lib/…/ledger.sqlite" or "PostgreSQL db@host:port", for messages (no password).
    var location: String { get }

    /// Creates or upgrades the schema.
    func migrate() async throws

    func units() async throws -> [AdministrativeUnit]
    /// Adds unit versions in one transaction.
    func insertUnits(_ units: [AdministrativeUnit]) async throws

    /// Appends the records `source` yields, in one transaction that holds the chain's head: entries
    /// already present (same identity, same values) are skipped, entries whose identity is present
    /// with other values are reported to `source`. If the source reports any problem the
    /// transaction is rolled back and nothing is appended.
    func append(from source: DocumentBatchSource, context: AppendContext) async throws -> AppendSummary

    /// Gives the next number of the request's unit, series and year (or its explicit number, if
    /// never given), recorded as reserved and committed at once: from here on the number is never
    /// given again. Throws `LedgerError.invalidArgument` for an explicit number already given.
    func reserveNumber(_ request: NumberReservation.Request) async throws -> NumberReservation

    /// Appends the issued document and marks its reservation issued, in one transaction. Throws
    /// `LedgerError.invalidArgument` if the reservation is no longer reserved (voided meanwhile).
    func completeReservation(
        _ reservation: NumberReservation, record: DocumentRecord, context: AppendContext
    )
        async throws -> AppendSummary

    /// Marks a reserved number void with `reason`; false if it was not reserved any more.
    @discardableResult
    func voidReservation(_ reservation: NumberReservation, reason: String, at: String) async throws -> Bool

    /// Given numbers, by unit and year when given, in number order.
    func reservations(
        unitCode: String?, year: Int?, status: NumberReservation.Status?
    ) async throws
        -> [NumberReservation]

    /// Entries in chain order from `after` (exclusive), at most `limit`.
    func entries(after: Int64, limit: Int, filter: EntryFilter) async throws -> [LedgerEntry]
    func head() async throws -> ChainHead

    /// Per-day counts for coverage statistics.
    func coverageCounts(from: CivilDate?, to: CivilDate?) async throws -> [CoverageCount]
    /// The same counts recomputed from the entries themselves (for `ledger check`).
    func recomputedCoverageCounts() async throws -> [CoverageCount]

    func close() async throws
}

/// What one append writes besides the records: when, and from where (import file, `sign`, `add`).
public struct AppendContext: Sendable {
    public var recordedAt: String
    public var source: String
    public init(recordedAt: String, source: String) {
        self.recordedAt = recordedAt
        self.source = source
    }
    /// What the chain hashes after each record's fields.
    var chainSuffix: [UInt8] { LedgerChain.suffix(recordedAt: recordedAt, source: source) }
}

public struct AppendSummary: Sendable, Codable, Equatable {
    public var read = 0
    public var appended = 0
    /// Already in the ledger with the same values (re-imports).
    public var unchanged = 0
    public var head = ChainHead.empty
    public init() {}
}

/// A filter for `ledger list`.
public struct EntryFilter: Sendable {
    public var unitCode: String?
    public var from: CivilDate?
    public var to: CivilDate?
    public init(unitCode: String? = nil, from: CivilDate? = nil, to: CivilDate? = nil) {
        self.unitCode = unitCode
        self.from = from
        self.to = to
    }

    func matches(_ r: DocumentRecord) -> Bool {
        (unitCode.map { $0 == r.unitCode } ?? true) && (from.map { r.issuedOn >= $0 } ?? true)
            && (to.map { r.issuedOn <= $0 } ?? true)
    }
}

/// Records to append, in batches, with their input line numbers; collects what is wrong with them.
/// Parsers of import files and single-record callers (`esign sign --unit`) both feed a store this way.
public class DocumentBatchSource: @unchecked Sendable {
    /// A record with what the store needs to chain it, computed where the record was parsed (on
    /// the import's parsing thread, in parallel with the database work).
    public struct Item {
        public var line: Int
        public var record: DocumentRecord
        /// `LedgerChain.recordKey(record)`.
        public var key: RecordKey
        /// `record.canonicalBytes`.
        public var canonical: [UInt8]
        /// The chain position and hash the item gets if every item before it is appended (computed
        /// ahead by a parsing thread; 0 when not computed). A store uses them while that holds.
        public var expectedSequence: Int64 = 0
        public var expectedHash: [UInt8] = []
        public init(line: Int, record r: DocumentRecord, chain: LedgerChain) {
            self.line = line
            record = r
            key = chain.recordKey(r)
            canonical = r.canonicalBytes
        }
    }
    public private(set) var problems: [InputProblem] = []

    public init() {}

    /// The next batch, or nil when done.
    open func nextBatch() throws -> [Item]? { nil }

    public func report(_ problem: InputProblem) { problems.append(problem) }

    /// Called by a store once it holds the chain's head, before reading batches: a source may then
    /// chain its items ahead of the store (`Item.expectedSequence`, `expectedHash`).
    open func chainStarts(at head: ChainHead, suffix: [UInt8]) {}

    /// Called by a store when a record's identity is already in the ledger.
    func existing(_ stored: DocumentRecord, for item: Item) -> Bool {
        let diff = stored.differences(from: item.record)
        if diff.isEmpty { return true }
        report(
            InputProblem(
                line: item.line,
                "document \(item.record.number) of unit \(item.record.unitCode) issued \(item.record.issuedOn) is "
                    + "already in the ledger with a different \(diff.joined(separator: ", ")) (the ledger is "
                    + "append-only)"
            ))
        return false
    }
}

/// A fixed list of records as a source.
public final class DocumentListSource: DocumentBatchSource, @unchecked Sendable {
    private var items: [Item]?
    public init(_ records: [DocumentRecord]) {
        let chain = LedgerChain()
        items = records.enumerated().map { Item(line: $0.offset + 1, record: $0.element, chain: chain) }
    }
    public override func nextBatch() throws -> [Item]? {
        defer { items = nil }
        return items
    }
}
