import ESign
import ESignTestSupport
import Foundation
import Testing

/// Issuance that finishes the document: the number and date written onto the page (or into the
/// form field) before the official signs, checked with pdftotext, pdftoppm, pdfsig and pyHanko;
/// numbers given once and only once, void when issuing fails, also with concurrent issuers and a
/// SIGKILL; the outgoing-document register.
@Suite("esign issue: number and date on the page, the register, numbering that survives everything")
struct IssueNumberingTests {
    static let units = Fixtures.samples.appendingPathComponent("units/binh-phuoc-binh-duong-binh-thuan.csv").path
    var pki: DemoPKI { Fixtures.pki }
    func p12(_ name: String) -> String { pki.signers[name]!.pkcs12Path }
    func sample(_ name: String) -> String { Fixtures.samples.appendingPathComponent(name).path }

    func ledger(_ database: TestDatabase = .sqlite) throws -> String {
        let location = TestDatabase.argument(try database.freshLocation())
        let imported = try Peers.esign(["units", "import", Self.units, "--database", location])
        try #require(imported.status == 0, "\(imported.combined)")
        return location
    }

    func issueArguments(_ input: String, _ output: String, database: String, unit: String = "75") -> [String] {
        [
            "issue", input, "-o", output, "--unit", unit, "--signer", p12("province-official"), "--seal",
            p12("province-seal"), "--password-file", pki.passwordPath, "--database", database,
        ]
    }

