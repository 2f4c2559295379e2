import ESign
import ESignTestSupport
import Foundation
import Testing

/// Protected PDFs as agencies receive them: encrypted by qpdf with RC4 (40 and 128 bits),
/// AES-128 and AES-256, with an owner password only or a user password too; signed by esign and
/// by pyHanko; checked by qpdf (still encrypted, same permissions), pdfsig and pyHanko; an edit
/// after signing, written encrypted as the document is, caught.
@Suite("Encrypted PDFs")
struct EncryptedPDFTests {
    let pki = Fixtures.pki
    static let sample = Fixtures.packageRoot.appendingPathComponent("samples/decision.pdf").path
    static let signScript = Fixtures.packageRoot.appendingPathComponent("Tests/Scripts/pyhanko_sign_encrypted.py").path
    static let pubkeyScript = Fixtures.packageRoot.appendingPathComponent("Tests/Scripts/pyhanko_pubkey.py").path

    /// qpdf's --encrypt arguments for each case, and the user password it sets.
    static let cases: [String: (arguments: [String], user: String)] = [
        "rc4-40": (["--allow-weak-crypto", "--encrypt", "", "chủ-sở-hữu", "40", "--"], ""),
        "rc4-128": (["--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"], ""),
        "aes-128": (["--encrypt", "", "owner", "128", "--use-aes=y", "--"], ""),
        "aes-256": (["--encrypt", "", "owner", "256", "--"], ""),
        "aes-256-user": (["--encrypt", "mật khẩu", "owner", "256", "--"], "mật khẩu"),
        "rc4-128-user": (["--allow-weak-crypto", "--encrypt", "user", "owner", "128", "--use-aes=n", "--"], "user"),
    ]

    func encrypt(_ name: String, in dir: URL, extra: [String] = []) throws -> String {
        let output = dir.appendingPathComponent("\(name).pdf").path
        let (arguments, _) = Self.cases[name]!
        var args = arguments
        args.insert(contentsOf: extra, at: args.count - 1)
        let run = try Peers.run("qpdf", args + [Self.sample, output])
        try #require(run.status == 0, "\(run.combined)")
        return output
    }

