import ESign
import ESignTestSupport
import Foundation
import Testing

/// Decree 30/2020 issuance through the command line, checked with pdftoppm, pdftotext, pdfsig and pyHanko.
@Suite("esign issue / attach / copy / sign --visible")
struct IssueCommandTests {
    static let units = Fixtures.samples.appendingPathComponent("units/binh-phuoc-binh-duong-binh-thuan.csv").path
    static let references = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/decree30")

    var pki: DemoPKI { Fixtures.pki }
    func p12(_ name: String) -> String { pki.signers[name]!.pkcs12Path }
    func png(_ name: String) -> String { pki.directory + "/" + name + ".png" }

    func ledger() throws -> String {
        let database = Fixtures.temporaryDirectory("issue-ledger").appendingPathComponent("ledger.sqlite").path
        #expect(try Peers.esign(["units", "import", Self.units, "--database", database]).status == 0)
        return database
    }

    func issue(_ output: String, database: String, extra: [String] = []) throws -> Peers.Output {
        try Peers.esign(
            [
                "issue", Fixtures.samples.appendingPathComponent("decision.pdf").path, "-o", output, "--unit", "75",
                "--signer", p12("province-official"), "--seal", p12("province-seal"), "--symbol", "QĐ-UBND",
                "--password-file", pki.passwordPath, "--database", database,
            ] + extra)
    }

    /// Renders page 1 at `dpi` and decodes it.
    func render(_ pdf: String, dpi: Int = 40) throws -> PNGImage {
        let prefix = Fixtures.temporaryDirectory("render").appendingPathComponent("page").path
        let run = try Peers.run(
            "pdftoppm", ["-r", String(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", pdf, prefix])
        try #require(run.status == 0, "\(run.combined)")
        return try PNGImage(path: prefix + ".png")
    }

    /// Bounding box (x0, y0, x1, y1 in pixels, top-down) of pixels matching `test`.
    func box(_ image: PNGImage, _ test: (Int, Int, Int) -> Bool) -> (Int, Int, Int, Int)? {
        var x0 = Int.max
        var y0 = Int.max
        var x1 = -1
        var y1 = -1
        for y in 0..<image.height {
            for x in 0..<image.width {
                let p = 3 * (y * image.width + x)
                if test(Int(image.rgb[p]), Int(image.rgb[p + 1]), Int(image.rgb[p + 2])) {
                    x0 = min(x0, x)
                    y0 = min(y0, y)
                    x1 = max(x1, x)
                    y1 = max(y1, y)
                }
            }
        }
        return x1 < 0 ? nil : (x0, y0, x1, y1)
    }

    func isRed(_ r: Int, _ g: Int, _ b: Int) -> Bool { r > 170 && g < 110 && b < 110 }
    func isBlue(_ r: Int, _ g: Int, _ b: Int) -> Bool { b > 120 && r < 100 && g < 130 && b - r > 60 }

    @Test(
        "esign issue: official and seal signatures at the signer block, valid in pdfsig and pyHanko, numbered, recorded"
    )
    func issueDecision() throws {
        let database = try ledger()
        let dir = Fixtures.temporaryDirectory("issue")
        let output = dir.appendingPathComponent("qd.pdf").path
        let run = try issue(output, database: database, extra: ["--json"])
        try #require(run.status == 0, "\(run.combined)")
        let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(result?["reference"] as? String == "01/QĐ-UBND")

        // Validators nobody here wrote: both signatures valid; the official's followed only by allowed changes.
        let peers = try PeerReport.of(output, trust: pki.rootPath)
        #expect(peers.qpdfStatus == 0)
        #expect(peers.pdfsig.count == 2 && peers.pdfsig.allSatisfy(\.valid))
        #expect(peers.pyhanko["ChuKyCoQuan"] == "INTACT:TRUSTED,UNTOUCHED", "\(peers.pyhanko)")
        #expect(
            peers.pyhanko["ChuKyNguoiCoThamQuyen"]?.hasPrefix("INTACT:TRUSTED,EXTENDED") == true, "\(peers.pyhanko)")
        let verified = try Peers.esign(["verify", output, "--trust", pki.rootPath, "--offline"])
        #expect(verified.status == 0, "\(verified.stdout)")

        // Two visible signatures add at most 2 × 60 KB.
        let before =
            try FileManager.default.attributesOfItem(
                atPath: Fixtures.samples.appendingPathComponent("decision.pdf").path)[.size] as! Int
        let after = try FileManager.default.attributesOfItem(atPath: output)[.size] as! Int
        #expect(after - before <= 120_000, "grew by \(after - before) bytes")

        // The seal's text, exactly, as pdftotext reads it from the appearance.
        let text = try Peers.run("pdftotext", ["-layout", output, "-"]).stdout
        #expect(text.contains("Ủy ban nhân dân tỉnh Bình Phước"))
        #expect(text.range(of: #"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00"#, options: .regularExpression) != nil)

        // Rendered: a blue signature under CHỦ TỊCH and above the name, a red seal over its left third.
        let page = try render(output)
        let blue = try #require(box(page, isBlue), "no blue signature on the page")
        let red = try #require(box(page, isRed), "no red seal on the page")
        let scale = 40.0 / 72
        #expect(Double(blue.0) > 595 * scale * 0.5, "the official's signature is in the right half (signer block)")
        let sealWidth = Double(red.2 - red.0)
        #expect(abs(sealWidth - 102 * scale) < 10, "seal at real size (36 mm): \(sealWidth) px")
        let overlap = Double(red.2 - blue.0)
        let blueWidth = Double(blue.2 - blue.0)
        #expect(
            red.0 < blue.0 && overlap > blueWidth * 0.15 && overlap < blueWidth * 0.55,
            "seal over about a third of the signature, on its left: \(red) \(blue)")

        // Against the reference rendering (the time text differs run to run: a small tolerance).
        let referencePath = Self.references.appendingPathComponent("issued-decision-40dpi.png").path
        if ProcessInfo.processInfo.environment["ESIGN_UPDATE_REFERENCES"] == "1" {
            try Data(page.pngData()).write(to: URL(fileURLWithPath: referencePath))
        }
        let reference = try PNGImage(path: referencePath)
        try #require(reference.width == page.width && reference.height == page.height)
        var differing = 0
        for i in 0..<page.rgb.count where abs(Int(page.rgb[i]) - Int(reference.rgb[i])) > 64 { differing += 1 }
        #expect(
            Double(differing) / Double(page.rgb.count) < 0.004,
            "\(differing) samples differ from the reference rendering")

        // The ledger has it: number, two signatures, the file's hash.
        let listed = try Peers.esign(["ledger", "list", "--json", "--database", database])
        let entry = try JSONDecoder().decode(LedgerEntry.self, from: Data(listed.stdout.utf8))
        #expect(entry.record.number == "01/QĐ-UBND" && entry.record.signatureCount == 2 && entry.record.type == "QĐ")
        #expect(entry.record.documentID == Hex.string(try Fixtures.sha256(ofFile: output)))
    }

