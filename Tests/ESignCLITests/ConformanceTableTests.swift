import ESignTestSupport
import Foundation
import Testing

/// docs/conformance.md: every requirement row names a test that exists in the suite, or says
/// "not met" with its reason; a renamed or deleted test breaks this, not the table silently.
@Suite("Conformance table")
struct ConformanceTableTests {
    struct Row {
        let number: String
        let esign: String
        let proof: String
    }

    static func rows() throws -> [Row] {
        let text = try String(
            contentsOf: Fixtures.packageRoot.appendingPathComponent("docs/conformance.md"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count == 7, Int(cells[1]) != nil else { return nil }
            return Row(number: cells[1], esign: cells[4], proof: cells[5])
        }
    }

    /// Every test function in Tests/, as `Suite.function`.
    static func testsInTheSuite() throws -> Set<String> {
        let root = Fixtures.packageRoot.appendingPathComponent("Tests")
        var names = Set<String>()
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            var suite: String?
            var afterTest = false
            for line in text.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("struct ") || line.hasPrefix("final class ") {
                    suite = trimmed.split(separator: " ").dropFirst(line.hasPrefix("struct") ? 1 : 2).first
                        .map { String($0.prefix { $0.isLetter || $0.isNumber }) }
                }
                if trimmed.hasPrefix("@Test") { afterTest = true }
                if afterTest, let range = trimmed.range(of: "func ") {
                    let name = trimmed[range.upperBound...].prefix { $0.isLetter || $0.isNumber }
                    if let suite { names.insert("\(suite).\(name)") }
                    afterTest = false
                }
            }
        }
        return names
    }

    @Test func everyRowNamesATestThatExists() throws {
        let rows = try Self.rows()
        #expect(rows.count >= 30, "docs/conformance.md has \(rows.count) rows")
        let tests = try Self.testsInTheSuite()
        #expect(tests.contains("ConformanceTableTests.everyRowNamesATestThatExists"), "the parser finds no tests")
        for row in rows {
            if row.esign.hasPrefix("not met") {
                #expect(row.proof == "—", "row \(row.number) is not met but names a test")
                #expect(row.esign.count > "not met: ".count, "row \(row.number) gives no reason")
                continue
            }
            let named = row.proof.trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let exists = tests.contains(named)
            #expect(exists, "row \(row.number) names \(row.proof), which is not a test in Tests/")
        }
    }
}
