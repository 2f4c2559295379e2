import ESign
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where a key's password comes from: `--password-file`, `ESIGN_PASSWORD`, or a prompt without
/// echo on the terminal. Never from the command line, where other users could read it.
enum PasswordReader {
    static func read(file: String?, prompt: String) throws(SigningError) -> Secret? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw .missingInput("cannot read password file \(file)")
            }
            var bytes = [UInt8](data)
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
            return Secret(bytes)
        }
        if let env = ProcessInfo.processInfo.environment["ESIGN_PASSWORD"] { return Secret(env) }
        return promptWithoutEcho(prompt)
    }

    /// Reads a line from /dev/tty with echo off; nil when there is no terminal.
    static func promptWithoutEcho(_ prompt: String) -> Secret? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard isatty(fd) == 1 else { return nil }
        var original = termios()
        guard tcgetattr(fd, &original) == 0 else { return nil }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        _ = Array(prompt.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        tcsetattr(fd, TCSAFLUSH, &silent)
        defer {
            tcsetattr(fd, TCSAFLUSH, &original)
            _ = Glibc.write(fd, "\n", 1)
        }
        var bytes: [UInt8] = []
        var c: UInt8 = 0
        while Glibc.read(fd, &c, 1) == 1 && c != 0x0A && c != 0x0D { bytes.append(c) }
        let secret = Secret(bytes)
        for i in bytes.indices { bytes[i] = 0 }
        return secret
    }
}