    @Test("esign issue --tsa: the seal signature carries a timestamp pyHanko accepts; the ledger says timestamped")
    func issueTimestamped() throws {
        let tsa = try OpenSSLTimestampAuthority(pki: pki)
        defer { tsa.server.stop() }
        let database = try ledger()
        let output = Fixtures.temporaryDirectory("issue-tsa").appendingPathComponent("qd.pdf").path
        let run = try issue(output, database: database, extra: ["--tsa", tsa.url])
        try #require(run.status == 0, "\(run.combined)")
        let peers = try PeerReport.of(output, trust: pki.rootPath)
        #expect(peers.pyhanko["ChuKyCoQuan"]?.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>") == true, "\(peers.pyhanko)")
        let listed = try Peers.esign(["ledger", "list", "--json", "--database", database])
        #expect(try JSONDecoder().decode(LedgerEntry.self, from: Data(listed.stdout.utf8)).record.timestamped)
    }

    @Test("Four concurrent issuers of one unit get consecutive numbers; numbering restarts on 1 January")
    func numbering() throws {
        let database = try ledger()
        let dir = Fixtures.temporaryDirectory("numbering")
        let binary = try Peers.esignBinary()
        let processes = try (1...4).map { i -> (Process, Pipe) in
            let p = Process()
            let pipe = Pipe()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = [
                "issue", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o",
                dir.appendingPathComponent("tb\(i).pdf").path,
                "--unit", "75", "--signer", p12("province-official"), "--seal", p12("province-seal"), "--symbol",
                "TB-UBND",
                "--issued-on", "2025-12-30", "--password-file", pki.passwordPath, "--database", database, "--json",
            ]
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try p.run()
            return (p, pipe)
        }
        var references: [String] = []
        for (p, pipe) in processes {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let r = object["reference"] as? String
            {
                references.append(r)
            }
        }
        #expect(references.sorted() == ["01/TB-UBND", "02/TB-UBND", "03/TB-UBND", "04/TB-UBND"])
        let next = try issueNotice(dir, "tb5.pdf", on: "2025-12-31", database: database)
        #expect(next == "05/TB-UBND")
        let newYear = try issueNotice(dir, "tb6.pdf", on: "2026-01-02", database: database)
        #expect(newYear == "01/TB-UBND", "numbers restart on 1 January")
        #expect(try Peers.esign(["ledger", "check", "--database", database]).status == 0)
    }

