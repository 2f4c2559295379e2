import Foundation

/// A peer server run by a test on loopback (an OCSP responder, a static HTTP server), stopped
/// when the test ends. The tests never contact any other address.
public final class LoopbackServer: @unchecked Sendable {
    public let port: Int
    let process: Process

    /// Starts `executable` with `arguments` (where "{port}" is replaced by a free port) and waits
    /// until the port accepts connections.
    /// `port`: a port chosen beforehand, when it must be known before the server starts.
    /// `environment`: variables added to this process's for the server.
    /// `log`: a file that gets the server's standard output and error (else they are discarded).
    public init(
        _ executable: String, _ arguments: [String], directory: URL? = nil, port fixed: Int? = nil,
        environment: [String: String] = [:], log: URL? = nil
    ) throws {
        port = try fixed ?? Self.freePort()
        process = Process()
        process.executableURL = URL(
            fileURLWithPath: executable.hasPrefix("/") ? executable : try Peers.locate(executable))
        process.arguments = arguments.map { $0.replacingOccurrences(of: "{port}", with: String(port)) }
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        Self.running.add(process.processIdentifier)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.accepts(port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw Peers.PeerError.missing("\(executable) did not start listening on 127.0.0.1:\(port)")
    }

    deinit { stop() }

    /// Stops the server with SIGKILL (`openssl ocsp` ignores SIGTERM) and reaps it.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        Self.running.remove(process.processIdentifier)
    }

    /// The servers still running, killed when the test process exits: a server kept for a whole
    /// suite (a static) is never released, and must not outlive the tests.
    static let running = RunningServers()

    final class RunningServers: @unchecked Sendable {
        private let lock = NSLock()
        private var pids: Set<Int32> = []
        private var registered = false

        func add(_ pid: Int32) {
            lock.lock()
            defer { lock.unlock() }
            pids.insert(pid)
            guard !registered else { return }
            registered = true
            atexit { LoopbackServer.running.killAll() }
        }

        func remove(_ pid: Int32) {
            lock.lock()
            pids.remove(pid)
            lock.unlock()
        }

        func killAll() {
            lock.lock()
            let left = pids
            pids = []
            lock.unlock()
            for pid in left { kill(pid, SIGKILL) }
        }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The server's process id (for reading its memory from /proc).
    public var pid: Int32 { process.processIdentifier }

    /// Sends SIGTERM and waits (up to 20 s) for the server to finish; returns its exit status.
    public func terminateGracefully() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            stop()
            return -1
        }
        return process.terminationStatus
    }

    public static func freePort() throws -> Int {
        let out = try Peers.run(
            "python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        guard let port = Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Peers.PeerError.missing("a free port")
        }
        return port
    }

    /// Whether something listens on the port, read from /proc/net (no connection is made: some
    /// servers, `openssl ocsp` among them, mishandle a client that connects and says nothing).
    static func accepts(_ port: Int) -> Bool {
        let hex = String(format: ":%04X", port)
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 3, fields[1].hasSuffix(hex), fields[3] == "0A" { return true }
            }
        }
        return false
    }
}
