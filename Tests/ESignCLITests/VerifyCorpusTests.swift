import ESign
import ESignTestSupport
import Foundation
import Testing

/// esign's verdicts against pyHanko 0.38's on the shared corpus (expected-verify.tsv): the same
/// integrity, the same allowed / not-allowed judgement of changes after signing, and a clear
/// verdict or error for every file pyHanko cannot read.
@Suite("Verifying the shared corpus")
struct VerifyCorpusTests {
    struct Row: Sendable, CustomStringConvertible {
        let file: String, field: String, verdict: String
        var description: String { "\(file) \(field)" }
    }

    static let rows: [Row] = {
        guard
            let tsv = try? String(
                contentsOf: Fixtures.corpus.appendingPathComponent("expected-verify.tsv"), encoding: .utf8)
        else { return [] }
        return tsv.split(separator: "\n").dropFirst().compactMap { line in
            let cols = line.split(separator: "\t", maxSplits: 2).map(String.init)
            return cols.count == 3 ? Row(file: cols[0], field: cols[1], verdict: cols[2]) : nil
        }
    }()

    @Test func corpusIsPresentUnderCI() {
        if Fixtures.underCI { #expect(Self.rows.count >= 30, "../shared/corpus/expected-verify.tsv is missing") }
    }

    @Test(arguments: rows)
    func agreesWithPyHanko(_ row: Row) throws {
        let report = PDFSignatureVerifier().verify(path: Fixtures.corpus.appendingPathComponent(row.file).path)
        if row.field == "-" {
            // pyHanko cannot read the file: esign must still give a clear verdict or error.
            #expect(report.indication != .totalPassed)
            #expect(!report.summary.isEmpty)
            return
        }
        let signature = try #require(
            report.signatures.first { $0.fieldName == row.field }, "no signature \(row.field): \(report.summary)")
        if row.verdict.hasPrefix("error=") {
            // pyHanko stops with an error; esign gives a verdict with a reason.
            #expect(!signature.summary.isEmpty)
            return
        }
        let intact = row.verdict.contains("intact=True")
        let integrity = signature.checks.first { $0.name == "integrity" }
        #expect((integrity?.outcome == .passed) == intact, "integrity: \(signature.checks)")
        let allowed = row.verdict.hasSuffix("ok")
        let changes =
            signature.checks.first { $0.name == "changes after signing" }?.outcome == .passed
            && signature.coverage != .unclear
        #expect(
            changes == allowed,
            "changes: \(signature.modificationLevel) \(signature.modifications); pyHanko: \(row.verdict)")
        if !allowed { #expect(signature.indication == .totalFailed && signature.subIndication != nil) }
    }

    @Test(arguments: [
        "hide-and-replace__variant-1_change_object_references",
        "hide__variant-2_hide-via-referenced-object__hide-text-via-form",
        "replace__variant-1_replace-via-overlay",
    ])
    func shadowAttacksAreCaught(_ name: String) throws {
        let original = PDFSignatureVerifier().verify(
            path: Fixtures.corpus.appendingPathComponent("shadow/\(name)__3_original-document-shadowed-signed.pdf").path
        )
        let attacked = PDFSignatureVerifier().verify(
            path: Fixtures.corpus.appendingPathComponent(
                "shadow/\(name)__4_original-document-shadowed-signed-manipulated.pdf"
            ).path)
        #expect(original.signatures.first?.modificationLevel == ModificationLevel.none)
        let signature = try #require(attacked.signatures.first)
        #expect(signature.indication == .totalFailed && signature.subIndication == .sigConstraintsFailure)
        #expect(signature.modificationLevel == .other && !signature.modifications.isEmpty)
    }
}
