import ESignCore
import Foundation

/// Reads a document-management export (CSV or JSON) into ledger records, in batches, checking every
/// row: required columns, dates, flags, unit codes known and in force on the issue date. Problems
/// are collected with their line numbers; the store then appends nothing.
///
/// CSV header: `number,unit_code,issued_on,signed,classified` and optionally `document_id,type,title,
/// signature_count,timestamped,direction,verdict`, in any order. JSON: an array of objects with the
/// same keys, or one object per line (JSON Lines).
public final class DocumentImportSource: DocumentBatchSource, @unchecked Sendable {
    public static let requiredColumns = ["number", "unit_code", "issued_on", "signed", "classified"]
    public static let optionalColumns = [
        "document_id", "type", "title", "signature_count", "timestamped", "direction", "verdict",
    ]
    /// Every known column, in the order `parse` reads a row's values.
    static let allColumns = requiredColumns + optionalColumns

    private enum Rows {
        /// `positions[i]`: where column `allColumns[i]` is in the file's rows.
        case csv(CSVReader, positions: [Int?], width: Int)
        case json([(line: Int, fields: [String: String])], position: Int)
    }

    private var rows: Rows?
    private let directory: UnitDirectory
    private let batchSize: Int
    private let chain = LedgerChain()
    public let name: String
    /// Rows read so far (for progress).
    public private(set) var rowsRead = 0
    /// Stop after this many rows (commits in pieces, `--commit-every`); nil for all.
    public var limit: Int?

