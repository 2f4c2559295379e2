import ESign
import ESignTestSupport
import Foundation
import Testing

/// `esign trust`: a folder of anchors checked against pinned fingerprints; `esign verify` trusts
/// it and names the anchor a chain ended at.
@Suite("Trust store")
struct TrustStoreTests {
    let pki = Fixtures.pki

    /// A pins file naming the demo root under `test-root` with its fingerprint.
    func pinsFile(in dir: URL, fingerprint: String) throws -> String {
        let path = dir.appendingPathComponent("pins.json").path
        let pins = [
            [
                "id": "test-root", "name": "esign demo root", "operated_by": "the tests", "sha256": fingerprint,
                "source": "made by the test",
            ]
        ]
        try JSONSerialization.data(withJSONObject: pins).write(to: URL(fileURLWithPath: path))
        return path
    }

    func signedNotice(in dir: URL) throws -> String {
        let output = dir.appendingPathComponent("signed.pdf").path
        let signer = pki.signers["province-official"]!
        let signed = try Peers.esign([
            "sign", Fixtures.samples.appendingPathComponent("notice.pdf").path, "-o", output, "--p12",
            signer.pkcs12Path,
            "--password-file", pki.passwordPath,
        ])
        try #require(signed.status == 0, "\(signed.combined)")
        return output
    }

