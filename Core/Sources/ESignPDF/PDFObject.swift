import Foundation

/// A reference to an indirect object: `12 0 R`.
public struct ObjectReference: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let number: Int
    public let generation: Int
    public init(_ number: Int, _ generation: Int = 0) {
        self.number = number
        self.generation = generation
    }
    public var description: String { "\(number) \(generation) R" }
    public static func < (a: Self, b: Self) -> Bool { (a.number, a.generation) < (b.number, b.generation) }
}

/// A PDF name (`/Type`), kept as the bytes it stands for after `#xx` decoding.
public struct PDFName: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { bytes = Array(string.utf8) }
    public init(stringLiteral value: String) { self.init(value) }
    public var string: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { "/" + string }
}

/// A PDF string, kept as raw bytes; `isHex` remembers how it was written.
public struct PDFString: Hashable, Sendable {
    public let bytes: [UInt8]
    public let isHex: Bool
    public init(bytes: [UInt8], isHex: Bool = false) {
        self.bytes = bytes
        self.isHex = isHex
    }

    /// A text string (PDF 7.9.2.2): PDFDocEncoding-compatible ASCII as is, anything else
    /// (Vietnamese diacritics) as UTF-16BE with a byte-order mark.
    public init(text: String) {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            self.init(bytes: Array(text.utf8))
        } else {
            var out: [UInt8] = [0xFE, 0xFF]
            for unit in text.utf16 {
                out.append(UInt8(unit >> 8))
                out.append(UInt8(unit & 0xFF))
            }
            self.init(bytes: out, isHex: true)
        }
    }

    /// Decodes a text string: UTF-16BE with BOM, UTF-8 with BOM (PDF 2.0), else PDFDocEncoding (Latin-1 approximation).
    public var text: String {
        if bytes.count >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF {
            var units: [UInt16] = []
            var i = 2
            while i + 1 < bytes.count {
                units.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
                i += 2
            }
            return String(decoding: units, as: UTF16.self)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return String(decoding: bytes.dropFirst(3), as: UTF8.self) }
        return String(bytes.map { Character(Unicode.Scalar($0)) })
    }
}

/// A dictionary that keeps its keys in file order, so a rewritten object reads like the original.
public struct PDFDictionary: Sendable, Equatable {
    public private(set) var entries: [(key: PDFName, value: PDFObject)]

    public init(_ entries: [(key: PDFName, value: PDFObject)] = []) { self.entries = entries }

    public subscript(key: String) -> PDFObject? {
        get { self[PDFName(key)] }
        set { self[PDFName(key)] = newValue }
    }

    public subscript(key: PDFName) -> PDFObject? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public var keys: [PDFName] { entries.map(\.key) }
    public var count: Int { entries.count }

    public static func == (a: Self, b: Self) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// A stream: its dictionary and where its data lies.
public struct PDFStream: Sendable, Equatable {
    public enum Data: Sendable, Equatable {
        /// Raw (still encoded) bytes start at this absolute file offset.
        case inFile(offset: Int)
        /// Raw (still encoded) bytes held in memory (streams esign creates).
        case bytes([UInt8])
    }
    public var dictionary: PDFDictionary
    public var data: Data
    /// In an encrypted document, the object whose key decrypts the data (nil: not encrypted).
    public var encryptedAs: ObjectReference?
    public init(dictionary: PDFDictionary, data: Data, encryptedAs: ObjectReference? = nil) {
        self.dictionary = dictionary
        self.data = data
        self.encryptedAs = encryptedAs
    }
}

/// Any PDF object (ISO 32000-2 §7.3).
public indirect enum PDFObject: Sendable, Equatable {
    case null
    case boolean(Bool)
    case integer(Int)
    case real(Double)
    case name(PDFName)
    case string(PDFString)
    case array([PDFObject])
    case dictionary(PDFDictionary)
    case reference(ObjectReference)
    case stream(PDFStream)

    public var dictionary: PDFDictionary? {
        switch self {
        case .dictionary(let d): return d
        case .stream(let s): return s.dictionary
        default: return nil
        }
    }
    public var array: [PDFObject]? { if case .array(let a) = self { return a } else { return nil } }
    public var integer: Int? { if case .integer(let i) = self { return i } else { return nil } }
    public var boolean: Bool? { if case .boolean(let b) = self { return b } else { return nil } }
    public var number: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let r): return r
        default: return nil
        }
    }
    public var name: PDFName? { if case .name(let n) = self { return n } else { return nil } }
    public var string: PDFString? { if case .string(let s) = self { return s } else { return nil } }
    public var reference: ObjectReference? { if case .reference(let r) = self { return r } else { return nil } }
    public var stream: PDFStream? { if case .stream(let s) = self { return s } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// True when this is the name `value`.
    public func isName(_ value: String) -> Bool { name == PDFName(value) }
}

extension PDFObject: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// A string literal makes a name: `"Sig"` is `/Sig`.
    public init(stringLiteral value: String) { self = .name(PDFName(value)) }
    public init(arrayLiteral elements: PDFObject...) { self = .array(elements) }
}
