import ArgumentParser
import ESign
import Foundation

/// The signing identity options shared by the commands that sign.
struct IdentityOptions: ParsableArguments {
    @Option(
        name: .customLong("p12"),
        help: ArgumentHelp("PKCS#12 file with the key and certificate chain.", valueName: "file"))
    var pkcs12: String?

    @Option(help: ArgumentHelp("PEM private key (PKCS#8, optionally encrypted).", valueName: "file"))
    var key: String?

    @Option(help: ArgumentHelp("PEM signer certificate (may be followed by its chain).", valueName: "file"))
    var cert: String?

    @Option(help: ArgumentHelp("PEM file with issuing CA certificates to embed.", valueName: "file"))
    var chain: String?

    @Option(
        help: ArgumentHelp(
            "File whose first line is the password (else ESIGN_PASSWORD, else a prompt).", valueName: "file"))
    var passwordFile: String?

    func validate() throws {
        if pkcs12 == nil && (key == nil || cert == nil) {
            throw ValidationError("give either --p12 FILE, or --key FILE and --cert FILE")
        }
        if pkcs12 != nil && (key != nil || cert != nil) {
            throw ValidationError("--p12 cannot be combined with --key/--cert")
        }
    }

    func load() throws(SigningError) -> SigningIdentity {
        if let pkcs12 {
            let password = try PasswordReader.read(file: passwordFile, prompt: "Password for \(pkcs12): ") ?? Secret("")
            return try SigningIdentity.load(pkcs12: pkcs12, password: password)
        }
        let keyPath = key!
        let needsPassword = (try? String(contentsOfFile: keyPath, encoding: .utf8))?.contains("ENCRYPTED") ?? false
        let password =
            needsPassword ? try PasswordReader.read(file: passwordFile, prompt: "Password for \(keyPath): ") : nil
        return try SigningIdentity.load(keyPEM: keyPath, certificatePEM: cert!, chainPEM: chain, password: password)
    }
}
