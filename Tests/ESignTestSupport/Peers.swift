import Foundation

/// Runs programs: esign itself and the validators nobody here wrote (pyhanko, pdfsig, qpdf, openssl).
public enum Peers {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var combined: String { stdout + stderr }
    }

    public enum PeerError: Error, CustomStringConvertible {
        case missing(String)
        public var description: String {
            switch self {
            case .missing(let tool):
                return
                    "\(tool) is not installed: interop tests need it (bash .ci/run installs poppler-utils, qpdf, "
                    + "ghostscript, pyhanko, fpdf2, reportlab)"
            }
        }
    }

    /// Full path of a tool on PATH; throws when it is missing (tests then fail, never skip).
    public static func locate(_ tool: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PeerError.missing(tool)
    }

    /// The esign executable built beside the tests.
    public static func esignBinary() throws -> String {
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("esign").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let fallback = Fixtures.packageRoot.appendingPathComponent(".build/debug/esign").path
        if FileManager.default.isExecutableFile(atPath: fallback) { return fallback }
        throw PeerError.missing("esign (run swift build first)")
    }

    /// Runs a program to completion with a time limit; stdin is empty.
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        timeout: TimeInterval = 120
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try locate(executable))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            outBox.data = outPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errBox.data = errPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            group.wait()
        }
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
            stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// Runs esign.
    @discardableResult
    /// esign with no trust store of the user's: a test trusts only what it gives (`--trust`,
    /// `--trust-store`, or `ESIGN_TRUST_STORE` in `environment`).
    public static func esign(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        var environment = environment
        if environment["ESIGN_TRUST_STORE"] == nil {
            environment["ESIGN_TRUST_STORE"] = FileManager.default.temporaryDirectory.path + "/esign-no-trust-store"
        }
        return try run(try esignBinary(), arguments, environment: environment)
    }

    /// `pyhanko sign validate` on every signature; returns its final status line per signature.
    public static func pyhankoValidate(_ pdf: String, trust: String, lenient: Bool = false) throws -> Output {
        var args = ["sign", "validate", "--trust", trust, "--trust-replace"]
        if lenient { args.append("--no-strict-syntax") }
        return try run("pyhanko", args + [pdf])
    }

    public static func pdfsig(_ pdf: String) throws -> Output { try run("pdfsig", [pdf]) }
    public static func qpdfCheck(_ pdf: String) throws -> Output { try run("qpdf", ["--check", pdf]) }
}
