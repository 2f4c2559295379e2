import ESignSigning
import Foundation

// Signs a PDF with a fresh demo identity and verifies it, using the ESignSigning product alone.
// Usage: SignWithCore INPUT.pdf OUTPUT.pdf WORK-DIR
let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: SignWithCore INPUT.pdf OUTPUT.pdf WORK-DIR\n".utf8))
    exit(64)
}
do {
    let pki = try DemoPKI.create(in: arguments[3])
    let password = Secret(
        try String(contentsOfFile: pki.passwordPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
    let identity = try SigningIdentity.load(pkcs12: pki.signers["province-official"]!.pkcs12Path, password: password)
    _ = try PAdESSigner(identity: identity).sign(input: arguments[1], output: arguments[2])
    var options = VerificationOptions()
    options.trustAnchors = [pki.root.certificate]
    let report = PDFSignatureVerifier(options: options).verify(path: arguments[2])
    print("\(report.indication.rawValue): \(report.summary)")
    exit(report.indication == .totalPassed ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("SignWithCore: \(error)\n".utf8))
    exit(1)
}
