import ESign
import Foundation

/// Where a token's PIN comes from: `--pin-file`, `ESIGN_PIN`, the URI's `pin-source`, or a prompt
/// without echo. Never from the command line. Asked at most once per token and process.
enum PINReader {
    static func read(
        file: String?, uri: PKCS11URI, token: TokenInfo, environment variables: [String] = ["ESIGN_PIN"]
    ) throws(PKCS11Error) -> Secret? {
        if let file { return try readFile(file) }
        for variable in variables {
            if let value = ProcessInfo.processInfo.environment[variable] { return Secret(value) }
        }
        if var source = uri.pinSource {
            if source.hasPrefix("file:") { source.removeFirst("file:".count) }
            return try readFile(source)
        }
        return PasswordReader.promptWithoutEcho("PIN for token \"\(token.label)\": ")
    }

    private static func readFile(_ path: String) throws(PKCS11Error) -> Secret {
        guard let pin = Secret.firstLine(ofFile: path) else { throw .pinRequired("cannot read the PIN file \(path)") }
        return pin
    }
}
