import ESign
import ESignTestSupport
import Foundation
import Testing

@Suite("Ledger and statistics, on SQLite and PostgreSQL")
struct LedgerTests {
    func level(_ r: CoverageReport, _ l: AdministrativeLevel) -> CoverageReport.LevelRow? {
        r.levels.first { $0.level == l }
    }
    func day(_ s: String) -> CivilDate { CivilDate(iso8601: s)! }

    @Test(
        "Hand-computed fixture: classified documents excluded, levels at issue time, the reform boundary",
        arguments: TestDatabase.enabled)
    func handComputed(_ backend: TestDatabase) async throws {
        let (ledger, _) = try await SmallLedger.make(backend)
        defer { Task { try? await ledger.close() } }
        let year = try await ledger.statistics(CoverageQuery(from: day("2025-01-01"), to: day("2025-12-31")))
        #expect(year.overall.issued == 14 && year.overall.classified == 2 && year.overall.signed == 9)
        #expect(level(year, .province)?.figures == CoverageFigures(issued: 4, classified: 1, signed: 3))
        #expect(level(year, .province)?.figures.rate == 100)
        #expect(level(year, .district)?.figures.rate == 75)
        #expect(level(year, .district)?.gap == -15)
        #expect(level(year, .commune)?.figures.rate == 60)
        #expect(level(year, .commune)?.gap == -25)
        let units = Dictionary(uniqueKeysWithValues: year.units.map { ($0.code, $0) })
        #expect(units["90001"]?.figures.rate == 75)
        #expect(units["90002"]?.figures.rate == 0)
        #expect(units["90001"]?.rank == 1 && units["90002"]?.rank == 2 && units["90002"]?.rankOf == 2)
        #expect(units["90001"]?.name == "Xã Hòa Bình, mới", "named as it is after the reform")
        #expect(year.weakest.first?.code == "90002")

        // Month by month: June is under the district structure, July under the province only.
        let monthly = try await ledger.statistics(
            CoverageQuery(from: day("2025-01-01"), to: day("2025-12-31"), by: .month))
        let june = monthly.periods.first { $0.period == "2025-06" && $0.level == .commune }
        let july = monthly.periods.first { $0.period == "2025-07" && $0.level == .commune }
        #expect(june?.figures == CoverageFigures(issued: 3, classified: 0, signed: 1))
        #expect(july?.figures.rate == 100)
        // Empty periods are listed with no rate (no division by zero).
        #expect(monthly.periods.filter { $0.level == .district }.count == 12)
        let january = monthly.periods.first { $0.period == "2025-01" && $0.level == .province }
        #expect(january?.figures.issued == 0 && january?.figures.rate == nil && january?.gap == nil)
        let quarters = try await ledger.statistics(
            CoverageQuery(from: day("2025-01-01"), to: day("2025-12-31"), by: .quarter))
        #expect(Set(quarters.periods.map(\.period)) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"])
        #expect(quarters.periods.first { $0.period == "2025-Q3" && $0.level == .commune }?.figures.rate == 100)

        // A period without any document: nothing divided by zero anywhere.
        let empty = try await ledger.statistics(
            CoverageQuery(from: day("2019-01-01"), to: day("2019-12-31"), by: .month))
        #expect(empty.overall.rate == nil && empty.levels.isEmpty && empty.units.isEmpty)
        let json = String(decoding: try JSONEncoder().encode(empty), as: UTF8.self)
        #expect(!json.contains("nan") && !json.contains("inf"))

        // Targets from a file: per year and per province, the most specific wins.
        let targets = CoverageTargets([
            .init(level: .commune, target: 60, year: 2025),
            .init(level: .commune, target: 70, year: 2025, provinceCode: "90"),
        ])
        let withTargets = try await ledger.statistics(
            CoverageQuery(from: day("2025-01-01"), to: day("2025-12-31"), province: "90", targets: targets))
        #expect(level(withTargets, .commune)?.target == 70)
        #expect(level(withTargets, .district)?.target == 90, "levels without a file entry keep the defaults")
    }

    @Test(
        "Re-importing changes nothing; a changed row is refused with its line; nothing is partially imported",
        arguments: TestDatabase.enabled)
    func idempotentAndAllOrNothing(_ backend: TestDatabase) async throws {
        let (ledger, dir) = try await SmallLedger.make(backend)
        defer { Task { try? await ledger.close() } }
        let head = try await ledger.store.head()
        let again = try await ledger.importDocuments(
            path: try SmallLedger.write(SmallLedger.documents, "documents.csv", in: dir))
        #expect(again.appended == 0 && again.unchanged == 14)
        #expect(try await ledger.store.head() == head)

        // One new good row and one row that changes an existing document: nothing goes in.
        let changed = """
            number,unit_code,issued_on,signed,classified
            9/QĐ-UBND,90,2025-08-01,true,false
            4/TB-UBND,901,2025-05-06,true,false

            """
        await #expect {
            _ = try await ledger.importDocuments(path: try SmallLedger.write(changed, "changed.csv", in: dir))
        } throws: { error in
            guard case let LedgerError.invalidInput(_, problems) = error else { return false }
            return problems.count == 1 && problems[0].line == 3
                && problems[0].message.contains("different signed, signature_count (the ledger is append-only)")
        }
        #expect(try await ledger.store.head() == head)

