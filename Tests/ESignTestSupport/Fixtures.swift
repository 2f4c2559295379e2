import ESign
import Foundation

/// Paths and shared fixtures for esign's tests.
public enum Fixtures {
    /// The package root (two levels above this file's folder).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static let samples = packageRoot.appendingPathComponent("samples")
    /// ../shared/corpus beside the project root (present in CI).
    public static let corpus = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    public static var corpusAvailable: Bool { FileManager.default.fileExists(atPath: corpus.path) }
    /// Under CI every peer and the corpus must be present: their absence fails a test, never skips it.
    public static let underCI = ProcessInfo.processInfo.environment["CI"] != nil

    /// The sample PDFs committed in samples/.
    public static var samplePDFs: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: samples, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "pdf" }.sorted { $0.path < $1.path }
    }

    /// A fresh temporary folder, removed when the test process exits (kept with
    /// `ESIGN_KEEP_TEST_FILES=1`, to look at what a failing test wrote).
    public static func temporaryDirectory(_ label: String = "esign-test") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(label)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        TemporaryFolders.shared.add(url.path)
        return url
    }

    /// One demo PKI per test process (key generation is the slow part).
    public static let pki: DemoPKI = {
        let dir = temporaryDirectory("esign-pki")
        do { return try DemoPKI.create(in: dir.path) } catch { fatalError("cannot create the demo PKI: \(error)") }
    }()

    public static var password: Secret {
        Secret(
            (try? String(contentsOfFile: pki.passwordPath, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines) ?? "")
    }

    public static func identity(_ name: String = "province-official") throws -> SigningIdentity {
        try SigningIdentity.load(pkcs12: pki.signers[name]!.pkcs12Path, password: password)
    }

    public static var root: Certificate { pki.root.certificate }

    public static func sha256(ofFile path: String) throws -> [UInt8] {
        try Digest.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), .sha256)
    }
}

/// The folders the tests made, removed at exit: a run makes hundreds, and a developer's machine
/// gathered thousands before this.
final class TemporaryFolders: @unchecked Sendable {
    static let shared = TemporaryFolders()
    private let lock = NSLock()
    private var paths: [String] = []

    private init() {
        if ProcessInfo.processInfo.environment["ESIGN_KEEP_TEST_FILES"] == "1" { return }
        atexit { TemporaryFolders.shared.removeAll() }
    }

    func add(_ path: String) {
        lock.lock()
        paths.append(path)
        lock.unlock()
    }

    private func removeAll() {
        lock.lock()
        let all = paths
        paths = []
        lock.unlock()
        for path in all { try? FileManager.default.removeItem(atPath: path) }
    }
}
