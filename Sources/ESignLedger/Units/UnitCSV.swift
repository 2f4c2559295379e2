import ESignCore
import Foundation

/// Reads a unit list: `code,name,level,parent_code,valid_from,valid_to` (dates ISO 8601, an empty
/// `valid_to` means still in force). Every bad row is reported with its line; nothing is returned
/// unless all rows are good.
public enum UnitCSV {
    public static let columns = ["code", "name", "level", "parent_code", "valid_from", "valid_to"]

    public static func read(_ reader: CSVReader) throws -> [AdministrativeUnit] {
        var problems: [InputProblem] = []
        var units: [AdministrativeUnit] = []
        do {
            guard let header = try reader.next() else {
                throw LedgerError.invalidInput(
                    file: reader.path,
                    problems: [
                        InputProblem(
                            line: 1, "the file is empty (expected a header: \(columns.joined(separator: ",")))")
                    ])
            }
            let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard names == columns else {
                throw LedgerError.invalidInput(
                    file: reader.path,
                    problems: [
                        InputProblem(
                            line: header.line,
                            "header is \(header.fields.joined(separator: ",")), expected "
                                + "\(columns.joined(separator: ","))"
                        )
                    ])
            }
            while let row = try reader.next() {
                let f = row.fields.map { $0.trimmingCharacters(in: .whitespaces) }
                guard f.count == columns.count else {
                    problems.append(InputProblem(line: row.line, "\(f.count) fields, expected \(columns.count)"))
                    continue
                }
                var rowProblems: [String] = []
                if f[0].isEmpty { rowProblems.append("code is empty") }
                if f[1].isEmpty { rowProblems.append("name is empty") }
                let level = AdministrativeLevel(parsing: f[2])
                if level == nil {
                    rowProblems.append("level \"\(f[2])\" is not central, province, district or commune")
                }
                let from = CivilDate(iso8601: f[4])
                if from == nil { rowProblems.append("valid_from \"\(f[4])\" is not a date (YYYY-MM-DD)") }
                let to = f[5].isEmpty ? nil : CivilDate(iso8601: f[5])
                if !f[5].isEmpty && to == nil { rowProblems.append("valid_to \"\(f[5])\" is not a date (YYYY-MM-DD)") }
                if let from, let to, to < from { rowProblems.append("valid_to \(to) is before valid_from \(from)") }
                if f[3] == f[0] && !f[0].isEmpty { rowProblems.append("unit is its own parent") }
                guard rowProblems.isEmpty, let level, let from else {
                    problems += rowProblems.map { InputProblem(line: row.line, $0) }
                    continue
                }
                units.append(
                    AdministrativeUnit(
                        code: f[0], name: f[1], level: level, parentCode: f[3].isEmpty ? nil : f[3], validFrom: from,
                        validTo: to))
            }
        } catch CSVReader.Failure.unterminatedQuote(let line) {
            problems.append(InputProblem(line: line, "a quoted field is never closed"))
        } catch CSVReader.Failure.invalidUTF8(let line) {
            problems.append(InputProblem(line: line, "text is not UTF-8"))
        }
        guard problems.isEmpty else { throw LedgerError.invalidInput(file: reader.path, problems: problems) }
        return units
    }
}
