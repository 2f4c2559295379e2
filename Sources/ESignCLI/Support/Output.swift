import ESign
import Foundation

/// Writes text to stdout, or atomically to a file that must not exist unless `force`.
func emit(_ text: String, to path: String?, force: Bool) throws {
    guard let path else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        return
    }
    do {
        let file = try AtomicOutputFile(destination: path, overwrite: force)
        try file.write(Array(text.utf8))
        try file.commit()
    } catch { throw fail(error) }
}

func jsonText<T: Encodable>(_ value: T, pretty: Bool = true) -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting =
        pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}
