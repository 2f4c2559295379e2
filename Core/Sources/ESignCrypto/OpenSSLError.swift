import COpenSSL

/// An OpenSSL failure: which call failed, and OpenSSL's own error queue explaining why.
///
/// Every binding in this module that calls OpenSSL throws this when the call reports failure,
/// draining the thread's error queue so that a later failure does not inherit stale entries.
public struct OpenSSLError: Error, CustomStringConvertible, Sendable {
    /// One entry of OpenSSL's error queue.
    public struct Entry: Sendable, Equatable {
        public let library: Int32
        public let reason: Int32
        public let text: String
    }

    /// The OpenSSL function (or esign operation) that failed.
    public let operation: String
    /// OpenSSL's error queue at the time of failure, oldest first.
    public let entries: [Entry]

    public init(operation: String, entries: [Entry] = []) {
        self.operation = operation
        self.entries = entries
    }

    /// Captures and clears the calling thread's OpenSSL error queue.
    public static func capture(_ operation: String) -> OpenSSLError {
        var entries: [Entry] = []
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            var text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // The details OpenSSL attached (which host, which certificate), when it left text.
            if flags & ERR_TXT_STRING != 0, let data, data.pointee != 0 { text += " (\(String(cString: data)))" }
            entries.append(Entry(library: ERR_GET_LIB(code), reason: ERR_GET_REASON(code), text: text))
        }
        return OpenSSLError(operation: operation, entries: entries)
    }

    /// Clears stale entries before an operation whose failure we want to explain precisely.
    static func clearQueue() { ERR_clear_error() }

    /// True when any queued entry carries this library/reason pair.
    public func contains(library: Int32, reason: Int32) -> Bool {
        entries.contains { $0.library == library && $0.reason == reason }
    }

    public var description: String {
        entries.isEmpty ? "\(operation) failed" : "\(operation) failed: " + entries.map(\.text).joined(separator: "; ")
    }
}

/// Throws an ``OpenSSLError`` unless an OpenSSL call returned a positive status.
@inline(__always)
func check(_ status: Int32, _ operation: @autoclosure () -> String) throws(OpenSSLError) {
    if status <= 0 { throw OpenSSLError.capture(operation()) }
}

/// Throws an ``OpenSSLError`` when an OpenSSL constructor returned NULL.
@inline(__always)
func check<T>(_ pointer: T?, _ operation: @autoclosure () -> String) throws(OpenSSLError) -> T {
    guard let pointer else { throw OpenSSLError.capture(operation()) }
    return pointer
}
