import ESignCore

/// Why a ledger operation was refused. Every case names what is wrong so that a clerk can fix the
/// input: the line, the unit code, the conflicting value.
public enum LedgerError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Rows of an input file that cannot be imported; nothing from the file was imported.
    case invalidInput(file: String, problems: [InputProblem])
    case unknownUnit(String)
    case unitNotInForce(code: String, date: CivilDate, periods: [(CivilDate, CivilDate?)])
    case invalidUnits([String])
    case database(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidInput(let file, let problems):
            let shown = problems.prefix(50).map { "  \($0)" }.joined(separator: "\n")
            let more = problems.count > 50 ? "\n  … and \(problems.count - 50) more" : ""
            return
                "\(file): \(problems.count) row\(problems.count == 1 ? "" : "s") cannot be imported; nothing was "
                + "imported:\n\(shown)\(more)"
        case .unknownUnit(let code): return "unknown unit code \(code) (import it first with `esign units import`)"
        case .unitNotInForce(let code, let date, let periods):
            let list = periods.map { "\($0.0)…\($0.1.map(\.description) ?? "")" }.joined(separator: ", ")
            return "unit \(code) was not in force on \(date) (in force: \(list))"
        case .invalidUnits(let problems):
            return "the unit list is inconsistent:\n" + problems.prefix(50).map { "  \($0)" }.joined(separator: "\n")
        case .database(let what): return "ledger database: \(what)"
        case .invalidArgument(let what): return what
        }
    }

    public static func == (a: LedgerError, b: LedgerError) -> Bool { a.description == b.description }
}

/// One thing wrong with one row of an input file.
public struct InputProblem: Equatable, Sendable, CustomStringConvertible, Codable {
    public var line: Int
    public var message: String
    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { "line \(line): \(message)" }
}
