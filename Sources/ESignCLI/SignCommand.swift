import ArgumentParser
import ESign
import Foundation

/// `esign sign`: PAdES signatures in PDFs, detached CAdES for other files, one file or a batch.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign PDFs (PAdES), XML documents (XAdES) or other files (detached CAdES .p7s).",
        discussion: """
            The input is never modified. The output (default IN.signed.pdf, IN.signed.xml for XML, IN.p7s or \
            IN.xades.xml with --detached) is \
            written atomically and never replaces an existing file without --force.

            Examples:
              esign sign decision.pdf --p12 official.p12 --password-file pass.txt --reason "Phê duyệt"
              esign sign *.pdf --out-dir signed/ --p12 seal.p12
              esign sign report.docx --detached --key key.pem --cert cert.pem
              esign sign invoice.xml --p12 seal.p12          (enveloped XAdES: invoice.signed.xml)
              esign sign scan.tif --detached --xades --p12 seal.p12   (scan.tif.xades.xml)
              esign sign qd-12.pdf --p12 official.p12 --unit 25441 --number 12/QĐ-UBND --type QĐ

            With --unit, each signed output is recorded in the ledger (document id = SHA-256 of the \
            signed file, issued today in Vietnam time) for the coverage statistics of `esign stats`.
            """
    )

    @Argument(help: ArgumentHelp("Files to sign.", valueName: "file"))
    var files: [String]

    @OptionGroup var identity: IdentityOptions
    @OptionGroup var encrypted: EncryptedPDFOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file (one input only).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Write outputs into this folder, under the input's file name.", valueName: "dir"))
    var outDir: String?

    @Option(help: "Reason for signing (/Reason).") var reason: String?
    @Option(help: "Where the signing took place (/Location).") var location: String?
    @Option(help: "Signer's contact (/ContactInfo).") var contact: String?
    @Option(help: ArgumentHelp("Signature field: an existing empty one, or a new one of this name.", valueName: "name"))
    var field: String?

    @Option(help: "Digest algorithm: sha256, sha384, sha512, sha3-256, sha3-384 or sha3-512.")
    var digest: DigestAlgorithm = .sha256

    @Flag(
        name: .customLong("rsa-pss"),
        help:
            "RSA keys: sign with RSASSA-PSS (MGF1 with the same hash, salt as long as the hash) instead of PKCS#1 v1.5."
    )
    var rsaPSS = false

    @Option(help: ArgumentHelp("Timestamp the signature at this RFC 3161 TSA (PAdES B-T, CAdES-T).", valueName: "url"))
    var tsa: String?

    @Option(
        help: ArgumentHelp(
            "PAdES level: B-B, B-T (with --tsa), B-LT (adds the DSS: certificates, OCSP responses, CRLs), B-LTA (then "
                + "a document timestamp). Default B-T with --tsa, else B-B.",
            valueName: "level"))
    var level: PAdESLevel?

    @Option(
        help: ArgumentHelp(
            "Trust anchors for checking OCSP responses and CRLs fetched for B-LT/B-LTA (default: the roots in the "
                + "signer's chain).",
            valueName: "file"))
    var trust: [String] = []

    @Flag(
        help: ArgumentHelp(
            "Write a detached signature instead of signing inside the document: CAdES (FILE.p7s), or XAdES "
                + "(FILE.xades.xml) for XML documents and with --xades."))
    var detached = false

    @Flag(help: "XML: put the document inside the signature (an enveloping XAdES signature, a ds:Object).")
    var enveloping = false

    @Flag(help: "With --detached: a detached XAdES signature (FILE.xades.xml) for any file, rather than CAdES.")
    var xades = false

    @Flag(help: "With --detached: a CAdES signature (FILE.p7s) even for an XML document, rather than XAdES.")
    var cades = false

    @Flag(help: "Sign even though the certificate is expired or not yet valid.")
    var allowExpired = false

    @Flag(help: "Overwrite existing output files.")
    var force = false

    @Flag(help: "Flush each output to disk before publishing it.")
    var durable = false

    @Flag(help: "Print one JSON object per file instead of text.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "Files signed at once in a batch (default: three per core, so that a core hashes one file while another "
                + "is written to disk).",
            valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Record the signed documents in the ledger as issued by this unit.", valueName: "code"))
    var unit: String?

    @Option(
        help: ArgumentHelp(
            "Number and symbol for the ledger (one input only), e.g. 12/QĐ-UBND; default: the output's file name.",
            valueName: "text"))
    var number: String?

    @Option(help: ArgumentHelp("Document type for the ledger (QĐ, CV, TB, …).", valueName: "abbr"))
    var type: String?

    @OptionGroup var ledgerOptions: LedgerOptions

    @Flag(help: "Draw the signature on the page (see --page, --at, --image, --text).")
    var visible = false

    @Option(help: ArgumentHelp("Page for --visible (1-based; default the last page).", valueName: "n"))
    var page: Int?

    @Option(
        help: ArgumentHelp(
            "Bottom-left corner for --visible in points from the page's bottom left (default: bottom right, 2 cm in).",
            valueName: "x,y"))
    var at: String?

    @Option(
        help: ArgumentHelp(
            "Place --visible under the last line holding this text (e.g. the signer's title, CHỦ TỊCH), centred on it.",
            valueName: "text"))
    var anchor: String?

    @Option(help: ArgumentHelp("Image for --visible (PNG, transparency kept).", valueName: "png"))
    var image: String?

    @Option(
        help: ArgumentHelp(
            "A line of text for --visible (repeat for several; default: signer and time).", valueName: "text"))
    var text: [String] = []

    @Option(help: "Text size in points for --visible.")
    var fontSize: Double = 9

    @OptionGroup var appearanceOptions: AppearanceOptions

    @Flag(
        help: ArgumentHelp(
            "Two-step signing, first step: name the signer with --cert (and --chain); writes the prepared state "
                + "(--prepared, default IN.prepared.json) and prints the digest the signer's key must sign."))
    var prepare = false

    @Option(
        help: ArgumentHelp(
            "Two-step signing, second step: finish the PDF with this signature over the prepared digest (the raw "
                + "value: PKCS#1 v1.5 for RSA, DER for ECDSA).",
            valueName: "file"))
    var complete: String?

    @Option(help: ArgumentHelp("The two-step state file (default IN.prepared.json).", valueName: "file"))
    var prepared: String?

    func validate() throws {
        if prepare || complete != nil {
            if prepare && complete != nil {
                throw ValidationError("--prepare and --complete are the two steps; give one")
            }
            if files.count != 1 { throw ValidationError("two-step signing takes one document") }
            if (detached && !xades && !Self.isXML(files[0])) || visible || tsa != nil || (level ?? .bB) != .bB
                || unit != nil || outDir != nil
            {
                throw ValidationError(
                    "two-step signing makes B-B signatures of one PDF or XML document (no --visible, --tsa, --level, "
                        + "--unit, --out-dir; --detached for XML only)")
            }
            if prepare && (identity.cert == nil || identity.hasKey) {
                throw ValidationError("--prepare names the signer with --cert FILE (and --chain FILE), not a key")
            }
            if complete != nil && (identity.hasKey || identity.cert != nil) {
                throw ValidationError("--complete takes the signer from the prepared file; give no key or certificate")
            }
            return
        }
        if !identity.hasKey { throw IdentityOptions.missingKey }
        if enveloping && detached { throw ValidationError("a signature is either --enveloping or --detached") }
        if xades && !detached { throw ValidationError("--xades makes detached XAdES signatures; add --detached") }
        if cades && !detached { throw ValidationError("--cades makes detached CAdES signatures; add --detached") }
        if cades && xades { throw ValidationError("a detached signature is either --cades or --xades") }
        if cades && enveloping { throw ValidationError("--enveloping is XAdES; it cannot go with --cades") }
        if prepared != nil { throw ValidationError("--prepared goes with --prepare or --complete") }
        if output != nil && files.count > 1 {
            throw ValidationError("-o/--output takes one input; use --out-dir for several")
        }
        if output != nil && outDir != nil { throw ValidationError("use either -o/--output or --out-dir") }
        if number != nil && files.count > 1 { throw ValidationError("--number takes one input") }
        if (number != nil || type != nil) && unit == nil { throw ValidationError("--number and --type go with --unit") }
        if !visible && (page != nil || at != nil || anchor != nil || image != nil || !text.isEmpty) {
            throw ValidationError("--page, --at, --anchor, --image and --text go with --visible")
        }
        if at != nil && anchor != nil { throw ValidationError("use either --at or --anchor") }
        if visible && detached { throw ValidationError("--visible draws on a PDF page; it cannot go with --detached") }
        if let page, page < 1 { throw ValidationError("--page starts at 1") }
        if let at, parsePoint(at) == nil { throw ValidationError("--at is x,y in points, e.g. 350,80") }
        if !(4...72).contains(fontSize) { throw ValidationError("--font-size is between 4 and 72 points") }
        if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs is between 1 and 256") }
        if let level, level >= .bT && tsa == nil { throw ValidationError("--level \(level.rawValue) needs --tsa URL") }
        if level == .bB && tsa != nil { throw ValidationError("--level B-B signs without a timestamp; drop --tsa") }
    }

    /// The level asked for, or the one the flags imply.
    var effectiveLevel: PAdESLevel { level ?? (tsa == nil ? .bB : .bT) }

    func outputPath(for input: String) -> String {
        if let output { return output }
        let name = (input as NSString).lastPathComponent
        if let outDir { return (outDir as NSString).appendingPathComponent(detached ? name + ".p7s" : name) }
        if detached { return input + ".p7s" }
        let base = input.lowercased().hasSuffix(".pdf") ? String(input.dropLast(4)) : input
        return base + ".signed.pdf"
    }

    func run() async throws {
        if prepare { return try runPrepare() }
        if let complete { return try runComplete(signature: complete) }
        // Check the unit before signing anything: an unknown unit must not leave unrecorded outputs.
        var ledger: Ledger?
        if let unit {
            let opened = try await ledgerOptions.open()
            do { _ = try await opened.directory().resolve(unit, on: CivilDate.today()) } catch {
                try? await opened.close()
                throw ledgerFailure(error)
            }
            ledger = opened
        }
        defer { if let ledger { Task { try? await ledger.close() } } }
        var signed: [String] = []
        var failure: (any Error)?
        do { try sign(into: &signed) } catch { failure = error }
        if let ledger, !signed.isEmpty {
            do { try await record(signed, in: ledger) } catch {
                Terminal.error("signed, but not recorded in the ledger: \(error)")
                throw ledgerFailure(error)
            }
        }
        if let failure { throw failure }
    }

    /// Records signed outputs as issued documents of `--unit`.
    func record(_ outputs: [String], in ledger: Ledger) async throws {
        guard let unit else { return }
        let today = CivilDate.today()
        var records: [DocumentRecord] = []
        for path in outputs {
            records.append(
                DocumentRecord(
                    documentID: try FileDigest.sha256Hex(path: path), unitCode: unit,
                    number: number ?? (path as NSString).lastPathComponent, type: type, issuedOn: today,
                    signed: true, signatureCount: 1, timestamped: tsa != nil))
        }
        let summary = try await ledger.record(records, source: "sign")
        if !json {
            Terminal.note(
                "recorded \(summary.appended) document\(summary.appended == 1 ? "" : "s") of unit \(unit) in the "
                    + "ledger (\(ledger.store.location))"
            )
        }
    }

    /// The PAdES options the flags ask for (appearance aside).
    func pdfOptions() throws -> PAdESOptions {
        var options = PAdESOptions()
        do { options.pdfCredentials = try encrypted.load() } catch { throw fail(error) }
        options.digest = digest
        options.rsaPadding = rsaPSS ? .pss : .pkcs1v15
        options.fieldName = field
        options.reason = reason
        options.location = location
        options.contactInfo = contact
        options.allowExpired = allowExpired
        options.overwrite = force
        options.durable = durable
        options.timestampClient = tsa.map(TimestampClient.init(url:))
        return options
    }

    /// For B-LT and B-LTA: the extender, its collector trusting `--trust` or else the self-issued
    /// certificates of the signer's chain. Built once per run, so a batch asks each responder once
    /// per certificate.
    func longTermExtender(chain: [Certificate]) throws -> LongTermExtender? {
        guard effectiveLevel >= .bLT else { return nil }
        var anchors: [Certificate]
        do { anchors = try VerificationOptions.loadTrustAnchors(trust) } catch { throw fail(error) }
        if trust.isEmpty { anchors = chain.filter(\.isSelfIssued) }
        return LongTermExtender(
            level: effectiveLevel, collector: ValidationDataCollector(trustAnchors: anchors),
            timestampClient: tsa.map(TimestampClient.init(url:)))
    }

    func sign(into signedOutputs: inout [String]) throws {
        if try signsXML() { return try runXAdES(into: &signedOutputs) }
        if files.count == 1 && !detached && !visible && outDir == nil && effectiveLevel < .bLT {
            return try signOneWhileLoadingKey(into: &signedOutputs)
        }
        let loaded: SigningIdentity
        do { loaded = try identity.load(expectedSignatures: files.count) } catch { throw fail(error) }
        try createOutputFolder()
        if detached { return try runDetached(loaded, signedOutputs: &signedOutputs) }
        let signer = PAdESSigner(identity: loaded, options: try signingOptions(for: loaded))
        let jobs = files.map { BatchSigner.Job(input: $0, output: outputPath(for: $0)) }
        if jobs.count == 1 {
            try signOne(jobs[0], with: signer, into: &signedOutputs)
        } else {
            try signBatch(jobs, with: signer, into: &signedOutputs)
        }
    }

    /// One invisible signature: the document is read and hashed while the key is decrypted.
    func signOneWhileLoadingKey(into signedOutputs: inout [String]) throws {
        let input = files[0]
        let output = outputPath(for: files[0])
        let identityOptions = identity
        let options = try pdfOptions()
        do {
            report(
                try PAdESSigner.sign(
                    input: input, output: output, options: options,
                    loadingIdentity: { () throws(SigningError) in try identityOptions.load() }))
        } catch {
            throw fail(error)
        }
        signedOutputs.append(output)
    }

    func createOutputFolder() throws {
        guard let outDir else { return }
        do { try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true) } catch {
            throw fail(.cannotWrite("cannot create \(outDir): \(error.localizedDescription)"))
        }
    }

    /// The PAdES options with the visible appearance, when asked for, built for `identity`.
    func signingOptions(for identity: SigningIdentity) throws -> PAdESOptions {
        var options = try pdfOptions()
        options.longTerm = try longTermExtender(chain: [identity.certificate] + identity.chain)
        if visible {
            options.visible = try visibleSignature(identity, time: options.signingTime)
            if let anchor { try placeUnder(anchor, &options.visible!) }
        }
        return options
    }

    func signOne(_ job: BatchSigner.Job, with signer: PAdESSigner, into signedOutputs: inout [String]) throws {
        do {
            report(try signer.sign(input: job.input, output: job.output))
            signedOutputs.append(job.output)
        } catch {
            throw fail(error)
        }
    }

    /// Many files on every core with a progress bar; each failure is reported and the others go on.
    func signBatch(_ jobs: [BatchSigner.Job], with signer: PAdESSigner, into signedOutputs: inout [String]) throws {
        let bar = Terminal.ProgressBar(total: jobs.count, label: "Signing")
        let start = Date()
        var batch = BatchSigner(signer: signer)
        if let workers = self.jobs { batch.concurrency = workers }
        let outcomes = batch.sign(jobs) { done, _ in bar.update(done) }
        let elapsed = Date().timeIntervalSince(start)
        var failed = 0
        for outcome in outcomes {
            switch outcome.result {
            case .success(let result):
                signedOutputs.append(result.output)
                if json { report(result) }
            case .failure(let error):
                failed += 1
                reportFailure(of: outcome.job.input, error)
            }
        }
        let rate = Int(Double(jobs.count) / max(elapsed, 0.001))
        let summary =
            "\(jobs.count - failed) signed, \(failed) failed in \(String(format: "%.2f", elapsed)) s (\(rate) docs/s)"
        if json { Terminal.note(summary) } else { print(failed == 0 ? Terminal.green(summary) : Terminal.red(summary)) }
        if failed > 0 { throw ExitCode(ExitCodes.batchHadFailures) }
    }

    func reportFailure(of input: String, _ error: SigningError) {
        if json {
            printJSON(["input": input, "error": error.description, "exit_code": "\(ExitCodes.code(for: error))"])
        } else {
            Terminal.error("\(input): \(error)")
        }
    }

    func runDetached(_ identity: SigningIdentity, signedOutputs: inout [String]) throws {
        var signer = CAdESSigner(identity: identity)
        signer.digest = digest
        signer.rsaPadding = rsaPSS ? .pss : .pkcs1v15
        signer.allowExpired = allowExpired
        signer.overwrite = force
        signer.timestampClient = tsa.map(TimestampClient.init(url:))
        signer.longTerm = try longTermExtender(chain: [identity.certificate] + identity.chain)
        var failures: [SigningError] = []
        for file in files {
            let out = outputPath(for: file)
            do {
                let length = try signer.sign(input: file, output: out)
                signedOutputs.append(file)  // the issued document is the file itself; the .p7s travels with it
                if json {
                    printJSON([
                        "input": file, "output": out, "format": "CAdES detached", "level": effectiveLevel.rawValue,
                        "signature_length": "\(length)",
                    ])
                } else {
                    print("Signed \(file) → \(out) (detached CAdES \(effectiveLevel.rawValue), \(length) bytes)")
                }
            } catch {
                failures.append(error)
                Terminal.error("\(file): \(error)")
            }
        }
        if failures.count == 1 && files.count == 1 { throw ExitCode(ExitCodes.code(for: failures[0])) }
        if !failures.isEmpty { throw ExitCode(ExitCodes.batchHadFailures) }
    }

    /// Moves the appearance under the last line of the document that holds `anchor`.
    func placeUnder(_ anchor: String, _ visible: inout VisibleSignature) throws {
        guard files.count == 1 else { throw fail(.badInput("--anchor takes one input")) }
        let document: PDFDocument
        do { document = try PDFDocument(path: files[0]) } catch { throw fail(SigningError.from(error, path: files[0])) }
        var block: Decree30Layout.SignerBlock?
        do { block = try Decree30Layout.findSignerBlock(in: document, titles: [anchor], name: nil) } catch {
            throw fail(.badInput("\(files[0]): cannot read the page text to find \"\(anchor)\": \(error)"))
        }
        if let page, let found = block, found.page != page - 1 { block = nil }
        guard let block else {
            throw fail(.badInput("\(files[0]): no line holds \"\(anchor)\"\(page.map { " on page \($0)" } ?? "")"))
        }
        visible.page = block.page
        visible.origin = (block.centreX - visible.appearance.width / 2, block.top - visible.appearance.height)
    }

    func parsePoint(_ text: String) -> (x: Double, y: Double)? {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let x = parts[0], let y = parts[1] else { return nil }
        return (x, y)
    }

    /// The --visible appearance: the image on the left (50 pt high), the text lines beside it.
    func visibleSignature(_ identity: SigningIdentity, time: Date) throws -> VisibleSignature {
        let font = try appearanceOptions.loadFont()
        let lines =
            text.isEmpty
            ? [
                "Ký bởi: \(identity.certificate.subject.commonName ?? "")",
                "Thời gian ký: \(Decree30Layout.time(time))",
            ] : text
        let png = try image.map { try loadPNG($0, what: "image") }
        let imageHeight = png == nil ? 0.0 : 50
        let imageWidth = png.map { min(120, imageHeight * Double($0.width) / Double($0.height)) } ?? 0
        let textX = imageWidth + (imageWidth > 0 ? 4 : 0)
        let lineHeight = fontSize * 1.3
        let textWidth = lines.map { font.width(of: $0, size: fontSize) }.max() ?? 0
        var appearance = SignatureAppearance(
            width: textX + textWidth + 2, height: max(imageHeight, Double(lines.count) * lineHeight + 2), font: font)
        if let png {
            appearance.images.append(
                .init(
                    image: png,
                    frame: .init(x: 0, y: (appearance.height - imageHeight) / 2, width: imageWidth, height: imageHeight)
                ))
        }
        for (i, line) in lines.enumerated() {
            appearance.lines.append(
                .init(
                    text: line, x: textX, y: appearance.height - Double(i + 1) * lineHeight + fontSize * 0.3,
                    size: fontSize))
        }
        do { try appearance.checkGlyphs() } catch { throw appearanceFailure(error) }
        return VisibleSignature(page: page.map { $0 - 1 } ?? -1, origin: at.flatMap(parsePoint), appearance: appearance)
    }

    func report(_ result: SigningResult) {
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(result) { print(String(decoding: data, as: UTF8.self)) }
        } else {
            print(
                "Signed \(result.input) → \(Terminal.bold(result.output)) (field \(result.fieldName), PAdES "
                    + "\(effectiveLevel.rawValue), \(result.signatureLength) of \(result.reservedLength) reserved "
                    + "bytes)"
            )
        }
    }

    func printJSON(_ object: [String: String]) {
        if let data = try? JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

extension DigestAlgorithm: @retroactive ExpressibleByArgument {}
extension PAdESLevel: @retroactive ExpressibleByArgument {}
