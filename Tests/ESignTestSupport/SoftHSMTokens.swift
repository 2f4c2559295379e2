import Foundation

/// SoftHSM2 tokens holding the test PKI's identities, made once per test process by
/// scripts/softhsm-demo.sh (the script the README shows), plus a third token, "Kiem thu", with the
/// keys that must be refused: one whose CKA_SIGN is false and one with no certificate.
public struct SoftHSMTokens: Sendable {
    public static let officialToken = "Chu tich UBND tinh"
    public static let sealToken = "UBND tinh Binh Phuoc"
    public static let faultsToken = "Kiem thu"

    public let directory: URL
    /// libsofthsm2.so.
    public let module: String
    public let pinFile: String
    /// SOFTHSM2_CONF, for every process that opens the tokens.
    public let environment: [String: String]

    public var pin: String {
        ((try? String(contentsOfFile: pinFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The URI of `object` on `token`, through `module` (default SoftHSM itself).
    public func uri(_ object: String?, token: String = officialToken, module: String? = nil) -> String {
        let label = token.replacingOccurrences(of: " ", with: "%20")
        let objectPart = object.map { ";object=\($0)" } ?? ""
        return "pkcs11:token=\(label)\(objectPart)?module-path=\(module ?? self.module)"
    }

    public static let shared: Result<SoftHSMTokens, Peers.PeerError> = {
        do { return .success(try make()) } catch let error as Peers.PeerError { return .failure(error) } catch {
            return .failure(.missing("SoftHSM tokens: \(error)"))
        }
    }()

    public static func get() throws -> SoftHSMTokens { try shared.get() }

    static func make() throws -> SoftHSMTokens {
        _ = try Peers.locate("softhsm2-util")
        _ = try Peers.locate("pkcs11-tool")
        let dir = Fixtures.temporaryDirectory("esign-softhsm")
        let script = Fixtures.packageRoot.appendingPathComponent("scripts/softhsm-demo.sh").path
        let made = try Peers.run("bash", [script, Fixtures.pki.directory, dir.path])
        guard made.status == 0, let module = made.stdout.split(separator: "\n").last.map(String.init) else {
            throw Peers.PeerError.missing("softhsm2 (scripts/softhsm-demo.sh failed: \(made.combined))")
        }
        let tokens = SoftHSMTokens(
            directory: dir, module: module, pinFile: dir.appendingPathComponent("pin.txt").path,
            environment: ["SOFTHSM2_CONF": dir.appendingPathComponent("softhsm2.conf").path])
        try tokens.addFaultsToken()
        return tokens
    }

    /// "Kiem thu": `nosign` (RSA, a certificate, CKA_SIGN set to false) and `nocert` (P-256, no certificate).
    func addFaultsToken() throws {
        let pin = self.pin
        func run(_ tool: String, _ arguments: [String]) throws {
            let out = try Peers.run(tool, arguments, environment: environment)
            guard out.status == 0 else {
                throw Peers.PeerError.missing("\(tool) \(arguments.first ?? ""): \(out.combined)")
            }
        }
        try run(
            "softhsm2-util",
            ["--init-token", "--free", "--label", Self.faultsToken, "--so-pin", "87654321", "--pin", pin])
        let p11 = ["--module", module, "--token-label", Self.faultsToken, "--login", "--pin", pin]
        try run("pkcs11-tool", p11 + ["--keypairgen", "--key-type", "rsa:2048", "--label", "nosign", "--id", "0a"])
        let seal = Fixtures.pki.signers["province-seal"]!.certificatePath
        let der = directory.appendingPathComponent("seal.der").path
        try run("openssl", ["x509", "-in", seal, "-outform", "DER", "-out", der])
        try run("pkcs11-tool", p11 + ["--write-object", der, "--type", "cert", "--label", "nosign", "--id", "0a"])
        try run(
            "python3",
            [
                "-c",
                """
                import sys, pkcs11
                token = pkcs11.lib(sys.argv[1]).get_token(token_label=sys.argv[2])
                with token.open(user_pin=sys.argv[3], rw=True) as session:
                    key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label="nosign")
                    key[pkcs11.Attribute.SIGN] = False
                """,
                module, Self.faultsToken, pin,
            ])
        try run(
            "pkcs11-tool", p11 + ["--keypairgen", "--key-type", "EC:prime256v1", "--label", "nocert", "--id", "0b"])
    }

    /// OpenSC's pkcs11-spy, which logs every call a module receives (PKCS11SPY, PKCS11SPY_OUTPUT).
    public static func spyModule() throws -> String {
        let candidates = [
            "/usr/lib/x86_64-linux-gnu/pkcs11-spy.so", "/usr/lib/aarch64-linux-gnu/pkcs11-spy.so",
            "/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so", "/usr/lib/pkcs11-spy.so",
        ]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw Peers.PeerError.missing("pkcs11-spy.so (apt-get install opensc-pkcs11)")
        }
        return found
    }

    /// Tests/Fixtures/pkcs11/faulty-token.c built as a module that forwards to SoftHSM and injects
    /// faults (its header lists the variables).
    public static let faultyModule: Result<String, Peers.PeerError> = {
        let source = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/pkcs11/faulty-token.c").path
        let output = Fixtures.temporaryDirectory("esign-faulty-token").appendingPathComponent("faulty-token.so").path
        do {
            let built = try Peers.run(
                "cc", ["-shared", "-fPIC", "-O1", "-I/usr/include/p11-kit-1", source, "-o", output, "-ldl"])
            guard built.status == 0 else { return .failure(.missing("cc faulty-token.c: \(built.combined)")) }
            return .success(output)
        } catch let error as Peers.PeerError { return .failure(error) } catch {
            return .failure(.missing("cc: \(error)"))
        }
    }()
}
