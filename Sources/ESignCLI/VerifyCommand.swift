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
                found += FolderWalk.files(under: path) { name in
                    [".pdf", ".xml", ".p7s"].contains { name.lowercased().hasSuffix($0) }
                }.sorted()
            } else {
                found.append(path)
            }
        }
        // Each worker verifies and renders its documents and keeps only what the exit code needs:
        // the main thread joins the lines (rendering and freeing 1,000 reports here was a sixth of a
        // batch's time).
        let json = self.json
        let bar = Terminal.ProgressBar(total: found.count, label: "Verifying")
        let finish = { (report: DocumentReport) in
            Outcome(report, rendered: json ? ReportRenderer.json(report) : ReportRenderer.text(report))
        }
        // Three batches, each hashing several documents at a time where it can: PDFs, XML
        // documents, and .p7s files with their content beside them.
        enum Kind { case pdf, xml, detached }
        let kinds = found.map { path -> Kind in
            path.lowercased().hasSuffix(".p7s") ? .detached : (SignCommand.isXML(path) ? .xml : .pdf)
        }
        var outcomes = [Outcome?](repeating: nil, count: found.count)
        var done = 0
        func batch(_ kind: Kind, _ run: ([String], @escaping (Int) -> Void) -> [Outcome]) {
            let indices = found.indices.filter { kinds[$0] == kind }
            guard !indices.isEmpty else { return }
            let start = done
            let results = run(indices.map { found[$0] }) { bar.update(start + $0) }
            for (index, outcome) in zip(indices, results) { outcomes[index] = outcome }
            done += indices.count
        }
        batch(.pdf) { paths, progress in
            let verifier = PDFSignatureVerifier(options: options)
            return paths.count == 1
                ? [finish(verifier.verify(path: paths[0]))]
                : verifier.verify(paths: paths, progress: progress, finish)
        }
        batch(.xml) { paths, progress in
            XMLSignatureVerifier(options: options).verify(paths: paths, progress: progress, finish)
        }
        batch(.detached) { paths, progress in
            let detached = DetachedSignatureVerifier(options: options)
            return DocumentBatch.run(paths, perGroup: 1, progress: progress) { group in
                group.map { finish(detached.verify(content: String($0.dropLast(4)), signature: $0)) }
            }
        }
        let results = outcomes.map { $0! }
        write(results.map(\.rendered))
        if !json && results.count > 1 { printCounts(results.map(\.indication)) }
        throw ExitCode(Self.exitCode(results))
    }

    /// What the batch keeps of a document's report: its rendering and what decides the exit code.
    struct Outcome {
        let indication: Indication
        let inputRefused: Bool
        let needsPassword: Bool
        let rendered: String

        init(_ report: DocumentReport, rendered: String) {
            indication = report.indication
            inputRefused = report.inputRefused == true
            needsPassword = report.needsPassword == true
            self.rendered = rendered
        }
    }

    static func exitCode(_ reports: [DocumentReport]) -> Int32 {
        exitCode(reports.map { Outcome($0, rendered: "") })
    }

    /// 65 when any document was refused as input (hostile or malformed XML), 77 when one needs a
    /// password not given, else the worst verdict's code.
    static func exitCode(_ outcomes: [Outcome]) -> Int32 {
        if outcomes.contains(where: \.inputRefused) { return 65 }
        if outcomes.contains(where: \.needsPassword) { return 77 }
        switch outcomes.map(\.indication).max() ?? .totalPassed {
        case .totalPassed: return 0
        case .totalFailed: return 1
        case .indeterminate: return 2
        }
    }

    func output(_ reports: [DocumentReport]) {
        write(reports.map { json ? ReportRenderer.json($0) : ReportRenderer.text($0) })
        if !json && reports.count > 1 { printCounts(reports.map(\.indication)) }
    }

    /// The rendered reports, one per line, in one write.
    private func write(_ lines: [String]) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
        for line in lines {
            buffer.append(contentsOf: line.utf8)
            buffer.append(0x0A)
        }
        try? FileHandle.standardOutput.write(contentsOf: buffer)
    }

    private func printCounts(_ indications: [Indication]) {
        let counts = Dictionary(grouping: indications, by: { $0 }).mapValues(\.count)
        print(
            "\(indications.count) documents: \(counts[.totalPassed] ?? 0) passed, \(counts[.totalFailed] ?? 0) "
                + "failed, \(counts[.indeterminate] ?? 0) indeterminate"
        )
    }
}
