import ArgumentParser
import ESign
import Foundation

/// `esign timestamp`: RFC 3161 timestamps for any file, and document timestamps for PDFs.
struct TimestampCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timestamp",
        abstract: "Get an RFC 3161 timestamp for a file (FILE.tsr), or add a document timestamp to a PDF.",
        discussion: """
            Examples:
              esign timestamp report.docx --tsa http://tsa.example/            # → report.docx.tsr
              esign timestamp verify report.docx report.docx.tsr --trust root.pem
              esign timestamp decision.pdf --document --tsa http://tsa.example/  # → decision.timestamped.pdf
            Exit codes: as `esign sign`; 69 when the TSA cannot be reached or answers badly.
            """,
        subcommands: [Get.self, Verify.self],
        defaultSubcommand: Get.self
    )

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "Request a timestamp (the default).")

        @Argument(help: ArgumentHelp("The file to timestamp.", valueName: "file")) var file: String
        @Option(help: ArgumentHelp("RFC 3161 TSA URL (http).", valueName: "url")) var tsa: String
        @Option(
            name: .shortAndLong,
            help: ArgumentHelp("Output (default FILE.tsr, or IN.timestamped.pdf with --document).", valueName: "file"))
        var output: String?
        @Flag(help: "Add a document timestamp inside the PDF (/DocTimeStamp, ETSI.RFC3161).") var document = false
        @Flag(help: "Overwrite an existing output.") var force = false

        func run() throws {
            let client = TimestampClient(url: tsa)
            if document {
                let out =
                    output
                    ?? ((file.lowercased().hasSuffix(".pdf") ? String(file.dropLast(4)) : file) + ".timestamped.pdf")
                var stamper = DocumentTimestamper(client: client)
                stamper.overwrite = force
                do {
                    let result = try stamper.timestamp(input: file, output: out)
                    print("Timestamped \(file) → \(Terminal.bold(out)) (document timestamp in \(result.fieldName))")
                } catch { throw fail(error) }
                return
            }
            let out = output ?? file + ".tsr"
            guard let data = FileManager.default.contents(atPath: file) else {
                throw fail(.missingInput("no such file: \(file)"))
            }
            do {
                let (token, reply) = try client.timestamp(data: [UInt8](data))
                let outputFile = try AtomicOutputFile(destination: out, overwrite: force)
                try outputFile.write(reply)
                try outputFile.commit()
                print(
                    "Timestamped \(file) → \(Terminal.bold(out)) at \(ReportRenderer.time(token.time)) (serial "
                        + "\(token.serialNumberHex))"
                )
            } catch let error as SigningError {
                throw fail(error)
            } catch {
                throw fail(.timestamp("\(error)"))
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Check that a .tsr reply covers a file and comes from a trusted TSA.")

        @Argument(help: ArgumentHelp("The file.", valueName: "file")) var file: String
        @Argument(help: ArgumentHelp("Its timestamp reply (.tsr).", valueName: "file.tsr")) var reply: String
        @Option(
            name: .customLong("trust"),
            help: ArgumentHelp("Trusted roots (file or folder, repeatable).", valueName: "pem|dir"))
        var trust: [String] = []

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw fail(.missingInput("no such file: \(file)"))
            }
            guard let replyData = FileManager.default.contents(atPath: reply) else {
                throw fail(.missingInput("no such file: \(reply)"))
            }
            let anchors: [Certificate]
            do { anchors = try trustOptions(trust).trustAnchors } catch { throw fail(error) }
            let result = TimestampVerification.verify(
                data: [UInt8](data), reply: [UInt8](replyData), trustAnchors: anchors)
            print("\(file): \(ReportRenderer.verdict(result.indication, result.subIndication)) — \(result.summary)")
            throw ExitCode(result.indication == .totalPassed ? 0 : (result.indication == .totalFailed ? 1 : 2))
        }
    }
}
