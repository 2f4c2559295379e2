/// Why an XML document could not be read or canonicalised. The description names the cause a
/// clerk or an integrator can act on; nothing of the document beyond a line number is quoted.
public enum XMLError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Not well-formed XML (or not UTF-8 where it says it is): the parser's message and line.
    case malformed(String)
    /// Well-formed, but something esign never processes: a DTD, entity declarations.
    case refused(String)
    /// Over a limit (size, depth) set so that hostile input cannot exhaust memory or time.
    case tooLarge(String)
    /// libxml2 failed where it should not (out of memory, an internal error).
    case library(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "not well-formed XML: \(why)"
        case .refused(let why): return why
        case .tooLarge(let why): return why
        case .library(let why): return "libxml2 failed: \(why)"
        }
    }
}
