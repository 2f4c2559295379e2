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

    @Option(
        help: ArgumentHelp(
            "Key on a USB token or HSM, as a PKCS#11 URI (RFC 7512; `esign token list` shows them).",
            valueName: "uri"))
    var pkcs11: String?

    @Option(
        help: ArgumentHelp(
            "File whose first line is the token PIN (else ESIGN_PIN, pin-source in the URI, else a prompt).",
            valueName: "file"))
    var pinFile: String?

    func validate() throws {
        let sources = [pkcs12 != nil, key != nil || cert != nil, pkcs11 != nil].filter { $0 }.count
        if sources == 0 || (pkcs11 == nil && pkcs12 == nil && (key == nil || cert == nil)) {
            throw ValidationError("give --p12 FILE, or --key FILE and --cert FILE, or --pkcs11 URI")
        }
        if sources > 1 {
            throw ValidationError("give only one of --p12, --key/--cert and --pkcs11")
        }
        if let pkcs11 {
            do { _ = try PKCS11URI(parsing: pkcs11) } catch { throw ValidationError(error.description) }
        }
    }

    func load() throws(SigningError) -> SigningIdentity {
        if let pkcs11 { return try Self.loadToken(pkcs11, pinFile: pinFile, chain: chain) }
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

    /// The identity of a key on a token, the PIN asked for only if the token wants one;
    /// `pinVariables`: the environment variables to take it from, in order.
    static func loadToken(
        _ text: String, pinFile: String?, chain: String?, pinVariables: [String] = ["ESIGN_PIN"]
    ) throws(SigningError) -> SigningIdentity {
        let uri: PKCS11URI
        do { uri = try PKCS11URI(parsing: text) } catch { throw .identity(error.description) }
        return try SigningIdentity.load(pkcs11: uri, chainPEM: chain) { token throws(PKCS11Error) in
            try PINReader.read(file: pinFile, uri: uri, token: token, environment: pinVariables)
        }
    }
}