    func issueNotice(
        _ dir: URL, _ name: String, on day: String, database: String, extra: [String] = []
    ) throws -> String? {
        let run = try Peers.esign(
            [
                "issue", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o",
                dir.appendingPathComponent(name).path,
                "--unit", "75", "--signer", p12("province-official"), "--seal", p12("province-seal"), "--symbol",
                "TB-UBND",
                "--issued-on", day, "--password-file", pki.passwordPath, "--database", database, "--json",
            ] + extra)
        guard run.status == 0 else { return nil }
        return (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["reference"]
            as? String
    }

    @Test(
        "Bad images, fonts without Vietnamese glyphs, positions off the page: a clear error, no output, no number used"
    )
    func badInput() throws {
        let database = try ledger()
        let dir = Fixtures.temporaryDirectory("issue-errors")
        let output = dir.appendingPathComponent("out.pdf").path
        let missing = try issue(
            output, database: database, extra: ["--seal-image", dir.appendingPathComponent("nope.png").path])
        #expect(
            missing.status == 66 && missing.stderr.contains("seal image") && missing.stderr.contains("no such file"))
        let notPNG = try issue(
            output, database: database,
            extra: ["--signature-image", Fixtures.samples.appendingPathComponent("notice.pdf").path])
        #expect(notPNG.status == 65 && notPNG.stderr.contains("is not a PNG image"))
        // A font with ASCII only (made by fontTools from DejaVu Sans).
        let ascii = dir.appendingPathComponent("ascii.ttf").path
        let subset = try Peers.run(
            "pyftsubset", [TrueTypeFont.defaultPath, "--unicodes=U+0020-007E", "--output-file=\(ascii)"])
        try #require(subset.status == 0, "\(subset.combined)")
        let font = try issue(output, database: database, extra: ["--font", ascii])
        #expect(
            font.status == 65 && font.stderr.contains("has no glyph for") && font.stderr.contains("'Ủ'"),
            "\(font.stderr)")
        let offPage = try Peers.esign([
            "sign", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o", output, "--p12",
            p12("commune-official"),
            "--password-file", pki.passwordPath, "--visible", "--at", "590,830",
        ])
        #expect(offPage.status == 65 && offPage.stderr.contains("is off page 1"))
        let noPage = try Peers.esign([
            "sign", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o", output, "--p12",
            p12("commune-official"),
            "--password-file", pki.passwordPath, "--visible", "--page", "9",
        ])
        #expect(noPage.status == 65 && noPage.stderr.contains("page 9 does not exist"))
        #expect(!FileManager.default.fileExists(atPath: output))
        // No number was used by the failures.
        #expect(try issueNotice(dir, "ok.pdf", on: "2025-12-30", database: database) == "01/TB-UBND")
    }

    @Test("sign --visible with an image and Vietnamese text adds at most 60 KB; the text reads back exactly")
    func visibleSignature() throws {
        let dir = Fixtures.temporaryDirectory("visible")
        let input = Fixtures.samples.appendingPathComponent("notice.pdf").path
        let output = dir.appendingPathComponent("v.pdf").path
        let run = try Peers.esign([
            "sign", input, "-o", output, "--p12", p12("commune-official"), "--password-file", pki.passwordPath,
            "--visible", "--page", "1", "--at", "300,60", "--image", png("commune-official-signature"),
            "--text", "Người ký: Lê Văn Cường", "--text", "Chức vụ: Chủ tịch UBND xã Tân Lập",
        ])
        try #require(run.status == 0, "\(run.combined)")
        let grew =
            (try FileManager.default.attributesOfItem(atPath: output)[.size] as! Int)
            - (try FileManager.default.attributesOfItem(atPath: input)[.size] as! Int)
        #expect(grew <= 60_000, "a visible signature added \(grew) bytes")
        let peers = try PeerReport.of(output, trust: pki.rootPath)
        #expect(peers.pdfsig.count == 1 && peers.pdfsig[0].valid)
        #expect(peers.pyhanko.values.first == "INTACT:TRUSTED,UNTOUCHED")
        // pdftotext over the signature's rectangle (x 330, y 60 from the bottom of an A4 page).
        let area = try Peers.run(
            "pdftotext", ["-x", "290", "-y", String(842 - 60 - 60), "-W", "305", "-H", "70", output, "-"]
        ).stdout
        #expect(
            area.contains("Người ký: Lê Văn Cường") && area.contains("Chức vụ: Chủ tịch UBND xã Tân Lập"), "\(area)")
        let page = try render(output, dpi: 40)
        let blue = try #require(box(page, isBlue))
        #expect(abs(Double(blue.0) - 300 * 40 / 72) < 8, "image at x = 300 pt")

        // Placed by text: under CHỦ TỊCH, centred on it, above the signer's name.
        let anchored = dir.appendingPathComponent("anchored.pdf").path
        let byText = try Peers.esign([
            "sign", input, "-o", anchored, "--p12", p12("commune-official"), "--password-file", pki.passwordPath,
            "--visible", "--anchor", "Chủ tịch", "--image", png("commune-official-signature"), "--text", "Lê Văn Cường",
        ])
        try #require(byText.status == 0, "\(byText.combined)")
        let titleLine = try #require(try PDFDocument(path: input).pageText(at: 0).lines(containing: "CHỦ TỊCH").last)
        let extent = try #require(titleLine.extent(of: "CHỦ TỊCH"))
        let signature = try #require(box(try render(anchored, dpi: 40), isBlue))
        let scale = 40.0 / 72
        #expect(Double(signature.1) > (842 - titleLine.y) * scale - 2, "the image starts below the title's baseline")
        #expect(Double(signature.1) < (842 - titleLine.y) * scale + 30, "… right below it")
        let centre = Double(signature.0 + signature.2) / 2
        #expect(abs(centre / scale - (extent.minX + extent.maxX) / 2) < 40, "centred on the title")
        let missingAnchor = try Peers.esign([
            "sign", input, "-o", dir.appendingPathComponent("x.pdf").path, "--p12", p12("commune-official"),
            "--password-file", pki.passwordPath, "--visible", "--anchor", "GIÁM ĐỐC SỞ",
        ])
        #expect(missingAnchor.status == 65 && missingAnchor.stderr.contains("no line holds \"GIÁM ĐỐC SỞ\""))
    }

    @Test("esign attach and esign copy: the agency's signature top right of the first page, 10 pt, exact text")
    func attachmentsAndCopies() throws {
        let dir = Fixtures.temporaryDirectory("attach")
        let input = Fixtures.samples.appendingPathComponent("report.pdf").path
        let attached = dir.appendingPathComponent("phu-luc.pdf").path
        let a = try Peers.esign([
            "attach", input, "-o", attached, "--seal", p12("province-seal"), "--main-number", "01/QĐ-UBND",
            "--password-file", pki.passwordPath,
        ])
        try #require(a.status == 0, "\(a.combined)")
        let copied = dir.appendingPathComponent("sao-y.pdf").path
        let c = try Peers.esign([
            "copy", Fixtures.samples.appendingPathComponent("decision.pdf").path, "-o", copied, "--form", "sao y",
            "--seal", p12("district-seal"), "--password-file", pki.passwordPath,
        ])
        try #require(c.status == 0, "\(c.combined)")
        let badForm = try Peers.esign([
            "copy", input, "--form", "BẢN CHỤP", "--seal", p12("district-seal"), "--password-file", pki.passwordPath,
        ])
        #expect(badForm.status == 64)
        for (file, expected) in [
            (attached, ["Kèm theo văn bản số 01/QĐ-UBND"]), (copied, ["SAO Y", "Ủy ban nhân dân huyện Đồng Phú"]),
        ] {
            let peers = try PeerReport.of(file, trust: pki.rootPath)
            #expect(peers.pdfsig.count == 1 && peers.pdfsig[0].valid)
            #expect(peers.pyhanko.values.first == "INTACT:TRUSTED,UNTOUCHED")
            // Top right quarter of the first page (A4: 595 × 842 pt).
            let corner = try Peers.run(
                "pdftotext", ["-f", "1", "-l", "1", "-x", "298", "-y", "0", "-W", "298", "-H", "44", file, "-"]
            ).stdout
            for line in expected { #expect(corner.contains(line), "\(file): \(corner)") }
            #expect(corner.range(of: #"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00"#, options: .regularExpression) != nil)
        }
    }
}
