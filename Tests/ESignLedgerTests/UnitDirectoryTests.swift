import ESign
import ESignTestSupport
import Foundation
import Testing

@Suite("Administrative units")
struct UnitDirectoryTests {
    func directory(_ csv: String = SmallLedger.units) throws -> UnitDirectory {
        UnitDirectory(try UnitCSV.read(CSVReader(bytes: Array(csv.utf8), name: "units.csv")))
    }

    @Test("A commune sits under its district before the reform and directly under its province after it")
    func reformBoundary() throws {
        let d = try directory()
        let before = try d.resolve("90001", on: CivilDate(iso8601: "2025-06-30")!)
        #expect(before.unit.parentCode == "901")
        #expect(before.districtCode == "901")
        #expect(before.provinceCode == "90")
        let after = try d.resolve("90001", on: CivilDate(iso8601: "2025-07-01")!)
        #expect(after.unit.parentCode == "90")
        #expect(after.districtCode == nil)
        #expect(after.provinceCode == "90")
        #expect(after.unit.name == "Xã Hòa Bình, mới")
        #expect(throws: LedgerError.self) { try d.resolve("90002", on: CivilDate(iso8601: "2025-07-01")!) }
        #expect(throws: LedgerError.unknownUnit("99999")) {
            try d.resolve("99999", on: CivilDate(iso8601: "2025-07-01")!)
        }
        #expect(d.problems().isEmpty)
    }

    @Test("The shipped unit list is consistent and covers the three provinces before and after the reform")
    func shippedSample() throws {
        let path = Fixtures.samples.appendingPathComponent("units/binh-phuoc-binh-duong-binh-thuan.csv").path
        let d = UnitDirectory(try UnitCSV.read(CSVReader(path: path)))
        #expect(d.problems() == [])
        let day = CivilDate(iso8601: "2024-06-01")!
        for (province, districts) in [("70", 11), ("74", 9), ("60", 10)] {
            let inForce = d.allUnits.filter {
                $0.isInForce(on: day) && (try? d.resolve($0.code, on: day))?.provinceCode == province
            }
            #expect(inForce.filter { $0.level == .district }.count == districts, "districts of \(province)")
        }
        let binhPhuocCommunes = d.allUnits.filter {
            $0.isInForce(on: day) && $0.level == .commune && (try? d.resolve($0.code, on: day))?.provinceCode == "70"
        }
        #expect(binhPhuocCommunes.count == 111)
        // Đồng Xoài's Tân Phú ward continues as Phường Đồng Xoài in Đồng Nai, without a district.
        let after = try d.resolve("25195", on: CivilDate(iso8601: "2025-09-01")!)
        #expect(after.provinceCode == "75" && after.districtCode == nil)
        #expect(try d.resolve("25195", on: day).districtCode == "689")
        #expect(d.allUnits.contains { $0.name == "Xã Đak Ơ" }, "Vietnamese names keep their diacritics")
    }

    @Test("Inconsistent unit lists are refused with the reason")
    func inconsistent() throws {
        let overlapping = SmallLedger.units + "90002,Xã Tân Lập,commune,901,2025-01-01,\n"
        #expect(try directory(overlapping).problems().contains { $0.contains("overlap") })
        let orphan = SmallLedger.units + "90003,Xã Mồ Côi,commune,999,2020-01-01,\n"
        #expect(try directory(orphan).problems() == ["unit 90003: parent 999 is not a known unit"])
        let badRows =
            "code,name,level,parent_code,valid_from,valid_to\n1,,village,,2020-13-01,\n"
            + "2,Tỉnh,province,,2020-01-01,2019-01-01\n"
        do {
            _ = try UnitCSV.read(CSVReader(bytes: Array(badRows.utf8), name: "bad.csv"))
            Issue.record("expected an error")
        } catch let LedgerError.invalidInput(_, problems) {
            #expect(problems.map(\.line) == [2, 2, 2, 3])
            #expect(problems[1].message.contains("village"))
        }
    }
}

@Suite("CSV reading")
struct CSVReaderTests {
    @Test("Quotes, doubled quotes, commas and line breaks inside fields, CRLF, BOM; records keep their starting line")
    func rfc4180() throws {
        let text = "\u{FEFF}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\r\nlast,,\n"
        let reader = CSVReader(bytes: Array(text.utf8))
        var records: [(Int, [String])] = []
        while let r = try reader.next() { records.append(r) }
        #expect(records.count == 3)
        #expect(records[0].1 == ["a", "b", "c"])
        #expect(records[1].1 == ["x, y", "say \"hi\"", "two\nlines"])
        #expect(records[2].0 == 5)
        #expect(records[2].1 == ["last", "", ""])
    }

    @Test("Large files are read in blocks with records spanning block boundaries")
    func blocks() throws {
        let dir = Fixtures.temporaryDirectory("csv")
        let path = dir.appendingPathComponent("big.csv").path
        var text = "n,quoted\n"
        for i in 0..<200_000 { text += "\(i),\"value \(i)\nsecond line\"\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try CSVReader(path: path)
        _ = try reader.next()
        var count = 0
        while let r = try reader.next() {
            #expect(r.fields[0] == String(count))
            #expect(r.line == 2 + 2 * count)
            count += 1
        }
        #expect(count == 200_000)
    }

    @Test("An unterminated quote is reported with its line")
    func unterminated() {
        let reader = CSVReader(bytes: Array("a,b\n1,\"open\n2,3\n".utf8))
        _ = try? reader.next()
        #expect(throws: CSVReader.Failure.self) { try reader.next() }
    }
}
