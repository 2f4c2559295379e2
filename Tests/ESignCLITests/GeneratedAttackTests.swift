import ESign
import ESignTestSupport
import Foundation
import Testing

/// Every class of manipulation the generator knows, applied to documents esign and pyHanko
/// signed: each manipulated variant is TOTAL-FAILED with a reason that names what changed, each
/// allowed variant passes, and pyHanko is asked about the same files.
@Suite("Generated attacks and allowed changes")
struct GeneratedAttackTests {
    static var options: VerificationOptions {
        var options = VerificationOptions()
        options.trustAnchors = [Fixtures.root]
        return options
    }

    static func verify(_ bytes: [UInt8]) -> DocumentReport {
        PDFSignatureVerifier(options: options).verify(source: MemoryByteSource(bytes), name: "variant.pdf")
    }

    static func esignContext(_ sample: String) throws -> AttackGenerator.Context {
        let original = [UInt8](try Data(contentsOf: Fixtures.samples.appendingPathComponent(sample)))
        let identity = try Fixtures.identity()
        var context = try AttackGenerator.Context(original: original) {
            try PAdESSigner(identity: identity).sign(pdf: $0)
        }
        context.certify = certify
        context.timestamp = timestamp
        return context
    }

    /// One TSA for the suite (`openssl ts -reply` on loopback), stopped when the process ends.
    static let authority: OpenSSLTimestampAuthority? = try? OpenSSLTimestampAuthority(pki: Fixtures.pki)

    /// pyHanko's certification at DocMDP level P.
    static func certify(_ bytes: [UInt8], _ level: Int) throws -> [UInt8] {
        let directory = Fixtures.temporaryDirectory("esign-certify")
        let input = directory.appendingPathComponent("in.pdf")
        let output = directory.appendingPathComponent("out.pdf")
        try Data(bytes).write(to: input)
        let script = Fixtures.packageRoot.appendingPathComponent("scripts/pyhanko-certify.py").path
        let pki = Fixtures.pki
        let run = try Peers.run(
            "python3",
            [
                script, input.path, output.path, pki.signers["province-seal"]!.pkcs12Path, pki.passwordPath,
                String(level),
            ])
        guard run.status == 0 else { throw PDFError.malformed("pyhanko could not certify: \(run.combined)") }
        return [UInt8](try Data(contentsOf: output))
    }

    /// pyHanko's document timestamp from the loopback TSA.
    static func timestamp(_ bytes: [UInt8]) throws -> [UInt8] {
        guard let authority else { throw PDFError.io("the loopback TSA did not start") }
        let directory = Fixtures.temporaryDirectory("esign-doc-timestamp")
        let input = directory.appendingPathComponent("in.pdf")
        let output = directory.appendingPathComponent("out.pdf")
        try Data(bytes).write(to: input)
        let run = try Peers.run(
            "pyhanko",
            [
                "sign", "timestamp", "--timestamp-url", authority.url, "--trust", Fixtures.pki.rootPath,
                "--trust-replace",
                input.path, output.path,
            ])
        guard run.status == 0 else { throw PDFError.malformed("pyhanko could not timestamp: \(run.combined)") }
        return [UInt8](try Data(contentsOf: output))
    }

    /// Signing through pyHanko's command line, for documents nobody here signed.
    static func pyhankoContext(_ sample: String) throws -> AttackGenerator.Context {
        let original = [UInt8](try Data(contentsOf: Fixtures.samples.appendingPathComponent(sample)))
        let directory = Fixtures.temporaryDirectory("esign-pyhanko-sign")
        let pki = Fixtures.pki
        var count = 0
        var context = try AttackGenerator.Context(original: original) { bytes in
            count += 1
            let input = directory.appendingPathComponent("in-\(count).pdf")
            let output = directory.appendingPathComponent("out-\(count).pdf")
            try Data(bytes).write(to: input)
            let run = try Peers.run(
                "pyhanko",
                [
                    "sign", "addsig", "--field", "PyHanko\(count)", "pkcs12", "--passfile", pki.passwordPath,
                    input.path, output.path, pki.signers["province-official"]!.pkcs12Path,
                ])
            guard run.status == 0 else { throw PDFError.malformed("pyhanko could not sign: \(run.combined)") }
            return [UInt8](try Data(contentsOf: output))
        }
        context.certify = certify
        context.timestamp = timestamp
        return context
    }

    /// The reasons a report gives, in one list.
    static func reasons(_ report: DocumentReport) -> [String] {
        var all = [report.summary] + (report.error.map { [$0] } ?? [])
        for signature in report.signatures {
            all += [signature.summary] + signature.modifications + signature.checks.compactMap(\.detail)
        }
        return all
    }

