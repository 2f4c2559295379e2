import ArgumentParser
import ESign
import Foundation

/// `esign issue`: official's signature, agency seal, number, ledger; Decree 30/2020.
struct IssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract:
            "Issue a document as an agency does (Decree 30/2020): official's signature, agency seal, number, ledger.",
        discussion: """
            The official signs at the signer block (found by the official's title, e.g. CHỦ TỊCH, above \
            the official's name; else the lower right of the last page) with the handwritten-signature \
            image in blue; then the agency's seal signature is applied at real size (36 mm) over the left \
            third of it, red, with the agency name and the signing time (ISO 8601, +07:00). The document \
            gets the unit's next number for the year (from 01 each 1 January; no duplicate, also with \
            several issuers at once) and is recorded in the ledger.

            Before the official signs, the number and symbol are written at the number line ("Số: …", \
            or a text field named So/SoVanBan/number) and the issue date at the place-and-date line \
            ("…, ngày … tháng … năm …", or a field named Ngay/date), over the drafter's placeholder, \
            in its size and colour; both signatures then cover them. A layout without a number line is \
            refused (exit 65) unless --number-at PAGE,X,Y (and --date-at) says where. A number once \
            given is never given again: if issuing fails after it was taken, it is recorded as void \
            with the reason, and `esign ledger list --register` shows it so.

            Images default to the files beside the PKCS#12 files: OFFICIAL-signature.png and SEAL.png \
            (`esign pki demo` makes them). Passwords: --password-file / --seal-password-file, or \
            ESIGN_PASSWORD / ESIGN_SEAL_PASSWORD.

            The official and the seal may each be a key on a token (--signer-pkcs11, --seal-pkcs11, two \
            tokens or one); give their images then. PINs: --pin-file / --seal-pin-file, or ESIGN_PIN / \
            ESIGN_SEAL_PIN, or pin-source in the URI, or a prompt.

              esign issue qd.pdf --unit 70 --signer pki/province-official.p12 --seal pki/province-seal.p12 --symbol \
              QĐ-UBND
            """
    )
    @Argument(help: "The PDF to issue.") var input: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Output (default IN.issued.pdf).", valueName: "file")) var output:
        String?
    @Option(help: "Issuing unit's code.") var unit: String
    @Option(help: ArgumentHelp("The competent official's PKCS#12.", valueName: "file")) var signer: String?
    @Option(help: ArgumentHelp("The agency seal's PKCS#12.", valueName: "file")) var seal: String?
    @Option(help: ArgumentHelp("The official's key on a token (PKCS#11 URI).", valueName: "uri")) var signerPkcs11:
        String?
    @Option(help: ArgumentHelp("The seal's key on a token (PKCS#11 URI).", valueName: "uri")) var sealPkcs11: String?
    @Option(help: ArgumentHelp("PIN file for --signer-pkcs11.", valueName: "file")) var pinFile: String?
    @Option(help: ArgumentHelp("PIN file for --seal-pkcs11 (default: the signer's).", valueName: "file"))
    var sealPinFile: String?
    @Option(help: ArgumentHelp("auto (the unit's next number this year) or a number.", valueName: "auto|N"))
    var number = "auto"
    @Option(help: ArgumentHelp("Symbol after the number, e.g. QĐ-UBND.", valueName: "symbol")) var symbol = "QĐ-UBND"
    @Option(help: "Document type for the ledger (default: the symbol's first part).") var type: String?
    @Option(
        help: ArgumentHelp(
            "Numbering series (default: the unit's one series; e.g. QPPL for legal normative documents).",
            valueName: "name"))
    var series = ""
    @Option(help: ArgumentHelp("Summary of the content, for the register (trích yếu).", valueName: "text"))
    var subject: String?
    @Option(help: ArgumentHelp("Where the document is sent, for the register (nơi nhận).", valueName: "text"))
    var recipients: String?
    @Option(help: ArgumentHelp("Number of copies, for the register.", valueName: "n")) var copies: Int?
    @Option(
        help: ArgumentHelp(
            "Write the number here instead of at the number line found in the text.", valueName: "page,x,y"))
    var numberAt: MarkPosition?
    @Option(
        help: ArgumentHelp(
            "Write the date here instead of at the place-and-date line found in the text.", valueName: "page,x,y"))
    var dateAt: MarkPosition?
    @Flag(help: "Leave the page as it is (the number and date are already written by other software).")
    var keepText = false
    @Option(help: ArgumentHelp("The official's signature image (PNG, transparent).", valueName: "png"))
    var signatureImage: String?
    @Option(help: ArgumentHelp("The agency's seal image (PNG, transparent).", valueName: "png")) var sealImage: String?
    @Option(
        help: ArgumentHelp(
            "Title to find the signer block by (default: the certificate's title, then CHỦ TỊCH, GIÁM ĐỐC, …).",
            valueName: "text")) var title: String?
    @Option(help: ArgumentHelp("Issue date (YYYY-MM-DD); default today in Vietnam.", valueName: "date")) var issuedOn:
        CivilDate?
    @Option(help: ArgumentHelp("Timestamp the seal signature at this TSA.", valueName: "url")) var tsa: String?
    @Option(
        help: ArgumentHelp(
            "PAdES level: B-B, B-T (with --tsa), B-LT (the DSS for both signatures), B-LTA (then a document "
                + "timestamp).",
            valueName: "level"))
    var level: PAdESLevel?
    @Option(help: ArgumentHelp("Password file for --signer.", valueName: "file")) var passwordFile: String?
    @Option(help: ArgumentHelp("Password file for --seal (default: the signer's).", valueName: "file"))
    var sealPasswordFile: String?
    @OptionGroup var appearance: AppearanceOptions
    @OptionGroup var ledgerOptions: LedgerOptions
    @Flag(
        name: .customLong("rsa-pss"),
        help: "RSA keys: both signatures with RSASSA-PSS (MGF1 with the same hash, salt as long as the hash).")
    var rsaPSS = false
    @Flag(help: "Overwrite the output.") var force = false
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        if (signer == nil) == (signerPkcs11 == nil) {
            throw ValidationError("give one of --signer and --signer-pkcs11")
        }
        if (seal == nil) == (sealPkcs11 == nil) { throw ValidationError("give one of --seal and --seal-pkcs11") }
        if signerPkcs11 != nil && signatureImage == nil {
            throw ValidationError("--signer-pkcs11 needs --signature-image (there is no file beside a token)")
        }
        if sealPkcs11 != nil && sealImage == nil {
            throw ValidationError("--seal-pkcs11 needs --seal-image (there is no file beside a token)")
        }
        for uri in [signerPkcs11, sealPkcs11].compactMap({ $0 }) {
            do { _ = try PKCS11URI(parsing: uri) } catch { throw ValidationError(error.description) }
        }
        if let level, level >= .bT && tsa == nil { throw ValidationError("--level \(level.rawValue) needs --tsa URL") }
        if level == .bB && tsa != nil { throw ValidationError("--level B-B signs without a timestamp; drop --tsa") }
        if number != "auto" && (Int(number) ?? 0) < 1 { throw ValidationError("--number is auto or a positive number") }
        if symbol.isEmpty || symbol.contains("/") { throw ValidationError("--symbol is like QĐ-UBND (no slash)") }
        if let copies, copies < 1 { throw ValidationError("--copies is a positive number") }
        if keepText && (numberAt != nil || dateAt != nil) {
            throw ValidationError("--keep-text writes nothing; drop --number-at and --date-at")
        }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: input) else {
            Terminal.error("\(input): no such file")
            throw ExitCode(ExitCodes.missingInput)
        }
        let out = output ?? ((input.lowercased().hasSuffix(".pdf") ? String(input.dropLast(4)) : input) + ".issued.pdf")
        if !force && FileManager.default.fileExists(atPath: out) {
            Terminal.error("\(out) exists (use --force to overwrite)")
            throw ExitCode(ExitCodes.cannotCreateOutput)
        }
        let signerFile = signer ?? ""
        let sealFile = seal ?? ""
        let signatureImagePath =
            signatureImage
            ?? (signerFile.hasSuffix(".p12") ? String(signerFile.dropLast(4)) : signerFile) + "-signature.png"
        let sealImagePath = sealImage ?? (sealFile.hasSuffix(".p12") ? String(sealFile.dropLast(4)) : sealFile) + ".png"
        let signatureArt = try loadPNG(signatureImagePath, what: "signature image")
        let sealArt = try loadPNG(sealImagePath, what: "seal image")
        let font = try appearance.loadFont()
        let officialIdentity = try loadIdentity(
            p12: signer, pkcs11: signerPkcs11, passwordFile: passwordFile, pinFile: pinFile,
            environment: "ESIGN_PASSWORD", pinEnvironment: "ESIGN_PIN", role: "--signer")
        let sealIdentity = try loadIdentity(
            p12: seal, pkcs11: sealPkcs11, passwordFile: sealPasswordFile ?? passwordFile,
            pinFile: sealPinFile ?? pinFile, environment: "ESIGN_SEAL_PASSWORD", pinEnvironment: "ESIGN_SEAL_PIN",
            role: "--seal")
        var issuer = DocumentIssuer(
            official: officialIdentity, seal: sealIdentity, signatureImage: signatureArt, sealImage: sealArt,
            layout: Decree30Layout(font: font))
        issuer.timestampClient = tsa.map(TimestampClient.init(url:))
        issuer.rsaPadding = rsaPSS ? .pss : .pkcs1v15
        if let level, level >= .bLT {
            let roots = (officialIdentity.chain + sealIdentity.chain).filter(\.isSelfIssued)
            issuer.longTerm = LongTermExtender(
                level: level, collector: ValidationDataCollector(trustAnchors: roots),
                timestampClient: tsa.map(TimestampClient.init(url:)))
        }
        if let title { issuer.titles = [title] }
        if keepText {
            issuer.numbering = nil
        } else {
            issuer.numbering?.numberAt = numberAt?.position
            issuer.numbering?.dateAt = dateAt?.position
        }

        let ledger = try await ledgerOptions.open()
        defer { Task { try? await ledger.close() } }
        do {
            let result = try await issuer.issue(
                input: input, output: out, unitCode: unit, symbol: symbol, type: type,
                issuedOn: issuedOn ?? CivilDate.today(), explicit: Int(number), overwrite: force,
                registration: .init(series: series, subject: subject, recipients: recipients, copies: copies),
                ledger: ledger)
            if json {
                print(jsonText(result, pretty: false))
            } else {
                print(
                    "Issued \(input) → \(Terminal.bold(out)) as \(Terminal.bold(result.reference)) (official + seal, "
                        + "ledger entry \(result.ledgerSequence))"
                )
            }
        } catch let error as SigningError {
            throw fail(error)
        } catch {
            throw ledgerFailure(error)
        }
    }
}
