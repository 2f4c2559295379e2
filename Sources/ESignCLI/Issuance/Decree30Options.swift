import ArgumentParser
import ESign
import Foundation

/// Options shared by the commands that draw Decree 30/2020 appearances.
struct AppearanceOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "TrueType font for the text (default DejaVu Sans; e.g. Times New Roman's .ttf).", valueName: "file"))
    var font: String?

    func loadFont() throws -> TrueTypeFont {
        do { return try TrueTypeFont(path: font ?? TrueTypeFont.defaultPath) } catch { throw appearanceFailure(error) }
    }
}

func appearanceFailure(_ error: AppearanceError) -> ExitCode {
    Terminal.error(error.description)
    if case .missingFile = error { return ExitCode(ExitCodes.missingInput) }
    return ExitCode(ExitCodes.badInput)
}

func loadPNG(_ path: String, what: String) throws -> PNGImage {
    do { return try PNGImage(path: path) } catch {
        if case .missingFile = error {
            Terminal.error("\(what) \(path): no such file")
            throw ExitCode(ExitCodes.missingInput)
        }
        throw appearanceFailure(error)
    }
}

/// Loads a Decree 30 signer's identity: a PKCS#12 file (password from a file, `variable`, then
/// ESIGN_PASSWORD, then a prompt) or a key on a token (PIN from `pinFile`, `pinVariable`, ESIGN_PIN,
/// the URI's pin-source, then a prompt). `role` names the option in errors ("--seal").
func loadIdentity(
    p12 path: String?, pkcs11: String?, passwordFile: String?, pinFile: String?, environment variable: String,
    pinEnvironment pinVariable: String, role: String
) throws -> SigningIdentity {
    do {
        if let pkcs11 {
            return try IdentityOptions.loadToken(
                pkcs11, pinFile: pinFile, chain: nil, pinVariables: [pinVariable, "ESIGN_PIN"])
        }
        guard let path else {
            Terminal.error("give \(role) FILE.p12 or \(role)-pkcs11 URI")
            throw ExitCode(ExitCodes.usage)
        }
        let password: Secret
        if let passwordFile {
            password = try PasswordReader.read(file: passwordFile, prompt: "") ?? Secret("")
        } else if let value = ProcessInfo.processInfo.environment[variable]
            ?? ProcessInfo.processInfo.environment["ESIGN_PASSWORD"]
        {
            password = Secret(value)
        } else {
            password = try PasswordReader.read(file: nil, prompt: "Password for \(path): ") ?? Secret("")
        }
        return try SigningIdentity.load(pkcs12: path, password: password)
    } catch let error as SigningError { throw fail(error) }
}

/// `PAGE,X,Y` (page from 1, baseline start in points from the page's lower left corner), for
/// `--number-at` and `--date-at`.
struct MarkPosition: ExpressibleByArgument {
    var position: DocumentNumbering.Position

    init?(argument: String) {
        let parts = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3, let page = Int(parts[0]), page >= 1, let x = Double(parts[1]), let y = Double(parts[2]),
            x.isFinite, y.isFinite
        else { return nil }
        position = .init(page: page - 1, x: x, y: y)
    }

    static var defaultValueDescription: String { "PAGE,X,Y" }
}