    static func expectVerdicts(_ variants: [AttackGenerator.Variant]) {
        for variant in variants {
            let report = verify(variant.bytes)
            if let mentions = variant.mentions {
                #expect(report.indication == .totalFailed, "\(variant.name) was not rejected: \(report.summary)")
                let reasons = Self.reasons(report).joined(separator: " | ").lowercased()
                for mention in mentions {
                    #expect(
                        reasons.contains(mention.lowercased()),
                        "\(variant.name): no reason names '\(mention)': \(reasons)")
                }
            } else {
                let first = report.signatures.first
                #expect(
                    first?.indication == .totalPassed && report.indication == .totalPassed,
                    "\(variant.name) should pass: \(report.summary) \(first?.modifications ?? [])")
            }
        }
    }

    /// What `generators` make of the sample's document; every generator must make something.
    static func variants(
        _ generators: [(String, AttackGenerator.Generator)], of sample: String
    ) throws -> [AttackGenerator.Variant] {
        let context = try Self.esignContext(sample)
        var variants: [AttackGenerator.Variant] = []
        for (name, generator) in generators {
            let made = try generator(context)
            #expect(!made.isEmpty, "generator \(name) made no variant of \(sample)")
            variants += made
        }
        return variants
    }

    @Test(arguments: ["decision.pdf", "decision-objstm.pdf", "report.pdf"])
    func manipulationsOfESignDocumentsFail(_ sample: String) throws {
        let variants = try Self.variants(AttackGenerator.manipulationGenerators, of: sample)
        #expect(variants.count >= 30, "only \(variants.count) variants")
        Self.expectVerdicts(variants)
    }

    @Test(arguments: ["decision.pdf", "decision-objstm.pdf", "report.pdf"])
    func allowedChangesOfESignDocumentsPass(_ sample: String) throws {
        Self.expectVerdicts(try Self.variants(AttackGenerator.allowedGenerators, of: sample))
    }

    /// The certified document the certification attacks start from verifies, at its level.
    @Test(arguments: [1, 2, 3])
    func certifiedDocumentsPass(_ level: Int) throws {
        let original = [UInt8](try Data(contentsOf: Fixtures.samples.appendingPathComponent("decision.pdf")))
        let report = Self.verify(try Self.certify(original, level))
        #expect(report.indication == .totalPassed, "\(report.summary)")
        #expect(report.signatures.first?.certificationLevel == level)
    }

    @Test(arguments: ["decision.pdf", "notice.pdf"])
    func variantsOfPyHankoDocuments(_ sample: String) throws {
        let context = try Self.pyhankoContext(sample)
        Self.expectVerdicts(try AttackGenerator.manipulations(context))
        Self.expectVerdicts(try AttackGenerator.allowedChanges(context))
    }

    /// The case a review found: the second signature's field lists its widget through an indirect
    /// /Kids array and the widget has no /Parent. It is form filling, as pyHanko says.
    @Test func widgetListedThroughIndirectKidsIsFormFilling() throws {
        let context = try Self.esignContext("decision.pdf")
        let added = try #require(try SignatureFieldShape.kidsIndirectNoParent.add(to: context.signed))
        // The second signature goes into that field, as a document-management system that
        // prepared the field would have it.
        var options = PAdESOptions()
        options.fieldName = "Shape-\(SignatureFieldShape.kidsIndirectNoParent.rawValue)"
        let signedAgain = try PAdESSigner(identity: Fixtures.identity("province-seal"), options: options).sign(
            pdf: added)
        let report = Self.verify(signedAgain)
        #expect(report.indication == .totalPassed, "\(report.summary)")
        #expect(report.signatures.count == 2)
        #expect(report.signatures.map(\.fieldName).contains(options.fieldName!))
        #expect(report.signatures.first?.modificationLevel == .formFilling)
        // pyHanko, on the same file: form filling, allowed.
        let file = Fixtures.temporaryDirectory("esign-kids").appendingPathComponent("kids.pdf")
        try Data(signedAgain).write(to: file)
        let script = Fixtures.packageRoot.appendingPathComponent("scripts/pyhanko-verdicts.py").path
        let run = try Peers.run("python3", [script, file.path])
        try #require(run.status == 0, "\(run.combined)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let signatures = try #require(json["signatures"] as? [[String: Any]])
        #expect(signatures.count == 2)
        #expect(signatures.allSatisfy { $0["allowed"] as? Bool == true }, "\(run.stdout)")
        #expect(signatures.first?["modification"] as? String == "FORM_FILLING", "\(run.stdout)")
    }

    /// pyHanko's verdicts on the same generated files: every allowed variant is allowed by pyHanko
    /// too; manipulated variants pyHanko lets through are printed (esign catches more; the README
    /// lists them), and none of those is one esign lets through.
    @Test func pyHankoAgreesOnGeneratedVariants() throws {
        let directory = Fixtures.temporaryDirectory("esign-variants")
        var variants = try AttackGenerator.manipulations(Self.esignContext("decision.pdf"))
        variants += try AttackGenerator.allowedChanges(Self.esignContext("decision.pdf"))
        var paths: [String: AttackGenerator.Variant] = [:]
        for (index, variant) in variants.enumerated() {
            let path = directory.appendingPathComponent(
                "\(index)-\(variant.name.replacingOccurrences(of: "/", with: "_")).pdf"
            ).path
            try Data(variant.bytes).write(to: URL(fileURLWithPath: path))
            paths[path] = variant
        }
        let script = Fixtures.packageRoot.appendingPathComponent("scripts/pyhanko-verdicts.py").path
        let run = try Peers.run("python3", [script] + paths.keys.sorted())
        try #require(run.status == 0, "\(run.combined)")
        var missedByPyHanko: [String] = []
        for line in run.stdout.split(separator: "\n") {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let path = try #require(json["file"] as? String)
            let variant = try #require(paths[path])
            let first = (json["signatures"] as? [[String: Any]])?.first
            let allowed = first?["allowed"] as? Bool ?? false
            if variant.isAllowed {
                #expect(
                    allowed || variant.pyhankoDiffers != nil, "pyHanko rejects allowed variant \(variant.name): \(line)"
                )
            } else if allowed {
                missedByPyHanko.append(variant.name)
            }
        }
        print("generated manipulations pyHanko lets through and esign rejects: \(missedByPyHanko.sorted())")
        // Write the variants where the fuzzer's seed corpus can pick them up.
        if let seeds = ProcessInfo.processInfo.environment["ESIGN_VARIANT_SEEDS"] {
            try? FileManager.default.createDirectory(atPath: seeds, withIntermediateDirectories: true)
            for (path, _) in paths {
                try? FileManager.default.copyItem(
                    atPath: path, toPath: seeds + "/" + URL(fileURLWithPath: path).lastPathComponent)
            }
        }
    }
}