        // Malformed rows, each named with its line; unknown and out-of-force units named.
        let bad = """
            number,unit_code,issued_on,signed,classified
            10/QĐ-UBND,90,2025-08-01,true,false
            11/QĐ-UBND,90,2025-02-30,true,false
            12/QĐ-UBND,77777,2025-08-01,true,false
            13/QĐ-UBND,90,2025-08-01,maybe,false
            14/QĐ-UBND,90,2025-08-01,true
            15/QĐ-UBND,90002,2025-08-01,true,false

            """
        await #expect {
            _ = try await ledger.importDocuments(path: try SmallLedger.write(bad, "bad.csv", in: dir))
        } throws: { error in
            guard case let LedgerError.invalidInput(_, problems) = error else { return false }
            let text = problems.map(\.description).joined(separator: "\n")
            return problems.map(\.line) == [3, 4, 5, 6, 7] && text.contains("2025-02-30")
                && text.contains("unknown unit code 77777")
                && text.contains("maybe") && text.contains("the header has 5")
                && text.contains("unit 90002 was not in force on 2025-08-01")
        }
        #expect(try await ledger.store.head() == head)
        #expect(try await ledger.check().valid)
    }

    @Test("JSON and JSON Lines exports import like CSV", arguments: TestDatabase.enabled)
    func jsonImport(_ backend: TestDatabase) async throws {
        let (ledger, dir) = try await SmallLedger.make(backend)
        defer { Task { try? await ledger.close() } }
        let array =
            #"[{"number": "20/QĐ-UBND", "unit_code": "90", "issued_on": "2025-09-01", "signed": true, "#
            + #""classified": false, "signature_count": 2, "timestamped": true},"#
            + #" {"number": "21/CV-UBND", "unit_code": "90001", "issued_on": "2025-09-02", "signed": false, "#
            + #""classified": false, "title": "Về việc \"kiểm tra\""}]"#
        let summary = try await ledger.importDocuments(path: try SmallLedger.write(array, "export.json", in: dir))
        #expect(summary.appended == 2)
        let lines =
            #"{"number": "22/TB-UBND", "unit_code": "90", "issued_on": "2025-09-03", "signed": 1, "classified": 0}"#
            + "\n"
            + #"{"number": "23/TB-UBND", "unit_code": "90", "issued_on": "2025-09-03", "signed": true, "#
            + #""classified": false, "colour": "blue"}"#
            + "\n"
        await #expect {
            _ = try await ledger.importDocuments(path: try SmallLedger.write(lines, "export.jsonl", in: dir))
        } throws: { error in
            guard case let LedgerError.invalidInput(_, problems) = error else { return false }
            return problems.map(\.line) == [2] && problems[0].message.contains("colour")
        }
        let entries = try await ledger.list(EntryFilter(from: day("2025-09-01")))
        #expect(entries.map(\.record.number) == ["20/QĐ-UBND", "21/CV-UBND"])
        #expect(entries[0].record.timestamped && entries[0].record.signatureCount == 2)
        #expect(entries[1].record.title == "Về việc \"kiểm tra\"")
    }

    @Test(
        "The seeded generator's planted rates come back from the statistics, per level and per unit",
        arguments: TestDatabase.enabled)
    func plantedRates(_ backend: TestDatabase) async throws {
        let dir = Fixtures.temporaryDirectory("planted")
        let ledger = try await Ledger.open(try backend.freshLocation())
        defer { Task { try? await ledger.close() } }
        try await ledger.importUnits(
            csv: Fixtures.samples.appendingPathComponent("units/binh-phuoc-binh-duong-binh-thuan.csv").path)
        let csv = dir.appendingPathComponent("year.csv").path
        let plan = try SyntheticProvince(seed: 2024, province: "70", year: 2024, documents: 30_000).write(
            csv: csv, directory: try await ledger.directory())
        #expect(plan.documents > 25_000)
        #expect(plan.units.count == 127, "1 province, 4 provincial offices, 11 districts, 111 communes")
        let summary = try await ledger.importDocuments(path: csv)
        #expect(summary.appended == plan.documents)
        let report = try await ledger.statistics(
            CoverageQuery(from: day("2024-01-01"), to: day("2024-12-31"), province: "70"))
        for (name, planted) in plan.levels {
            let measured = try #require(report.levels.first { $0.level.rawValue == name }?.figures.rate)
            #expect(
                abs(measured - planted.rate!) < 0.1, "level \(name): planted \(planted.rate!), measured \(measured)")
        }
        #expect(report.units.count == plan.units.count)
        for unit in report.units {
            let planted = try #require(plan.units[unit.code]?.rate)
            #expect(abs(unit.figures.rate! - planted) < 0.1, "unit \(unit.code)")
        }
        // Classified documents were planted and excluded.
        #expect(report.overall.classified == plan.units.values.reduce(0) { $0 + $1.classified })
        #expect(report.overall.classified > 0)
        #expect(try await ledger.check().valid)
    }

    @Test("SQLite and PostgreSQL give the same statistics for the same imports")
    func sameAnswers() async throws {
        guard TestDatabase.enabled.contains(.postgres) else { return }
        var reports: [String] = []
        for backend in TestDatabase.allCases {
            let (ledger, dir) = try await SmallLedger.make(backend)
            let csv = dir.appendingPathComponent("year.csv").path
            try await ledger.importUnits(
                csv: Fixtures.samples.appendingPathComponent("units/binh-phuoc-binh-duong-binh-thuan.csv").path)
            _ = try SyntheticProvince(seed: 7, province: "60", year: 2024, documents: 8_000).write(
                csv: csv, directory: try await ledger.directory())
            _ = try await ledger.importDocuments(path: csv)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var parts: [String] = []
            for by in CoverageQuery.Grouping.allCases {
                let r = try await ledger.statistics(
                    CoverageQuery(from: day("2024-01-01"), to: day("2025-12-31"), by: by))
                parts.append(String(decoding: try encoder.encode(r), as: UTF8.self))
            }
            reports.append(parts.joined(separator: "\n"))
            try await ledger.close()
        }
        #expect(reports[0] == reports[1])
    }

    @Test(
        "Numbering continues after the highest number recorded without a reservation; a recorded number is not given",
        arguments: TestDatabase.enabled)
    func numberingAfterImportedDocuments(_ backend: TestDatabase) async throws {
        let (ledger, _) = try await SmallLedger.make(backend)
        defer { Task { try? await ledger.close() } }
        func request(_ unit: String, year: Int, series: String = "", explicit: Int? = nil) -> NumberReservation.Request
        {
            .init(
                unitCode: unit, series: series, year: year, explicit: explicit, symbol: "QĐ-UBND",
                details: RegisterDetails(), at: "2025-05-10T08:00:00+07:00")
        }
        // District 901 recorded 1…4 in 2025 (imported), and a classified 5/MẬT-UBND, numbered in the
        // separate register of classified documents: the next is 05.
        let next = try await ledger.reserveNumber(request("901", year: 2025), on: day("2025-05-10"))
        #expect(next.number == 5 && next.reference == "05/QĐ-UBND")
        await #expect(throws: LedgerError.self) {
            _ = try await ledger.reserveNumber(request("901", year: 2025, explicit: 3), on: day("2025-05-10"))
        }
        // Another year, another unit and a separate series start from 01.
        #expect(try await ledger.reserveNumber(request("90", year: 2026), on: day("2026-01-05")).number == 1)
        #expect(try await ledger.reserveNumber(request("901", year: 2024), on: day("2024-05-10")).number == 1)
        let separate = try await ledger.reserveNumber(request("901", year: 2025, series: "QPPL"), on: day("2025-05-10"))
        #expect(separate.number == 1)
        #expect(try await ledger.reserveNumber(request("901", year: 2025), on: day("2025-05-10")).number == 6)
    }

    @Test("ledger check finds an entry changed behind the ledger's back")
    func tamperDetected() async throws {
        let location = try TestDatabase.sqlite.freshLocation()
        let ledger = try await Ledger.open(location)
        let dir = Fixtures.temporaryDirectory("tamper")
        try await ledger.importUnits(csv: try SmallLedger.write(SmallLedger.units, "units.csv", in: dir))
        _ = try await ledger.importDocuments(
            path: try SmallLedger.write(SmallLedger.documents, "documents.csv", in: dir))
        #expect(try await ledger.check().valid)
        try await ledger.close()
        guard case let .sqlite(path) = location else { return }
        // The triggers refuse updates; someone with write access to the file drops them first.
        let refused = try Peers.run(
            "python3",
            [
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE documents SET signed=1 WHERE "
                    + "number='4/TB-UBND'\"); c.commit()",
                path,
            ])
        #expect(refused.status != 0 && refused.stderr.contains("append-only"))
        let tampered = try Peers.run(
            "python3",
            [
                "-c",
                """
                import sqlite3,sys
                c=sqlite3.connect(sys.argv[1])
                c.execute("DROP TRIGGER documents_append_only_update")
                c.execute("UPDATE documents SET signed=1 WHERE number='4/TB-UBND'")
                c.commit()
                """, path,
            ])
        #expect(tampered.status == 0, "\(tampered.stderr)")
        let reopened = try await Ledger.open(location)
        let report = try await reopened.check()
        #expect(!report.valid)
        #expect(report.problems.contains { $0.contains("entry 8") && $0.contains("4/TB-UBND") })
        try await reopened.close()
    }
}