    /// qpdf's account of the encryption: revision and permissions lines, whatever the password.
    func encryption(_ path: String, password: String) throws -> [String] {
        let run = try Peers.run("qpdf", ["--password=\(password)", "--show-encryption", path])
        return run.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("User password") }
    }

    func verifyJSON(
        _ path: String, password: String? = nil, recipient: [String] = []
    ) throws -> (Peers.Output, [String: Any]) {
        var environment = ProcessInfo.processInfo.environment
        if let password { environment["ESIGN_PDF_PASSWORD"] = password }
        let run = try Peers.run(
            try Peers.esignBinary(),
            ["verify", path, "--trust", pki.rootPath, "--trust", pki.chainPath, "--offline", "--json"] + recipient,
            environment: environment)
        let json = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]) ?? [:]
        return (run, json)
    }

    /// An incremental update, written encrypted with the document's key as any editor would, that
    /// replaces the first page's content after signing.
    func editAfterSigning(_ path: String, password: String, recipients: [PDFRecipient] = []) throws -> String {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let document = try PDFDocument(source: MemoryByteSource(bytes))
        try PDFSecurity.open(document, with: PDFCredentials(passwords: [Secret(password)], recipients: recipients))
        let encryptor = try #require(PDFSecurity.decryptor(of: document))
        var update = try IncrementalUpdate(document: document)
        let page = try document.pageReference(at: 0)
        var dictionary = try #require(try document.object(page).dictionary)
        let content = update.allocate()
        let text = Array("BT /F1 24 Tf 72 720 Td (Da sua sau khi ky) Tj ET".utf8)
        update.set(content, .stream(PDFStream(dictionary: PDFDictionary(), data: .bytes(text))))
        dictionary["Contents"] = .reference(content)
        update.set(page, .dictionary(dictionary))
        try update.encryptObjects(with: encryptor)
        let edited = path + ".edited.pdf"
        try Data(bytes + update.serialize().bytes).write(to: URL(fileURLWithPath: edited))
        return edited
    }

    @Test(
        "qpdf-encrypted documents signed by esign: still encrypted alike, valid in pyHanko, pdfsig and esign",
        arguments: ["rc4-40", "rc4-128", "aes-128", "aes-256", "aes-256-user", "rc4-128-user"])
    func signedByEsign(_ name: String) throws {
        let dir = Fixtures.temporaryDirectory("esign-encrypted-\(name)")
        let input = try encrypt(name, in: dir)
        let user = Self.cases[name]!.user
        let passwordFile = dir.appendingPathComponent("pdf-password.txt").path
        try (user + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("\(name).signed.pdf").path
        let official = pki.signers["province-official"]!
        var arguments = [
            "sign", input, "-o", output, "--p12", official.pkcs12Path, "--password-file", pki.passwordPath,
            "--reason", "Phê duyệt",
        ]
        if !user.isEmpty { arguments += ["--pdf-password-file", passwordFile] }
        let sign = try Peers.esign(arguments)
        try #require(sign.status == 0, "\(sign.combined)")
        #expect(try encryption(output, password: user) == (try encryption(input, password: user)))
        #expect(try encryption(output, password: user).contains { $0.hasPrefix("R = ") })
        let check = try Peers.run("qpdf", ["--password=\(user)", "--check", output])
        #expect(check.status == 0, "\(check.combined)")
        let pdfsig = try Peers.run("pdfsig", user.isEmpty ? [output] : ["-upw", user, output])
        #expect(pdfsig.stdout.contains("Signature is Valid"), "\(pdfsig.combined)")
        let pyhanko = try Peers.run(
            "pyhanko",
            ["sign", "validate", "--trust", pki.rootPath, "--other-certs", pki.chainPath, "--trust-replace"]
                + (user.isEmpty ? [] : ["--password", user]) + [output])
        #expect(pyhanko.status == 0 && pyhanko.stdout.contains("INTACT:TRUSTED,UNTOUCHED"), "\(pyhanko.combined)")
        let (verified, report) = try verifyJSON(output, password: user.isEmpty ? nil : user)
        #expect(verified.status == 0 && report["indication"] as? String == "TOTAL-PASSED", "\(verified.combined)")
        let summary = try #require(report["encryption"] as? [String: Any], "\(report)")
        #expect(summary["handler"] as? String == "Standard")
        #expect(
            summary["opened_with"] as? String == (user.isEmpty ? "empty user password" : "user password"), "\(summary)")
        let edited = try editAfterSigning(output, password: user)
        let (after, afterReport) = try verifyJSON(edited, password: user.isEmpty ? nil : user)
        #expect(after.status == 1 && afterReport["indication"] as? String == "TOTAL-FAILED", "\(after.combined)")
        // The fuzzer reads encrypted documents too (.ci/run seeds it with these).
        if let seeds = ProcessInfo.processInfo.environment["ESIGN_VARIANT_SEEDS"] {
            try? FileManager.default.createDirectory(atPath: seeds, withIntermediateDirectories: true)
            for (path, kind) in [(input, "plain"), (output, "signed"), (edited, "edited")] {
                try? FileManager.default.copyItem(atPath: path, toPath: seeds + "/encrypted-\(name)-\(kind).pdf")
            }
        }
    }

    @Test("pyHanko's signatures on encrypted documents verify in esign; an edit after signing is TOTAL-FAILED")
    func signedByPyHanko() throws {
        for name in ["rc4-128", "aes-128", "aes-256", "aes-256-user"] {
            let dir = Fixtures.temporaryDirectory("esign-encrypted-pyhanko-\(name)")
            let input = try encrypt(name, in: dir)
            let user = Self.cases[name]!.user
            let output = dir.appendingPathComponent("\(name).pyhanko.pdf").path
            let official = pki.signers["province-official"]!
            let made = try Peers.run(
                "python3",
                [Self.signScript, input, output, official.keyPath, official.certificatePath, pki.passwordPath]
                    + (user.isEmpty ? [] : ["--password", user]))
            try #require(made.status == 0, "\(made.combined)")
            let (verified, report) = try verifyJSON(output, password: user.isEmpty ? nil : user)
            #expect(report["indication"] as? String == "TOTAL-PASSED", "\(name): \(verified.combined)")
            let edited = try editAfterSigning(output, password: user)
            let (_, afterReport) = try verifyJSON(edited, password: user.isEmpty ? nil : user)
            #expect(afterReport["indication"] as? String == "TOTAL-FAILED", "\(name): \(afterReport)")
        }
    }

    /// Every encrypted file of pyHanko's corpus in the shared corpus (minimal-rc4 and minimal-aes256
    /// today; any -pubkey-, -malformed- or other encrypted one added later is taken up too): esign
    /// opens or refuses it as pyHanko does (with its corpus's user password, and no recipient key:
    /// pyHanko's test keys are not shared), and signs what opens.
    @Test("pyHanko's own encrypted test files: opened or refused as pyHanko does; esign signs them, pyHanko validates")
    func pyHankoCorpus() throws {
        let dir = Fixtures.temporaryDirectory("esign-encrypted-corpus")
        let passwordFile = dir.appendingPathComponent("user.txt").path
        try "usersecret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let official = pki.signers["province-official"]!
        let folder = Fixtures.corpus.appendingPathComponent("pyhanko")
        let encrypted = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { name in ["rc4", "aes", "pubkey", "encrypt"].contains { name.contains($0) } }
            .map { String($0.dropLast(4)) }.sorted()
        #expect(encrypted.contains("minimal-rc4") && encrypted.contains("minimal-aes256"), "\(encrypted)")
        for name in encrypted {
            let input = folder.appendingPathComponent("\(name).pdf").path
            let judged = try pyHankoJudgement(input)
            let (_, opened) = try verifyJSON(input, password: "usersecret")
            #expect(
                (opened["encryption"] != nil) == (judged["opened"] as? Bool == true), "\(name): \(judged), \(opened)")
            guard judged["opened"] as? Bool == true else { continue }
            let output = dir.appendingPathComponent("\(name).signed.pdf").path
            let sign = try Peers.esign([
                "sign", input, "-o", output, "--p12", official.pkcs12Path, "--password-file", pki.passwordPath,
                "--pdf-password-file", passwordFile,
            ])
            try #require(sign.status == 0, "\(sign.combined)")
            let pyhanko = try Peers.run(
                "pyhanko",
                [
                    "sign", "validate", "--password", "usersecret", "--trust", pki.rootPath, "--other-certs",
                    pki.chainPath, "--trust-replace", output,
                ])
            #expect(pyhanko.stdout.contains("INTACT:TRUSTED,UNTOUCHED"), "\(name): \(pyhanko.combined)")
            let (verified, report) = try verifyJSON(output, password: "usersecret")
            #expect(report["indication"] as? String == "TOTAL-PASSED", "\(name): \(verified.combined)")
            #expect(try encryption(output, password: "usersecret") == (try encryption(input, password: "usersecret")))
        }
    }

    /// pyHanko's certificate-encrypted variants of the sample (and the damaged ones) in `dir`, for
    /// `recipient`, with `other` as the recipient that is not us; `dir/manifest.json` lists them.
    func makePubkeyVariants(in dir: URL, for recipient: DemoPKI.Entity, other: DemoPKI.Entity) throws {
        let made = try Peers.run(
            "python3",
            [Self.pubkeyScript, "make", dir.path, Self.sample, recipient.certificatePath, other.certificatePath])
        try #require(made.status == 0, "\(made.combined)")
    }

    /// What pyHanko makes of a document: whether it opens, and its verdict on each signature.
    func pyHankoJudgement(_ path: String, key: DemoPKI.Entity? = nil) throws -> [String: Any] {
        var arguments = [
            Self.pubkeyScript, "judge", path, "--password", "usersecret", "--trust", pki.rootPath, "--other-certs",
            pki.chainPath,
        ]
        if let key {
            arguments += ["--key", key.keyPath, "--cert", key.certificatePath, "--key-password-file", pki.passwordPath]
        }
        let run = try Peers.run("python3", arguments)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.combined)")
    }

    /// Certificate security (adbe.pkcs7.s4/s5; RC4, AES-128, AES-256; OAEP; several recipients) and
    /// damaged /Encrypt dictionaries in the shapes of pyHanko's corpus.
    @Test("certificate security and damaged /Encrypt dictionaries: esign opens, refuses and signs as pyHanko does")
    func certificateSecurity() throws {
        let dir = Fixtures.temporaryDirectory("esign-encrypted-pubkey")
        let official = pki.signers["province-official"]!
        let other = pki.signers["district-official"]!
        try makePubkeyVariants(in: dir, for: official, other: other)
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
                as? [String: [String: Any]])
        let names = manifest.keys.filter { manifest[$0]?["made"] as? Bool == true }.sorted()
        #expect(names.count >= 19, "pyHanko made too few variants: \(manifest)")
        let recipient = ["--recipient-p12", official.pkcs12Path, "--recipient-password-file", pki.passwordPath]
        var opened = 0
        for name in names {
            let input = dir.appendingPathComponent("\(name).pdf").path
            let pyhanko = try pyHankoJudgement(input, key: official)
            let pyhankoOpened = pyhanko["opened"] as? Bool == true
            let (verified, report) = try verifyJSON(input, password: "usersecret", recipient: recipient)
            let esignOpened = report["encryption"] != nil
            #expect(
                esignOpened == pyhankoOpened,
                "\(name): pyHanko \(pyhanko), esign \(verified.status) \(verified.stdout.prefix(400))")
            let output = dir.appendingPathComponent("\(name).signed.pdf").path
            let sign = try Peers.esign([
                "sign", input, "-o", output, "--p12", official.pkcs12Path, "--password-file", pki.passwordPath,
            ])
            guard pyhankoOpened, !name.hasSuffix("no-signing") else {
                // Refused as pyHanko refuses to open it, or because its recipient may not sign: no output.
                #expect(
                    [65, 77].contains(sign.status) && sign.stderr.contains("esign: error"), "\(name): \(sign.combined)")
                #expect(!FileManager.default.fileExists(atPath: output), "\(name)")
                continue
            }
            opened += 1
            try #require(sign.status == 0, "\(name): \(sign.combined)")
            let judged = try pyHankoJudgement(output, key: official)
            let signatures = judged["signatures"] as? [[String: Any]] ?? []
            #expect(
                signatures.count == 1 && signatures[0]["intact"] as? Bool == true
                    && signatures[0]["valid"] as? Bool == true && signatures[0]["trusted"] as? Bool == true,
                "\(name): pyHanko on esign's signature: \(judged)")
            let (after, afterReport) = try verifyJSON(output, recipient: recipient)
            #expect(afterReport["indication"] as? String == "TOTAL-PASSED", "\(name): \(after.combined)")
            let summary = afterReport["encryption"] as? [String: Any] ?? [:]
            #expect((summary["handler"] as? String)?.hasPrefix("Adobe.PubSec") == true || !name.hasPrefix("pubkey"))
            // Without the recipient's key the signed document does not open: exit 77, needs a key.
            if name.hasPrefix("pubkey") {
                let (locked, _) = try verifyJSON(output)
                #expect(locked.status == 77, "\(name): \(locked.combined)")
                let edited = try editAfterSigning(
                    output, password: "",
                    recipients: [PDFRecipient(certificate: official.certificate, key: official.privateKey)])
                let (_, editedReport) = try verifyJSON(edited, recipient: recipient)
                #expect(editedReport["indication"] as? String == "TOTAL-FAILED", "\(name): \(editedReport)")
            }
            if let seeds = ProcessInfo.processInfo.environment["ESIGN_VARIANT_SEEDS"] {
                try? FileManager.default.copyItem(atPath: output, toPath: seeds + "/encrypted-\(name)-signed.pdf")
            }
        }
        #expect(opened >= 8, "too few variants opened: \(opened)")

        // pyHanko's own signature on a certificate-encrypted document verifies in esign.
        let pyhankoSigned = dir.appendingPathComponent("pyhanko-signed.pdf").path
        let signed = try Peers.run(
            "python3",
            [
                Self.pubkeyScript, "sign", dir.appendingPathComponent("pubkey-s5-aes256.pdf").path, pyhankoSigned,
                official.keyPath, official.certificatePath, pki.passwordPath, "--decrypt-key", official.keyPath,
                "--decrypt-cert", official.certificatePath,
            ])
        try #require(signed.status == 0, "\(signed.combined)")
        let (verified, report) = try verifyJSON(pyhankoSigned, recipient: recipient)
        #expect(report["indication"] as? String == "TOTAL-PASSED", "\(verified.combined)")
    }

    @Test("a certificate-encrypted document opened with the recipient's key on a token (PKCS#11 C_Decrypt)")
    func certificateSecurityOnToken() throws {
        let tokens = try SoftHSMTokens.get()
        let dir = Fixtures.temporaryDirectory("esign-encrypted-pubkey-token")
        let official = pki.signers["province-official"]!
        try makePubkeyVariants(in: dir, for: official, other: pki.signers["district-official"]!)
        let input = dir.appendingPathComponent("pubkey-s5-aes256.pdf").path
        let output = dir.appendingPathComponent("signed.pdf").path
        var environment = tokens.environment
        environment["ESIGN_PIN"] = tokens.pin
        let sign = try Peers.esign(
            ["sign", input, "-o", output, "--pkcs11", tokens.uri("province-official")], environment: environment)
        try #require(sign.status == 0, "\(sign.combined)")
        let verify = try Peers.esign(
            [
                "verify", output, "--trust", pki.rootPath, "--offline", "--recipient-pkcs11",
                tokens.uri("province-official"),
            ], environment: environment)
        #expect(verify.status == 0 && verify.stdout.contains("TOTAL-PASSED"), "\(verify.combined)")
        let judged = try pyHankoJudgement(output, key: official)
        #expect(
            (judged["signatures"] as? [[String: Any]])?.first?["intact"] as? Bool == true, "\(judged)")
    }

    /// Archives keep protected documents too: B-LTA written encrypted with the document's key.
    @Test(
        "B-LTA on encrypted documents (AES-256 owner-only, a user password, certificate security): valid offline later")
    func longTermEncrypted() throws {
        let ltv = try LongTermPKI()
        defer { ltv.stop() }
        let dir = Fixtures.temporaryDirectory("esign-encrypted-lta")
        let (p12, passwordFile) = try ltv.identity()
        let official = ltv.pki.signers["province-official"]!
        try makePubkeyVariants(in: dir, for: official, other: ltv.pki.signers["district-official"]!)
        let userFile = dir.appendingPathComponent("user.txt").path
        try "mật khẩu\n".write(toFile: userFile, atomically: true, encoding: .utf8)
        let key = ["--p12", p12, "--password-file", passwordFile]
        var outputs: [(name: String, path: String, user: String?)] = []
        for name in ["aes-256", "aes-256-user", "pubkey"] {
            let input =
                name == "pubkey" ? dir.appendingPathComponent("pubkey-s5-aes256.pdf").path : try encrypt(name, in: dir)
            let user = name == "aes-256-user" ? "mật khẩu" : nil
            let output = dir.appendingPathComponent("\(name).lta.pdf").path
            let password = user == nil ? [] : ["--pdf-password-file", userFile]
            if name == "aes-256-user" {
                // Signed B-T first, then raised to B-LTA by `esign ltv extend` with the password.
                let plain = dir.appendingPathComponent("\(name).bt.pdf").path
                let sign = try Peers.esign(["sign", input, "-o", plain, "--tsa", ltv.tsaURL] + key + password)
                try #require(sign.status == 0, "\(sign.combined)")
                let missing = try Peers.esign(["ltv", "extend", plain, "-o", output, "--tsa", ltv.tsaURL])
                #expect(missing.status == 77 && !FileManager.default.fileExists(atPath: output), "\(missing.combined)")
                let extend = try Peers.esign(["ltv", "extend", plain, "-o", output, "--tsa", ltv.tsaURL] + password)
                try #require(extend.status == 0, "\(extend.combined)")
            } else {
                let sign = try Peers.esign(
                    ["sign", input, "-o", output, "--tsa", ltv.tsaURL, "--level", "B-LTA"] + key + password)
                try #require(sign.status == 0 && sign.stdout.contains("PAdES B-LTA"), "\(sign.combined)")
            }
            if name != "pubkey" {
                #expect(try encryption(output, password: user ?? "") == (try encryption(input, password: user ?? "")))
                let check = try Peers.run("qpdf", ["--password=\(user ?? "")", "--check", output])
                #expect(check.status == 0, "\(name): \(check.combined)")
            }
            outputs.append((name, output, user))
        }
        ltv.goOffline()
        let later = LongTermPKI.daysAhead(10)
        for (name, output, user) in outputs {
            var environment = ProcessInfo.processInfo.environment
            if let user { environment["ESIGN_PDF_PASSWORD"] = user }
            let recipient =
                name == "pubkey" ? ["--recipient-p12", p12, "--recipient-password-file", passwordFile] : []
            let run = try Peers.run(
                try Peers.esignBinary(),
                ["verify", output, "--trust", ltv.pki.rootPath, "--offline", "--at", later, "--json"] + recipient,
                environment: environment)
            let report = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]) ?? [:]
            #expect(report["indication"] as? String == "TOTAL-PASSED", "\(name): \(run.combined)")
            let levels = (report["signatures"] as? [[String: Any]] ?? []).compactMap { $0["level"] as? String }
            #expect(levels == ["B-LTA"], "\(name): \(levels)")
            #expect(report["encryption"] != nil, "\(name)")
            if name != "pubkey" {
                let pyhanko = try Peers.run(
                    "pyhanko",
                    [
                        "sign", "adesverify", "--password", user ?? "", "--trust", ltv.pki.rootPath, "--trust-replace",
                        "--validation-time", later, output,
                    ])
                #expect(pyhanko.stdout.contains("INTACT:TRUSTED"), "\(name): \(pyhanko.combined)")
            }
        }
    }

    /// Damaged /Encrypt dictionaries: each value that the keys are derived from or checked against,
    /// changed in place (same length, so the file's offsets still hold).
    static func damaged(_ bytes: [UInt8]) -> [(String, [UInt8])] {
        var cases: [(String, [UInt8])] = []
        if let p = bytes.firstRange(of: Array("/P -4".utf8)) {
            var copy = bytes
            copy[p.upperBound - 1] = UInt8(ascii: "8")
            cases.append(("/P", copy))
        }
        for key in ["/O <", "/U <", "/OE <", "/UE <", "/Perms <", "/O (", "/U ("] {
            guard let range = bytes.firstRange(of: Array(key.utf8)) else { continue }
            var copy = bytes
            let at = range.upperBound + 3
            copy[at] = copy[at] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            cases.append((key, copy))
        }
        if let v = bytes.firstRange(of: Array("/V 5".utf8)) {
            var copy = bytes
            copy[v.upperBound - 1] = UInt8(ascii: "9")
            cases.append(("/V 9", copy))
        }
        return cases
    }

    @Test("damaged /Encrypt dictionaries: a clear refusal (65 or 77) and no output, or a sound signature")
    func damagedEncryption() throws {
        let dir = Fixtures.temporaryDirectory("esign-encrypted-damaged")
        let official = pki.signers["province-official"]!
        var count = 0
        for name in ["aes-256", "rc4-128", "aes-128"] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try encrypt(name, in: dir))))
            for (label, damaged) in Self.damaged(bytes) {
                count += 1
                let path = dir.appendingPathComponent("\(name)-\(count).pdf").path
                try Data(damaged).write(to: URL(fileURLWithPath: path))
                let output = path + ".signed.pdf"
                let sign = try Peers.esign([
                    "sign", path, "-o", output, "--p12", official.pkcs12Path, "--password-file", pki.passwordPath,
                ])
                if sign.status == 0 {
                    // Only what the empty user password does not depend on was damaged (the owner's
                    // /O, /OE of AES-256): the document opens as any reader opens it, and the signature holds.
                    let (verified, report) = try verifyJSON(output)
                    #expect(report["indication"] as? String == "TOTAL-PASSED", "\(name) \(label): \(verified.combined)")
                    #expect(["/O <", "/OE <"].contains(label), "\(name) \(label) was signed over")
                } else {
                    #expect(
                        [65, 77].contains(sign.status) && sign.stderr.contains("esign: error"),
                        "\(name) \(label): \(sign.combined)")
                    #expect(!FileManager.default.fileExists(atPath: output), "\(name) \(label)")
                    let verify = try Peers.esign(["verify", path, "--trust", pki.rootPath])
                    #expect([1, 2, 77].contains(verify.status), "\(name) \(label): \(verify.combined)")
                }
            }
        }
        #expect(count >= 12, "too few damaged variants: \(count)")
    }

    @Test("a missing or wrong password: exit 77 and no output; permissions that forbid signing need the owner's")
    func passwordsAndPermissions() throws {
        let dir = Fixtures.temporaryDirectory("esign-encrypted-passwords")
        let protected = try encrypt("aes-256-user", in: dir)
        let official = pki.signers["province-official"]!
        let key = ["--p12", official.pkcs12Path, "--password-file", pki.passwordPath]
        let output = dir.appendingPathComponent("out.pdf").path
        let wrong = dir.appendingPathComponent("wrong.txt").path
        try "sai mật khẩu\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        for extra in [[String](), ["--pdf-password-file", wrong]] {
            let sign = try Peers.esign(["sign", protected, "-o", output] + key + extra)
            #expect(sign.status == 77 && sign.stderr.contains("password"), "\(sign.combined)")
            #expect(!sign.combined.contains("sai mật khẩu"), "the password must never be shown")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
        let verify = try Peers.esign(["verify", protected, "--trust", pki.rootPath, "--json"])
        #expect(verify.status == 77 && verify.stdout.contains("\"needs_password\":true"), "\(verify.combined)")

        // Owner-only protection that forbids annotations and form filling.
        let locked = dir.appendingPathComponent("locked.pdf").path
        let made = try Peers.run(
            "qpdf",
            [
                "--encrypt", "", "quyền-chủ", "256", "--annotate=n", "--form=n", "--modify=none", "--", Self.sample,
                locked,
            ])
        try #require(made.status == 0, "\(made.combined)")
        let refused = try Peers.esign(["sign", locked, "-o", output] + key)
        #expect(refused.status == 77 && refused.stderr.contains("forbid"), "\(refused.combined)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let owner = dir.appendingPathComponent("owner.txt").path
        try "quyền-chủ\n".write(toFile: owner, atomically: true, encoding: .utf8)
        let signed = try Peers.esign(["sign", locked, "-o", output, "--pdf-password-file", owner] + key)
        #expect(signed.status == 0, "\(signed.combined)")
        #expect(try encryption(output, password: "") == (try encryption(locked, password: "")))
        let (verified, report) = try verifyJSON(output)
        #expect(report["indication"] as? String == "TOTAL-PASSED", "\(verified.combined)")
    }
}
