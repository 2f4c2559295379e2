import ArgumentParser
import ESign
import Foundation

/// `esign demo`: the whole job on embedded defaults, for a first run.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "The whole job on embedded defaults: demo PKI, a decision issued with the official's signature and the "
            + "agency seal (Decree 30/2020), verified, recorded in a ledger, and a coverage report.",
        discussion:
            "Everything goes into --dir (default esign-demo): pki/, the issued PDF, ledger.sqlite, "
            + "coverage-2024.html. No server is needed."
    )

    @Option(help: ArgumentHelp("Folder for the demo's files.", valueName: "dir")) var dir = "esign-demo"
    @Option(
        help: ArgumentHelp("PDF to sign (default: samples/decision.pdf, else a generated page).", valueName: "file"))
    var input: String?

    func run() async throws {
        do {
            let fm = FileManager.default
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let pkiDir = dir + "/pki"
            var pki: DemoPKI
            if fm.fileExists(atPath: pkiDir + "/password.txt") {
                var options = DemoPKI.Options()
                options.overwrite = true
                pki = try DemoPKI.create(in: pkiDir, options: options)
            } else {
                pki = try DemoPKI.create(in: pkiDir)
            }
            print("1. Demo PKI in \(pki.directory) (root: \(pki.rootPath))")

            var source = input ?? "samples/decision.pdf"
            if input == nil && !fm.fileExists(atPath: source) {
                source = dir + "/decision.pdf"
                let pdf = MinimalPDF.make(lines: ["UY BAN NHAN DAN TINH BINH PHUOC", "QUYET DINH (demo document)"])
                try Data(pdf).write(to: URL(fileURLWithPath: source))
            }
            let password = Secret(
                try String(contentsOfFile: pki.passwordPath, encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines))
            let official = try SigningIdentity.load(
                pkcs12: pki.signers["province-official"]!.pkcs12Path, password: password)
            let seal = try SigningIdentity.load(pkcs12: pki.signers["province-seal"]!.pkcs12Path, password: password)

            // A fresh ledger beside the PKI, with the sample unit list when it is at hand.
            let ledgerPath = dir + "/ledger.sqlite"
            for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: ledgerPath + suffix) }
            let ledger = try await Ledger.open(.sqlite(path: ledgerPath))
            defer { Task { try? await ledger.close() } }
            let unitsPath = "samples/units/binh-phuoc-binh-duong-binh-thuan.csv"
            if fm.fileExists(atPath: unitsPath) {
                try await ledger.importUnits(csv: unitsPath)
            } else {
                try await ledger.importUnits([
                    AdministrativeUnit(
                        code: "70", name: "Tỉnh Bình Phước", level: .province, parentCode: nil,
                        validFrom: CivilDate(iso8601: "2020-01-01")!, validTo: nil)
                ])
            }

            let font = try TrueTypeFont(path: TrueTypeFont.defaultPath)
            var issuer = DocumentIssuer(
                official: official, seal: seal,
                signatureImage: try PNGImage(path: pki.directory + "/province-official-signature.png"),
                sealImage: try PNGImage(path: pki.directory + "/province-seal.png"), layout: Decree30Layout(font: font))
            issuer.titles = DocumentIssuer.usualTitles
            if source != (input ?? "samples/decision.pdf") {
                // The generated page has no number line: the number goes under its heading.
                issuer.numbering?.numberAt = .init(page: 0, x: 72, y: 690)
                issuer.numbering?.dateAt = .init(page: 0, x: 300, y: 690)
            }
            let sealedPath = dir + "/decision.sealed.pdf"
            // The sample is a decision of Bình Phước, whose provincial government ended with the merger
            // of 1 July 2025: the demo issues it on a working day it could have been issued, in a year
            // the synthetic documents below (2024) leave empty, so that its number is the register's 01.
            let issueDay = CivilDate(iso8601: "2025-06-16")!
            let issued = try await issuer.issue(
                input: source, output: sealedPath, unitCode: "70", symbol: "QĐ-UBND", type: "QĐ",
                issuedOn: issueDay, overwrite: true,
                registration: .init(
                    subject: "Phê duyệt Kế hoạch chuyển đổi số năm 2025", recipients: "Như Điều 3; Lưu: VT",
                    copies: 5),
                ledger: ledger)
            print(
                "2. \(official.certificate.subject.commonName ?? "official") signed \(source) at the signer block "
                    + "(blue signature image)"
            )
            print(
                "3. \(seal.certificate.subject.commonName ?? "agency") applied the seal over it (red, 36 mm, agency "
                    + "and time) → \(sealedPath)"
            )
            print("   numbered \(issued.reference), recorded in \(ledgerPath) as entry \(issued.ledgerSequence)")
            // What the recipient reads on the page now: the clerk's number and date, written before both signatures.
            let issuedText = try PDFDocument(path: sealedPath).pageText(at: 0).lines.map(\.text)
            for line in issuedText where line.contains("Số:") || line.contains(", ngày") {
                print("   the page reads: \(line.trimmingCharacters(in: .whitespaces))")
            }

            var verification = VerificationOptions()
            verification.trustAnchors = try Certificate.load(
                Array(try Data(contentsOf: URL(fileURLWithPath: pki.rootPath))))
            let report = PDFSignatureVerifier(options: verification).verify(path: sealedPath)
            print("4. Verified \(sealedPath): \(ReportRenderer.verdict(report.indication, report.subIndication))")
            for signature in report.signatures {
                let changes =
                    signature.laterRevisions > 0
                    ? ", later changes \(signature.modificationLevel.rawValue)" : ", covers the whole file"
                print(
                    "   \(signature.fieldName): \(signature.signer?.subject ?? "?") — "
                        + "\(ReportRenderer.verdict(signature.indication, signature.subIndication))\(changes)"
                )
            }
            let allGood = report.indication == .totalPassed

            // A year of the province's documents (synthetic, with planted rates) and the leaders' report.
            let year = dir + "/documents-2024.csv"
            _ = try SyntheticProvince(seed: 2024, province: "70", year: 2024, documents: 20_000).write(
                csv: year, directory: try await ledger.directory())
            let imported = try await ledger.importDocuments(path: year)
            let stats = try await ledger.statistics(
                CoverageQuery(
                    from: CivilDate(iso8601: "2024-01-01"), to: CivilDate(iso8601: "2024-12-31"), province: "70"))
            let html = dir + "/coverage-2024.html"
            try Data(CoverageHTML.render(stats, generatedAt: Decree30Layout.time(Date())).utf8).write(
                to: URL(fileURLWithPath: html))
            print(
                "5. Imported \(imported.appended) documents of 2024 (synthetic) into the ledger; coverage report → "
                    + "\(html)"
            )
            for level in stats.levels {
                print(
                    "   \(level.level.vietnameseName): "
                        + "\(level.figures.rate.map { CoverageTable.percent($0) + "%" } ?? "—") (target "
                        + "\(level.target.map { CoverageTable.percent($0) + "%" } ?? "—"))"
                )
            }
            print(
                """

                Try next:
                  esign verify \(sealedPath) --trust \(pki.rootPath)
                  pdfsig \(sealedPath)
                  pyhanko sign validate --trust \(pki.rootPath) \(sealedPath)
                  esign sign YOUR.pdf --p12 \(pki.signers["district-official"]!.pkcs12Path) --password-file \
                \(pki.passwordPath)
                  esign sign YOUR.docx --detached --p12 \(pki.signers["commune-seal"]!.pkcs12Path) --password-file \
                \(pki.passwordPath)
                  esign stats --database \(ledgerPath) --by unit --from 2024-01-01 --to 2024-12-31
                  esign ledger list --register --unit 70 --year \(issueDay.year) --database \(ledgerPath)
                """)
            if !allGood { throw ExitCode.failure }
        } catch let error as SigningError {
            throw fail(error)
        } catch let error as AppearanceError {
            throw appearanceFailure(error)
        } catch let error as LedgerError {
            throw ledgerFailure(error)
        }
    }
}
