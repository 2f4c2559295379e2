import ArgumentParser
import ESign

/// The documented exit codes (README, `esign --help`). They follow sysexits(3) where one fits.
enum ExitCodes {
    static let batchHadFailures: Int32 = 1
    static let usage: Int32 = 64
    static let badInput: Int32 = 65
    static let missingInput: Int32 = 66
    static let internalError: Int32 = 70
    static let cannotCreateOutput: Int32 = 73
    static let identity: Int32 = 77
    static let serviceUnavailable: Int32 = 69

    static func code(for error: SigningError) -> Int32 {
        switch error {
        case .badInput: return badInput
        case .missingInput: return missingInput
        case .outputExists, .cannotWrite: return cannotCreateOutput
        case .identity: return identity
        case .tokenUnavailable, .validationData: return serviceUnavailable
        case .crypto: return internalError
        case .timestamp: return serviceUnavailable
        }
    }
}

/// Prints `esign: error: …` and exits with the error's code.
func fail(_ error: SigningError) -> ExitCode {
    Terminal.error(error.description)
    return ExitCode(ExitCodes.code(for: error))
}

/// Prints `esign: error: …` and exits with the code given rather than the error's own.
func fail(_ error: SigningError, code: Int32) -> ExitCode {
    Terminal.error(error.description)
    return ExitCode(code)
}
