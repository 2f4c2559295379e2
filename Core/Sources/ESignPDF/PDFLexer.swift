import ESignCore

/// Splits PDF bytes into tokens (ISO 32000-2 §7.2).
///
/// It works on a window of the file; `base` is the window's absolute offset. Reaching the end of a
/// window that is not the end of the file raises `LexerError.needMoreData`, and the caller retries
/// with a larger window, so no object is ever misread because a read was too short.
struct PDFLexer {
    enum Token: Equatable {
        case integer(Int)
        case real(Double)
        case name(PDFName)
        case string(PDFString)
        case keyword([UInt8])
        case arrayStart, arrayEnd, dictionaryStart, dictionaryEnd
        case endOfInput
    }

    enum LexerError: Error, Equatable {
        case needMoreData
        case malformed(String)
    }

    let bytes: [UInt8]
    /// Absolute file offset of `bytes[0]`.
    let base: Int
    /// Whether the window ends where the file ends.
    let isFinal: Bool
    var position: Int = 0

    init(bytes: [UInt8], base: Int = 0, isFinal: Bool = true) {
        self.bytes = bytes
        self.base = base
        self.isFinal = isFinal
    }

    var absolutePosition: Int { base + position }

    @inline(__always) static func isWhitespace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == 0x0C || c == 0x00
    }

    @inline(__always) static func isDelimiter(_ c: UInt8) -> Bool {
        switch c {
        case 0x28, 0x29, 0x3C, 0x3E, 0x5B, 0x5D, 0x7B, 0x7D, 0x2F, 0x25: return true
        default: return false
        }
    }

    @inline(__always) static func isRegular(_ c: UInt8) -> Bool { !isWhitespace(c) && !isDelimiter(c) }

    func endOfWindow() -> LexerError { isFinal ? .malformed("unexpected end of file") : .needMoreData }

    /// Skips white space and comments.
    mutating func skipWhitespace() {
        while position < bytes.count {
            let c = bytes[position]
            if Self.isWhitespace(c) {
                position += 1
            } else if c == 0x25 {  // %
                while position < bytes.count && bytes[position] != 0x0A && bytes[position] != 0x0D { position += 1 }
            } else {
                return
            }
        }
    }

    mutating func next() throws(LexerError) -> Token {
        skipWhitespace()
        guard position < bytes.count else {
            if isFinal { return .endOfInput }
            throw .needMoreData
        }
        let c = bytes[position]
        switch c {
        case 0x5B:
            position += 1
            return .arrayStart
        case 0x5D:
            position += 1
            return .arrayEnd
        case 0x3C:  // <
            guard position + 1 < bytes.count else { throw endOfWindow() }
            if bytes[position + 1] == 0x3C {
                position += 2
                return .dictionaryStart
            }
            return .string(try hexString())
        case 0x3E:
            guard position + 1 < bytes.count else { throw endOfWindow() }
            if bytes[position + 1] == 0x3E {
                position += 2
                return .dictionaryEnd
            }
            throw .malformed("stray '>' at offset \(absolutePosition)")
        case 0x28: return .string(try literalString())
        case 0x2F: return .name(try name())
        case 0x29, 0x7B, 0x7D:
            position += 1
            return .keyword([c])
        default:
            if c == 0x2B || c == 0x2D || c == 0x2E || (c >= 0x30 && c <= 0x39) { return try numberOrKeyword() }
            return .keyword(try regularRun())
        }
    }

    private mutating func regularRun() throws(LexerError) -> [UInt8] {
        let start = position
        while position < bytes.count && Self.isRegular(bytes[position]) { position += 1 }
        if position == bytes.count && !isFinal { throw .needMoreData }
        if position - start > 4096 { throw .malformed("token longer than 4096 bytes at offset \(base + start)") }
        return Array(bytes[start..<position])
    }

    private mutating func numberOrKeyword() throws(LexerError) -> Token {
        let run = try regularRun()
        var sign = 1
        var i = 0
        if run[0] == 0x2B {
            i = 1
        } else if run[0] == 0x2D {
            sign = -1
            i = 1
        }
        var integer = 0
        var isReal = false
        var digits = 0
        var fraction = 0.0
        var scale = 0.1
        while i < run.count {
            let d = run[i]
            if d >= 0x30 && d <= 0x39 {
                if isReal {
                    fraction += Double(d - 0x30) * scale
                    scale /= 10
                } else {
                    if integer > (Int.max - 9) / 10 { return .keyword(run) }
                    integer = integer * 10 + Int(d - 0x30)
                }
                digits += 1
            } else if d == 0x2E && !isReal {
                isReal = true
            } else if d == 0x2D && isReal == false && i > 0 {
                // "--5" or "5-3": some producers write these; treat as the number read so far (as readers do).
                break
            } else {
                return .keyword(run)
            }
            i += 1
        }
        if digits == 0 { return isReal || run.count == 1 ? .integer(0) : .keyword(run) }
        if isReal { return .real(Double(sign) * (Double(integer) + fraction)) }
        return .integer(sign * integer)
    }

    private mutating func name() throws(LexerError) -> PDFName {
        position += 1  // '/'
        var out: [UInt8] = []
        while position < bytes.count && Self.isRegular(bytes[position]) {
            let c = bytes[position]
            if c == 0x23, position + 2 < bytes.count, let h = Hex.digitValue(bytes[position + 1]),
                let l = Hex.digitValue(bytes[position + 2])
            {
                out.append(h << 4 | l)
                position += 3
            } else {
                out.append(c)
                position += 1
            }
            if out.count > 4096 { throw .malformed("name longer than 4096 bytes") }
        }
        if position == bytes.count && !isFinal { throw .needMoreData }
        return PDFName(bytes: out)
    }

    /// Each byte's hex digit value, 0xFF for bytes that are not hex digits.
    static let hexTable: [UInt8] = (0...255).map { Hex.digitValue(UInt8($0)) ?? 0xFF }

    private mutating func hexString() throws(LexerError) -> PDFString {
        position += 1  // '<'
        var out: [UInt8] = []
        var high: UInt8?
        // Signature /Contents are thousands of digits without spaces: take them two at a time
        // through a table, then finish (spaces, odd digit, '>') one byte at a time.
        let table = Self.hexTable  // read once: each access to a static goes through swift_once
        table.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { buffer in
                var i = position
                var end = i
                while end < buffer.count && table[Int(buffer[end])] != 0xFF { end += 1 }
                let pairs = (end - i) / 2
                out = [UInt8](unsafeUninitializedCapacity: pairs) { digits, count in
                    for k in 0..<pairs {
                        digits[k] = table[Int(buffer[i + 2 * k])] << 4 | table[Int(buffer[i + 2 * k + 1])]
                    }
                    count = pairs
                }
                i += 2 * pairs
                position = i
            }
        }
        while position < bytes.count {
            let c = bytes[position]
            position += 1
            if c == 0x3E {
                if let h = high { out.append(h << 4) }
                return PDFString(bytes: out, isHex: true)
            }
            if Self.isWhitespace(c) { continue }
            guard let v = Hex.digitValue(c) else {
                throw .malformed("bad character in hex string at offset \(absolutePosition - 1)")
            }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        throw endOfWindow()
    }

    private mutating func literalString() throws(LexerError) -> PDFString {
        position += 1  // '('
        var out: [UInt8] = []
        var depth = 1
        while position < bytes.count {
            let c = bytes[position]
            position += 1
            switch c {
            case 0x28:
                depth += 1
                out.append(c)
            case 0x29:
                depth -= 1
                if depth == 0 { return PDFString(bytes: out) }
                out.append(c)
            case 0x5C:  // backslash
                guard position < bytes.count else { throw endOfWindow() }
                let e = bytes[position]
                position += 1
                switch e {
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x0D: if position < bytes.count && bytes[position] == 0x0A { position += 1 }
                case 0x0A: break
                case 0x30...0x37:
                    var value = Int(e - 0x30)
                    var n = 1
                    while n < 3, position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x37 {
                        value = value * 8 + Int(bytes[position] - 0x30)
                        position += 1
                        n += 1
                    }
                    out.append(UInt8(value & 0xFF))
                default: out.append(e)
                }
            case 0x0D:
                // An end-of-line in a string reads as a single LF.
                if position < bytes.count && bytes[position] == 0x0A { position += 1 }
                out.append(0x0A)
            default: out.append(c)
            }
        }
        throw endOfWindow()
    }

    /// After the `stream` keyword: the offset where stream data begins (past CRLF or LF).
    mutating func streamDataStart() throws(LexerError) -> Int {
        // The keyword is followed by CRLF or LF; tolerate a lone CR and stray spaces as readers do.
        while position < bytes.count && bytes[position] == 0x20 { position += 1 }
        guard position < bytes.count else { throw endOfWindow() }
        if bytes[position] == 0x0D {
            position += 1
            guard position < bytes.count else { throw endOfWindow() }
            if bytes[position] == 0x0A { position += 1 }
        } else if bytes[position] == 0x0A {
            position += 1
        }
        return absolutePosition
    }
}
