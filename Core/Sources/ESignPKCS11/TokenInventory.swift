import CPKCS11
import ESignCrypto

/// What a module's tokens hold, for a clerk choosing a key: each token, its private keys with their
/// certificates and the URI that names each key. Private keys are usually visible only after
/// logging in; without a PIN, the keys are inferred from the certificates (same id and label).
public struct TokenInventory: Sendable {
    public struct Key: Sendable {
        public let label: String?
        public let id: [UInt8]?
        /// "RSA-2048", "ECDSA P-256", …
        public let algorithm: String
        /// False when the key is seen and may not sign; nil when the key itself was not seen.
        public let canSign: Bool?
        public let certificate: Certificate?
        public let uri: PKCS11URI
        /// True when the key was seen on the token; false when inferred from a certificate.
        public let seen: Bool
    }

    public struct Token: Sendable {
        public let slot: SlotInfo
        public let info: TokenInfo
        public let loggedIn: Bool
        public let keys: [Key]
        /// Certificates that belong to no key listed (issuing and root CAs, usually).
        public let otherCertificates: [Certificate]
    }

    public let module: PKCS11Module
    public let slots: [SlotInfo]
    public let tokens: [Token]

    /// Reads every slot of `module`. `pin` is asked for each token that needs a login; nil
    /// lists what is visible without one.
    public static func read(
        module: PKCS11Module, pin: (TokenInfo) throws(PKCS11Error) -> Secret?
    ) throws(PKCS11Error)
        -> TokenInventory
    {
        var slots: [SlotInfo] = []
        var tokens: [Token] = []
        for slot in try module.allSlots() {
            let slotInfo = try module.slotInfo(slot)
            slots.append(slotInfo)
            guard slotInfo.tokenPresent, let info = try? module.tokenInfo(slot) else { continue }
            guard info.pinInitialized || !info.loginRequired else { continue }  // a blank slot (SoftHSM keeps one)
            let session = try module.openSession(slot)
            var loggedIn = false
            if info.loginRequired && !info.pinLocked, let secret = try pin(info) {
                try session.login(pin: secret, token: info)
                loggedIn = true
            }
            tokens.append(try read(session, module: module, slot: slotInfo, token: info, loggedIn: loggedIn))
        }
        return TokenInventory(module: module, slots: slots, tokens: tokens)
    }

    private static func read(
        _ session: PKCS11Session, module: PKCS11Module, slot: SlotInfo, token: TokenInfo, loggedIn: Bool
    ) throws(PKCS11Error) -> Token {
        let certificates = try TokenKey.certificates(session)
        var used = Set<Int>()
        var keys: [Key] = []
        for handle in try session.findObjects([.ulong(CKA_CLASS, CK_ULONG(CKO_PRIVATE_KEY))]) {
            let uri = try TokenKey.keyURI(session, handle, token: token, module: module)
            let index =
                certificates.firstIndex { ($0.id != nil && !$0.id!.isEmpty && $0.id == uri.id) }
                ?? certificates.firstIndex { $0.label != nil && $0.label == uri.object }
            if let index { used.insert(index) }
            keys.append(
                Key(
                    label: uri.object, id: uri.id, algorithm: try algorithm(session, handle),
                    canSign: try session.bool(CKA_SIGN, of: handle) ?? true,
                    certificate: index.map { certificates[$0].certificate },
                    uri: uri, seen: true))
        }
        if !loggedIn && keys.isEmpty {
            // Without a login the private keys are hidden: a certificate that is not a CA's stands for one.
            for (index, entry) in certificates.enumerated() where !entry.certificate.isCertificateAuthority {
                var uri = PKCS11URI()
                uri.token = token.label
                uri.serial = token.serialNumber
                uri.object = entry.label
                uri.id = entry.id?.isEmpty == true ? nil : entry.id
                uri.type = "private"
                uri.modulePath = module.path
                used.insert(index)
                keys.append(
                    Key(
                        label: entry.label, id: uri.id, algorithm: entry.certificate.publicKeyDescription, canSign: nil,
                        certificate: entry.certificate, uri: uri, seen: false))
            }
        }
        let others = certificates.enumerated().filter { !used.contains($0.offset) }.map(\.element.certificate)
        return Token(slot: slot, info: token, loggedIn: loggedIn, keys: keys, otherCertificates: others)
    }

    private static func algorithm(_ session: PKCS11Session, _ key: CK_OBJECT_HANDLE) throws(PKCS11Error) -> String {
        switch try session.ulong(CKA_KEY_TYPE, of: key) {
        case CK_ULONG(CKK_RSA):
            let bits = (try session.attribute(CKA_MODULUS, of: key)?.drop { $0 == 0 }.count ?? 0) * 8
            return bits > 0 ? "RSA-\(bits)" : "RSA"
        case CK_ULONG(CKK_EC):
            let parameters = try session.attribute(CKA_EC_PARAMS, of: key) ?? []
            let curves: [[UInt8]: String] = [
                [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]: "ECDSA P-256",
                [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]: "ECDSA P-384",
                [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23]: "ECDSA P-521",
            ]
            return curves[parameters] ?? "ECDSA"
        case let type?:
            return "key type 0x\(String(type, radix: 16))"
        case nil:
            return "unknown"
        }
    }
}
