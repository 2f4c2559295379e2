import ESignSigning
import Foundation
import Hummingbird
import NIOCore

/// `GET /healthz`, `GET /metrics`, `GET /openapi.json`, and `POST /tsa` when the service has a TSA.
extension SigningService {
    func addSystemRoutes(_ router: Router<ServiceRequestContext>) {
        router.get("/healthz") { _, _ in
            do { _ = try await self.ledger.store.auditHead() } catch {
                throw Problem.unavailable("database-unavailable", "the database does not answer")
            }
            return Responses.json(.object([("status", .string("ok"))]))
        }
        router.get("/metrics") { _, _ in
            Responses.text(
                self.metrics.text(bufferedBytes: self.bodies.bufferedBytes), type: "text/plain; version=0.0.4")
        }
        router.get("/openapi.json") { _, _ in Responses.text(OpenAPIDocument.text, type: "application/json") }
        router.post("/tsa") { request, _ in try await self.timestamp(request) }
    }

    func timestamp(_ request: Request) async throws -> Response {
        guard let responder = timestampResponder, let serials else {
            throw Problem.notFound("this service has no time-stamping authority")
        }
        guard request.mediaType == "application/timestamp-query" else {
            throw Problem.unsupportedMediaType("a TSA takes application/timestamp-query")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 16 * 1024) } catch { throw Problem.tooLarge(16 * 1024) }
        let issued = try responder.reply(to: Array(body.readableBytesView), serial: { try serials.next() })
        return Responses.bytes(issued.reply, type: "application/timestamp-reply")
    }
}
