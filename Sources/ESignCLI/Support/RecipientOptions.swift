import ArgumentParser
import ESign
import Foundation

/// The key a certificate-encrypted PDF was encrypted for (`/Adobe.PubSec`): from the same kinds of
/// source as a signing key (a PKCS#12 file, a PEM key and certificate, a PKCS#11 token), named
/// apart because an agency's encryption certificate is often not its signing certificate.
struct RecipientOptions: ParsableArguments {
    @Option(
        name: .customLong("recipient-p12"),
        help: ArgumentHelp("Certificate-encrypted PDFs: the PKCS#12 file of the recipient's key.", valueName: "file"))
    var pkcs12: String?

    @Option(
        name: .customLong("recipient-key"),
        help: ArgumentHelp("Certificate-encrypted PDFs: the recipient's PEM private key.", valueName: "file"))
    var key: String?

    @Option(
        name: .customLong("recipient-cert"),
        help: ArgumentHelp("With --recipient-key: the recipient's PEM certificate.", valueName: "file"))
    var cert: String?

    @Option(
        name: .customLong("recipient-pkcs11"),
        help: ArgumentHelp(
            "Certificate-encrypted PDFs: the recipient's key on a token (PKCS#11 URI).", valueName: "uri"))
    var pkcs11: String?

    @Option(
        name: .customLong("recipient-password-file"),
        help: ArgumentHelp(
            "File whose first line is the password of --recipient-p12 or --recipient-key (else "
                + "ESIGN_RECIPIENT_PASSWORD, else a prompt); a token's PIN comes from ESIGN_PIN or a prompt.",
            valueName: "file"))
    var passwordFile: String?

    var isEmpty: Bool { pkcs12 == nil && key == nil && pkcs11 == nil }

    func validate() throws {
        if [pkcs12 != nil, key != nil || cert != nil, pkcs11 != nil].filter({ $0 }).count > 1 {
            throw ValidationError(
                "give only one of --recipient-p12, --recipient-key/--recipient-cert, --recipient-pkcs11")
        }
        if (key == nil) != (cert == nil) { throw ValidationError("--recipient-key and --recipient-cert go together") }
        if passwordFile != nil && pkcs12 == nil && key == nil {
            throw ValidationError("--recipient-password-file goes with --recipient-p12 or --recipient-key")
        }
    }

    /// The recipient named, or none.
    func load() throws(SigningError) -> [PDFRecipient] {
        if isEmpty { return [] }
        let identity: SigningIdentity
        if let pkcs11 {
            identity = try IdentityOptions.loadToken(pkcs11, pinFile: nil, chain: nil)
        } else if let pkcs12 {
            identity = try SigningIdentity.load(pkcs12: pkcs12, password: try password(for: pkcs12) ?? Secret(""))
        } else {
            let encrypted = (try? String(contentsOfFile: key!, encoding: .utf8))?.contains("ENCRYPTED") ?? false
            identity = try SigningIdentity.load(
                keyPEM: key!, certificatePEM: cert!, chainPEM: nil, password: encrypted ? try password(for: key!) : nil)
        }
        return [PDFRecipient(certificate: identity.certificate, key: identity.privateKey)]
    }

    private func password(for path: String) throws(SigningError) -> Secret? {
        if let passwordFile {
            guard let secret = Secret.firstLine(ofFile: passwordFile) else {
                throw .missingInput("cannot read password file \(passwordFile)")
            }
            return secret
        }
        if let value = ProcessInfo.processInfo.environment["ESIGN_RECIPIENT_PASSWORD"] { return Secret(value) }
        return PasswordReader.promptWithoutEcho("Password for \(path): ")
    }
}
