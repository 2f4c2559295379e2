import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Output for people on a terminal (colours, a progress bar) and plain text or JSON otherwise.
enum Terminal {
    static let stderrIsTTY = isatty(2) == 1
    static let stdoutIsTTY = isatty(1) == 1
    static let colours = stdoutIsTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    static func error(_ message: String) {
        let prefix =
            stderrIsTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            ? "\u{1B}[31mesign: error:\u{1B}[0m" : "esign: error:"
        FileHandle.standardError.write(Data("\(prefix) \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    static func green(_ s: String) -> String { colours ? "\u{1B}[32m\(s)\u{1B}[0m" : s }
    static func red(_ s: String) -> String { colours ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
    static func yellow(_ s: String) -> String { colours ? "\u{1B}[33m\(s)\u{1B}[0m" : s }
    static func bold(_ s: String) -> String { colours ? "\u{1B}[1m\(s)\u{1B}[0m" : s }

    /// A one-line progress bar on stderr, drawn only on a terminal and at most ~20 times a second.
    final class ProgressBar: @unchecked Sendable {
        let total: Int
        let label: String
        let start = Date()
        var lastDraw = Date.distantPast
        init(total: Int, label: String) {
            self.total = total
            self.label = label
        }

        func update(_ done: Int) {
            guard Terminal.stderrIsTTY else { return }
            let now = Date()
            guard done == total || now.timeIntervalSince(lastDraw) > 0.05 else { return }
            lastDraw = now
            let width = 30
            let filled = total == 0 ? width : width * done / total
            let rate = Double(done) / max(now.timeIntervalSince(start), 0.001)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) \(bar) \(done)/\(total) \(Int(rate))/s".utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
