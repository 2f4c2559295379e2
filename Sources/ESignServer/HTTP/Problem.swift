import ESignCore
import Foundation
import Hummingbird

/// An error answer in RFC 9457's `application/problem+json`: a type URI naming the kind of
/// problem, a title, the status and a detail saying what exactly was wrong with this request.
/// Handlers throw it; ``ProblemMiddleware`` writes it.
public struct Problem: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// The last part of the type URI (`https://esign.local/problems/<kind>`).
    public var kind: String
    public var title: String
    public var detail: String
    /// Extra headers (WWW-Authenticate for 401, Retry-After for 503).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ kind: String, _ title: String, detail: String) {
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
    }

    public var description: String { "\(status.code) \(kind): \(detail)" }

    public static let typeBase = "https://esign.local/problems/"

    public var body: String {
        JSONValue.object([
            ("type", .string(Self.typeBase + kind)), ("title", .string(title)), ("status", .int(status.code)),
            ("detail", .string(detail)),
        ]).compactText
    }

    public func response(instance: String? = nil) -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        var text = body
        if let instance {
            text.removeLast()
            text += ",\"instance\":" + JSONValue.string(instance).compactText + "}"
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // The problems the service gives, each with one kind.
    public static func unauthorized(_ detail: String) -> Problem {
        var p = Problem(.unauthorized, "unauthorized", "Authentication required", detail: detail)
        p.headers[.wwwAuthenticate] = "Bearer realm=\"esign\""
        return p
    }
    public static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, "forbidden", "Not allowed for this client", detail: detail)
    }
    public static func badRequest(_ detail: String) -> Problem {
        Problem(.badRequest, "bad-request", "The request is not valid", detail: detail)
    }
    public static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, "not-found", "No such resource", detail: detail)
    }
    public static func unsupportedMediaType(_ detail: String) -> Problem {
        Problem(.unsupportedMediaType, "unsupported-media-type", "Unsupported content type", detail: detail)
    }
    public static func tooLarge(_ limit: Int) -> Problem {
        Problem(
            .contentTooLarge, "body-too-large", "Request body too large",
            detail: "the body is larger than this service accepts (\(limit) bytes)")
    }
    public static func timeout(_ seconds: Double) -> Problem {
        Problem(
            .requestTimeout, "request-timeout", "Request body too slow",
            detail: "the request body did not arrive within \(Int(seconds.rounded(.up))) seconds")
    }
    public static func busy(_ detail: String) -> Problem {
        var p = Problem(.serviceUnavailable, "busy", "The service is busy", detail: detail)
        p.headers[.retryAfter] = "1"
        return p
    }
    public static func unprocessable(_ kind: String, _ detail: String) -> Problem {
        Problem(.unprocessableContent, kind, "The document cannot be processed", detail: detail)
    }
    public static func unavailable(_ kind: String, _ detail: String) -> Problem {
        Problem(.serviceUnavailable, kind, "A service esign depends on is unavailable", detail: detail)
    }
    public static func conflict(_ kind: String, _ detail: String) -> Problem {
        Problem(.conflict, kind, "The request conflicts with recorded data", detail: detail)
    }
    public static func internalError(_ detail: String) -> Problem {
        Problem(.internalServerError, "internal", "Internal error", detail: detail)
    }
}

/// Turns thrown ``Problem``s (and any other error, as a 500 without internals) into problem
/// responses, and Hummingbird's own errors (no route: 404, method: 405) too. An error answer to a
/// request that came with a body closes the connection a moment later (`Connection: close`): the
/// rest of a body refused unread (413, 408, 503) is not worth reading.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let problem: Problem
        do {
            return try await next(request, context)
        } catch let thrown as Problem {
            problem = thrown
        } catch let error as HTTPError {
            let kind =
                error.status == .notFound
                ? "not-found" : error.status == .methodNotAllowed ? "method-not-allowed" : "http"
            problem = Problem(
                error.status, kind, error.status.reasonPhrase, detail: error.body ?? error.status.reasonPhrase)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            problem = Problem.internalError("the request could not be completed")
        }
        var response = problem.response(instance: request.uri.path)
        let hasBody =
            request.headers[.transferEncoding] != nil
            || (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0
        if hasBody {
            response.headers[.connection] = "close"
            let channel = context.channel
            channel.eventLoop.scheduleTask(in: .milliseconds(500)) { channel.close(promise: nil) }
        }
        return response
    }
}
