import ESignCore
import Foundation

/// The ledger of issued documents: what each unit issued, whether signed, chained so that nothing
/// can be changed afterwards without `check` noticing, and the statistics computed from it.
///
/// ```swift
/// let ledger = try await Ledger.open(.resolve(nil))          // the embedded SQLite ledger
/// try await ledger.importUnits(csv: "samples/units/binh-phuoc-binh-duong-binh-thuan.csv")
/// try await ledger.importDocuments(path: "export-2024.csv")
/// let report = try await ledger.statistics(CoverageQuery(from: CivilDate(iso8601: "2024-01-01"), to:
/// CivilDate(iso8601: "2024-12-31")))
/// ```
public final class Ledger: @unchecked Sendable {
    public let store: any LedgerStore

    public init(store: any LedgerStore) { self.store = store }

    /// Opens (creating and migrating as needed) the ledger at `location`.
    public static func open(_ location: LedgerLocation) async throws -> Ledger {
        let store = try await location.open()
        try await store.migrate()
        return Ledger(store: store)
    }

    public func close() async throws { try await store.close() }

    public func directory() async throws -> UnitDirectory { UnitDirectory(try await store.units()) }

    // MARK: Units

    public struct UnitImportSummary: Codable, Sendable {
        public var read: Int
        public var added: Int
        public var unchanged: Int
    }

    /// Imports unit versions from a CSV file (`code,name,level,parent_code,valid_from,valid_to`).
    /// Idempotent; all or nothing; the combined list must stay consistent.
    @discardableResult
    public func importUnits(csv path: String) async throws -> UnitImportSummary {
        try await importUnits(UnitCSV.read(CSVReader(path: path)))
    }

    @discardableResult
    public func importUnits(_ units: [AdministrativeUnit]) async throws -> UnitImportSummary {
        var directory = try await directory()
        var conflicts: [String] = []
        for u in units {
            if let same = directory.versions[u.code]?.first(where: { $0.validFrom == u.validFrom }), same != u {
                conflicts.append(
                    "unit \(u.code) from \(u.validFrom) is already known with other values (\(same.name), "
                        + "\(same.level.rawValue), parent \(same.parentCode ?? "none"), until "
                        + "\(same.validTo?.description ?? "open"))"
                )
            }
        }
        guard conflicts.isEmpty else { throw LedgerError.invalidUnits(conflicts) }
        let added = directory.merge(units)
        let problems = directory.problems()
        guard problems.isEmpty else { throw LedgerError.invalidUnits(problems) }
        try await store.insertUnits(added)
        return UnitImportSummary(read: units.count, added: added.count, unchanged: units.count - added.count)
    }

    // MARK: Documents

    /// Imports a document-management export (CSV or JSON). All or nothing unless `commitEvery` is
    /// given, in which case every `commitEvery` rows are one transaction (a long feed that should
    /// keep what it already recorded).
    public func importDocuments(
        path: String, commitEvery: Int? = nil, progress: ((Int) -> Void)? = nil
    ) async throws -> AppendSummary {
        let directory = try await directory()
        let source = try DocumentImportSource(path: path, directory: directory)
        let context = AppendContext(recordedAt: Self.now(), source: "import:" + (path as NSString).lastPathComponent)
        guard let commitEvery, commitEvery > 0 else {
            let wrapper = PrefetchingSource(source, progress)
            defer { wrapper.stop() }
            let summary = try await store.append(from: wrapper, context: context)
            try throwIfProblems(wrapper, name: path)
            return summary
        }
        var total = AppendSummary()
        repeat {
            source.nextPiece(limit: commitEvery)
            let wrapper = PrefetchingSource(source, progress)
            defer { wrapper.stop() }
            let piece = try await store.append(from: wrapper, context: context)
            try throwIfProblems(wrapper, name: path)
            total.read += piece.read
            total.appended += piece.appended
            total.unchanged += piece.unchanged
            total.head = piece.head
        } while source.hasMore
        return total
    }

    private func throwIfProblems(_ source: DocumentBatchSource, name: String) throws {
        if !source.problems.isEmpty {
            throw LedgerError.invalidInput(file: name, problems: source.problems.sorted { $0.line < $1.line })
        }
    }

    /// Records documents (from `esign sign --unit`, `esign ledger add`, the HTTP API). The unit's
    /// level and province on the issue date are filled in from the unit list.
    @discardableResult
    public func record(_ records: [DocumentRecord], source name: String) async throws -> AppendSummary {
        let directory = try await directory()
        var resolved: [DocumentRecord] = []
        for var r in records {
            let placement = try directory.resolve(r.unitCode, on: r.issuedOn)
            r.unitLevel = placement.unit.level
            r.provinceCode = placement.provinceCode
            resolved.append(r)
        }
        let source = DocumentListSource(resolved)
        let summary = try await store.append(from: source, context: AppendContext(recordedAt: Self.now(), source: name))
        if !source.problems.isEmpty { throw LedgerError.invalidInput(file: name, problems: source.problems) }
        return summary
    }

    // MARK: Numbers and the register

