import ArgumentParser
import ESign
import Foundation

/// `esign token`: the USB tokens and HSMs a PKCS#11 module reaches.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "USB tokens and HSMs (PKCS#11).",
        subcommands: [List.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List slots, tokens and their signing keys, with the URI to pass to --pkcs11.",
            discussion: """
                Without a PIN, a token shows only its certificates; the keys are listed from them (same id and \
                label). With --pin-file, ESIGN_PIN or --login (a prompt), the token is logged in once and its \
                private keys are listed as they are.

                  esign token list --module /usr/lib/softhsm/libsofthsm2.so
                """
        )

        @Option(
            help: ArgumentHelp(
                "PKCS#11 module (default ESIGN_PKCS11_MODULE, else p11-kit's proxy).", valueName: "path"))
        var module: String?
        @Option(help: ArgumentHelp("File whose first line is the PIN, to see private keys.", valueName: "file"))
        var pinFile: String?
        @Flag(help: "Ask for each token's PIN to see its private keys.") var login = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let inventory: TokenInventory
            do throws(PKCS11Error) {
                guard let path = module ?? PKCS11Module.defaultPath() else {
                    throw .module("no PKCS#11 module: give --module or set ESIGN_PKCS11_MODULE")
                }
                let loaded = try PKCS11Module.load(path: path)
                inventory = try TokenInventory.read(module: loaded) { token throws(PKCS11Error) in
                    let uri = PKCS11URI()
                    if pinFile != nil || ProcessInfo.processInfo.environment["ESIGN_PIN"] != nil || login {
                        return try PINReader.read(file: pinFile, uri: uri, token: token)
                    }
                    return nil
                }
            } catch {
                throw fail(SigningError.token(error))
            }
            if json {
                print(jsonText(InventoryJSON(inventory)))
            } else {
                print(render(inventory), terminator: "")
            }
        }

        func render(_ inventory: TokenInventory) -> String {
            var out =
                "Module \(inventory.module.path) (\(inventory.module.description), \(inventory.module.manufacturer))\n"
            if inventory.tokens.isEmpty {
                out += "  no token present (\(inventory.slots.count) slot(s))\n"
            }
            for token in inventory.tokens {
                let info = token.info
                let title = Terminal.bold("Token \"\(info.label)\"")
                out += "\n\(title) in slot \(token.slot.id) (\(token.slot.description))\n"
                out += "  manufacturer \(info.manufacturer), model \(info.model), serial \(info.serialNumber)\n"
                let pin =
                    info.protectedAuthenticationPath
                    ? "entered on the reader" : info.loginRequired ? "needed" : "not needed"
                let state = info.pinState == "ok" ? info.pinState : Terminal.yellow(info.pinState)
                out += "  PIN \(pin); PIN state \(state)"
                out += token.loggedIn ? "; logged in\n" : info.loginRequired ? "; not logged in\n" : "\n"
                if token.keys.isEmpty {
                    out += "  no signing key visible"
                    out += info.loginRequired && !token.loggedIn ? " (log in with --pin-file or --login)\n" : "\n"
                }
                for key in token.keys {
                    let name = key.label ?? "(no label)"
                    let sign = key.canSign == false ? Terminal.red(" — may not sign (CKA_SIGN false)") : ""
                    let seen = key.seen ? "" : " (key inferred from its certificate; log in to see it)"
                    out += "  key \(Terminal.bold(name)) \(key.algorithm)\(sign)\(seen)\n"
                    if let certificate = key.certificate {
                        out += "    subject   \(certificate.subject)\n"
                        out += "    holder    \(certificate.holder.summary)\n"
                        out += "    issuer    \(certificate.issuer)\n"
                        out += "    valid     \(iso(certificate.notBefore)) → \(iso(certificate.notAfter))\n"
                        out += "    usage     \(usage(certificate))\n"
                    } else {
                        out += "    no certificate on the token for this key\n"
                    }
                    out += "    --pkcs11  '\(key.uri)'\n"
                }
                for certificate in token.otherCertificates {
                    out += "  certificate \(certificate.subject)\(certificate.isCertificateAuthority ? " (CA)" : "")\n"
                }
            }
            return out
        }
    }
}

private func iso(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
    return formatter.string(from: date)
}

private func usage(_ certificate: Certificate) -> String {
    var parts: [String] = []
    if let usage = certificate.keyUsage {
        if usage.contains(.digitalSignature) { parts.append("digitalSignature") }
        if usage.contains(.nonRepudiation) { parts.append("nonRepudiation") }
        if usage.contains(.keyCertSign) { parts.append("keyCertSign") }
    }
    if let eku = certificate.extendedKeyUsage {
        parts += eku.map { $0 == ExtendedKeyUsageOID.timeStamping ? "timeStamping" : $0 }
    }
    return parts.isEmpty ? "any" : parts.joined(separator: ", ")
}

/// `esign token list --json`.
struct InventoryJSON: Encodable {
    struct Token: Encodable {
        let slot: UInt
        let slotDescription: String
        let label: String
        let manufacturer: String
        let model: String
        let serial: String
        let pinNeeded: Bool
        let pinOnReader: Bool
        let pinCountLow: Bool
        let pinFinalTry: Bool
        let pinLocked: Bool
        let loggedIn: Bool
        let keys: [Key]
        let otherCertificates: [String]
    }
    struct Key: Encodable {
        let label: String?
        let id: String?
        let algorithm: String
        let canSign: Bool?
        let seen: Bool
        let subject: String?
        /// The holder, a person or an organisation, with the Vietnamese identifiers of the subject's UID.
        let holder: CertificateHolder?
        let issuer: String?
        let notBefore: String?
        let notAfter: String?
        let keyUsage: String?
        let uri: String
    }
    let module: String
    let slots: Int
    let tokens: [Token]

    init(_ inventory: TokenInventory) {
        module = inventory.module.path
        slots = inventory.slots.count
        tokens = inventory.tokens.map { token in
            Token(
                slot: UInt(token.slot.id), slotDescription: token.slot.description, label: token.info.label,
                manufacturer: token.info.manufacturer, model: token.info.model, serial: token.info.serialNumber,
                pinNeeded: token.info.loginRequired, pinOnReader: token.info.protectedAuthenticationPath,
                pinCountLow: token.info.pinCountLow, pinFinalTry: token.info.pinFinalTry,
                pinLocked: token.info.pinLocked, loggedIn: token.loggedIn,
                keys: token.keys.map { key in
                    Key(
                        label: key.label,
                        id: key.id.map { String(decoding: Hex.encode($0, uppercase: false), as: UTF8.self) },
                        algorithm: key.algorithm, canSign: key.canSign, seen: key.seen,
                        subject: key.certificate?.subject.description, holder: key.certificate?.holder,
                        issuer: key.certificate?.issuer.description,
                        notBefore: key.certificate.map { iso($0.notBefore) },
                        notAfter: key.certificate.map { iso($0.notAfter) },
                        keyUsage: key.certificate.map(usage), uri: key.uri.description)
                },
                otherCertificates: token.otherCertificates.map(\.subject.description))
        }
    }
}
