import ArgumentParser
import ESign
import Foundation

/// `esign ltv`: signatures that outlive their certificates (PAdES B-LT and B-LTA).
struct LTVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ltv",
        abstract: "Long-term validation: raise signed PDFs, .p7s and XAdES signatures to B-LT or B-LTA.",
        subcommands: [Extend.self, Renew.self]
    )

    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "extend",
            abstract: "Add validation data (B-LT) and a timestamp over it (B-LTA) to signatures made by anyone.",
            discussion: """
                For every signature and timestamp in each file, the certificates of its chain and fresh \
                revocation data for each of them (OCSP from the certificate's responder first, its CRL \
                otherwise, each checked before it is embedded) go into the document security store by \
                incremental update; earlier signatures stay valid. B-LTA then adds a document timestamp \
                over everything. If any certificate's data cannot be had, the file is refused with the \
                reason and nothing is written for it.

                A detached signature (.p7s, CAdES) is raised the same way: the validation data goes into its \
                SignedData, and B-LTA adds an archive-time-stamp-v3 over the signed file, the signature and all \
                of it. The signed file is the .p7s's name without ".p7s" unless --content names it.

                XML documents (XAdES, enveloped, enveloping or detached) get xades:CertificateValues and \
                xades:RevocationValues among the signature's unsigned properties, and for B-LTA a \
                xades141:ArchiveTimeStamp; signatures without a signature timestamp get one first.

                  esign ltv extend signed/*.pdf --level B-LTA --tsa http://tsa.example/ --out-dir archive/
                  esign ltv extend report.docx.p7s --tsa http://tsa.example/
                """
        )

        @Argument(help: "Signed PDFs, detached signatures (.p7s), or XML documents with XAdES signatures.")
        var files: [String]
        @Option(
            help: ArgumentHelp(
                "The file a .p7s signs (default: the .p7s's name without \".p7s\"); one input only.",
                valueName: "file"))
        var content: String?
        @Option(help: "B-LT or B-LTA.") var level: PAdESLevel = .bLTA
        @Option(help: ArgumentHelp("Time-stamping authority for B-LTA.", valueName: "url")) var tsa: String?
        @Option(name: .shortAndLong, help: ArgumentHelp("Output (one input only).", valueName: "file")) var output:
            String?
        @Option(help: ArgumentHelp("Write outputs into this folder under the input's name.", valueName: "dir"))
        var outDir: String?
        @OptionGroup var network: LongTermNetworkOptions
        @OptionGroup var encrypted: EncryptedPDFOptions
        @Option(
            help: ArgumentHelp(
                "Files extended at once (default: four per core; most of a file's time is the TSA's answer).",
                valueName: "n"))
        var jobs: Int?
        @Flag(help: "Overwrite existing outputs.") var force = false
        @Flag(help: "One JSON object per file.") var json = false

        func validate() throws {
            guard level >= .bLT else { throw ValidationError("--level is B-LT or B-LTA") }
            if level == .bLTA && tsa == nil { throw ValidationError("B-LTA needs --tsa URL") }
            if output != nil && files.count > 1 { throw ValidationError("-o takes one input; use --out-dir") }
            if output != nil && outDir != nil { throw ValidationError("use either -o or --out-dir") }
            if content != nil && (files.count != 1 || !(Self.isDetached(files[0]) || SignCommand.isXML(files[0]))) {
                throw ValidationError("--content goes with one .p7s or detached XAdES file")
            }
        }

        static func isDetached(_ path: String) -> Bool { path.lowercased().hasSuffix(".p7s") }

        /// The file a detached signature signs.
        func signedFile(of signature: String) -> String { content ?? String(signature.dropLast(4)) }

        func outputPath(for input: String) -> String {
            if let output { return output }
            if let outDir { return (outDir as NSString).appendingPathComponent((input as NSString).lastPathComponent) }
            if Self.isDetached(input) { return signedFile(of: input) + ".\(level.rawValue.lowercased()).p7s" }
            if SignCommand.isXML(input) {
                let base = input.lowercased().hasSuffix(".xml") ? String(input.dropLast(4)) : input
                return base + ".\(level.rawValue.lowercased()).xml"
            }
            let base = input.lowercased().hasSuffix(".pdf") ? String(input.dropLast(4)) : input
            return base + ".\(level.rawValue.lowercased()).pdf"
        }

        func run() throws {
            let collector = try network.collector(for: files)
            if let outDir {
                do { try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true) } catch
                {
                    throw fail(.cannotWrite("cannot create \(outDir): \(error.localizedDescription)"))
                }
            }
            var client = tsa.map(TimestampClient.init(url:))
            client?.timeout = network.timeout
            var extender = LongTermExtender(level: level, collector: collector, timestampClient: client)
            do { extender.pdfCredentials = try encrypted.load() } catch { throw fail(error) }
            let bar = Terminal.ProgressBar(total: files.count, label: "Extending")
            let start = Date()
            let files = self.files
            let outputs = files.map(outputPath(for:))
            let contents = files.map { Self.isDetached($0) ? signedFile(of: $0) : nil }
            let content = self.content
            let force = self.force
            let workers = jobs ?? 4 * ProcessInfo.processInfo.activeProcessorCount
            let results = parallelMap(files.count, workers: workers, progress: { bar.update($0) }) {
                i -> SigningError? in
                do throws(SigningError) {
                    if SignCommand.isXML(files[i]) {
                        try extender.extend(
                            xadesInput: files[i], content: content, output: outputs[i], overwrite: force)
                    } else if let content = contents[i] {
                        try extender.extend(
                            cadesInput: files[i], content: content, output: outputs[i], overwrite: force)
                    } else {
                        try extender.extend(
                            input: files[i], output: outputs[i], overwrite: force, direct: files.count > 1)
                    }
                    return nil
                } catch {
                    return error
                }
            }
            var failures: [SigningError] = []
            for (i, error) in results.enumerated() {
                if let error {
                    failures.append(error)
                    if json {
                        print(jsonText(["input": files[i], "error": error.description], pretty: false))
                    } else {
                        Terminal.error("\(files[i]): \(error)")
                    }
                } else if json {
                    print(jsonText(["input": files[i], "output": outputs[i], "level": level.rawValue], pretty: false))
                } else if files.count == 1 {
                    let format = Self.isDetached(files[i]) ? "CAdES" : SignCommand.isXML(files[i]) ? "XAdES" : "PAdES"
                    print("Extended \(files[i]) → \(Terminal.bold(outputs[i])) (\(format) \(level.rawValue))")
                }
            }
            if files.count > 1 {
                let elapsed = Date().timeIntervalSince(start)
                let summary =
                    "\(files.count - failures.count) extended to \(level.rawValue), \(failures.count) failed in "
                    + "\(String(format: "%.2f", elapsed)) s (\(Int(Double(files.count) / max(elapsed, 0.001))) docs/s)"
                if json { Terminal.note(summary) } else { print(summary) }
            }
            if failures.count == 1 && files.count == 1 { throw ExitCode(ExitCodes.code(for: failures[0])) }
            if !failures.isEmpty { throw ExitCode(ExitCodes.batchHadFailures) }
        }

    }

    struct Renew: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "renew",
            abstract: "Renew B-LTA archives whose newest timestamp is about to lose its protection.",
            discussion: """
                Every PDF under the folders is looked at: when the newest document timestamp's TSA \
                certificate expires within the window (or its digest or key is getting weak, or there is no \
                document timestamp yet), the validation data of that timestamp goes into the DSS and a fresh \
                document timestamp covers everything. Documents protected beyond the window are skipped, so \
                running it again renews nothing. Each file is replaced atomically (--in-place) or written under \
                --out-dir; the bytes that were there stay a prefix of the new file. Detached signatures \
                (.p7s, beside the file they sign) are renewed likewise with a fresh archive-time-stamp-v3, and XML \
                documents' XAdES signatures with a fresh xades141:ArchiveTimeStamp (XML without one is skipped).

                  esign ltv renew archive/ --tsa http://tsa.example/ --within 2y --in-place
                """
        )

        @Argument(help: "Folders (searched recursively) or files.") var paths: [String]
        @Option(help: ArgumentHelp("Time-stamping authority for the fresh document timestamps.", valueName: "url"))
        var tsa: String
        @Option(help: ArgumentHelp("Renew what expires within this long: 90d, 6m, 2y.", valueName: "span"))
        var within = "2y"
        @Flag(help: "Replace each renewed file (atomically).") var inPlace = false
        @Option(help: ArgumentHelp("Write renewed files here instead, under their names.", valueName: "dir"))
        var outDir: String?
        @OptionGroup var network: LongTermNetworkOptions
        @OptionGroup var encrypted: EncryptedPDFOptions
        @Flag(help: "One JSON object per file, then a summary object.") var json = false

        func validate() throws {
            if inPlace == (outDir != nil) { throw ValidationError("give either --in-place or --out-dir DIR") }
            if Self.seconds(within) == nil { throw ValidationError("--within is like 90d, 6m or 2y") }
        }

        static func seconds(_ span: String) -> TimeInterval? {
            guard let unit = span.last, let count = Double(span.dropLast()), count >= 0 else { return nil }
            switch unit {
            case "d": return count * 86400
            case "m": return count * 30 * 86400
            case "y": return count * 365 * 86400
            default: return nil
            }
        }

        /// PDFs named or found under the folders, sorted.
        func documents() throws -> [String] {
            var found: [String] = []
            let fm = FileManager.default
            for path in paths {
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw fail(.missingInput("no such file or folder: \(path)"))
                }
                if !isDirectory.boolValue {
                    found.append(path)
                    continue
                }
                found += FolderWalk.files(under: path) { name in
                    name.lowercased().hasSuffix(".pdf") || Extend.isDetached(name) || SignCommand.isXML(name)
                }
            }
            return found.sorted()
        }

        func run() throws {
            let files = try documents()
            let collector = try network.collector(for: files)
            if let outDir {
                do {
                    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
                } catch {
                    throw fail(.cannotWrite("cannot create \(outDir): \(error.localizedDescription)"))
                }
            }
            var client = TimestampClient(url: tsa)
            client.timeout = network.timeout
            var extender = LongTermExtender(level: .bLTA, collector: collector, timestampClient: client)
            do { extender.pdfCredentials = try encrypted.load() } catch { throw fail(error) }
            let renewal = ArchiveRenewal(extender: extender, window: Self.seconds(within)!)
            let bar = Terminal.ProgressBar(total: files.count, label: "Renewing")
            let outputs = files.map { file in
                outDir.map { ($0 as NSString).appendingPathComponent((file as NSString).lastPathComponent) } ?? file
            }
            let inPlace = self.inPlace
            let outcomes = parallelMap(
                files.count, workers: 4 * ProcessInfo.processInfo.activeProcessorCount, progress: { bar.update($0) }
            ) {
                i -> Result<ArchiveRenewal.Outcome, SigningError> in
                do throws(SigningError) {
                    if SignCommand.isXML(files[i]) {
                        return .success(try renewal.renew(xadesInput: files[i], output: outputs[i], overwrite: inPlace))
                    }
                    if Extend.isDetached(files[i]) {
                        return .success(
                            try renewal.renew(
                                cadesInput: files[i], content: String(files[i].dropLast(4)), output: outputs[i],
                                overwrite: inPlace))
                    }
                    return .success(try renewal.renew(input: files[i], output: outputs[i], overwrite: inPlace))
                } catch {
                    return .failure(error)
                }
            }
            let formatter = ISO8601DateFormatter()
            var renewed = 0
            var skipped = 0
            var failed = 0
            for (i, outcome) in outcomes.enumerated() {
                var line: [String: String] = ["file": files[i]]
                switch outcome {
                case .success(.renewed(let before, let after)):
                    renewed += 1
                    line["outcome"] = "renewed"
                    line["previous_expiry"] = before.map(formatter.string(from:)) ?? ""
                    line["protected_until"] = after.map(formatter.string(from:)) ?? ""
                    if !json {
                        print(
                            "renewed  \(files[i]) (protected until \(after.map(formatter.string(from:)) ?? "?"))")
                    }
                case .success(.skipped(let why)):
                    skipped += 1
                    line["outcome"] = "skipped"
                    line["reason"] = why
                    if !json { print("skipped  \(files[i]): \(why)") }
                case .failure(let error):
                    failed += 1
                    line["outcome"] = "failed"
                    line["reason"] = error.description
                    if !json { Terminal.error("\(files[i]): \(error)") }
                }
                if json { print(jsonText(line, pretty: false)) }
            }
            let summary = "\(renewed) renewed, \(skipped) skipped, \(failed) failed"
            if json {
                print(jsonText(["renewed": renewed, "skipped": skipped, "failed": failed], pretty: false))
            } else {
                print(summary)
            }
            if failed > 0 { throw ExitCode(ExitCodes.batchHadFailures) }
        }
    }

    /// Where `ltv` commands check revocation answers, and how long they wait for a server.
    struct LongTermNetworkOptions: ParsableArguments {
        @Option(
            help: ArgumentHelp(
                "Trust anchors for checking the OCSP responses and CRLs (default: the roots the signatures embed).",
                valueName: "file"))
        var trust: [String] = []
        @Option(help: ArgumentHelp("Time limit for each OCSP, CRL or TSA request.", valueName: "seconds"))
        var timeout = 10

        func validate() throws {
            guard (1...120).contains(timeout) else { throw ValidationError("--timeout is 1 to 120 seconds") }
        }

        /// A collector trusting `--trust`, or else the roots the files' signatures carry.
        func collector(for files: [String]) throws -> ValidationDataCollector {
            var anchors: [Certificate]
            do { anchors = try VerificationOptions.loadTrustAnchors(trust) } catch { throw fail(error) }
            if trust.isEmpty { anchors = Self.embeddedRoots(files) }
            return ValidationDataCollector(trustAnchors: anchors, timeout: timeout)
        }

        /// The self-issued certificates the files' signatures carry, as the anchors for checking
        /// revocation answers when no --trust is given.
        static func embeddedRoots(_ files: [String]) -> [Certificate] {
            var roots: [Certificate] = []
            func take(_ der: [UInt8]) {
                guard let cms = try? CMSSignedDataReader(der: der) else { return }
                for certificate in cms.certificates where certificate.isSelfIssued && !roots.contains(certificate) {
                    roots.append(certificate)
                }
            }
            for file in files {
                if Extend.isDetached(file) {
                    FileManager.default.contents(atPath: file).map {
                        take(DetachedSignatureVerifier.derSignature([UInt8]($0)))
                    }
                    continue
                }
                if SignCommand.isXML(file) {
                    let certificates = FileManager.default.contents(atPath: file).map {
                        LongTermExtender.certificates(inXML: [UInt8]($0))
                    }
                    for certificate in certificates ?? [] where certificate.isSelfIssued && !roots.contains(certificate)
                    {
                        roots.append(certificate)
                    }
                    continue
                }
                guard let document = try? PDFDocument(path: file) else { continue }
                for signature in (try? LongTermExtender.signatures(in: document)) ?? [] {
                    take(signature.contents ?? [])
                }
            }
            return roots
        }
    }

}