    /// How long a reservation of a process on another host may stay open before it is taken for
    /// abandoned (one on this host is voided as soon as its process is gone).
    public static let reservationLease: TimeInterval = 3600

    /// Gives the next number of the request's series (see `LedgerStore.reserveNumber`), after
    /// voiding the reservations whose issuers are gone. The unit must be in force on the date.
    public func reserveNumber(
        _ request: NumberReservation.Request, on date: CivilDate
    ) async throws
        -> NumberReservation
    {
        _ = try (try await directory()).resolve(request.unitCode, on: date)
        try await voidAbandonedReservations()
        return try await store.reserveNumber(request)
    }

    /// Records the document issued under `reservation` and marks the number issued.
    @discardableResult
    public func completeIssue(
        _ reservation: NumberReservation, record: DocumentRecord, source name: String
    )
        async throws -> AppendSummary
    {
        let placement = try (try await directory()).resolve(record.unitCode, on: record.issuedOn)
        var record = record
        record.unitLevel = placement.unit.level
        record.provinceCode = placement.provinceCode
        return try await store.completeReservation(
            reservation, record: record, context: AppendContext(recordedAt: Self.now(), source: name))
    }

    /// Marks a reserved number void, with why; false if it was issued or void already.
    @discardableResult
    public func voidNumber(_ reservation: NumberReservation, reason: String) async throws -> Bool {
        try await store.voidReservation(reservation, reason: reason, at: Self.now())
    }

    /// Voids reservations whose issuing process has ended (same host) or that are older than
    /// `lease` (another host); returns how many. Their numbers stay given.
    @discardableResult
    public func voidAbandonedReservations(lease: TimeInterval = Ledger.reservationLease) async throws -> Int {
        var voided = 0
        let now = Date().timeIntervalSince1970
        for r in try await store.reservations(unitCode: nil, year: nil, status: .reserved) {
            let process = IssuingProcess(identity: r.issuer)
            let reason: String
            if let process, process.hasEnded {
                reason =
                    "issuance interrupted: the issuing process (\(process.pid) on \(process.host)) ended before the "
                    + "document was recorded"
            } else if let at = ISO8601DateFormatter().date(from: r.reservedAt), now - at.timeIntervalSince1970 > lease {
                reason = "issuance not completed within \(Int(lease / 60)) minutes of reserving the number"
            } else {
                continue
            }
            if try await voidNumber(r, reason: reason) { voided += 1 }
        }
        return voided
    }

    /// The outgoing-document register of `unitCode` for `year` (Decree 30/2020, Appendix IV): every
    /// number given by `esign issue` (issued or void) with what was recorded at issuance, and the
    /// documents of that unit and year recorded otherwise (imports, `ledger add`), in number order.
    public func register(unitCode: String, year: Int) async throws -> [RegisterEntry] {
        try await voidAbandonedReservations()
        let given = try await store.reservations(unitCode: unitCode, year: year, status: nil)
        var entries = given.map(RegisterEntry.init(reservation:))
        let issuedIDs = Set(given.compactMap(\.documentID))
        let filter = EntryFilter(
            unitCode: unitCode, from: CivilDate(year: year, month: 1, day: 1),
            to: CivilDate(year: year, month: 12, day: 31))
        var after: Int64 = 0
        while true {
            let page = try await store.entries(after: after, limit: 10_000, filter: filter)
            guard let last = page.last else { break }
            after = last.sequence
            for e in page where e.record.direction == .issued {
                if let id = e.record.documentID, issuedIDs.contains(id) { continue }
                entries.append(RegisterEntry(record: e.record))
            }
        }
        return entries.sorted { ($0.sortKey, $0.reference) < ($1.sortKey, $1.reference) }
    }

    public func list(
        _ filter: EntryFilter = EntryFilter(), after: Int64 = 0, limit: Int = 100
    ) async throws -> [LedgerEntry] {
        try await store.entries(after: after, limit: limit, filter: filter)
    }

    // MARK: Check

    public struct CheckReport: Codable, Sendable {
        public var entries: Int64 = 0
        public var head: String = ""
        public var problems: [String] = []
        public var valid: Bool { problems.isEmpty }
    }

