import ArgumentParser
import ESign
import Foundation

/// `esign demo`: the whole job on embedded defaults, for a first run.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Make a demo PKI, sign a sample decision as an official and with the agency seal, and check the result."
    )

    @Option(help: ArgumentHelp("Folder for the demo's files.", valueName: "dir")) var dir = "esign-demo"
    @Option(help: ArgumentHelp("PDF to sign (default: samples/decision.pdf, else a generated page).", valueName: "file"))
    var input: String?

    func run() throws {
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
            let password = Secret(try String(contentsOfFile: pki.passwordPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
            let official = try SigningIdentity.load(pkcs12: pki.signers["province-official"]!.pkcs12Path, password: password)
            let seal = try SigningIdentity.load(pkcs12: pki.signers["province-seal"]!.pkcs12Path, password: password)

            var options = PAdESOptions()
            options.overwrite = true
            options.reason = "Ký ban hành văn bản"
            options.location = "Bình Phước"
            let signedPath = dir + "/decision.signed.pdf"
            let first = try PAdESSigner(identity: official, options: options).sign(input: source, output: signedPath)
            print("2. \(official.certificate.subject.commonName ?? "official") signed \(source) → \(signedPath) (\(first.fieldName))")
            options.reason = "Đóng dấu số của cơ quan"
            let sealedPath = dir + "/decision.sealed.pdf"
            let second = try PAdESSigner(identity: seal, options: options).sign(input: signedPath, output: sealedPath)
            print("3. \(seal.certificate.subject.commonName ?? "agency") sealed it → \(sealedPath) (\(second.fieldName))")

            var verification = VerificationOptions()
            verification.trustAnchors = try Certificate.load(Array(try Data(contentsOf: URL(fileURLWithPath: pki.rootPath))))
            let report = PDFSignatureVerifier(options: verification).verify(path: sealedPath)
            print("4. Verified \(sealedPath): \(ReportRenderer.verdict(report.indication, report.subIndication))")
            for signature in report.signatures {
                let changes = signature.laterRevisions > 0 ? ", later changes \(signature.modificationLevel.rawValue)" : ", covers the whole file"
                print("   \(signature.fieldName): \(signature.signer?.subject ?? "?") — \(ReportRenderer.verdict(signature.indication, signature.subIndication))\(changes)")
            }
            let allGood = report.indication == .totalPassed
            print("""

            Try next:
              esign verify \(sealedPath) --trust \(pki.rootPath)
              pdfsig \(sealedPath)
              pyhanko sign validate --trust \(pki.rootPath) \(sealedPath)
              esign sign YOUR.pdf --p12 \(pki.signers["district-official"]!.pkcs12Path) --password-file \(pki.passwordPath)
              esign sign YOUR.docx --detached --p12 \(pki.signers["commune-seal"]!.pkcs12Path) --password-file \(pki.passwordPath)
            """)
            if !allGood { throw ExitCode.failure }
        } catch let error as SigningError {
            throw fail(error)
        }
    }
}
