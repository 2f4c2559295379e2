import ESignCore
import Hummingbird
import NIOCore

/// An error as the CSC API (v1.0.4) answers it: a JSON object with `error` and
/// `error_description`, and the HTTP status the specification gives (400, 401, 500, 501).
struct CSCError: Error, Sendable {
    var status: HTTPResponse.Status
    var error: String
    var description: String

    static func invalidRequest(_ description: String) -> CSCError {
        CSCError(status: .badRequest, error: "invalid_request", description: description)
    }
    static func invalidToken(_ description: String) -> CSCError {
        CSCError(status: .unauthorized, error: "invalid_token", description: description)
    }
    static func serverError(_ description: String) -> CSCError {
        CSCError(status: .internalServerError, error: "server_error", description: description)
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let body = JSONValue.object([("error", .string(error)), ("error_description", .string(description))])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body.compactText)))
    }

    /// The CSC form of one of the service's problems (authentication, scopes, bodies).
    init(_ problem: Problem) {
        switch problem.status {
        case .unauthorized: self = .invalidToken(problem.detail)
        case .forbidden: self = CSCError(status: .badRequest, error: "invalid_request", description: problem.detail)
        case .internalServerError: self = .serverError(problem.detail)
        default: self = CSCError(status: problem.status, error: "invalid_request", description: problem.detail)
        }
    }

    init(status: HTTPResponse.Status, error: String, description: String) {
        self.status = status
        self.error = error
        self.description = description
    }
}
