import ESignCore
import Foundation
import Hummingbird
import NIOCore

/// Small builders for the service's responses and for reading query parameters.
enum Responses {
    static func bytes(_ bytes: [UInt8], type: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func text(_ text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        text(value.compactText, type: "application/json", status: status)
    }

    static func json<T: Encodable>(encoding value: T, status: HTTPResponse.Status = .ok) -> Response {
        text(encode(value), type: "application/json", status: status)
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// A request's query parameters, each read at most once and checked.
struct Query {
    let values: [String: String]

    init(_ request: Request, allowed: Set<String>) throws {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw Problem.badRequest("unknown query parameter \(name.debugDescription) (known: \(known))")
            }
            guard values[name] == nil else { throw Problem.badRequest("query parameter \(name) given twice") }
            let decoded = String(value).removingPercentEncoding ?? String(value)
            values[name] = decoded
        }
        self.values = values
    }

    subscript(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }

    func required(_ name: String) throws -> String {
        guard let value = self[name] else { throw Problem.badRequest("the query parameter \(name) is required") }
        return value
    }

    func date(_ name: String) throws -> CivilDate? {
        guard let text = self[name] else { return nil }
        guard let date = CivilDate(iso8601: text) else {
            throw Problem.badRequest("\(name) is a date (YYYY-MM-DD), not \(text.debugDescription)")
        }
        return date
    }
}

extension Request {
    /// The media type of the body, lower-cased, without parameters.
    var mediaType: String? {
        headers[.contentType].map {
            String($0.split(separator: ";", maxSplits: 1)[0]).trimmingCharacters(in: .whitespaces).lowercased()
        }
    }
}
