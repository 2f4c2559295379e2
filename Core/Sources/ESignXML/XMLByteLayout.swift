/// Where the root element starts and ends in a document's bytes, so that a signature can be
/// spliced in without re-serialising (and so changing) anything the author wrote.
public struct XMLByteLayout: Sendable, Equatable {
    /// The offset of the root's start tag `<`.
    public let rootStart: Int
    /// The offset of the root's end tag `</name>`, or of the `/>` that closes an empty root.
    public let rootEndTag: Int
    /// The offset just past the root element.
    public let rootEnd: Int
    /// The root is written `<name …/>`.
    public let rootIsEmpty: Bool
    /// The root's qualified name as written.
    public let rootName: String

    init(rootStart: Int, rootEndTag: Int, rootEnd: Int, rootIsEmpty: Bool, rootName: String) {
        self.rootStart = rootStart
        self.rootEndTag = rootEndTag
        self.rootEnd = rootEnd
        self.rootIsEmpty = rootIsEmpty
        self.rootName = rootName
    }

    /// The layout of `bytes` (ASCII-compatible encodings only), checked against the parsed root's
    /// qualified name; nil when the bytes do not have the shape the parser saw.
    public init?(_ bytes: [UInt8], rootName: String) {
        let name = Array(rootName.utf8)
        self.rootName = rootName
        // The root's start: the first '<' that opens neither a declaration, a PI nor a comment.
        var index = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        var start: Int?
        while index < bytes.count {
            guard bytes[index] == 0x3C, index + 1 < bytes.count else {
                index += 1
                continue
            }
            switch bytes[index + 1] {
            case 0x3F:  // <? … ?>
                guard let end = Self.find([0x3F, 0x3E], in: bytes, from: index + 2) else { return nil }
                index = end + 2
            case 0x21:  // <!-- … -->
                guard let end = Self.find([0x2D, 0x2D, 0x3E], in: bytes, from: index + 4) else { return nil }
                index = end + 3
            default:
                start = index
            }
            if start != nil { break }
        }
        guard let start, bytes[(start + 1)...].starts(with: name) else { return nil }
        rootStart = start
        // The root's end: backwards over trailing whitespace, comments and PIs.
        var end = bytes.count
        while end > start {
            let last = bytes[end - 1]
            if last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D {
                end -= 1
            } else if bytes[..<end].reversed().starts(with: [0x3E, 0x2D, 0x2D]) {  // "-->"
                guard let open = Self.findBackwards([0x3C, 0x21, 0x2D, 0x2D], in: bytes, before: end - 3) else {
                    return nil
                }
                end = open
            } else if bytes[..<end].reversed().starts(with: [0x3E, 0x3F]), end - 2 > start {  // "?>"
                guard let open = Self.findBackwards([0x3C, 0x3F], in: bytes, before: end - 2) else { return nil }
                end = open
            } else {
                break
            }
        }
        guard end > start, bytes[end - 1] == 0x3E else { return nil }
        rootEnd = end
        // "</name" then optional whitespace then ">"
        var cursor = end - 2
        while cursor > start, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[cursor]) { cursor -= 1 }
        let nameStart = cursor - name.count + 1
        if nameStart - 2 > start, bytes[nameStart - 2] == 0x3C, bytes[nameStart - 1] == 0x2F,
            bytes[nameStart...cursor].elementsEqual(name)
        {
            rootEndTag = nameStart - 2
            rootIsEmpty = false
        } else if bytes[end - 2] == 0x2F {
            rootEndTag = end - 2
            rootIsEmpty = true
        } else {
            return nil
        }
    }

    /// Whether the bytes are UTF-16 or UTF-32 (a byte-order mark or a NUL in the first bytes): no
    /// ASCII text can be spliced into them.
    public static func isWideEncoding(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) { return true }
        return bytes.prefix(4).contains(0)
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard from <= bytes.count - pattern.count else { return nil }
        var index = from
        while index <= bytes.count - pattern.count {
            if bytes[index] == pattern[0], bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func findBackwards(_ pattern: [UInt8], in bytes: [UInt8], before: Int) -> Int? {
        var index = before - pattern.count
        while index >= 0 {
            if bytes[index..<(index + pattern.count)].elementsEqual(pattern) { return index }
            index -= 1
        }
        return nil
    }
}