/// `--visual`: renderings of the signed revision and of the whole document, compared.
@Suite("What the eye would see")
struct VisualComparisonTests {
    static func verify(_ bytes: [UInt8], analysis: Bool, output: String? = nil) -> DocumentReport {
        var options = GeneratedAttackTests.options
        options.visual = true
        options.analysesChanges = analysis
        options.visualOutputDirectory = output
        return PDFSignatureVerifier(options: options).verify(source: MemoryByteSource(bytes), name: "visual.pdf")
    }

    /// With the structural analysis switched off, the renderings alone catch what the forger shows.
    /// (Entries pointed at another object's header are left out: poppler rebuilds the table when
    /// a header does not match, and shows the original; viewers that do not are what the
    /// structural audit is for.)
    @Test func visibleManipulationsAreCaughtWithoutTheChangeAnalysis() throws {
        let context = try GeneratedAttackTests.esignContext("decision.pdf")
        let variants = try AttackGenerator.manipulations(context)
        let visible = [
            "incremental-saving/content-rewritten", "incremental-saving/content-added",
            "incremental-saving/freetext-annotation", "xref/generation-bump",
            "object-stream/page-moved-in", "shadow/redirect-into-stream-data",
        ]
        for name in visible {
            let variant = try #require(variants.first { $0.name == name }, "no variant \(name)")
            let report = Self.verify(variant.bytes, analysis: false)
            let signature = try #require(report.signatures.first)
            #expect(signature.indication == .totalFailed, "\(name): \(signature.summary)")
            #expect(signature.checks.contains { $0.name == "visual" && $0.outcome == .failed }, "\(name)")
            #expect(signature.modifications.contains { $0.contains("page 1") }, "\(name): \(signature.modifications)")
        }
        // The same document untouched, analysis off: nothing to see.
        let clean = Self.verify(try context.sign(context.signed), analysis: false)
        #expect(clean.indication == .totalPassed, "\(clean.summary)")
    }

    @Test func allowedVariantsLookTheSame() throws {
        let context = try GeneratedAttackTests.esignContext("decision.pdf")
        for variant in try AttackGenerator.allowedChanges(context) {
            let report = Self.verify(variant.bytes, analysis: true)
            #expect(report.signatures.first?.indication == .totalPassed, "\(variant.name): \(report.summary)")
            #expect(
                report.signatures.first?.checks.contains { $0.name == "visual" && $0.outcome == .passed } == true,
                "\(variant.name)")
        }
    }

    @Test func visibleSecondSignatureIsAllowedAndPicturesAreWritten() throws {
        let context = try GeneratedAttackTests.esignContext("decision.pdf")
        let directory = Fixtures.temporaryDirectory("esign-visual-out")
        let bytes = context.signed
        let file = directory.appendingPathComponent("signed.pdf")
        try Data(bytes).write(to: file)
        let twice = directory.appendingPathComponent("twice.pdf")
        let run = try Peers.esign([
            "sign", file.path, "--output", twice.path, "--p12", Fixtures.pki.signers["province-seal"]!.pkcs12Path,
            "--password-file", Fixtures.pki.passwordPath, "--visible", "--page", "1",
        ])
        try #require(run.status == 0, "\(run.combined)")
        let out = directory.appendingPathComponent("pictures")
        let verify = try Peers.esign([
            "verify", twice.path, "--trust", Fixtures.pki.rootPath, "--visual", "--visual-out", out.path, "--json",
        ])
        #expect(verify.status == 0, "\(verify.combined)")
        let pictures = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".png") }
        #expect(!pictures.isEmpty)
        for picture in pictures {
            let image = try PNGImage(path: out.appendingPathComponent(picture).path)
            #expect(image.width > image.height, "side by side: \(image.width)×\(image.height)")
        }
    }
}
