import ESign
import ESignTestSupport
import Foundation
import Testing

/// Signs `input` with the esign CLI and checks the output with qpdf, pdfsig and pyHanko, against
/// what the same tools said about the input: our signature valid, total and untouched; earlier
/// signatures as intact as they were; no new qpdf problems.
@discardableResult
func signAndCheckWithPeers(
    _ input: String, signer: String = "province-official", extraArguments: [String] = [],
    lenientSyntax: Bool = false, pyhankoCannotRead: Bool = false,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> String {
    let pki = Fixtures.pki
    let dir = Fixtures.temporaryDirectory("esign-interop")
    let output = dir.appendingPathComponent("signed.pdf").path
    let inputHash = try Fixtures.sha256(ofFile: input)
    let before = try PeerReport.of(input, trust: pki.rootPath, lenientSyntax: lenientSyntax)

    let run = try Peers.esign(
        [
            "sign", input, "-o", output, "--p12", pki.signers[signer]!.pkcs12Path,
            "--password-file", pki.passwordPath,
        ] + extraArguments)
    try #require(run.status == 0, "esign sign failed: \(run.combined)", sourceLocation: sourceLocation)

    // The input is untouched and is a prefix of the output.
    #expect(try Fixtures.sha256(ofFile: input) == inputHash, sourceLocation: sourceLocation)
    let inBytes = try Data(contentsOf: URL(fileURLWithPath: input))
    let outBytes = try Data(contentsOf: URL(fileURLWithPath: output))
    #expect(outBytes.prefix(inBytes.count) == inBytes, sourceLocation: sourceLocation)

    let after = try PeerReport.of(output, trust: pki.rootPath, lenientSyntax: lenientSyntax)
    // qpdf: no worse than the input (0 = clean, 3 = warnings, 2 = errors).
    let rank: (Int32) -> Int = { $0 == 0 ? 0 : ($0 == 3 ? 1 : 2) }
    #expect(
        rank(after.qpdfStatus) <= rank(before.qpdfStatus),
        "qpdf --check got worse: \(before.qpdfStatus) → \(after.qpdfStatus)",
        sourceLocation: sourceLocation)
    // pdfsig: one more valid signature, ours, covering the whole document; earlier valid ones still valid.
    // (pdfsig also lists empty signature fields, as invalid entries.)
    #expect(
        after.pdfsig.filter(\.valid).count == before.pdfsig.filter(\.valid).count + 1,
        "pdfsig: \(before.pdfsig) → \(after.pdfsig)", sourceLocation: sourceLocation)
    let total = after.pdfsig.filter(\.total)
    #expect(
        total.count == 1 && total[0].valid, "pdfsig: no valid signature covers the whole document",
        sourceLocation: sourceLocation)
    for (i, old) in before.pdfsig.enumerated() where old.valid {
        #expect(
            i < after.pdfsig.count && after.pdfsig[i].valid, "pdfsig: earlier signature #\(i + 1) is no longer valid",
            sourceLocation: sourceLocation)
    }
    // pyHanko: ours INTACT, TRUSTED, UNTOUCHED; earlier signatures still intact if they were.
    if pyhankoCannotRead {
        #expect(before.pyhankoError != nil && after.pyhankoError != nil, sourceLocation: sourceLocation)
    } else {
        let ours = after.pyhanko.filter { before.pyhanko[$0.key] == nil }
        #expect(
            ours.count == 1, "pyHanko output: \(after.pyhankoError ?? "\(after.pyhanko)")",
            sourceLocation: sourceLocation)
        #expect(ours.first?.value == "INTACT:TRUSTED,UNTOUCHED", "pyHanko: \(ours)", sourceLocation: sourceLocation)
        for (name, status) in before.pyhanko {
            #expect(
                after.pyhanko[name]?.hasPrefix("INTACT") == status.hasPrefix("INTACT"),
                "pyHanko: \(name) was \(status), now \(after.pyhanko[name] ?? "missing")",
                sourceLocation: sourceLocation)
        }
    }
    return output
}
