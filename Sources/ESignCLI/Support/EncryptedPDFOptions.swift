import ArgumentParser
import ESign
import Foundation

/// What opens an encrypted PDF for the commands that write into it (`sign`, `ltv extend`,
/// `ltv renew`): its password, or the key it was encrypted for. The empty user password is always
/// tried too, so owner-only protection needs neither.
struct EncryptedPDFOptions: ParsableArguments {
    @Option(
        name: .customLong("pdf-password-file"),
        help: ArgumentHelp(
            "An encrypted PDF's password (first line; or ESIGN_PDF_PASSWORD): the user's, or the owner's when the "
                + "document's permissions forbid signing. What is added is written encrypted as the document is.",
            valueName: "file"))
    var passwordFile: String?

    @OptionGroup var recipient: RecipientOptions

    func validate() throws {
        if let passwordFile, !FileManager.default.isReadableFile(atPath: passwordFile) {
            throw ValidationError("cannot read the PDF password file \(passwordFile)")
        }
    }

    /// The password (from the file, else ESIGN_PDF_PASSWORD) and the recipient's key named.
    func load() throws(SigningError) -> PDFCredentials {
        try Self.credentials(passwordFile: passwordFile, recipient: recipient)
    }

    /// The same from `passwordFile` and `recipient` (`verify` names its password option apart).
    static func credentials(passwordFile: String?, recipient: RecipientOptions) throws(SigningError) -> PDFCredentials {
        var passwords: [Secret] = []
        if let passwordFile {
            guard let secret = Secret.firstLine(ofFile: passwordFile) else {
                throw .missingInput("cannot read the PDF password file \(passwordFile)")
            }
            passwords = [secret]
        } else if let value = ProcessInfo.processInfo.environment["ESIGN_PDF_PASSWORD"] {
            passwords = [Secret(value)]
        }
        return PDFCredentials(passwords: passwords, recipients: try recipient.load())
    }
}
