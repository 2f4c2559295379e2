import ArgumentParser
import ESign
import Foundation

/// `esign sign` of XML documents (XAdES): enveloped by default, `--enveloping`, or `--detached`
/// (also for any file with `--xades`), one file or a batch on every core.
extension SignCommand {
    /// Whether `path` is signed as XML: its name ends in .xml, or it is not a PDF and begins with '<'.
    static func isXML(_ path: String) -> Bool {
        let lower = path.lowercased()
        if lower.hasSuffix(".xml") { return true }
        if lower.hasSuffix(".pdf") { return false }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64)) ?? Data()
        return XMLSignatureVerifier.looksLikeXML([UInt8](head))
    }

    /// The packaging the flags ask for.
    var xadesPackaging: XAdESSigner.Packaging { detached ? .detached : (enveloping ? .enveloping : .enveloped) }

    /// Whether this run makes XAdES signatures, and refuses a batch that mixes XML with other files.
    func signsXML() throws -> Bool {
        if xades { return true }
        if cades { return false }
        let xml = files.filter(Self.isXML)
        if xml.isEmpty { return false }
        if xml.count != files.count {
            throw fail(
                .badInput(
                    "the batch mixes XML documents (XAdES) with other files; sign them in separate runs, or sign "
                        + "all with detached XAdES (--detached --xades)"))
        }
        return true
    }

    func xadesOutputPath(for input: String) -> String { XAdESOutput.path(self, for: input, packaging: xadesPackaging) }

    func runXAdES(into signedOutputs: inout [String]) throws {
        if visible { throw fail(.badInput("--visible draws on a PDF page; XML signatures have no appearance")) }
        let loaded: SigningIdentity
        do { loaded = try identity.load(expectedSignatures: files.count) } catch { throw fail(error) }
        try createOutputFolder()
        var signer = XAdESSigner(identity: loaded)
        signer.packaging = xadesPackaging
        signer.digest = digest
        signer.rsaPadding = rsaPSS ? .pss : .pkcs1v15
        signer.allowExpired = allowExpired
        signer.overwrite = force
        signer.role = reason
        signer.city = location
        signer.timestampClient = tsa.map(TimestampClient.init(url:))
        signer.longTerm = try longTermExtender(chain: [loaded.certificate] + loaded.chain)
        let jobs = files.map { ($0, xadesOutputPath(for: $0)) }
        let bar = files.count > 1 ? Terminal.ProgressBar(total: files.count, label: "Signing") : nil
        let start = Date()
        let finished = signer
        let results = parallelMap(
            jobs.count, workers: self.jobs ?? ProcessInfo.processInfo.activeProcessorCount,
            progress: bar.map { bar in { bar.update($0) } }
        ) { index -> Result<Int, SigningError> in
            Result { () throws(SigningError) in try finished.sign(input: jobs[index].0, output: jobs[index].1) }
        }
        var failures: [SigningError] = []
        let form = "XAdES \(effectiveLevel.rawValue), \(xadesPackaging.rawValue)"
        for (index, result) in results.enumerated() {
            let (input, out) = jobs[index]
            switch result {
            case .success(let length):
                signedOutputs.append(xadesPackaging == .detached ? input : out)
                if json {
                    printJSON([
                        "input": input, "output": out, "format": "XAdES \(xadesPackaging.rawValue)",
                        "level": effectiveLevel.rawValue, "output_length": "\(length)",
                    ])
                } else if files.count == 1 {
                    print("Signed \(input) → \(Terminal.bold(out)) (\(form), \(length) bytes)")
                }
            case .failure(let error):
                failures.append(error)
                reportFailure(of: input, error)
            }
        }
        if files.count > 1 {
            let elapsed = Date().timeIntervalSince(start)
            let rate = Int(Double(files.count) / max(elapsed, 0.001))
            let summary =
                "\(files.count - failures.count) signed (\(form)), \(failures.count) failed in "
                + "\(String(format: "%.2f", elapsed)) s (\(rate) docs/s)"
            if json {
                Terminal.note(summary)
            } else {
                print(failures.isEmpty ? Terminal.green(summary) : Terminal.red(summary))
            }
        }
        if failures.count == 1 && files.count == 1 { throw ExitCode(ExitCodes.code(for: failures[0])) }
        if !failures.isEmpty { throw ExitCode(ExitCodes.batchHadFailures) }
    }
}

/// Where an XML signature is written: -o, else under --out-dir, else beside the input.
enum XAdESOutput {
    static func path(_ command: SignCommand, for input: String, packaging: XAdESSigner.Packaging) -> String {
        if let output = command.output { return output }
        let name = XAdESSigner.defaultOutput(for: (input as NSString).lastPathComponent, packaging: packaging)
        if let outDir = command.outDir { return (outDir as NSString).appendingPathComponent(name) }
        let folder = (input as NSString).deletingLastPathComponent
        return folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
    }
}
