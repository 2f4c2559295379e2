import ArgumentParser
import ESign
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `esign trust`: the trust store `esign verify` trusts without `--trust`.
struct TrustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract:
            "Manage the trust anchors esign verify trusts (a folder of roots, checked against pinned fingerprints).",
        discussion: """
            The store is a folder (ESIGN_TRUST_STORE, else $XDG_DATA_HOME/esign/trust, else \
            ~/.local/share/esign/trust; --store to choose another). esign verify and esign timestamp verify trust \
            its anchors as well as those given with --trust; esign serve reads it at start ("trustStore").

            Vietnam's two roots are known by name (esign trust pins); esign never downloads or ships a \
            certificate file. Download the root from its operator, then add it under its pinned name: the \
            file is accepted only when its SHA-256 fingerprint is the pinned one, or the one you give with \
            --fingerprint (copied from the operator's published notice).

              esign trust add vn-national-root-ca.crt --name vn-national-root-ca --fingerprint 'AB:CD:…'
              esign trust add agency-test-root.pem --name "Sở TT&TT test root" --yes
              esign trust list
              esign trust remove "Sở TT&TT test root"

            Exit codes: 65 the fingerprint does not match, the file is not a certificate; 66 no such file or \
            anchor; 64 no terminal to confirm and no --yes; 73 already in the store or cannot write it.
            """,
        subcommands: [Add.self, List.self, Remove.self, Pins.self]
    )

    struct StoreOption: ParsableArguments {
        @Option(help: ArgumentHelp("The trust store folder (default: see esign trust --help).", valueName: "dir"))
        var store: String?

        var trustStore: TrustStore { TrustStore(folder: store ?? TrustStore.defaultFolder()) }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a root (PEM or DER) after showing its subject, validity and SHA-256 fingerprint.")

        @Argument(help: ArgumentHelp("The certificate file.", valueName: "file")) var file: String
        @Option(
            help: ArgumentHelp(
                "The name to keep it under; a pinned name (esign trust pins) requires the pinned fingerprint.",
                valueName: "name"))
        var name: String?
        @Option(
            help: ArgumentHelp(
                "The SHA-256 fingerprint the file must have (hex, colons allowed), as its operator publishes it.",
                valueName: "hex"))
        var fingerprint: String?
        @Option(help: ArgumentHelp("A JSON file of extra pinned roots (default ESIGN_TRUST_PINS).", valueName: "file"))
        var pins: String?
        @Flag(help: "Add without asking for confirmation.") var yes = false
        @OptionGroup var storeOption: StoreOption

        func validate() throws {
            if let fingerprint, TrustStore.normalisedFingerprint(fingerprint) == nil {
                throw ValidationError("--fingerprint is a SHA-256 fingerprint: 64 hexadecimal digits")
            }
        }

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw fail(.missingInput("no such certificate file: \(file)"))
            }
            let certificates: [Certificate]
            do { certificates = try Certificate.load([UInt8](data)) } catch {
                throw fail(.badInput("\(file) is not a PEM or DER certificate"))
            }
            guard certificates.count == 1, let certificate = certificates.first else {
                throw fail(.badInput("\(file) holds \(certificates.count) certificates; add one root at a time"))
            }
            let pinned: [PinnedRoot]
            do { pinned = try PinnedRoot.load(file: pins) } catch { throw fail(error) }
            let sha256 = TrustStore.fingerprint(certificate)
            let pin = name.flatMap { name in pinned.first { $0.id == name } }
            let given = fingerprint.flatMap(TrustStore.normalisedFingerprint)
            print(describe(certificate, sha256: sha256), terminator: "")
            // A pinned name: the file must be the pinned root; nothing else may take its name.
            if let pin {
                guard let expected = pin.sha256 ?? given else {
                    throw fail(
                        .badInput(
                            "esign pins no fingerprint for \(pin.id) (\(pin.name)): none could be cited where esign "
                                + "was built (README, \"Trust anchors for Vietnam\"). Compare the fingerprint above "
                                + "with the one its operator publishes, then add it again with --fingerprint"))
                }
                if let given, given != expected {
                    throw fail(
                        .badInput(
                            "--fingerprint differs from the fingerprint esign pins for \(pin.id) (\(pin.name))"))
                }
                guard expected == sha256 else {
                    throw fail(
                        .badInput(
                            "\(file) is not \(pin.name): its SHA-256 is \(TrustStore.colonSeparated(sha256)), the "
                                + "pinned one is \(TrustStore.colonSeparated(expected)); nothing was added"))
                }
                print("  matches the fingerprint pinned for \(pin.id) (\(pin.name))")
            } else if let given {
                guard given == sha256 else {
                    throw fail(
                        .badInput(
                            "\(file)'s SHA-256 is \(TrustStore.colonSeparated(sha256)), not the fingerprint given; "
                                + "nothing was added"))
                }
                print("  matches the fingerprint given")
            }
            let anchorName = name ?? certificate.subject.commonName ?? sha256
            if !yes { try confirm("Trust \"\(anchorName)\" as a root for every signature it certifies?") }
            do {
                let anchor = try storeOption.trustStore.add(certificate, name: anchorName, pinnedAs: pin?.id)
                print("added \"\(anchor.name)\" to \(storeOption.trustStore.folder)")
            } catch { throw fail(error) }
        }

        func describe(_ certificate: Certificate, sha256: String) -> String {
            let from = ReportRenderer.time(certificate.notBefore)
            let until = ReportRenderer.time(certificate.notAfter)
            let ca = certificate.isCertificateAuthority ? "yes" : Terminal.yellow("no: not a CA certificate")
            var out = "  subject  \(certificate.subject)\n"
            out += "  issuer   \(certificate.issuer)\(certificate.isSelfIssued ? " (self-issued: a root)" : "")\n"
            out += "  valid    \(from) → \(until)"
            if certificate.notAfter < Date() { out += Terminal.yellow(" (expired: still usable for past signatures)") }
            out += "\n  CA       \(ca)"
            out += "\n  SHA-256  \(TrustStore.colonSeparated(sha256))\n"
            return out
        }

        func confirm(_ question: String) throws {
            guard isatty(0) == 1 else {
                throw fail(
                    .badInput("no terminal to confirm on: check the fingerprint above and pass --yes"),
                    code: ExitCodes.usage)
            }
            FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard answer == "y" || answer == "yes" else {
                Terminal.note("nothing was added")
                throw ExitCode(ExitCodes.batchHadFailures)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the trust store's anchors.")
        @OptionGroup var storeOption: StoreOption
        @Flag(help: "Print JSON.") var json = false

        struct Row: Encodable {
            let name: String
            let subject: String
            let sha256: String
            let notBefore: String
            let notAfter: String
            let added: String?
            let pinnedAs: String?
            let file: String
        }

        func run() throws {
            let anchors: [TrustStore.Anchor]
            do { anchors = try storeOption.trustStore.anchors() } catch { throw fail(error) }
            let rows = anchors.map {
                Row(
                    name: $0.name, subject: $0.certificate.subject.description, sha256: $0.sha256,
                    notBefore: ReportRenderer.time($0.certificate.notBefore),
                    notAfter: ReportRenderer.time($0.certificate.notAfter), added: $0.added, pinnedAs: $0.pinnedAs,
                    file: $0.file)
            }
            if json {
                print(jsonText(rows))
                return
            }
            print("Trust store \(storeOption.trustStore.folder): \(rows.count) anchor(s)")
            for row in rows {
                print("\n  \(Terminal.bold(row.name))\(row.pinnedAs.map { " (pinned: \($0))" } ?? "")")
                print("    subject  \(row.subject)")
                print("    valid    \(row.notBefore) → \(row.notAfter)")
                print("    SHA-256  \(TrustStore.colonSeparated(row.sha256))")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove an anchor, by name or by the first 8 or more hex digits of its SHA-256.")
        @Argument(help: ArgumentHelp("Name or fingerprint.", valueName: "name|sha256")) var anchor: String
        @OptionGroup var storeOption: StoreOption

        func run() throws {
            do {
                let removed = try storeOption.trustStore.remove(anchor)
                print("removed \"\(removed.name)\" (SHA-256 \(TrustStore.colonSeparated(removed.sha256)))")
            } catch { throw fail(error) }
        }
    }

    struct Pins: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pins",
            abstract: "List the roots esign knows by name, with their pinned fingerprints.")
        @Option(help: ArgumentHelp("A JSON file of extra pinned roots (default ESIGN_TRUST_PINS).", valueName: "file"))
        var pins: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let pinned: [PinnedRoot]
            do { pinned = try PinnedRoot.load(file: pins) } catch { throw fail(error) }
            if json {
                print(jsonText(pinned))
                return
            }
            for pin in pinned {
                print("\(Terminal.bold(pin.id)): \(pin.name)")
                print("    \(pin.operatedBy)")
                if let sha256 = pin.sha256 {
                    print("    SHA-256 \(TrustStore.colonSeparated(sha256))\(pin.source.map { " (\($0))" } ?? "")")
                } else {
                    print("    no fingerprint pinned: add with --fingerprint from the operator's notice")
                }
            }
        }
    }
}

/// Loads the anchors of `--trust` files and folders and of the trust store, with the store's names.
func trustOptions(
    _ paths: [String], store: String? = nil, useStore: Bool = true
) throws(SigningError)
    -> VerificationOptions
{
    var options = VerificationOptions()
    options.trustAnchors = try VerificationOptions.loadTrustAnchors(paths)
    if useStore { try options.trust(TrustStore(folder: store ?? TrustStore.defaultFolder())) }
    return options
}
