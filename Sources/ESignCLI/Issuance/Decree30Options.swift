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

/// Loads a PKCS#12 identity with the password from a file or an environment variable.
func loadIdentity(_ path: String, passwordFile: String?, environment variable: String) throws -> SigningIdentity {
    do {
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
    } catch { throw fail(error) }
}
