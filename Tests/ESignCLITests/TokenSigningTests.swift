import ESign
import ESignTestSupport
import Foundation
import Testing

/// Signing with keys on SoftHSM2 tokens, checked by validators nobody here wrote (pyHanko, pdfsig,
/// qpdf, openssl cms / ts), with pyHanko and OpenSSL's pkcs11 engine signing through the same
/// token; and every bad input a real token produces, some injected by a forwarding module
/// (Tests/Fixtures/pkcs11/faulty-token.c) where SoftHSM cannot show them (a locked PIN, a token
/// pulled out, a token that allows one session).
@Suite("Keys on tokens (PKCS#11)", .serialized)
struct TokenSigningTests {
    let tokens: SoftHSMTokens
    let pki = Fixtures.pki

    init() throws { tokens = try SoftHSMTokens.get() }

    func esign(_ arguments: [String], environment: [String: String] = [:]) throws -> Peers.Output {
        try Peers.esign(arguments, environment: tokens.environment.merging(environment) { $1 })
    }

    func decision(_ dir: URL, _ name: String = "decision.pdf") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try FileManager.default.copyItem(
            atPath: Fixtures.samples.appendingPathComponent("decision.pdf").path, toPath: path)
        return path
    }

    /// `count` links to the decision sample in a new folder, and the folder for the signed copies.
    func batch(_ count: Int, _ label: String) throws -> (inputs: [String], out: String, dir: URL) {
        let dir = Fixtures.temporaryDirectory(label)
        let source = try decision(dir, "source.pdf")
        let inputs = (0..<count).map { dir.appendingPathComponent(String(format: "qd-%04d.pdf", $0)).path }
        for input in inputs { try FileManager.default.linkItem(atPath: source, toPath: input) }
        return (inputs, dir.appendingPathComponent("signed").path, dir)
    }

    @Test(
        "RSA-2048, RSA-3072 and a P-256 key generated on the token sign PDFs peers accept",
        arguments: ["province-official", "official-rsa3072", "official-p256"])
    func signsPDF(_ object: String) throws {
        let dir = Fixtures.temporaryDirectory("esign-token")
        let input = try decision(dir)
        let output = dir.appendingPathComponent("signed.pdf").path
        let run = try esign(["sign", input, "-o", output, "--pkcs11", tokens.uri(object), "--pin-file", tokens.pinFile])
        try #require(run.status == 0, "\(run.combined)")
        let verify = try esign(["verify", output, "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains("TOTAL-PASSED"), "\(verify.combined)")
        let pyhanko = try Peers.pyhankoValidate(output, trust: pki.rootPath)
        #expect(pyhanko.stdout.contains("INTACT:TRUSTED,UNTOUCHED"), "\(pyhanko.combined)")
        let pdfsig = try Peers.pdfsig(output)
        #expect(pdfsig.stdout.contains("Signature Validation: Signature is Valid."), "\(pdfsig.combined)")
        #expect(try Peers.qpdfCheck(output).status == 0)
        if object == "official-p256" {
            // The key was made on the token and can never leave it: local, never extractable.
            let objects = try Peers.run(
                "pkcs11-tool",
                [
                    "--module", tokens.module, "--token-label", SoftHSMTokens.officialToken, "--login", "--pin",
                    tokens.pin, "--list-objects", "--type", "privkey", "--label", object,
                ], environment: tokens.environment)
            #expect(objects.stdout.contains("never extractable, local"), "\(objects.combined)")
        }
    }

    /// Without module-path: ESIGN_PKCS11_MODULE, then p11-kit's proxy (SoftHSM registers itself with
    /// p11-kit, so the proxy reaches the same tokens).
    @Test("The module comes from ESIGN_PKCS11_MODULE, else p11-kit's proxy")
    func moduleResolution() throws {
        let dir = Fixtures.temporaryDirectory("esign-token-module")
        let input = try decision(dir)
        let uri = "pkcs11:token=Chu%20tich%20UBND%20tinh;object=official-p256"
        let viaVariable = try esign(
            [
                "sign", input, "-o", dir.appendingPathComponent("a.pdf").path, "--pkcs11", uri, "--pin-file",
                tokens.pinFile,
            ],
            environment: ["ESIGN_PKCS11_MODULE": tokens.module])
        #expect(viaVariable.status == 0, "\(viaVariable.combined)")
        let viaProxy = try esign(
            [
                "sign", input, "-o", dir.appendingPathComponent("b.pdf").path, "--pkcs11", uri, "--pin-file",
                tokens.pinFile,
            ],
            environment: ["ESIGN_PKCS11_MODULE": ""])
        #expect(viaProxy.status == 0, "\(viaProxy.combined)")
    }

    @Test("A detached CAdES signature made on the token verifies with openssl cms")
    func detachedVerifiesWithOpenSSL() throws {
        let dir = Fixtures.temporaryDirectory("esign-token-p7s")
        let file = dir.appendingPathComponent("tờ trình.xml").path
        try "<vanban so=\"12/TTr-UBND\"/>\n".write(toFile: file, atomically: true, encoding: .utf8)
        let run = try esign([
            "sign", "--detached", "--cades", file, "--pkcs11", tokens.uri("official-p256"), "--pin-file",
            tokens.pinFile,
        ])
        try #require(run.status == 0, "\(run.combined)")
        let verify = try Peers.run(
            "openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", file + ".p7s", "-content", file, "-CAfile",
                pki.rootPath, "-purpose", "any", "-out", "/dev/null",
            ])
        #expect(verify.status == 0 && verify.combined.contains("Verification successful"), "\(verify.combined)")
    }

    @Test(
        "XAdES made with token keys (RSA PKCS#1 v1.5 and PSS, ECDSA P-256) verify in signxml and in esign",
        arguments: [("province-official", false), ("province-official", true), ("official-p256", false)])
    func xadesOnTheToken(_ object: String, _ pss: Bool) throws {
        let dir = Fixtures.temporaryDirectory("esign-token-xades")
        let file = dir.appendingPathComponent("to-trinh.xml").path
        try "<vanban so=\"12/TTr-UBND\"><trichyeu>Tờ trình</trichyeu></vanban>\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("signed.xml").path
        let run = try esign(
            ["sign", file, "-o", output, "--pkcs11", tokens.uri(object), "--pin-file", tokens.pinFile]
                + (pss ? ["--rsa-pss"] : []))
        try #require(run.status == 0, "\(run.combined)")
        let verify = try Peers.esign(["verify", output, "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains("XAdES B-B"), "\(verify.combined)")
        let peers = Fixtures.packageRoot.appendingPathComponent("scripts/xml-peers.py").path
        let python = try Peers.run("python3", [peers, "signxml-verify", output, pki.rootPath])
        #expect(python.status == 0 && python.stdout.hasPrefix("ok"), "\(python.combined)")
    }

    @Test("OpenSSL's pkcs11 engine signs with the same token key, and esign verifies its CMS")
    func opensslEngineSignsWithTheSameKey() throws {
        let dir = Fixtures.temporaryDirectory("esign-token-engine")
        let file = dir.appendingPathComponent("data.txt").path
        try "công văn\n".write(toFile: file, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("openssl.cnf").path
        try """
        openssl_conf = init
        [init]
        engines = engines
        [engines]
        pkcs11 = pkcs11
        [pkcs11]
        engine_id = pkcs11
        MODULE_PATH = \(tokens.module)
        PIN = \(tokens.pin)
        init = 0

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let signer = pki.signers["province-official"]!.certificatePath
        let sign = try Peers.run(
            "openssl",
            [
                "cms", "-sign", "-binary", "-engine", "pkcs11", "-keyform", "engine", "-inkey",
                "pkcs11:token=Chu%20tich%20UBND%20tinh;object=province-official;type=private", "-signer", signer,
                "-certfile", pki.chainPath, "-md", "sha256", "-in", file, "-outform", "DER", "-out", file + ".p7s",
            ], environment: tokens.environment.merging(["OPENSSL_CONF": config]) { $1 })
        try #require(sign.status == 0, "the pkcs11 engine (libengine-pkcs11-openssl) could not sign: \(sign.combined)")
        let verify = try esign(["verify", file, "--signature", file + ".p7s", "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains("TOTAL-PASSED"), "\(verify.combined)")
    }

    @Test("pyHanko signs through the same token with python-pkcs11, and esign verifies it")
    func pyhankoSignsWithTheSameToken() throws {
        let dir = Fixtures.temporaryDirectory("esign-token-pyhanko")
        let input = try decision(dir)
        let output = dir.appendingPathComponent("pyhanko.pdf").path
        let config = dir.appendingPathComponent("pyhanko.yml").path
        try """
        pkcs11-setups:
          official:
            module-path: \(tokens.module)
            token-criteria:
              label: "\(SoftHSMTokens.officialToken)"
            cert-label: province-official
            key-label: province-official
            user-pin: "\(tokens.pin)"
            other-certs-to-pull: [issuing-ca]

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let sign = try Peers.run(
            "pyhanko",
            [
                "--config", config, "sign", "addsig", "--field", "Sig1", "pkcs11", "--p11-setup", "official", input,
                output,
            ],
            environment: tokens.environment)
        try #require(
            sign.status == 0, "pyHanko could not sign with the token (pip install python-pkcs11): \(sign.combined)")
        let verify = try esign(["verify", output, "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains("TOTAL-PASSED"), "\(verify.combined)")
    }

    @Test("esign issue: the official on one token, the seal on another")
    func issuesWithTwoTokens() throws {
        let dir = Fixtures.temporaryDirectory("esign-token-issue")
        let input = try decision(dir)
        let output = dir.appendingPathComponent("issued.pdf").path
        let database = dir.appendingPathComponent("ledger.sqlite").path
        let units = Fixtures.samples.appendingPathComponent("units/binh-phuoc-binh-duong-binh-thuan.csv").path
        try #require(try esign(["units", "import", units, "--database", database]).status == 0)
        let official = pki.signers["province-official"]!
        let seal = pki.signers["province-seal"]!
        let run = try esign([
            "issue", input, "-o", output, "--unit", "75", "--database", database,
            "--signer-pkcs11", tokens.uri("province-official"),
            "--seal-pkcs11", tokens.uri("province-seal", token: SoftHSMTokens.sealToken), "--pin-file", tokens.pinFile,
            "--signature-image", String(official.pkcs12Path.dropLast(4)) + "-signature.png",
            "--seal-image", String(seal.pkcs12Path.dropLast(4)) + ".png",
        ])
        try #require(run.status == 0, "\(run.combined)")
        #expect(run.stdout.contains("01/QĐ-UBND"))
        let pyhanko = try Peers.pyhankoValidate(output, trust: pki.rootPath)
        #expect(pyhanko.stdout.components(separatedBy: "INTACT:TRUSTED").count == 3, "\(pyhanko.combined)")
        let pdfsig = try Peers.pdfsig(output)
        #expect(pdfsig.stdout.components(separatedBy: "Signature is Valid.").count == 3, "\(pdfsig.combined)")
        #expect(pdfsig.stdout.contains(official.certificate.subject.commonName ?? "?"))
        #expect(pdfsig.stdout.contains(seal.certificate.subject.commonName ?? "?"))
    }

    @Test("esign tsa serve with its key in the HSM: openssl ts -verify and pyHanko accept its tokens")
    func tsaServesWithTokenKey() throws {
        let dir = Fixtures.temporaryDirectory("esign-token-tsa")
        let server = try LoopbackServer(
            try Peers.esignBinary(),
            [
                "tsa", "serve", "--port", "{port}", "--pkcs11", tokens.uri("tsa", token: SoftHSMTokens.sealToken),
                "--pin-file", tokens.pinFile, "--log-level", "warning",
            ], environment: tokens.environment)
        defer { server.stop() }
        let data = dir.appendingPathComponent("data.bin").path
        try Data("tem thời gian".utf8).write(to: URL(fileURLWithPath: data))
        let query = dir.appendingPathComponent("q.tsq").path
        let reply = dir.appendingPathComponent("r.tsr").path
        try #require(
            try Peers.run("openssl", ["ts", "-query", "-data", data, "-sha256", "-cert", "-out", query]).status == 0)
        let curl = try Peers.run(
            "curl",
            [
                "-s", "-o", reply, "-w", "%{http_code}", "-H", "Content-Type: application/timestamp-query",
                "--data-binary", "@\(query)", server.url,
            ])
        #expect(curl.stdout == "200")
        let verify = try Peers.run(
            "openssl",
            ["ts", "-verify", "-in", reply, "-queryfile", query, "-CAfile", pki.rootPath, "-untrusted", pki.chainPath])
        #expect(verify.status == 0 && verify.combined.contains("Verification: OK"), "\(verify.combined)")

        let input = try decision(dir)
        let output = dir.appendingPathComponent("bt.pdf").path
        let official = pki.signers["province-official"]!
        let sign = try esign([
            "sign", input, "-o", output, "--p12", official.pkcs12Path, "--password-file", pki.passwordPath, "--tsa",
            server.url,
        ])
        try #require(sign.status == 0, "\(sign.combined)")
        let pyhanko = try Peers.pyhankoValidate(output, trust: pki.rootPath)
        #expect(pyhanko.stdout.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "\(pyhanko.combined)")
    }

    @Test("esign token list shows every key with a URI that signs, with and without the PIN")
    func tokenListShowsEveryKey() throws {
        struct Inventory: Decodable {
            struct Token: Decodable {
                let label: String
                let loggedIn: Bool
                let keys: [Key]
            }
            struct Key: Decodable {
                let label: String?
                let seen: Bool
                let canSign: Bool?
                let subject: String?
                let uri: String
            }
            let tokens: [Inventory.Token]
        }
        func list(pin: Bool) throws -> Inventory {
            let run = try esign(
                ["token", "list", "--module", tokens.module, "--json"],
                environment: pin ? ["ESIGN_PIN": tokens.pin] : [:])
            #expect(run.status == 0, "\(run.combined)")
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Inventory.self, from: Data(run.stdout.utf8))
        }
        let expected: [String: Set<String>] = [
            SoftHSMTokens.officialToken: ["province-official", "official-rsa3072", "official-p256"],
            SoftHSMTokens.sealToken: ["province-seal", "tsa"],
        ]
        let loggedIn = try list(pin: true)
        let anonymous = try list(pin: false)
        for (token, labels) in expected {
            let seen = try #require(loggedIn.tokens.first { $0.label == token })
            #expect(seen.loggedIn)
            #expect(Set(seen.keys.compactMap(\.label)) == labels)
            #expect(seen.keys.allSatisfy { $0.seen && $0.subject != nil })
            let inferred = try #require(anonymous.tokens.first { $0.label == token })
            #expect(!inferred.loggedIn)
            #expect(Set(inferred.keys.compactMap(\.label)) == labels)
            #expect(Set(inferred.keys.map(\.uri)) == Set(seen.keys.map(\.uri)))
        }
        let faults = try #require(loggedIn.tokens.first { $0.label == SoftHSMTokens.faultsToken })
        #expect(faults.keys.first { $0.label == "nosign" }?.canSign == false)
        #expect(faults.keys.first { $0.label == "nocert" }?.subject == nil)
        // Each URI listed signs as it is.
        let dir = Fixtures.temporaryDirectory("esign-token-list")
        let input = try decision(dir)
        for key in loggedIn.tokens.filter({ expected[$0.label] != nil }).flatMap(\.keys) where key.label != "tsa" {
            let output = dir.appendingPathComponent("\(key.label ?? "key").pdf").path
            let run = try esign(["sign", input, "-o", output, "--pkcs11", key.uri, "--pin-file", tokens.pinFile])
            #expect(run.status == 0, "\(key.uri): \(run.combined)")
        }
        let text = try esign(["token", "list", "--module", tokens.module])
        #expect(text.stdout.contains("--pkcs11  'pkcs11:token=Chu%20tich%20UBND%20tinh;"), "\(text.stdout)")
        // The holder of each certificate: the official a person, the seal its agency.
        #expect(text.stdout.contains("holder    person Nguyễn Văn An (Chủ tịch, Ủy ban nhân dân tỉnh Bình Phước)"))
        #expect(text.stdout.contains("holder    organization Ủy ban nhân dân tỉnh Bình Phước"), "\(text.stdout)")
    }

    @Test("A batch of 1,000 documents costs one login; each signature its own C_Sign")
    func batchLogsInOnce() throws {
        let module = try SoftHSMTokens.faultyModule.get()
        let (inputs, out, dir) = try batch(1000, "esign-token-batch")
        let log = dir.appendingPathComponent("calls.log").path
        let run = try esign(
            ["sign"] + inputs + [
                "--out-dir", out, "--pkcs11", tokens.uri("province-official", module: module),
                "--pin-file", tokens.pinFile,
            ],
            environment: ["ESIGN_FAULT_MODULE": tokens.module, "ESIGN_FAULT_LOG": log])
        try #require(run.status == 0, "\(run.combined)")
        let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(calls.filter { $0.hasPrefix("C_Login") } == ["C_Login rv=0x0"])
        // One signature per document, plus the one that proves the key matches its certificate.
        #expect(calls.filter { $0 == "C_Sign" }.count == 1001)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).count == 1000)
        let verify = try esign(["verify", out, "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains("1000 passed"), "\(verify.stdout.suffix(300))")
    }

    /// SoftHSM offers no CKM_ECDSA_SHA256, so an ECDSA key without CKM_ECDSA is refused by name.
    @Test(
        "A token without CKM_RSA_PKCS hashes on its side (CKM_SHA256_RSA_PKCS); without any ECDSA mechanism, a refusal")
    func tokenThatHashes() throws {
        let module = try SoftHSMTokens.faultyModule.get()
        let dir = Fixtures.temporaryDirectory("esign-token-hashing")
        let input = try decision(dir)
        let output = dir.appendingPathComponent("signed.pdf").path
        let log = dir.appendingPathComponent("calls.log").path
        let run = try esign(
            [
                "sign", input, "-o", output, "--pkcs11", tokens.uri("province-official", module: module), "--pin-file",
                tokens.pinFile,
            ],
            environment: [
                "ESIGN_FAULT_MODULE": tokens.module, "ESIGN_FAULT_HIDE_MECHANISM": "0x1", "ESIGN_FAULT_LOG": log,
            ])
        try #require(run.status == 0, "\(run.combined)")
        let mechanisms = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("C_SignInit") }
        #expect(mechanisms == ["C_SignInit mechanism=0x40", "C_SignInit mechanism=0x40"], "probe and document")
        let pyhanko = try Peers.pyhankoValidate(output, trust: pki.rootPath)
        #expect(pyhanko.stdout.contains("INTACT:TRUSTED,UNTOUCHED"), "\(pyhanko.combined)")

        let ec = try esign(
            [
                "sign", input, "-o", output + ".ec", "--pkcs11", tokens.uri("official-p256", module: module),
                "--pin-file",
                tokens.pinFile,
            ],
            environment: ["ESIGN_FAULT_MODULE": tokens.module, "ESIGN_FAULT_HIDE_MECHANISM": "0x1041"])
        #expect(ec.status == 77 && ec.stderr.contains("does not offer CKM_ECDSA"), "\(ec.combined)")
        #expect(!FileManager.default.fileExists(atPath: output + ".ec"))
    }

    @Test(
        "RSASSA-PSS on the token: CKM_RSA_PKCS_PSS, else CKM_SHA256_RSA_PKCS_PSS; a token with neither is refused")
    func tokenSignsPSS() throws {
        let module = try SoftHSMTokens.faultyModule.get()
        let dir = Fixtures.temporaryDirectory("esign-token-pss")
        let input = try decision(dir)
        for (hidden, mechanism) in [("", "0xd"), ("0xd", "0x43")] {
            let output = dir.appendingPathComponent("signed-\(mechanism).pdf").path
            let log = dir.appendingPathComponent("calls-\(mechanism).log").path
            let run = try esign(
                [
                    "sign", input, "-o", output, "--rsa-pss", "--pkcs11",
                    tokens.uri("province-official", module: module),
                    "--pin-file", tokens.pinFile,
                ],
                environment: [
                    "ESIGN_FAULT_MODULE": tokens.module, "ESIGN_FAULT_HIDE_MECHANISM": hidden, "ESIGN_FAULT_LOG": log,
                ])
            try #require(run.status == 0, "\(run.combined)")
            let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
                .filter { $0.hasPrefix("C_SignInit") }
            #expect(calls.last == "C_SignInit mechanism=\(mechanism)", "\(calls)")
            let verify = try esign(["verify", output, "--trust", pki.rootPath])
            #expect(verify.status == 0 && verify.stdout.contains("RSASSA-PSS (SHA256, MGF1 SHA256, salt 32)"))
            let pyhanko = try Peers.pyhankoValidate(output, trust: pki.rootPath)
            #expect(pyhanko.stdout.contains("INTACT:TRUSTED,UNTOUCHED"), "\(pyhanko.combined)")
        }
        let output = dir.appendingPathComponent("refused.pdf").path
        let refused = try esign(
            [
                "sign", input, "-o", output, "--rsa-pss", "--pkcs11", tokens.uri("province-official", module: module),
                "--pin-file", tokens.pinFile,
            ],
            environment: ["ESIGN_FAULT_MODULE": tokens.module, "ESIGN_FAULT_HIDE_MECHANISM": "0xd,0x43"])
        #expect(
            refused.status == 77 && refused.stderr.contains("cannot make RSASSA-PSS signatures"), "\(refused.combined)")
        #expect(refused.stderr.contains("CKM_RSA_PKCS_PSS"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("The binding's RSASSA-PSS and raw mechanisms give signatures the certificate verifies")
    func bindingMechanisms() throws {
        setenv("SOFTHSM2_CONF", tokens.environment["SOFTHSM2_CONF"]!, 1)
        let pin = Secret(tokens.pin)
        for (object, pss) in [("province-official", true), ("official-rsa3072", false), ("official-p256", false)] {
            let key = try TokenKey.open(uri: PKCS11URI(parsing: tokens.uri(object))) { _ in pin }
            for algorithm in DigestAlgorithm.allCases {
                let digest = try Digest.hash(Random.bytes(100), algorithm)
                if pss && algorithm.isSHA3 {
                    // SoftHSM 2 has no SHA-3 in its PSS parameters: refused with the reason.
                    #expect {
                        try key.signPSS(digest: digest, message: nil, algorithm: algorithm)
                    } throws: { "\($0)".contains("refuses RSASSA-PSS parameters with \(algorithm.rawValue)") }
                    continue
                }
                let signature = try key.signDigest(digest, algorithm: algorithm, pss: pss)
                #expect(key.certificate.verifies(signature: signature, digest: digest, algorithm: algorithm, pss: pss))
                if object != "official-p256" {
                    #expect(
                        !key.certificate.verifies(signature: signature, digest: digest, algorithm: algorithm, pss: !pss)
                    )
                }
            }
        }
    }

    @Test("PKCS#11 URIs: RFC 7512 percent-encoding, ids as bytes, the text esign prints parses back")
    func uris() throws {
        let uri = try PKCS11URI(
            parsing: "pkcs11:token=UBND%20t%E1%BB%89nh;object=con%20d%E1%BA%A5u;id=%01%a2;type=private"
                + "?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin")
        #expect(uri.token == "UBND tỉnh" && uri.object == "con dấu" && uri.id == [0x01, 0xA2])
        #expect(uri.modulePath == "/usr/lib/softhsm/libsofthsm2.so" && uri.pinSource == "file:/run/pin")
        #expect(try PKCS11URI(parsing: uri.description) == uri)
        for bad in ["pkcs12:token=x", "pkcs11:token", "pkcs11:id=%zz", "pkcs11:type=magic", "pkcs11:slot-id=x"] {
            #expect(throws: PKCS11Error.self) { try PKCS11URI(parsing: bad) }
        }
    }

    @Test("esign attach signs with the agency seal on a token")
    func attachWithTokenSeal() throws {
        let dir = Fixtures.temporaryDirectory("esign-token-attach")
        let input = try decision(dir)
        let output = dir.appendingPathComponent("attached.pdf").path
        let run = try esign([
            "attach", input, "-o", output, "--main-number", "01/QĐ-UBND", "--seal-pkcs11",
            tokens.uri("province-seal", token: SoftHSMTokens.sealToken), "--pin-file", tokens.pinFile,
        ])
        try #require(run.status == 0, "\(run.combined)")
        let pdfsig = try Peers.pdfsig(output)
        #expect(pdfsig.stdout.contains("Signature is Valid."), "\(pdfsig.combined)")
    }

    @Test("A token that allows one session at a time still signs a whole batch")
    func oneSessionAtATime() throws {
        let module = try SoftHSMTokens.faultyModule.get()
        let (inputs, out, _) = try batch(40, "esign-token-serial")
        let run = try esign(
            ["sign"] + inputs + [
                "--out-dir", out, "--pkcs11", tokens.uri("official-p256", module: module),
                "--pin-file", tokens.pinFile,
            ],
            environment: ["ESIGN_FAULT_MODULE": tokens.module, "ESIGN_FAULT_MAX_SESSIONS": "1"])
        #expect(run.status == 0, "\(run.combined)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).count == 40)
    }

    @Test("A token pulled out mid-batch: every file is signed or reported, none half-written")
    func tokenRemovedMidBatch() throws {
        let module = try SoftHSMTokens.faultyModule.get()
        let (inputs, out, dir) = try batch(60, "esign-token-removed")
        let log = dir.appendingPathComponent("calls.log").path
        let run = try esign(
            ["sign"] + inputs + [
                "--out-dir", out, "--pkcs11", tokens.uri("province-official", module: module),
                "--pin-file", tokens.pinFile,
            ],
            environment: ["ESIGN_FAULT_MODULE": tokens.module, "ESIGN_FAULT_SIGN_LIMIT": "21", "ESIGN_FAULT_LOG": log])
        #expect(run.status == 1, "\(run.combined)")
        let written = try FileManager.default.contentsOfDirectory(atPath: out)
        let signatures = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter {
            $0 == "C_Sign"
        }
        #expect(written.count == signatures.count - 1, "one output per signature the token made")
        #expect(written.allSatisfy { $0.hasSuffix(".pdf") }, "no temporary file left: \(written)")
        for input in inputs {
            let name = URL(fileURLWithPath: input).lastPathComponent
            let reported = run.stderr.contains("\(input): signing failed") && run.stderr.contains("cannot be reached")
            #expect(written.contains(name) != reported, "\(name) is either signed or reported")
        }
        let verify = try esign(["verify", out, "--trust", pki.rootPath])
        #expect(verify.status == 0 && verify.stdout.contains("\(written.count) passed"), "\(verify.stdout.suffix(300))")
    }

    @Test("A wrong PIN costs exactly one try and is never retried; the token's report is passed on")
    func wrongPINCostsOneTry() throws {
        let spy = try SoftHSMTokens.spyModule()
        let dir = Fixtures.temporaryDirectory("esign-token-pin")
        let input = try decision(dir)
        let output = dir.appendingPathComponent("out.pdf").path
        let wrong = dir.appendingPathComponent("wrong-pin.txt").path
        try "000000\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("spy.log").path
        let run = try esign(
            [
                "sign", input, "-o", output, "--pkcs11", tokens.uri("province-official", module: spy), "--pin-file",
                wrong,
            ],
            environment: ["PKCS11SPY": tokens.module, "PKCS11SPY_OUTPUT": log])
        #expect(run.status == 77, "\(run.combined)")
        #expect(run.stderr.contains("wrong PIN for token \"\(SoftHSMTokens.officialToken)\""))
        #expect(!run.combined.contains("000000"), "the PIN never appears in a message")
        let logins = try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: "C_Login").count - 1
        #expect(logins == 1, "pkcs11-spy saw \(logins) C_Login calls")
        #expect(!FileManager.default.fileExists(atPath: output))

        // On a token that reports its final try, the message says so.
        let faulty = try SoftHSMTokens.faultyModule.get()
        let final = try esign(
            [
                "sign", input, "-o", output, "--pkcs11", tokens.uri("province-official", module: faulty), "--pin-file",
                wrong,
            ],
            environment: ["ESIGN_FAULT_MODULE": tokens.module, "ESIGN_FAULT_TOKEN_FLAGS": "0x20000"])
        #expect(final.status == 77 && final.stderr.contains("one try left before it locks"), "\(final.combined)")
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        let name: String
        /// (tokens, faulty module) → URI.
        let uri: @Sendable (SoftHSMTokens, String) -> String
        var environment: [String: String] = [:]
        var pin = true
        let status: Int32
        let message: String
        var testDescription: String { name }
    }

    static let badInputs: [BadInput] = [
        BadInput(
            name: "locked PIN (no login tried)", uri: { $0.uri("province-official", module: $1) },
            environment: ["ESIGN_FAULT_TOKEN_FLAGS": "0x40000"], status: 77, message: "is locked"),
        BadInput(
            name: "no such token", uri: { t, _ in t.uri("seal", token: "UBND tinh Khong Co") }, status: 69,
            message: "no token matches"),
        BadInput(
            name: "not a PKCS#11 module",
            uri: { _, _ in "pkcs11:object=x?module-path=/usr/lib/x86_64-linux-gnu/libz.so.1" },
            status: 69, message: "is not a"),
        BadInput(
            name: "no module there", uri: { _, _ in "pkcs11:object=x?module-path=/nonexistent/libtoken.so" },
            status: 69,
            message: "no PKCS#11 module at"),
        BadInput(
            name: "no key matches", uri: { t, _ in t.uri("ke-toan") }, status: 77, message: "object=official-p256"),
        BadInput(name: "several keys match", uri: { t, _ in t.uri(nil) }, status: 77, message: "3 private keys"),
        BadInput(
            name: "CKA_SIGN false", uri: { t, _ in t.uri("nosign", token: SoftHSMTokens.faultsToken) }, status: 77,
            message: "may not sign (CKA_SIGN is false)"),
        BadInput(
            name: "no certificate", uri: { t, _ in t.uri("nocert", token: SoftHSMTokens.faultsToken) }, status: 77,
            message: "no certificate on token"),
        BadInput(
            name: "no PIN and no terminal", uri: { t, _ in t.uri("province-official") }, pin: false, status: 77,
            message: "needs its PIN"),
        BadInput(
            name: "a PIN inside the URI", uri: { t, _ in t.uri("province-official") + "&pin-value=1234" }, status: 64,
            message: "pin-value"),
        BadInput(
            name: "an attribute esign does not know",
            uri: { t, _ in t.uri("province-official").replacingOccurrences(of: "?", with: ";colour=red?") },
            status: 64, message: "\"colour\""),
    ]

    @Test("Bad tokens, keys and URIs: a specific error, a documented exit code, no output", arguments: badInputs)
    func badInput(_ bad: BadInput) throws {
        let faulty = try SoftHSMTokens.faultyModule.get()
        let dir = Fixtures.temporaryDirectory("esign-token-bad")
        let input = try decision(dir)
        let output = dir.appendingPathComponent("out.pdf").path
        var arguments = ["sign", input, "-o", output, "--pkcs11", bad.uri(tokens, faulty)]
        if bad.pin { arguments += ["--pin-file", tokens.pinFile] }
        let run = try esign(
            arguments, environment: bad.environment.merging(["ESIGN_FAULT_MODULE": tokens.module]) { $1 })
        #expect(run.status == bad.status, "\(run.combined)")
        #expect(run.stderr.contains(bad.message), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(!run.combined.contains(tokens.pin), "the PIN never appears in a message")
    }
}
