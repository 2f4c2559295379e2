import ArgumentParser
import ESign
import Foundation

/// `esign verify`: what a receiving agency needs before it trusts a document.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the signatures of PDFs, XML documents (XAdES, XMLDSig) or detached .p7s/.xades.xml files.",
        discussion: """
            For every signature and document timestamp: integrity, what it covers, changes made after \
            signing (none / allowed / not allowed, DocMDP honoured), the signer's chain to the trusted \
            roots at the signing time (the proven time when timestamped), key usage, algorithms, timestamps.
            Verdicts follow ETSI EN 319 102-1: TOTAL-PASSED, TOTAL-FAILED or INDETERMINATE with a sub-indication.

            Exit codes: 0 every document passed; 1 a document failed; 2 a document is indeterminate \
            (and none failed); 64 usage error; 66 an input does not exist.

            Examples:
              esign verify incoming.pdf --trust roots/
              esign verify inbox/ --trust root.pem --json > verdicts.jsonl
              esign verify report.docx --signature report.docx.p7s --trust root.pem
              esign verify invoice.signed.xml --trust root.pem
              esign verify scan.tif --signature scan.tif.xades.xml --trust root.pem
              esign verify signed-twice.pdf --trust root.pem --visual --visual-out renderings/
            """
    )

    @Argument(
        help: ArgumentHelp(
            "PDF or XML files, or folders (searched for *.pdf, *.xml and *.p7s beside its content).", valueName: "path")
    )
    var paths: [String]

    @Option(
        name: .customLong("trust"),
        help: ArgumentHelp(
            "Trusted root certificates: a PEM/DER file or a folder of them (repeatable).", valueName: "pem|dir"))
    var trust: [String] = []

    @Option(
        name: .customLong("trust-store"),
        help: ArgumentHelp(
            "The trust store whose anchors are trusted too (default ESIGN_TRUST_STORE or ~/.local/share/esign/trust; "
                + "see esign trust).",
            valueName: "dir"))
    var trustStore: String?
    @Flag(name: .customLong("no-trust-store"), help: "Trust only the anchors given with --trust.")
    var noTrustStore = false

    @Option(help: ArgumentHelp("Detached signature to verify over the (single) input file.", valueName: "file.p7s"))
    var signature: String?

    @Option(
        help: ArgumentHelp("Validate as of this time (ISO 8601, e.g. 2025-06-30T17:00:00+07:00).", valueName: "time"))
    var at: String?

    @Flag(help: "Do not fetch revocation data over the network.") var offline = false
    @Option(
        name: .customLong("password-file"),
        help: ArgumentHelp(
            "The password of encrypted PDFs (first line of the file; or ESIGN_PDF_PASSWORD). The empty user "
                + "password is always tried too.", valueName: "file"))
    var pdfPasswordFile: String?
    @OptionGroup var recipient: RecipientOptions
    @Flag(
        help: ArgumentHelp(
            "Also render each signed revision and the whole document (poppler's pdftoppm) and fail any page "
                + "that looks different outside the annotations the change analysis allowed."))
    var visual = false
    @Option(
        name: .customLong("visual-out"),
        help: ArgumentHelp(
            "With --visual: write side-by-side PNGs (signed | now) of every compared page here.",
            valueName: "dir"))
    var visualOut: String?
    @Flag(help: "One JSON object per document (schema esign.verify/1).") var json = false

    func validate() throws {
        if signature != nil && paths.count != 1 { throw ValidationError("--signature verifies one file") }
        if let at, Self.parseTime(at) == nil {
            throw ValidationError("--at takes an ISO 8601 time, e.g. 2025-06-30T17:00:00+07:00")
        }
        if visualOut != nil && !visual { throw ValidationError("--visual-out goes with --visual") }
        if trustStore != nil && noTrustStore { throw ValidationError("use either --trust-store or --no-trust-store") }
    }

    static func parseTime(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withFullDate]
        return f.date(from: text)
    }

    func run() throws {
        var options: VerificationOptions
        do { options = try trustOptions(trust, store: trustStore, useStore: !noTrustStore) } catch { throw fail(error) }
        options.offline = offline
        do {
            options.pdfCredentials = try EncryptedPDFOptions.credentials(
                passwordFile: pdfPasswordFile, recipient: recipient)
        } catch {
            throw fail(error)
        }
        options.validationTime = at.flatMap(Self.parseTime)
        options.visual = visual
        options.visualOutputDirectory = visualOut

        if let signature {
            guard FileManager.default.fileExists(atPath: paths[0]) else {
                throw fail(.missingInput("no such file: \(paths[0])"))
            }
            guard FileManager.default.fileExists(atPath: signature) else {
                throw fail(.missingInput("no such file: \(signature)"))
            }
            let report =
                SignCommand.isXML(signature)
                ? XMLSignatureVerifier(options: options).verify(content: paths[0], signature: signature)
                : DetachedSignatureVerifier(options: options).verify(content: paths[0], signature: signature)
            output([report])
            throw ExitCode(Self.exitCode([report]))
        }
        var found: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw fail(.missingInput("no such file or folder: \(path)"))
            }
            if isDirectory.boolValue {
                let inFolder = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                    .filter { name in [".pdf", ".xml", ".p7s"].contains { name.lowercased().hasSuffix($0) } }.sorted()
                    .map {
                        (path as NSString).appendingPathComponent($0)
                    }
                found += inFolder
            } else {
                found.append(path)
            }
        }
        let verifier = PDFSignatureVerifier(options: options)
        // PDFs in one batch (hashed ahead, several at a time); XML documents and .p7s files beside.
        let isOther = { (path: String) in path.lowercased().hasSuffix(".p7s") || SignCommand.isXML(path) }
        let files = found.filter { !isOther($0) }
        let others = found.filter(isOther)
        var reports: [DocumentReport]
        var rendered: [String]? = nil
        if files.count == 1 {
            reports = [verifier.verify(path: files[0])]
        } else {
            let bar = Terminal.ProgressBar(total: found.count, label: "Verifying")
            let json = self.json
            // Each worker verifies and renders its documents; output keeps the input order.
            let done = verifier.verify(paths: files, progress: { bar.update($0) }) { report in
                (report, json ? ReportRenderer.json(report) : ReportRenderer.text(report))
            }
            reports = done.map(\.0)
            rendered = done.map(\.1)
        }
        if !others.isEmpty {
            let xml = XMLSignatureVerifier(options: options)
            let detached = DetachedSignatureVerifier(options: options)
            let done = parallelMap(others.count) { index -> DocumentReport in
                let path = others[index]
                guard path.lowercased().hasSuffix(".p7s") else { return xml.verify(path: path) }
                return detached.verify(content: String(path.dropLast(4)), signature: path)
            }
            // Back in the order the files were found.
            var byPath: [String: DocumentReport] = [:]
            for (path, report) in zip(files, reports) { byPath[path] = report }
            for (index, path) in others.enumerated() { byPath[path] = done[index] }
            reports = found.compactMap { byPath[$0] }
            rendered = nil
        }
        output(reports, rendered: rendered)
        throw ExitCode(Self.exitCode(reports))
    }

    /// 65 when any document was refused as input (hostile or malformed XML), 77 when one needs a
    /// password not given, else the worst verdict's code.
    static func exitCode(_ reports: [DocumentReport]) -> Int32 {
        if reports.contains(where: { $0.inputRefused == true }) { return 65 }
        if reports.contains(where: { $0.needsPassword == true }) { return 77 }
        switch reports.map(\.indication).max() ?? .totalPassed {
        case .totalPassed: return 0
        case .totalFailed: return 1
        case .indeterminate: return 2
        }
    }

    func output(_ reports: [DocumentReport], rendered: [String]? = nil) {
        let lines = rendered ?? reports.map { json ? ReportRenderer.json($0) : ReportRenderer.text($0) }
        var buffer = lines.joined(separator: "\n")
        buffer.append("\n")
        FileHandle.standardOutput.write(Data(buffer.utf8))
        if !json && reports.count > 1 {
            let counts = Dictionary(grouping: reports, by: \.indication).mapValues(\.count)
            print(
                "\(reports.count) documents: \(counts[.totalPassed] ?? 0) passed, \(counts[.totalFailed] ?? 0) "
                    + "failed, \(counts[.indeterminate] ?? 0) indeterminate"
            )
        }
    }
}