    func verify(_ pdf: String, store: String) throws -> (Int32, [String: Any]) {
        let run = try Peers.esign(["verify", pdf, "--trust-store", store, "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
        return (run.status, report)
    }

    @Test("A pinned name takes only its root; the added root verifies, names the anchor; removed, INDETERMINATE")
    func pinnedAddVerifyRemove() throws {
        let dir = Fixtures.temporaryDirectory("trust-store")
        let store = dir.appendingPathComponent("store").path
        let rootSHA = TrustStore.fingerprint(pki.root.certificate)
        let pins = try pinsFile(in: dir, fingerprint: TrustStore.colonSeparated(rootSHA).lowercased())

        // Another certificate under the pinned name: refused with both fingerprints, nothing written.
        let wrong = try Peers.esign([
            "trust", "add", pki.issuingCA.certificatePath, "--name", "test-root", "--pins", pins, "--store", store,
            "--yes",
        ])
        #expect(wrong.status == 65, "\(wrong.combined)")
        #expect(wrong.stderr.contains("is not esign demo root"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains(TrustStore.colonSeparated(rootSHA)), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store))

        // No terminal to confirm on and no --yes: exit 64, nothing written.
        let unconfirmed = try Peers.esign([
            "trust", "add", pki.rootPath, "--name", "test-root", "--pins", pins, "--store", store,
        ])
        #expect(unconfirmed.status == 64 && unconfirmed.stderr.contains("--yes"), "\(unconfirmed.combined)")
        #expect(!FileManager.default.fileExists(atPath: store))

        let pdf = try signedNotice(in: dir)
        let (before, untrusted) = try verify(pdf, store: store)
        #expect(before == 2 && untrusted["indication"] as? String == "INDETERMINATE", "\(untrusted)")

        let added = try Peers.esign([
            "trust", "add", pki.rootPath, "--name", "test-root", "--pins", pins, "--store", store, "--yes",
        ])
        #expect(added.status == 0, "\(added.combined)")
        #expect(added.stdout.contains("SHA-256  \(TrustStore.colonSeparated(rootSHA))"), "\(added.stdout)")
        #expect(added.stdout.contains("matches the fingerprint pinned for test-root"), "\(added.stdout)")
        #expect(added.stdout.contains(pki.root.certificate.subject.description), "\(added.stdout)")

        let again = try Peers.esign(["trust", "add", pki.rootPath, "--store", store, "--yes"])
        #expect(again.status == 73 && again.stderr.contains("already in the trust store"), "\(again.combined)")

        let list = try Peers.esign(["trust", "list", "--store", store, "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 1 && rows.first?["name"] as? String == "test-root", "\(list.combined)")
        #expect(rows.first?["pinned_as"] as? String == "test-root" && rows.first?["sha256"] as? String == rootSHA)

        let (status, report) = try verify(pdf, store: store)
        #expect(status == 0 && report["indication"] as? String == "TOTAL-PASSED", "\(report)")
        let anchor = ((report["signatures"] as? [[String: Any]])?.first?["trust_anchor"]) as? [String: Any]
        #expect(anchor?["name"] as? String == "test-root", "\(report)")
        #expect(anchor?["sha256"] as? String == rootSHA)
        let text = try Peers.esign(["verify", pdf, "--trust-store", store])
        #expect(text.stdout.contains("anchor      test-root: "), "\(text.stdout)")
        // The store is the default one when ESIGN_TRUST_STORE names it; --no-trust-store ignores it.
        let byDefault = try Peers.esign(["verify", pdf], environment: ["ESIGN_TRUST_STORE": store])
        #expect(byDefault.status == 0, "\(byDefault.combined)")
        let ignored = try Peers.esign(["verify", pdf, "--no-trust-store"], environment: ["ESIGN_TRUST_STORE": store])
        #expect(ignored.status == 2, "\(ignored.combined)")

        let removed = try Peers.esign(["trust", "remove", "test-root", "--store", store])
        #expect(removed.status == 0 && removed.stdout.contains("removed \"test-root\""), "\(removed.combined)")
        let (after, again2) = try verify(pdf, store: store)
        #expect(after == 2 && again2["indication"] as? String == "INDETERMINATE", "\(again2)")
        #expect(((again2["signatures"] as? [[String: Any]])?.first?["trust_anchor"]) == nil)
        let missing = try Peers.esign(["trust", "remove", "test-root", "--store", store])
        #expect(missing.status == 66, "\(missing.combined)")
    }

    @Test("Vietnam's roots are pinned by name without a fingerprint: added only with the one the operator publishes")
    func shippedPinsNeedTheOperatorsFingerprint() throws {
        let dir = Fixtures.temporaryDirectory("trust-national")
        let store = dir.appendingPathComponent("store").path
        let pins = try Peers.esign(["trust", "pins", "--json"])
        let list = try JSONSerialization.jsonObject(with: Data(pins.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(Set(list.compactMap { $0["id"] as? String }) == ["vn-national-root-ca", "vn-government-root-ca"])

        let bare = try Peers.esign([
            "trust", "add", pki.rootPath, "--name", "vn-national-root-ca", "--store", store, "--yes",
        ])
        #expect(bare.status == 65 && bare.stderr.contains("--fingerprint"), "\(bare.combined)")
        let otherSHA = TrustStore.fingerprint(pki.issuingCA.certificate)
        let mismatched = try Peers.esign([
            "trust", "add", pki.rootPath, "--name", "vn-national-root-ca", "--fingerprint", otherSHA, "--store",
            store, "--yes",
        ])
        #expect(mismatched.status == 65 && mismatched.stderr.contains("nothing was added"), "\(mismatched.combined)")
        #expect(!FileManager.default.fileExists(atPath: store))
        let custom = try Peers.esign([
            "trust", "add", pki.rootPath, "--name", "Sở TT&TT test root", "--fingerprint", "00" + otherSHA.dropFirst(2),
            "--store", store, "--yes",
        ])
        #expect(custom.status == 65, "\(custom.combined)")
        let matched = try Peers.esign([
            "trust", "add", pki.rootPath, "--name", "vn-national-root-ca", "--fingerprint",
            TrustStore.fingerprint(pki.root.certificate), "--store", store, "--yes",
        ])
        #expect(matched.status == 0, "\(matched.combined)")
    }

    @Test("A store holding something esign did not write is an error, not silently trusted or skipped")
    func foreignFiles() throws {
        let dir = Fixtures.temporaryDirectory("trust-foreign")
        let store = dir.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        try Data(pki.root.certificate.pem.utf8).write(to: store.appendingPathComponent("root.pem"))
        let pdf = try signedNotice(in: dir)
        let run = try Peers.esign(["verify", pdf, "--trust-store", store.path])
        #expect(run.status == 65 && run.stderr.contains("not named by its certificate's SHA-256"), "\(run.combined)")
        let notCertificate = try Peers.esign(["trust", "add", pdf, "--store", store.path, "--yes"])
        #expect(
            notCertificate.status == 65 && notCertificate.stderr.contains("not a PEM or DER"),
            "\(notCertificate.combined)")
    }
}