    public init(path: String, directory: UnitDirectory, batchSize: Int = 8192) throws {
        self.directory = directory
        self.batchSize = batchSize
        name = path
        super.init()
        if path.lowercased().hasSuffix(".json") || path.lowercased().hasSuffix(".jsonl")
            || path.lowercased().hasSuffix(".ndjson")
        {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LedgerError.invalidArgument("cannot read \(path)")
            }
            rows = .json(try Self.jsonRows(data, name: path), position: 0)
        } else {
            let reader = try CSVReader(path: path)
            rows = try Self.csvRows(reader)
        }
    }

    public init(csv bytes: [UInt8], name: String = "input.csv", directory: UnitDirectory) throws {
        self.directory = directory
        batchSize = 8192
        self.name = name
        super.init()
        rows = try Self.csvRows(CSVReader(bytes: bytes, name: name))
    }

    private static func csvRows(_ reader: CSVReader) throws -> Rows {
        let header: (line: Int, fields: [String])?
        do { header = try reader.next() } catch {
            throw LedgerError.invalidInput(file: reader.path, problems: [InputProblem(line: 1, "unreadable header")])
        }
        guard let header else {
            throw LedgerError.invalidInput(
                file: reader.path,
                problems: [
                    InputProblem(
                        line: 1, "the file is empty (expected a header: \(requiredColumns.joined(separator: ",")))")
                ])
        }
        var columns: [String: Int] = [:]
        var problems: [InputProblem] = []
        for (i, raw) in header.fields.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard requiredColumns.contains(name) || optionalColumns.contains(name) else {
                problems.append(
                    InputProblem(
                        line: header.line,
                        "unknown column \"\(raw)\" (known: "
                            + "\((requiredColumns + optionalColumns).joined(separator: ", ")))"
                    ))
                continue
            }
            if columns[name] != nil { problems.append(InputProblem(line: header.line, "column \(name) appears twice")) }
            columns[name] = i
        }
        let missing = requiredColumns.filter { columns[$0] == nil }
        if !missing.isEmpty {
            problems.append(
                InputProblem(
                    line: header.line,
                    "missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))"))
        }
        guard problems.isEmpty else { throw LedgerError.invalidInput(file: reader.path, problems: problems) }
        return .csv(reader, positions: allColumns.map { columns[$0] }, width: header.fields.count)
    }

    private static func jsonRows(_ data: Data, name: String) throws -> [(line: Int, fields: [String: String])] {
        func flatten(_ object: Any, line: Int) throws -> [String: String] {
            guard let dict = object as? [String: Any] else {
                throw LedgerError.invalidInput(
                    file: name,
                    problems: [
                        InputProblem(line: line, "expected an object with \(requiredColumns.joined(separator: ", "))")
                    ])
            }
            var out: [String: String] = [:]
            for (k, v) in dict {
                switch v {
                case let n as NSNumber: out[k] = n.stringValue  // booleans arrive as 1/0
                case let b as Bool: out[k] = b ? "true" : "false"
                case is NSNull: break
                case let s as String: out[k] = s
                default: out[k] = "\(v)"
                }
            }
            return out
        }
        let trimmed = data.first(where: {
            !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF)
        })
        if trimmed == UInt8(ascii: "[") {
            let parsed: Any
            do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
                throw LedgerError.invalidInput(
                    file: name, problems: [InputProblem(line: 1, "not valid JSON: \(error.localizedDescription)")])
            }
            guard let array = parsed as? [Any] else {
                throw LedgerError.invalidInput(file: name, problems: [InputProblem(line: 1, "expected a JSON array")])
            }
            // Objects of an array are numbered from 1 (their position), as line numbers are meaningless there.
            return try array.enumerated().map {
                (line: $0.offset + 1, fields: try flatten($0.element, line: $0.offset + 1))
            }
        }
        var out: [(line: Int, fields: [String: String])] = []
        for (i, lineData) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !lineData.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            do {
                out.append((i + 1, try flatten(try JSONSerialization.jsonObject(with: Data(lineData)), line: i + 1)))
            } catch let e as LedgerError { throw e } catch {
                throw LedgerError.invalidInput(file: name, problems: [InputProblem(line: i + 1, "not valid JSON")])
            }
        }
        return out
    }

    public override func nextBatch() throws -> [Item]? {
        guard let rows else { return nil }
        var batch: [Item] = []
        batch.reserveCapacity(batchSize)
        switch rows {
        case .csv(let reader, let positions, let width):
            while batch.count < batchSize, limit.map({ rowsRead < $0 }) ?? true {
                let next: (line: Int, fields: [String])?
                do { next = try reader.next() } catch let CSVReader.Failure.unterminatedQuote(line) {
                    report(InputProblem(line: line, "a quoted field is never closed"))
                    self.rows = nil
                    break
                } catch let CSVReader.Failure.invalidUTF8(line) {
                    report(InputProblem(line: line, "text is not UTF-8"))
                    rowsRead += 1
                    continue
                }
                guard let next else {
                    self.rows = nil
                    break
                }
                rowsRead += 1
                guard next.fields.count == width else {
                    report(
                        InputProblem(
                            line: next.line,
                            "\(next.fields.count) field\(next.fields.count == 1 ? "" : "s"), the header has \(width)"))
                    continue
                }
                if let record = parse(line: next.line, positions.map { $0.map { next.fields[$0] } }) {
                    batch.append(Item(line: next.line, record: record, chain: chain))
                }
            }
        case .json(let list, let position):
            var p = position
            while batch.count < batchSize, p < list.count, limit.map({ rowsRead < $0 }) ?? true {
                let row = list[p]
                p += 1
                rowsRead += 1
                let unknown = row.fields.keys.filter {
                    !Self.requiredColumns.contains($0) && !Self.optionalColumns.contains($0)
                }
                if !unknown.isEmpty {
                    report(
                        InputProblem(
                            line: row.line,
                            "unknown field\(unknown.count > 1 ? "s" : "") \(unknown.sorted().joined(separator: ", "))"))
                    continue
                }
                if let record = parse(line: row.line, Self.allColumns.map { row.fields[$0] }) {
                    batch.append(Item(line: row.line, record: record, chain: chain))
                }
            }
            self.rows = p < list.count ? .json(list, position: p) : nil
        }
        if batch.isEmpty && self.rows == nil { return nil }
        if batch.isEmpty && limit.map({ rowsRead >= $0 }) == true { return nil }
        return batch
    }

    /// Positions in `allColumns`.
    private enum Column: Int {
        case number, unitCode, issuedOn, signed, classified, documentID, type, title, signatureCount, timestamped,
            direction, verdict
        var name: String { DocumentImportSource.allColumns[rawValue] }
    }

    /// Whether rows remain after a `limit` was reached.
    public var hasMore: Bool { rows != nil }

    /// Resets the per-piece limit and problems for the next `--commit-every` piece.
    public func nextPiece(limit: Int) { self.limit = rowsRead + limit }

    /// One row: `values[i]` is column `allColumns[i]` (nil when the file has no such column).
    private func parse(line: Int, _ values: [String?]) -> DocumentRecord? {
        var problems: [String] = []
        func text(_ column: Column) -> String? {
            guard let v = values[column.rawValue]?.trimmedFieldValue, !v.isEmpty else { return nil }
            return v
        }
        func flag(_ column: Column, default value: Bool? = nil) -> Bool? {
            let name = column.name
            guard let v = text(column) else {
                if value == nil { problems.append("\(name) is empty (expected true or false)") }
                return value
            }
            if v == "true" || v == "1" { return true }
            if v == "false" || v == "0" { return false }
            switch v.lowercased() {
            case "1", "true", "yes", "y", "x", "có", "co": return true
            case "0", "false", "no", "n", "không", "khong": return false
            default:
                problems.append("\(name) is \"\(v)\" (expected true or false)")
                return value ?? false
            }
        }
        let number = text(.number)
        if number == nil { problems.append("number is empty") }
        let unitCode = text(.unitCode)
        if unitCode == nil { problems.append("unit_code is empty") }
        var issued: CivilDate?
        if let d = text(.issuedOn) {
            issued = CivilDate(iso8601: d)
            if issued == nil { problems.append("issued_on \"\(d)\" is not a date (YYYY-MM-DD)") }
        } else {
            problems.append("issued_on is empty")
        }
        let signed = flag(.signed)
        let classified = flag(.classified)
        let timestamped = flag(.timestamped, default: false)
        var documentID = text(.documentID)?.lowercased()
        if let id = documentID, id.count != 64 || Hex.decode(id) == nil {
            problems.append("document_id \"\(id)\" is not a SHA-256 in hex (64 digits)")
            documentID = nil
        }
        var count: Int?
        if let c = text(.signatureCount) {
            count = Int(c)
            if count == nil || count! < 0 || count! > 20 {
                problems.append("signature_count \"\(c)\" is not a number of signatures")
                count = nil
            }
        }
        if let count, let signed {
            if signed && count == 0 { problems.append("signed is true but signature_count is 0") }
            if !signed && count > 0 { problems.append("signature_count is \(count) but signed is false") }
        }
        var direction = DocumentRecord.Direction.issued
        if let d = text(.direction) {
            if let parsed = DocumentRecord.Direction(rawValue: d.lowercased()) {
                direction = parsed
            } else {
                problems.append("direction \"\(d)\" is not issued or received")
            }
        }
        var placement: UnitDirectory.Placement?
        if let unitCode, let issued {
            do { placement = try directory.resolve(unitCode, on: issued) } catch { problems.append(error.description) }
        }
        guard problems.isEmpty, let number, let unitCode, let issued, let signed, let classified, let placement else {
            for p in problems { report(InputProblem(line: line, p)) }
            return nil
        }
        return DocumentRecord(
            documentID: documentID, unitCode: unitCode, unitLevel: placement.unit.level,
            provinceCode: placement.provinceCode,
            number: number, type: text(.type), title: text(.title), issuedOn: issued, classified: classified,
            signed: signed, signatureCount: count, timestamped: timestamped ?? false, direction: direction,
            verdict: text(.verdict))
    }
}
