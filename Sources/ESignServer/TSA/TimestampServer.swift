import ESignCrypto
import ESignTimestamps
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The RFC 3161 time-stamping service over HTTP (POST `application/timestamp-query`, answer
/// `application/timestamp-reply`), on Hummingbird. Every reply is recorded in the audit log;
/// serial numbers come from a persisted allocator; requests are capped in size; SIGINT/SIGTERM
/// stop the server after the requests in flight are answered.
///
/// ```swift
/// let server = try TimestampServer(configuration: .init(responder: responder, host: "127.0.0.1", port: 3180, database:
/// "tsa.log"))
/// try await server.run()
/// ```
public struct TimestampServer: Sendable {
    public struct Configuration: Sendable {
        public var responder: TimestampResponder
        public var host = "127.0.0.1"
        public var port = 3180
        /// Audit log path; the serial-number state is kept beside it (`PATH.serial`). nil: in memory only.
        public var database: String?
        /// Largest request accepted (a TimeStampReq with a SHA-512 imprint is about 100 bytes).
        public var maximumRequestBytes = 16 * 1024

        public init(
            responder: TimestampResponder, host: String = "127.0.0.1", port: Int = 3180, database: String? = nil
        ) {
            self.responder = responder
            self.host = host
            self.port = port
            self.database = database
        }
    }

    public let configuration: Configuration
    let serials: SerialNumberAllocator
    let audit: TimestampAuditLog
    let logger: Logger

    public init(configuration: Configuration, logger: Logger = Logger(label: "esign.tsa")) throws {
        self.configuration = configuration
        serials = try SerialNumberAllocator(stateFile: configuration.database.map { $0 + ".serial" })
        audit = try TimestampAuditLog(path: configuration.database)
        self.logger = logger
    }

    /// The router: POST / (and POST /tsa) take queries; GET / says what this is.
    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            try await self.answer(request, context: context)
        }
        router.post("/", use: handler)
        router.post("/tsa", use: handler)
        router.get("/") { _, _ in "esign RFC 3161 time-stamping authority: POST application/timestamp-query\n" }
        return router
    }

    func answer(_ request: Request, context: BasicRequestContext) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/timestamp-query") == true else {
            return Response(
                status: .unsupportedMediaType,
                body: .init(byteBuffer: ByteBuffer(string: "expected application/timestamp-query\n")))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maximumRequestBytes)
        } catch {
            return Response(
                status: .contentTooLarge,
                body: .init(
                    byteBuffer: ByteBuffer(string: "request larger than \(configuration.maximumRequestBytes) bytes\n")))
        }
        let bytes = Array(body.readableBytesView)
        let issued: TimestampResponder.Issued
        do {
            issued = try configuration.responder.reply(to: bytes, serial: { try self.serials.next() })
        } catch {
            logger.error("could not answer a request", metadata: ["error": "\(error)"])
            return Response(status: .internalServerError)
        }
        audit.record(issued)
        if issued.granted {
            logger.debug("granted", metadata: ["serial": "\(issued.serialNumber ?? 0)"])
        } else {
            logger.info("rejected", metadata: ["reason": "\(issued.failure ?? "")"])
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/timestamp-reply"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: issued.reply)))
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in flight and returns.
    public func run(onServerRunning: (@Sendable (Int) async -> Void)? = nil) async throws {
        let app = Application(
            router: router(),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "esign-tsa"),
            onServerRunning: { channel in await onServerRunning?(channel.localAddress?.port ?? 0) },
            logger: logger)
        logger.info(
            "serving RFC 3161 timestamps",
            metadata: [
                "address": "\(configuration.host):\(configuration.port)",
                "policy": "\(configuration.responder.policyOID)",
                "tsa": "\(configuration.responder.certificate.subject)",
            ])
        try await app.runService()
        audit.sync()
        logger.info("stopped")
    }
}