    /// Recomputes the hash chain from the first entry and the coverage counts from the entries.
    public func check(progress: ((Int64, Int64) -> Void)? = nil) async throws -> CheckReport {
        let chain = LedgerChain()
        let head = try await store.head()
        var report = CheckReport()
        var previous = ChainHead.empty
        while report.problems.count < 20 {
            let page = try await store.entries(after: previous.sequence, limit: 20_000, filter: EntryFilter())
            if page.isEmpty { break }
            for e in page {
                if e.sequence != previous.sequence + 1 {
                    report.problems.append("entry \(previous.sequence + 1) is missing (next is \(e.sequence))")
                }
                let hash = chain.link(
                    previous: previous.hash, sequence: e.sequence, record: e.record, recordedAt: e.recordedAt,
                    source: e.source)
                if Hex.string(hash) != e.chainHash.lowercased() {
                    report.problems.append(
                        "entry \(e.sequence) (\(e.record.number), unit \(e.record.unitCode)) does not match its chain "
                            + "hash"
                    )
                }
                previous = ChainHead(sequence: e.sequence, hash: Hex.decode(e.chainHash) ?? hash)
            }
            report.entries = previous.sequence
            progress?(previous.sequence, head.sequence)
        }
        if report.problems.isEmpty, previous != head {
            report.problems.append(
                "the head records entry \(head.sequence) (\(head.hex.prefix(16))…) but the chain ends at "
                    + "\(previous.sequence) (\(previous.hex.prefix(16))…)"
            )
        }
        report.head = previous.hex
        let stored = Dictionary(grouping: try await store.coverageCounts(from: nil, to: nil), by: \.key)
        let recomputed = Dictionary(grouping: try await store.recomputedCoverageCounts(), by: \.key)
        for key in Set(stored.keys).union(recomputed.keys) {
            let a = stored[key]?.first
            let b = recomputed[key]?.first
            if a?.issued != b?.issued || a?.signed != b?.signed || a?.classified != b?.classified {
                report.problems.append(
                    "coverage counts for unit \(key.unitCode) on \(key.day) do not match the entries")
                if report.problems.count >= 40 { break }
            }
        }
        return report
    }

    // MARK: Statistics

    public func statistics(_ query: CoverageQuery) async throws -> CoverageReport {
        let counts = try await store.coverageCounts(from: query.from, to: query.to)
        return CoverageStatistics.report(counts: counts, directory: try await directory(), query: query)
    }

    static func now() -> String {
        CivilTime.iso8601(secondsSince1970: Int(Date().timeIntervalSince1970), offsetSeconds: 7 * 3600)
    }
}

/// Parses the import on a thread of its own, a few batches ahead of the database: on two cores
/// the parsing, hashing and checking of rows overlaps the inserts instead of adding to them.
/// Problems the parser finds travel with the batches; progress is reported as batches are taken.
final class PrefetchingSource: DocumentBatchSource, @unchecked Sendable {
    private struct Delivery {
        var batch: [Item]?
        var problems: [InputProblem]
        var rowsRead: Int
        var error: (any Error)?
    }
    private let progress: ((Int) -> Void)?
    private var queue: [Delivery] = []
    private let lock = NSCondition()
    private var finished = false
    private var stopped = false
    private var start: (head: ChainHead, suffix: [UInt8])?

    override func chainStarts(at head: ChainHead, suffix: [UInt8]) {
        lock.lock()
        start = (head, suffix)
        lock.broadcast()
        lock.unlock()
    }

    init(_ inner: DocumentImportSource, _ progress: ((Int) -> Void)?, depth: Int = 3) {
        self.progress = progress
        super.init()
        // Only the parsing thread touches the parser from here on.
        final class Handoff: @unchecked Sendable {
            let source: DocumentImportSource
            init(_ s: DocumentImportSource) { source = s }
        }
        let handoff = Handoff(inner)
        let thread = Thread { [self] in
            let inner = handoff.source
            var forwarded = inner.problems.count
            let chain = LedgerChain()
            var previous: ChainHead?
            var suffix: [UInt8] = []
            while true {
                var delivery = Delivery(batch: nil, problems: [], rowsRead: 0, error: nil)
                do { delivery.batch = try inner.nextBatch() } catch { delivery.error = error }
                // Chain the batch ahead of the store, from the head it reads when it begins.
                if delivery.batch != nil {
                    if previous == nil {
                        lock.lock()
                        while start == nil && !stopped { lock.wait() }
                        if let start {
                            previous = start.head
                            suffix = start.suffix
                        }
                        lock.unlock()
                    }
                    if var head = previous {
                        for i in delivery.batch!.indices {
                            let sequence = head.sequence + 1
                            let hash = chain.link(
                                previous: head.hash, sequence: sequence, canonical: delivery.batch![i].canonical,
                                suffix: suffix)
                            delivery.batch![i].expectedSequence = sequence
                            delivery.batch![i].expectedHash = hash
                            head = ChainHead(sequence: sequence, hash: hash)
                        }
                        previous = head
                    }
                }
                delivery.problems = Array(inner.problems[forwarded...])
                forwarded = inner.problems.count
                delivery.rowsRead = inner.rowsRead
                lock.lock()
                while queue.count >= depth && !stopped { lock.wait() }
                if stopped {
                    lock.unlock()
                    return
                }
                queue.append(delivery)
                lock.broadcast()
                lock.unlock()
                if delivery.batch == nil { return }
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    override func nextBatch() throws -> [Item]? {
        if finished { return nil }
        lock.lock()
        while queue.isEmpty { lock.wait() }
        let delivery = queue.removeFirst()
        lock.broadcast()
        lock.unlock()
        for p in delivery.problems { report(p) }
        progress?(delivery.rowsRead)
        if let error = delivery.error {
            finished = true
            throw error
        }
        if delivery.batch == nil { finished = true }
        return delivery.batch
    }

    /// Lets the parsing thread end if the store stopped reading early.
    func stop() {
        lock.lock()
        stopped = true
        lock.broadcast()
        lock.unlock()
    }

    deinit { stop() }
}
