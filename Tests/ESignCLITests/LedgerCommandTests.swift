import ESign
import ESignTestSupport
import Foundation
import Testing

/// The ledger through the `esign` command line, as clerks, scripts and CI use it.
@Suite("esign units / ledger / stats")
struct LedgerCommandTests {
    static let units = Fixtures.samples.appendingPathComponent("units/binh-phuoc-binh-duong-binh-thuan.csv").path

    /// A fresh ledger with the sample units, and the `--database` argument for it.
    func freshLedger(_ backend: TestDatabase) throws -> String {
        let database = TestDatabase.argument(try backend.freshLocation())
        let imported = try Peers.esign(["units", "import", Self.units, "--database", database])
        #expect(imported.status == 0, "\(imported.combined)")
        return database
    }

    func documents(prefix: String, count: Int, unit: String = "25195", in dir: URL) throws -> String {
        var text = "number,unit_code,issued_on,signed,classified\n"
        for n in 0..<count {
            let day = String(format: "%02d", n % 28 + 1)
            text += "\(n + 1)/\(prefix)-UBND,\(unit),2024-03-\(day),\(n % 3 != 0),false\n"
        }
        let path = dir.appendingPathComponent("\(prefix).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "Four processes recording 2,000 documents each: all 8,000 present, chain valid", arguments: TestDatabase.enabled
    )
    func concurrentWriters(_ backend: TestDatabase) throws {
        let database = try freshLedger(backend)
        let dir = Fixtures.temporaryDirectory("concurrent")
        let files = try (1...4).map { try documents(prefix: "P\($0)", count: 2000, in: dir) }
        let binary = try Peers.esignBinary()
        // Small transactions so that the four writers interleave on the chain head.
        let processes = try files.map { file -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = [
                "ledger", "import", file, "--commit-every", backend == .sqlite ? "1" : "5", "--json", "--database",
                database,
            ]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        for p in processes {
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
        let check = try Peers.esign(["ledger", "check", "--json", "--database", database])
        #expect(check.status == 0, "\(check.combined)")
        let result = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        #expect(result?["entries"] as? Int == 8000 && result?["valid"] as? Bool == true)
        // Writers interleaved: the first 8,000 entries are not four runs of 2,000 in file order.
        let listed = try Peers.esign(["ledger", "list", "--json", "--limit", "8000", "--database", database])
        let prefixes = listed.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "-UBND\"") else { return nil }
            return String(line[..<range.lowerBound].suffix(2))
        }
        #expect(prefixes.count == 8000)
        #expect(Set(prefixes) == ["P1", "P2", "P3", "P4"])
        let switches = zip(prefixes, prefixes.dropFirst()).filter { $0 != $1 }.count
        #expect(switches > 3, "writers took turns (\(switches) switches)")
    }

    @Test("An import killed with SIGKILL leaves the ledger as it was before it", arguments: TestDatabase.enabled)
    func killedMidImport(_ backend: TestDatabase) throws {
        let database = try freshLedger(backend)
        let dir = Fixtures.temporaryDirectory("killed")
        #expect(
            try Peers.esign([
                "ledger", "import", try documents(prefix: "A", count: 500, in: dir), "--database", database,
            ]).status == 0)
        let big = dir.appendingPathComponent("big.csv").path
        #expect(
            try Peers.esign([
                "ledger", "generate", "--province", "70", "--year", "2023", "--documents", "200000", "-o", big,
                "--database", database,
            ]).status == 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Peers.esignBinary())
        p.arguments = ["ledger", "import", big, "--database", database]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1.5)
        #expect(p.isRunning, "the import should still be running when killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        let check = try Peers.esign(["ledger", "check", "--json", "--database", database])
        #expect(check.status == 0, "\(check.combined)")
        #expect(check.stdout.contains("\"entries\":500"), "\(check.stdout)")
        // Nothing is left locked: the next import goes through.
        let again = try Peers.esign([
            "ledger", "import", try documents(prefix: "B", count: 500, in: dir), "--json", "--database", database,
        ])
        #expect(again.status == 0, "\(again.combined)")
        #expect(try Peers.esign(["ledger", "check", "--database", database]).status == 0)
    }

    @Test("Bad rows are reported with their lines, unknown units named, exit 65, nothing imported")
    func badInput() throws {
        let database = try freshLedger(.sqlite)
        let dir = Fixtures.temporaryDirectory("bad-rows")
        let path = dir.appendingPathComponent("bad.csv").path
        try """
        number,unit_code,issued_on,signed,classified
        1/QĐ-UBND,25195,2024-03-01,true,false
        2/QĐ-UBND,99999,2024-03-01,true,false
        3/QĐ-UBND,25195,01/03/2024,true,false
        "4/QĐ-UBND,25195,2024-03-01,true,false

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let out = try Peers.esign(["ledger", "import", path, "--database", database])
        #expect(out.status == 65)
        #expect(out.stderr.contains("line 3: unknown unit code 99999"))
        #expect(out.stderr.contains("line 4: issued_on \"01/03/2024\" is not a date"))
        #expect(out.stderr.contains("line 5: a quoted field is never closed"))
        #expect(out.stderr.contains("nothing was imported"))
        #expect(try Peers.esign(["ledger", "list", "--json", "--database", database]).stdout.isEmpty)
        let missing = try Peers.esign([
            "ledger", "import", dir.appendingPathComponent("nope.csv").path, "--database", database,
        ])
        #expect(missing.status == 66)
        let header = dir.appendingPathComponent("header.csv").path
        try "number,unit,issued_on\n".write(toFile: header, atomically: true, encoding: .utf8)
        let badHeader = try Peers.esign(["ledger", "import", header, "--database", database])
        #expect(
            badHeader.status == 65 && badHeader.stderr.contains("unknown column \"unit\"")
                && badHeader.stderr.contains("missing columns unit_code, signed, classified"))
        let units = dir.appendingPathComponent("units.csv").path
        let list =
            "code,name,level,parent_code,valid_from,valid_to\n9,Tỉnh,province,,2020-01-01,\n"
            + "8,Xã,commune,7,2020-01-01,\n"
        try list.write(toFile: units, atomically: true, encoding: .utf8)
        let orphan = try Peers.esign(["units", "import", units, "--database", database])
        #expect(orphan.status == 65 && orphan.stderr.contains("unit 8: parent 7 is not a known unit"))
        let unreachable = try Peers.esign(["stats", "--database", "postgres://nobody@127.0.0.1:1/none"])
        #expect(unreachable.status == 69, "\(unreachable.combined)")
    }

    @Test("esign stats: table, CSV, JSON and a self-contained HTML report that headless Chromium loads without errors")
    func statsFormats() throws {
        let database = try freshLedger(.sqlite)
        let dir = Fixtures.temporaryDirectory("stats")
        let csv = dir.appendingPathComponent("year.csv").path
        let plan = dir.appendingPathComponent("plan.json").path
        #expect(
            try Peers.esign([
                "ledger", "generate", "--province", "70", "--year", "2024", "--documents", "20000", "--seed", "5", "-o",
                csv, "--plan", plan, "--database", database,
            ]).status == 0)
        #expect(try Peers.esign(["ledger", "import", csv, "--database", database]).status == 0)
        let range = ["--from", "2024-01-01", "--to", "2024-12-31", "--database", database]

        let table = try Peers.esign(["stats"] + range)
        #expect(table.status == 0)
        #expect(table.stdout.contains("commune") && table.stdout.contains("Overall:"))

        let json = try Peers.esign(["stats", "--format", "json", "--by", "month"] + range)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let report = try decoder.decode(CoverageReport.self, from: Data(json.stdout.utf8))
        #expect(report.schema == "esign.coverage/1" && report.periods.count == 36)
        let planned = try JSONDecoder().decode(
            SyntheticProvince.Plan.self, from: Data(contentsOf: URL(fileURLWithPath: plan)))
        for level in report.levels {
            #expect(abs(level.figures.rate! - planned.levels[level.level.rawValue]!.rate!) < 0.1)
        }

        let units = try Peers.esign(["stats", "--format", "csv", "--by", "unit"] + range)
        let lines = units.stdout.split(separator: "\n")
        let header =
            "code,name,level,parent_code,province_code,issued,classified,eligible,signed,rate,target,gap,rank,rank_of"
        #expect(lines.first.map(String.init) == header)
        #expect(lines.count == 1 + 127)
        #expect(lines.contains { $0.hasPrefix("689,Thành phố Đồng Xoài,district,70,70,") })

        let html = dir.appendingPathComponent("report.html").path
        #expect(try Peers.esign(["stats", "--format", "html", "-o", html] + range).status == 0)
        let again = try Peers.esign(["stats", "--format", "html", "-o", html] + range)
        #expect(again.status == 73, "no overwrite without --force")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(
            !page.contains("http://") && !page.contains("https://") && !page.contains("<link")
                && !page.contains("src="), "no external assets")
        #expect(page.contains("<svg") && page.contains("Cấp xã") && page.contains("Thành phố Đồng Xoài"))

        // Headless Chromium: the page's script runs to its end (data-ready) and nothing is logged as an error.
        let chromium = try Peers.locate("chromium")
        let profile = Fixtures.temporaryDirectory("chromium-profile").path
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--enable-logging=stderr",
            "--v=0",
        ]
        let dom = try Peers.run(chromium, common + ["--dump-dom", "file://\(html)"], timeout: 90)
        #expect(dom.stdout.contains("data-ready=\"1\""), "\(dom.stderr.suffix(2000))")
        #expect(
            !dom.stderr.contains("Uncaught") && !dom.stderr.contains("ERR_FILE_NOT_FOUND"), "\(dom.stderr.suffix(2000))"
        )
        let artifacts = Fixtures.packageRoot.appendingPathComponent(".build/artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("coverage-report.png").path
        try? FileManager.default.removeItem(atPath: screenshot)
        let shot = try Peers.run(
            chromium,
            common + ["--window-size=1280,1800", "--hide-scrollbars", "--screenshot=\(screenshot)", "file://\(html)"],
            timeout: 90)
        #expect(FileManager.default.fileExists(atPath: screenshot), "\(shot.stderr.suffix(2000))")
        let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
        #expect(size > 20_000, "a rendered page, not a blank one")
    }

    @Test("esign sign --unit records the signed file in the ledger")
    func signRecords() throws {
        let database = try freshLedger(.sqlite)
        let pki = Fixtures.temporaryDirectory("sign-unit-pki")
        #expect(try Peers.esign(["pki", "demo", "--dir", pki.path]).status == 0)
        let env = [
            "ESIGN_PASSWORD": try String(
                contentsOfFile: pki.appendingPathComponent("password.txt").path, encoding: .utf8
            ).trimmingCharacters(in: .whitespacesAndNewlines)
        ]
        let dir = Fixtures.temporaryDirectory("sign-unit")
        let input = Fixtures.samplePDFs[0].path
        let output = dir.appendingPathComponent("qd.pdf").path
        let unknown = try Peers.esign(
            [
                "sign", input, "-o", output, "--p12", pki.appendingPathComponent("commune-official.p12").path, "--unit",
                "12345", "--database", database,
            ], environment: env)
        #expect(unknown.status == 65 && unknown.stderr.contains("unknown unit code 12345"))
        #expect(!FileManager.default.fileExists(atPath: output), "nothing is signed for an unknown unit")
        let signed = try Peers.esign(
            [
                "sign", input, "-o", output, "--p12", pki.appendingPathComponent("commune-official.p12").path,
                "--unit", "25195", "--number", "7/QĐ-UBND", "--type", "QĐ", "--database", database,
            ], environment: env)
        #expect(signed.status == 0, "\(signed.combined)")
        let listed = try Peers.esign(["ledger", "list", "--json", "--database", database])
        let entry = try JSONDecoder().decode(LedgerEntry.self, from: Data(listed.stdout.utf8))
        #expect(entry.record.number == "7/QĐ-UBND" && entry.record.signed && entry.record.unitLevel == .commune)
        #expect(entry.record.documentID == Hex.string(try Fixtures.sha256(ofFile: output)))
        #expect(entry.record.provinceCode == "75", "after the reform Phường Đồng Xoài is in Đồng Nai")
        #expect(entry.source == "sign")
    }
}
