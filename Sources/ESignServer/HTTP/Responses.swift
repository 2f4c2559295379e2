import ESignCore
import ESignSigning
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

    /// Reads the query string as forms send it (`+` is a space, `%XX` a byte of UTF-8); unknown
    /// names, repeated names and undecodable text are refused.
    init(_ request: Request, allowed: Set<String>) throws {
        var values: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw Problem.badRequest("the query string is not valid percent-encoded UTF-8")
            }
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw Problem.badRequest("unknown query parameter \(name.debugDescription) (known: \(known))")
            }
            guard values[name] == nil else { throw Problem.badRequest("query parameter \(name) given twice") }
            guard value.count <= 1000, !value.contains(where: { $0.isNewline || $0 == "\u{0}" }) else {
                throw Problem.badRequest("query parameter \(name) is too long or holds control characters")
            }
            values[name] = value
        }
        self.values = values
    }

    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    subscript(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }

    func required(_ name: String) throws -> String {
        guard let value = self[name] else { throw Problem.badRequest("the query parameter \(name) is required") }
        return value
    }

    /// The `digest` parameter: SHA-256 unless another SHA-2 is named.
    func digest() throws -> DigestAlgorithm {
        guard let name = self["digest"] else { return .sha256 }
        guard let digest = DigestAlgorithm(rawValue: name.lowercased()) else {
            throw Problem.badRequest("digest is sha256, sha384, sha512, sha3-256, sha3-384 or sha3-512")
        }
        return digest
    }

    /// `padding=pss` or `padding=pkcs1-v1_5` for RSA keys; the service's default otherwise.
    func padding(default fallback: RSAPadding) throws -> RSAPadding {
        guard let name = self["padding"] else { return fallback }
        guard let padding = RSAPadding(rawValue: name.lowercased()) else {
            throw Problem.badRequest("padding is pkcs1-v1_5 or pss")
        }
        return padding
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
