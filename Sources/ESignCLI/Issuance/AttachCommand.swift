import ArgumentParser
import ESign
import Foundation

/// `esign attach`: the agency's signature on an attachment issued in a separate file.
struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract:
            "Sign an attachment issued in a separate file (Decree 30/2020): agency signature, no image, top right of "
            + "page 1.",
        discussion: "The appearance shows the main document's number and symbol and the signing time, 10 pt."
    )
    @Argument(help: "The attachment (PDF).") var input: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Output (default IN.signed.pdf).", valueName: "file")) var output:
        String?
    @Option(help: ArgumentHelp("Number and symbol of the main document, e.g. 01/QĐ-UBND.", valueName: "text"))
    var mainNumber: String
    @OptionGroup var agency: AgencySealOptions

    func run() async throws {
        try agency.sign(.attachment(mainReference: mainNumber), input: input, output: output)
    }
}

/// `esign copy`: an electronic copy (sao y, sao lục, trích sao) signed by the copying agency.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract:
            "Make an electronic copy (Decree 30/2020): the copying agency's signature with the copy form, top right "
            + "of page 1.",
        discussion:
            "--form is SAO Y, SAO LỤC or TRÍCH SAO. The appearance shows the form, the copying agency and the time, "
            + "10 pt."
    )
    @Argument(help: "The document to copy (PDF).") var input: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Output (default IN.copy.pdf).", valueName: "file")) var output:
        String?
    @Option(help: ArgumentHelp("SAO Y, SAO LỤC or TRÍCH SAO.", valueName: "form")) var form: String
    @OptionGroup var agency: AgencySealOptions

    func validate() throws {
        if AgencyNote.CopyForm(parsing: form) == nil { throw ValidationError("--form is SAO Y, SAO LỤC or TRÍCH SAO") }
    }

    func run() async throws {
        let out = output ?? ((input.lowercased().hasSuffix(".pdf") ? String(input.dropLast(4)) : input) + ".copy.pdf")
        try agency.sign(.copy(form: AgencyNote.CopyForm(parsing: form)!), input: input, output: out)
    }
}

/// The agency's seal and how it signs, shared by `attach` and `copy`.
struct AgencySealOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The agency seal's PKCS#12.", valueName: "file")) var seal: String?
    @Option(help: ArgumentHelp("The seal's key on a token (PKCS#11 URI).", valueName: "uri")) var sealPkcs11: String?
    @Option(
        help: ArgumentHelp(
            "PIN file for --seal-pkcs11 (else ESIGN_SEAL_PIN, ESIGN_PIN or a prompt).", valueName: "file"))
    var pinFile: String?
    @Option(help: ArgumentHelp("Timestamp at this TSA.", valueName: "url")) var tsa: String?
    @Option(
        help: ArgumentHelp("Password file for --seal (else ESIGN_SEAL_PASSWORD or ESIGN_PASSWORD).", valueName: "file"))
    var passwordFile: String?
    @OptionGroup var appearance: AppearanceOptions
    @Flag(help: "Overwrite the output.") var force = false

    func validate() throws {
        if (seal == nil) == (sealPkcs11 == nil) { throw ValidationError("give one of --seal and --seal-pkcs11") }
        if let sealPkcs11 {
            do { _ = try PKCS11URI(parsing: sealPkcs11) } catch { throw ValidationError(error.description) }
        }
    }

    func sign(_ kind: AgencyNote.Kind, input: String, output: String?) throws {
        guard FileManager.default.fileExists(atPath: input) else {
            Terminal.error("\(input): no such file")
            throw ExitCode(ExitCodes.missingInput)
        }
        let out = output ?? ((input.lowercased().hasSuffix(".pdf") ? String(input.dropLast(4)) : input) + ".signed.pdf")
        let font = try appearance.loadFont()
        var note = AgencyNote(
            agency: try loadIdentity(
                p12: seal, pkcs11: sealPkcs11, passwordFile: passwordFile, pinFile: pinFile,
                environment: "ESIGN_SEAL_PASSWORD", pinEnvironment: "ESIGN_SEAL_PIN", role: "--seal"),
            layout: Decree30Layout(font: font))
        note.timestampClient = tsa.map(TimestampClient.init(url:))
        do {
            let result = try note.sign(kind, input: input, output: out, overwrite: force)
            print("Signed \(input) → \(Terminal.bold(result.output)) (\(note.lines(kind, time: Date()).first ?? ""))")
        } catch let error as SigningError { throw fail(error) } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitCodes.internalError)
        }
    }
}
