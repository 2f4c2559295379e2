/// A `multipart/form-data` body (RFC 7578) split into its parts: the name, the file name if any,
/// the content type and the bytes of each. Anything malformed is refused, never guessed at.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var body: ArraySlice<UInt8>
    }
    var parts: [Part] = []

    enum Failure: Error, CustomStringConvertible {
        case malformed(String)
        var description: String {
            switch self {
            case .malformed(let why): return "malformed multipart/form-data body: \(why)"
            }
        }
    }

    /// The boundary parameter of a `multipart/form-data` content type.
    static func boundary(of contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value =
                    pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2
                    ? String(pair[1].dropFirst().dropLast()) : pair[1]
                return (1...70).contains(value.count) ? value : nil
            }
        }
        return nil
    }

    init(body: [UInt8], boundary: String, maximumParts: Int = 8) throws {
        let delimiter = Array("--\(boundary)".utf8)
        var position = 0
        // The body starts with the first delimiter (a preamble before it is allowed and ignored).
        guard let first = Self.find(delimiter, in: body, from: 0) else { throw Failure.malformed("no boundary") }
        position = first + delimiter.count
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body.count >= position + 2, body[position] == 0x2D, body[position + 1] == 0x2D { break }
            guard body.count >= position + 2, body[position] == 0x0D, body[position + 1] == 0x0A else {
                throw Failure.malformed("a boundary is not followed by a line break")
            }
            position += 2
            guard let headerEnd = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: position) else {
                throw Failure.malformed("a part has no end of headers")
            }
            let headerText = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = Self.find([0x0D, 0x0A] + delimiter, in: body, from: contentStart) else {
                throw Failure.malformed("a part is not closed by the boundary")
            }
            var part = Part(name: "", filename: nil, contentType: nil, body: body[contentStart..<next])
            var named = false
            for line in headerText.split(separator: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { throw Failure.malformed("a part header has no colon") }
                let field = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                if field == "content-type" { part.contentType = value.lowercased() }
                if field == "content-disposition" {
                    guard value.lowercased().hasPrefix("form-data") else {
                        throw Failure.malformed("a part is not form-data")
                    }
                    for p in value.split(separator: ";").dropFirst() {
                        let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                        guard kv.count == 2 else { continue }
                        let v =
                            kv[1].hasPrefix("\"") && kv[1].hasSuffix("\"") && kv[1].count >= 2
                            ? String(kv[1].dropFirst().dropLast()) : kv[1]
                        if kv[0].lowercased() == "name" {
                            part.name = v
                            named = true
                        }
                        if kv[0].lowercased() == "filename" { part.filename = v }
                    }
                }
            }
            guard named else { throw Failure.malformed("a part has no name") }
            parts.append(part)
            guard parts.count <= maximumParts else { throw Failure.malformed("more than \(maximumParts) parts") }
            position = next + 2 + delimiter.count
        }
    }

    func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
