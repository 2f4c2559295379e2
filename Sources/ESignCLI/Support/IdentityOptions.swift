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

    @Option(
        help: ArgumentHelp(
            "A remote signing service speaking the CSC API (the URL before /csc/v1); with --credential.",
            valueName: "url"))
    var csc: String?

    @Option(help: ArgumentHelp("The credential (key) to sign with at the --csc service.", valueName: "id"))
    var credential: String?

    @Option(
        help: ArgumentHelp(
            "File whose first line is the --csc service's bearer token (else ESIGN_CSC_TOKEN).", valueName: "file"))
    var cscTokenFile: String?

    /// Whether a key to sign with is named (`sign --prepare` names only a certificate).
    var hasKey: Bool { pkcs12 != nil || (key != nil && cert != nil) || pkcs11 != nil || csc != nil }

    static let missingKey = ValidationError(
        "give --p12 FILE, or --key FILE and --cert FILE, or --pkcs11 URI, or --csc URL --credential ID")

    /// Conflicts only: whether a key is needed is the command's to say (`requireKey`).
    func validate() throws {
        let sources = [pkcs12 != nil, key != nil || cert != nil, pkcs11 != nil, csc != nil].filter { $0 }.count
        if sources > 1 {
            throw ValidationError("give only one of --p12, --key/--cert, --pkcs11 and --csc")
        }
        if (csc == nil) != (credential == nil) { throw ValidationError("--csc and --credential go together") }
        if cscTokenFile != nil && csc == nil { throw ValidationError("--csc-token-file goes with --csc") }
        if let pkcs11 {
            do { _ = try PKCS11URI(parsing: pkcs11) } catch { throw ValidationError(error.description) }
        }
    }

    /// `expectedSignatures`: how many signatures the command will make (a CSC service then
    /// authorises them at once).
    func load(expectedSignatures: Int = 1) throws(SigningError) -> SigningIdentity {
        if let pkcs11 { return try Self.loadToken(pkcs11, pinFile: pinFile, chain: chain) }
        if let csc, let credential { return try loadCSC(csc, credential: credential, count: expectedSignatures) }
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

    /// A CSC credential: the bearer token from --csc-token-file or ESIGN_CSC_TOKEN, the PIN from
    /// --pin-file, ESIGN_PIN or a prompt; never from the command line.
    func loadCSC(_ service: String, credential: String, count: Int) throws(SigningError) -> SigningIdentity {
        func firstLine(_ path: String) throws(SigningError) -> Secret {
            guard let secret = Secret.firstLine(ofFile: path) else { throw .missingInput("cannot read \(path)") }
            return secret
        }
        let environment = ProcessInfo.processInfo.environment
        let token: Secret
        if let cscTokenFile {
            token = try firstLine(cscTokenFile)
        } else if let value = environment["ESIGN_CSC_TOKEN"] {
            token = Secret(value)
        } else {
            throw .identity("the --csc service needs a bearer token: --csc-token-file FILE or ESIGN_CSC_TOKEN")
        }
        let pin: Secret
        if let pinFile {
            pin = try firstLine(pinFile)
        } else if let value = environment["ESIGN_PIN"] {
            pin = Secret(value)
        } else if let typed = PasswordReader.promptWithoutEcho("PIN for credential \(credential): ") {
            pin = typed
        } else {
            throw .identity("the credential \(credential) needs its PIN: --pin-file FILE, ESIGN_PIN or a terminal")
        }
        do {
            let remote = try CSCCredential(
                service: service, credential: credential, token: token, pin: pin, expectedSignatures: count)
            return try SigningIdentity.load(csc: remote)
        } catch let failure as CSCCredential.Failure {
            throw failure.kind == .unreachable ? .tokenUnavailable(failure.description) : .identity(failure.description)
        } catch let error as SigningError {
            throw error
        } catch {
            throw .identity("\(error)")
        }
    }
}
