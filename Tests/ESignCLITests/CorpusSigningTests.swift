import ESign
import ESignTestSupport
import Foundation
import Testing

/// Every file pyHanko 0.38 can sign in ../shared/corpus (expected-sign.tsv), plus the hybrid-reference
/// file pyHanko refuses, signed by esign and checked by qpdf, pdfsig and pyHanko.
@Suite("Signing the shared corpus", .serialized)
struct CorpusSigningTests {
    static let signable: [String] = {
        guard
            let tsv = try? String(
                contentsOf: Fixtures.corpus.appendingPathComponent("expected-sign.tsv"), encoding: .utf8)
        else { return [] }
        var files = tsv.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let cols = line.split(separator: "\t")
            return cols.count >= 2 && cols[1].hasPrefix("signable") ? String(cols[0]) : nil
        }
        files.append("pyhanko/minimal-hybrid-xref.pdf")
        return files
    }()

    @Test func corpusIsPresentUnderCI() {
        if Fixtures.underCI {
            #expect(Fixtures.corpusAvailable && Self.signable.count > 20, "../shared/corpus is missing")
        }
    }

    @Test(arguments: signable)
    func signsAndValidates(_ file: String) throws {
        let path = Fixtures.corpus.appendingPathComponent(file).path
        // pyHanko needs --no-strict-syntax to validate anything in a hybrid-reference file; and it cannot
        // read a form tree with a cycle at all, before or after esign's signature.
        try signAndCheckWithPeers(
            path, lenientSyntax: file.contains("hybrid-xref"),
            pyhankoCannotRead: file.contains("form-tree-circular-ref"))
    }

    @Test func signsIntoExistingEmptyFieldByName() throws {
        guard Fixtures.corpusAvailable else { return }
        let path = Fixtures.corpus.appendingPathComponent("pyhanko/minimal-two-fields.pdf").path
        let output = try signAndCheckWithPeers(path, extraArguments: ["--field", "Sig2"])
        let fields = try PDFDocument(path: output).formFields()
        #expect(fields.first { $0.name == "Sig2" }?.hasValue == true)
        #expect(fields.first { $0.name == "Sig1" }?.hasValue == false)
        #expect(fields.count == 2)
    }
}