    func register(_ database: String, unit: String = "75", year: Int) throws -> [RegisterEntry] {
        let listed = try Peers.esign([
            "ledger", "list", "--register", "--unit", unit, "--year", String(year), "--format", "json", "--database",
            database,
        ])
        try #require(listed.status == 0, "\(listed.combined)")
        return try listed.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(RegisterEntry.self, from: Data($0.utf8))
        }
    }

    /// The placeholder each sample was drafted with, as pdftotext reads it.
    static let layouts: [(file: String, placeholder: String, date: String)] = [
        ("decision.pdf", "1234/QĐ-UBND", "ngày 15 tháng 5 năm 2024"),  // LibreOffice, signer block centred
        ("decision-right.pdf", "Số: /QĐ-UBND", "ngày tháng năm 2024"),  // LibreOffice, flush right, blanks
        ("decision-dots.pdf", "………/QĐ-UBND", "ngày …… tháng …… năm 20……"),  // LibreOffice, dots
        ("decision-field.pdf", "", "ngày …… tháng …… năm 2024"),  // reportlab, the number in a text field
        ("notice.pdf", "89/TB-UBND", "ngày 02 tháng 7 năm 2024"),  // reportlab, number and date on one baseline
        ("official-letter.pdf", "567/UBND-VX", "ngày 20 tháng 6 năm 2024"),  // Ghostscript
    ]

    @Test(
        "Decisions from LibreOffice, reportlab and Ghostscript: the page shows the number, both signatures valid",
        arguments: layouts.map(\.file))
    func numberAndDateOnThePage(_ file: String) throws {
        let layout = try #require(Self.layouts.first { $0.file == file })
        let database = try ledger()
        let output = Fixtures.temporaryDirectory("numbered").appendingPathComponent(file).path
        let run = try Peers.esign(
            issueArguments(sample(file), output, database: database) + [
                "--number", "7", "--symbol", "QĐ-UBND", "--issued-on", "2026-02-05", "--json",
            ])
        try #require(run.status == 0, "\(run.combined)")

        // pdftotext: the number line reads the assigned number, the date line the issue date; the drafter's
        // placeholder is gone from the text.
        let text = try Peers.run("pdftotext", ["-layout", output, "-"]).stdout
        let numberLine = try #require(text.split(separator: "\n").first { $0.contains("Số:") }, "\(text)")
        #expect(numberLine.contains("Số: 07/QĐ-UBND"), "\(numberLine)")
        #expect(text.contains("ngày 05 tháng 02 năm 2026"), "\(text.prefix(600))")
        if !layout.placeholder.isEmpty && layout.placeholder != "Số: /QĐ-UBND" {
            #expect(!text.contains(layout.placeholder), "the old number is still in the text")
        }
        #expect(!text.contains(layout.date), "the drafter's date is still in the text")

        // Validators nobody here wrote: both signatures valid, the official's followed by the seal only.
        let peers = try PeerReport.of(output, trust: pki.rootPath)
        #expect(peers.qpdfStatus == 0)
        #expect(peers.pdfsig.count == 2 && peers.pdfsig.allSatisfy(\.valid), "\(peers.pdfsig)")
        #expect(peers.pyhanko["ChuKyCoQuan"] == "INTACT:TRUSTED,UNTOUCHED", "\(peers.pyhanko)")
        let official = peers.pyhanko["ChuKyNguoiCoThamQuyen"] ?? ""
        #expect(official.hasPrefix("INTACT:TRUSTED,EXTENDED") && !official.contains("MODIFIED"), "\(official)")
        let verified = try Peers.esign(["verify", output, "--trust", pki.rootPath, "--offline", "--json"])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("TOTAL-PASSED") && !verified.stdout.contains("NOT_ALLOWED"))

        // The ledger entry is the printed number.
        let listed = try Peers.esign(["ledger", "list", "--json", "--database", database])
        let entry = try JSONDecoder().decode(LedgerEntry.self, from: Data(listed.stdout.utf8))
        #expect(entry.record.number == "07/QĐ-UBND")
        #expect(entry.record.documentID == Hex.string(try Fixtures.sha256(ofFile: output)))

        // Every signature lies on the page (the flush-right signer block included).
        let document = try PDFDocument(path: output)
        let box = try VisibleSignature.pageBox(document, page: try document.pageReference(at: 0))
        for field in try document.formFields() where field.type == "Sig" {
            let rect = try (document.resolve(field.dictionary["Rect"]).array ?? []).map {
                try document.resolve($0).number ?? 0
            }
            try #require(rect.count == 4)
            #expect(rect[0] >= box[0] && rect[2] <= box[2] && rect[1] >= box[1] && rect[3] <= box[3], "\(rect)")
        }
    }

    @Test("The placeholder's glyphs are gone: rendered, the area they covered is blank once the number is not drawn")
    func placeholderNoLongerVisible() throws {
        for file in ["decision.pdf", "decision-dots.pdf", "notice.pdf"] {
            let document = try PDFDocument(path: sample(file))
            let places = try DocumentNumbering(font: try TrueTypeFont(path: TrueTypeFont.defaultPath))
                .locate(in: document)
            guard case .text(let page, let glyphs, _, let y, let size, _, _, _) = places.number else {
                Issue.record("\(file): no number line found")
                continue
            }
            let text = try document.pageText(at: page)
            let drawn = glyphs.map { text.runs[$0.run].glyphs[$0.glyph] }
            let minX = try #require(drawn.map(\.x).min())
            let maxX = try #require(drawn.map { $0.x + $0.width }.max())
            // Only the removal (no number drawn), rendered next to the original.
            var edit = PageContentEdit(page: page, text: text)
            for g in glyphs { edit.remove(run: g.run, glyphs: [g.glyph]) }
            var update = try IncrementalUpdate(document: document)
            try edit.write(into: &update, document: document)
            let removed = Fixtures.temporaryDirectory("removed").appendingPathComponent(file).path
            try Data(try document.source.read(at: 0, length: document.source.count) + update.serialize().bytes)
                .write(to: URL(fileURLWithPath: removed))
            func ink(_ pdf: String) throws -> Int {
                let image = try render(pdf)
                let height = Double(image.height)
                var dark = 0
                let top = Int(height - (y + size) * 2)
                let bottom = Int(height - (y - size * 0.3) * 2)
                for row in max(0, top)..<min(image.height, bottom) {
                    for column in Int(minX * 2)..<min(image.width, Int(maxX * 2)) {
                        let p = 3 * (row * image.width + column)
                        if Int(image.rgb[p]) + Int(image.rgb[p + 1]) + Int(image.rgb[p + 2]) < 3 * 160 { dark += 1 }
                    }
                }
                return dark
            }
            #expect(try ink(sample(file)) > 20, "\(file): the placeholder was not where it was looked for")
            #expect(try ink(removed) == 0, "\(file): the placeholder still shows")
            // The rest of the page's text is untouched.
            let before = try Peers.run("pdftotext", [sample(file), "-"]).stdout
            let after = try Peers.run("pdftotext", [removed, "-"]).stdout
            #expect(after.count < before.count && after.contains("QUYẾT ĐỊNH") == before.contains("QUYẾT ĐỊNH"))
            #expect(after.contains("CHỦ TỊCH"))
        }
    }

    func render(_ pdf: String) throws -> PNGImage {
        let prefix = Fixtures.temporaryDirectory("render").appendingPathComponent("page").path
        let run = try Peers.run("pdftoppm", ["-r", "144", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, prefix])
        try #require(run.status == 0, "\(run.combined)")
        return try PNGImage(path: prefix + ".png")
    }

    @Test("A layout without a number line is refused (65) before any number is given, unless --number-at says where")
    func noNumberLine() throws {
        let database = try ledger()
        let dir = Fixtures.temporaryDirectory("no-number-line")
        let output = dir.appendingPathComponent("report.pdf").path
        let refused = try Peers.esign(issueArguments(sample("report.pdf"), output, database: database))
        #expect(refused.status == 65, "\(refused.combined)")
        #expect(refused.stderr.contains("number line") && refused.stderr.contains("--number-at"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try register(database, year: CivilDate.today().year).isEmpty, "a number was given for nothing")

        let placed = try Peers.esign(
            issueArguments(sample("report.pdf"), output, database: database) + [
                "--number-at", "1,60,40", "--date-at", "1,300,40", "--issued-on", "2026-03-09",
            ])
        try #require(placed.status == 0, "\(placed.combined)")
        let text = try Peers.run("pdftotext", ["-f", "1", "-l", "1", output, "-"]).stdout
        #expect(text.contains("01/QĐ-UBND") && text.contains("ngày 09 tháng 3 năm 2026"), "\(text.suffix(300))")
        let badPage = try Peers.esign(
            issueArguments(sample("report.pdf"), dir.appendingPathComponent("x.pdf").path, database: database) + [
                "--number-at", "9,60,40", "--date-at", "1,300,40",
            ])
        #expect(badPage.status == 65 && badPage.stderr.contains("page 9 does not exist"), "\(badPage.combined)")
        let malformed = try Peers.esign(
            issueArguments(sample("report.pdf"), dir.appendingPathComponent("x.pdf").path, database: database) + [
                "--number-at", "one,two",
            ])
        #expect(malformed.status == 64, "\(malformed.combined)")
    }

    @Test("An issuance that fails after its number was given leaves the number void with the reason, and no output")
    func failureVoidsTheNumber() throws {
        let database = try ledger()
        let dir = Fixtures.temporaryDirectory("void")
        // A TSA that is down: the seal signature cannot be timestamped, after the number was reserved.
        let port = try LoopbackServer.freePort()
        let failed = try Peers.esign(
            issueArguments(sample("decision.pdf"), dir.appendingPathComponent("a.pdf").path, database: database) + [
                "--tsa", "http://127.0.0.1:\(port)/", "--issued-on", "2026-04-01", "--subject", "Thử",
            ])
        #expect(failed.status != 0)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.pdf").path))
        let ok = try Peers.esign(
            issueArguments(sample("decision.pdf"), dir.appendingPathComponent("b.pdf").path, database: database) + [
                "--issued-on", "2026-04-02", "--json",
            ])
        try #require(ok.status == 0, "\(ok.combined)")
        #expect(ok.stdout.contains("\"02/QĐ-UBND\""), "the void number is not given again: \(ok.stdout)")
        let entries = try register(database, year: 2026)
        #expect(entries.map(\.reference) == ["01/QĐ-UBND", "02/QĐ-UBND"])
        #expect(entries.first?.status == .void && entries.first?.note?.contains("signing failed") == true)
        #expect(entries.last?.status == .issued)
        // An explicit number already given is refused.
        let again = try Peers.esign(
            issueArguments(sample("decision.pdf"), dir.appendingPathComponent("c.pdf").path, database: database) + [
                "--issued-on", "2026-04-03", "--number", "1",
            ])
        #expect(again.status != 0 && again.stderr.contains("already given"), "\(again.combined)")
    }

    @Test(
        "8 issuers × 20 documents, one killed while it signs: numbers 01…N, each on a valid document or void",
        arguments: TestDatabase.enabled)
    func concurrentIssuersAndAKill(_ backend: TestDatabase) throws {
        let database = try ledger(backend)
        let dir = Fixtures.temporaryDirectory("concurrent-\(backend)")
        let binary = try Peers.esignBinary()
        let input = sample("notice.pdf")
        // A TSA that accepts connections and never answers: the victim holds its number while it waits.
        let blackHole = try BlackHoleListener()
        final class Outcomes: @unchecked Sendable {
            let lock = NSLock()
            var issued: [String: String] = [:]  // reference → file
            func add(_ reference: String, _ file: String) {
                lock.lock()
                issued[reference] = file
                lock.unlock()
            }
        }
        let outcomes = Outcomes()
        let group = DispatchGroup()
        for issuer in 0..<8 {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                for n in 0..<20 {
                    let output = dir.appendingPathComponent("i\(issuer)-\(n).pdf").path
                    let p = Process()
                    let pipe = Pipe()
                    p.executableURL = URL(fileURLWithPath: binary)
                    p.arguments =
                        issueArguments(input, output, database: database) + [
                            "--symbol", "TB-UBND", "--issued-on", "2026-06-15", "--json",
                        ]
                    p.standardOutput = pipe
                    p.standardError = FileHandle.nullDevice
                    guard (try? p.run()) != nil else { continue }
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    p.waitUntilExit()
                    if p.terminationStatus == 0,
                        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                        let reference = object["reference"] as? String
                    {
                        outcomes.add(reference, output)
                    }
                }
            }
        }
        // The victim: issues with the silent TSA, and is killed once its number is reserved.
        let victimOutput = dir.appendingPathComponent("victim.pdf").path
        let victim = Process()
        victim.executableURL = URL(fileURLWithPath: binary)
        victim.arguments =
            issueArguments(input, victimOutput, database: database) + [
                "--symbol", "TB-UBND", "--issued-on", "2026-06-15", "--tsa", blackHole.url,
            ]
        victim.standardOutput = FileHandle.nullDevice
        victim.standardError = FileHandle.nullDevice
        try victim.run()
        let deadline = Date().addingTimeInterval(60)
        var reserved = false
        while Date() < deadline && !reserved {
            Thread.sleep(forTimeInterval: 0.2)
            reserved = blackHole.connections > 0
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(reserved, "the victim never reached its TSA")
        group.wait()
        blackHole.stop()

        let entries = try register(database, year: 2026)
        let numbers = entries.compactMap(\.number)
        #expect(numbers == Array(1...161), "numbers 01…N with no duplicate and no gap: \(numbers)")
        #expect(Set(entries.map(\.reference)).count == entries.count)
        let void = entries.filter { $0.status == .void }
        #expect(void.count == 1 && void[0].note?.contains("interrupted") == true, "\(void)")
        #expect(!FileManager.default.fileExists(atPath: victimOutput))
        // Every issued number is on a document that verifies, whose page shows it.
        let issued = entries.filter { $0.status == .issued }
        #expect(issued.count == 160 && Set(issued.map(\.reference)) == Set(outcomes.issued.keys))
        for entry in issued.prefix(161) where entry.number! % 20 == 1 {
            let file = try #require(outcomes.issued[entry.reference])
            #expect(entry.documentID == Hex.string(try Fixtures.sha256(ofFile: file)))
            let text = try Peers.run("pdftotext", ["-layout", file, "-"]).stdout
            #expect(text.contains("Số: \(entry.reference)"), "\(entry.reference) not on its page")
            let verified = try Peers.esign(["verify", file, "--trust", pki.rootPath, "--offline"])
            #expect(verified.status == 0, "\(verified.stdout)")
        }
        #expect(try Peers.esign(["ledger", "check", "--database", database]).status == 0)
    }

    @Test("The register: table, CSV, JSON and a printable HTML page (Chromium prints it to PDF)")
    func theRegister() throws {
        let database = try ledger()
        let dir = Fixtures.temporaryDirectory("register")
        for (i, file) in ["decision.pdf", "notice.pdf"].enumerated() {
            let run = try Peers.esign(
                issueArguments(sample(file), dir.appendingPathComponent(file).path, database: database) + [
                    "--issued-on", "2026-0\(i + 1)-10", "--subject", "Văn bản số \(i + 1) về chuyển đổi số",
                    "--recipients", "Các sở, ngành; Lưu: VT", "--copies", "3",
                ])
            try #require(run.status == 0, "\(run.combined)")
        }
        // A document recorded from the document-management system, and a number voided.
        let added = try Peers.esign([
            "ledger", "add", "--unit", "75", "--number", "15/BC-UBND", "--issued-on", "2026-03-01", "--signed",
            "--database", database,
        ])
        try #require(added.status == 0, "\(added.combined)")
        _ = try Peers.esign(
            issueArguments(sample("decision.pdf"), dir.appendingPathComponent("z.pdf").path, database: database) + [
                "--issued-on", "2026-03-02", "--tsa", "http://127.0.0.1:\(try LoopbackServer.freePort())/",
            ])

        let table = try Peers.esign([
            "ledger", "list", "--register", "--unit", "75", "--year", "2026", "--database", database,
        ])
        try #require(table.status == 0, "\(table.combined)")
        #expect(table.stdout.contains("SỔ ĐĂNG KÝ VĂN BẢN ĐI") && table.stdout.contains("Tên loại và trích yếu"))
        #expect(table.stdout.contains("01/QĐ-UBND") && table.stdout.contains("10/01/2026"))
        #expect(table.stdout.contains("Nguyễn Văn An") && table.stdout.contains("Các sở, ngành; Lưu: VT"))
        // Numbering continues after the highest recorded number: the failed issuance's void is 16.
        #expect(table.stdout.contains("16/QĐ-UBND") && table.stdout.contains("Số không sử dụng"), "\(table.stdout)")
        #expect(table.stdout.contains("15/BC-UBND") && !table.stdout.contains("03/QĐ-UBND"))
        let taken = try Peers.esign(
            issueArguments(sample("decision.pdf"), dir.appendingPathComponent("y.pdf").path, database: database) + [
                "--issued-on", "2026-03-03", "--number", "15",
            ])
        #expect(taken.status != 0 && taken.stderr.contains("already recorded in the ledger (as 15/BC-UBND)"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("y.pdf").path))

        let csvPath = dir.appendingPathComponent("register.csv").path
        let csv = try Peers.esign([
            "ledger", "list", "--register", "--unit", "75", "--year", "2026", "--format", "csv", "-o", csvPath,
            "--database", database,
        ])
        try #require(csv.status == 0, "\(csv.combined)")
        let rows = try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 5 && rows[0].hasPrefix("\"Số, ký hiệu văn bản\""), "\(rows)")
        #expect(rows[1].hasPrefix("01/QĐ-UBND,10/01/2026,QĐ – Văn bản số 1 về chuyển đổi số,Nguyễn Văn An"))
        let again = try Peers.esign([
            "ledger", "list", "--register", "--unit", "75", "--year", "2026", "--format", "csv", "-o", csvPath,
            "--database", database,
        ])
        #expect(again.status == 73, "no overwrite without --force: \(again.combined)")

        let htmlPath = dir.appendingPathComponent("register.html").path
        let html = try Peers.esign([
            "ledger", "list", "--register", "--unit", "75", "--year", "2026", "--format", "html", "-o", htmlPath,
            "--database", database,
        ])
        try #require(html.status == 0, "\(html.combined)")
        let pdfPath = dir.appendingPathComponent("register.pdf").path
        let chromium = try Peers.run(
            "chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--print-to-pdf=\(pdfPath)",
                "file://" + htmlPath,
            ])
        try #require(FileManager.default.fileExists(atPath: pdfPath), "\(chromium.combined)")
        let printed = try Peers.run("pdftotext", ["-layout", pdfPath, "-"]).stdout
        #expect(printed.contains("SỔ ĐĂNG KÝ VĂN BẢN ĐI") && printed.contains("02/QĐ-UBND"), "\(printed)")
        // A4 landscape: 842 × 595 pt, wider than high.
        let info = try Peers.run("pdfinfo", [pdfPath]).stdout
        let size = info.split(separator: "\n").first { $0.hasPrefix("Page size:") }.map {
            $0.split(separator: " ").compactMap { Double($0) }
        }
        #expect(size.map { $0.count >= 2 && abs($0[0] - 842) < 2 && abs($0[1] - 595) < 2 } == true, "\(info)")

        let validation = try Peers.esign(["ledger", "list", "--register", "--year", "2026", "--database", database])
        #expect(validation.status == 64 && validation.stderr.contains("--unit"))
    }
}

/// A TCP listener on loopback that accepts connections and never answers (a TSA that hangs), and
/// counts the connections it got.
final class BlackHoleListener: @unchecked Sendable {
    let port: Int
    private let socketFD: Int32
    private let state = State()

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var accepted: [Int32] = []
        var stopped = false
    }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw Peers.PeerError.missing("a loopback listener")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socketFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let state = self.state
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                state.lock.lock()
                if state.stopped || client < 0 {
                    state.lock.unlock()
                    if client >= 0 { close(client) }
                    return
                }
                state.accepted.append(client)
                state.lock.unlock()
            }
        }
    }

    var url: String { "http://127.0.0.1:\(port)/" }
    var connections: Int {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.accepted.count
    }

    func stop() {
        state.lock.lock()
        state.stopped = true
        for fd in state.accepted { close(fd) }
        state.accepted = []
        state.lock.unlock()
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
    }
}
