import ESignLedger
import ESignSigning
import Foundation
import Hummingbird

/// `POST /v1/ledger/documents` (records, idempotent by identity) and `GET /v1/stats` (coverage of
/// the client's units, as JSON, CSV or an HTML report).
extension SigningService {
    static let maximumRecordsPerRequest = 10_000

    func addLedgerRoutes(_ router: Router<ServiceRequestContext>) {
        router.post("/v1/ledger/documents") { request, _ in try await self.recordDocuments(request) }
        router.get("/v1/stats") { request, _ in try await self.statistics(request) }
    }

    func recordDocuments(_ request: Request) async throws -> Response {
        let client = try await authenticator.client(for: request, scope: .ledger)
        _ = try Query(request, allowed: [])
        guard request.mediaType == "application/json" else {
            throw Problem.unsupportedMediaType("send the documents as a JSON array (application/json)")
        }
        let units = try await clientUnits(client)
        let inputs: [LedgerDocumentInput] = try await bodies.withBody(request) { body in
            do { return try JSONDecoder().decode([LedgerDocumentInput].self, from: Data(body)) } catch {
                throw Problem.badRequest("the body is not a JSON array of documents: \(Self.describe(error))")
            }
        }
        let records = try inputs.enumerated().map { try $0.element.record(index: $0.offset + 1) }
        guard !records.isEmpty else { throw Problem.badRequest("the array has no documents") }
        guard records.count <= Self.maximumRecordsPerRequest else {
            throw Problem.badRequest("at most \(Self.maximumRecordsPerRequest) documents per request")
        }
        for (i, r) in records.enumerated() {
            do { try units.require(r.unitCode) } catch let problem as Problem {
                throw Problem.forbidden("document \(i + 1): \(problem.detail)")
            }
        }
        let summary: AppendSummary
        do { summary = try await ledger.record(records, source: "serve:\(client.name)") } catch {
            throw Self.problem(ledger: error)
        }
        return Responses.json(
            .object([
                ("read", .int(summary.read)), ("appended", .int(summary.appended)),
                ("unchanged", .int(summary.unchanged)), ("head_sequence", .int(Int(summary.head.sequence))),
                ("head", .string(summary.head.hex)),
            ]))
    }

    /// Decoding errors say which element and field, without Foundation's debug noise.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let c): return "\(path(c)).\(key.stringValue) is missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)) has the wrong type"
        case .dataCorrupted(let c): return c.codingPath.isEmpty ? "not valid JSON" : "\(path(c)) is not valid"
        @unknown default: return "not valid"
        }
    }

    func statistics(_ request: Request) async throws -> Response {
        let client = try await authenticator.client(for: request, scope: .stats)
        let query = try Query(request, allowed: ["from", "to", "by", "province", "format"])
        let from = try query.date("from")
        let to = try query.date("to")
        if let from, let to, to < from { throw Problem.badRequest("to \(to) is before from \(from)") }
        let by =
            try query["by"].map { text throws -> CoverageQuery.Grouping in
                guard let g = CoverageQuery.Grouping(rawValue: text) else {
                    throw Problem.badRequest("by is one of level, unit, month, quarter, year")
                }
                return g
            } ?? .level
        let format = query["format"] ?? "json"
        guard ["json", "csv", "html"].contains(format) else {
            throw Problem.badRequest("format is json, csv or html")
        }
        let units = try await clientUnits(client)
        var coverage = CoverageQuery(from: from, to: to, by: by, province: query["province"])
        coverage.units = units.reachable
        let report: CoverageReport
        do { report = try await ledger.statistics(coverage) } catch { throw Self.problem(ledger: error) }
        switch format {
        case "csv": return Responses.text(CoverageTable(report).csv, type: "text/csv; charset=utf-8")
        case "html":
            return Responses.text(
                CoverageHTML.render(report, generatedAt: Ledger.currentTime), type: "text/html; charset=utf-8")
        default: return Responses.text(Responses.encode(report), type: "application/json")
        }
    }
}
