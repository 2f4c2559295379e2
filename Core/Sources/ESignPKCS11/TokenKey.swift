import CPKCS11
import ESignCore
import ESignCrypto
import Foundation

/// A private key on a PKCS#11 token (a USB token, an HSM partition), with the certificate that
/// matches it. The key never leaves the token: esign asks it for signature values only.
///
/// Logging in happens once, when the key is opened; the login holds for every session of the
/// process, so a batch of a thousand documents costs one PIN entry. Each thread that signs
/// borrows its own session (a session runs one operation at a time), up to the token's limit.
///
/// ```swift
/// let key = try TokenKey.open(uri: PKCS11URI(parsing: "pkcs11:token=Seal;object=seal"), pin: { pin })
/// let privateKey = try PrivateKey.external(certificate: key.certificate, signer: key)
/// ```
public final class TokenKey: ExternalSigner, @unchecked Sendable {
    public enum Algorithm: Sendable, Equatable {
        case rsa(bits: Int)
        case ec
    }

    public let module: PKCS11Module
    public let token: TokenInfo
    public let label: String?
    public let id: [UInt8]?
    public let algorithm: Algorithm
    /// The signer's certificate, read from the token.
    public let certificate: Certificate
    /// The token's other certificates (issuing CAs, often), for building the chain.
    public let otherCertificates: [Certificate]
    /// The URI that names exactly this key.
    public let uri: PKCS11URI
    let handle: CK_OBJECT_HANDLE
    let mechanisms: Set<CK_MECHANISM_TYPE>
    /// Kept only for keys that ask for the PIN at every signature (CKA_ALWAYS_AUTHENTICATE).
    private let contextPIN: Secret?
    private let sessions: SessionPool

    private init(
        module: PKCS11Module, token: TokenInfo, handle: CK_OBJECT_HANDLE, label: String?, id: [UInt8]?,
        algorithm: Algorithm, certificate: Certificate, otherCertificates: [Certificate], uri: PKCS11URI,
        mechanisms: Set<CK_MECHANISM_TYPE>, contextPIN: Secret?, sessions: SessionPool
    ) {
        self.module = module
        self.token = token
        self.handle = handle
        self.label = label
        self.id = id
        self.algorithm = algorithm
        self.certificate = certificate
        self.otherCertificates = otherCertificates
        self.uri = uri
        self.mechanisms = mechanisms
        self.contextPIN = contextPIN
        self.sessions = sessions
    }

    /// Finds the one token and the one private key `uri` names, logs in (asking `pin` only when the
    /// token needs a PIN and has no keypad of its own), and finds the key's certificate.
    public static func open(
        uri: PKCS11URI, environment: [String: String] = ProcessInfo.processInfo.environment,
        pin: (TokenInfo) throws(PKCS11Error) -> Secret?
    ) throws(PKCS11Error) -> TokenKey {
        if let type = uri.type, type != "private", type != "cert" {
            throw .uri("type=\(type) names no private key; use type=private (or leave type out)")
        }
        let module = try PKCS11Module.load(path: try modulePath(for: uri, environment: environment))
        guard uri.matches(module) else {
            throw .tokenAbsent("the module at \(module.path) is not the library the URI names")
        }
        let token = try findToken(uri, in: module)
        if token.pinLocked {
            throw .pinLocked("the PIN of token \"\(token.label)\" is locked; its administrator must unlock it")
        }
        let session = try module.openSession(token.slot)
        var secret: Secret?
        if token.loginRequired {
            if !token.protectedAuthenticationPath {
                guard let given = try pin(token) else {
                    throw .pinRequired(
                        "token \"\(token.label)\" needs its PIN: give --pin-file, ESIGN_PIN, pin-source in the URI, "
                            + "or run on a terminal to be asked")
                }
                secret = given
            }
            try session.login(pin: secret, token: token)
        }
        var template: [PKCS11Attribute] = [.ulong(CKA_CLASS, CK_ULONG(CKO_PRIVATE_KEY))]
        if let label = uri.object { template.append(.text(CKA_LABEL, label)) }
        if let id = uri.id { template.append(PKCS11Attribute(CKA_ID, bytes: id)) }
        let keys = try session.findObjects(template)
        let certificates = try Self.certificates(session)
        guard keys.count == 1, let handle = keys.first else {
            let all = try session.findObjects([.ulong(CKA_CLASS, CK_ULONG(CKO_PRIVATE_KEY))])
            let listed = try all.map { key throws(PKCS11Error) in
                try Self.keyURI(session, key, token: token, module: module).description
            }
            let known =
                listed.isEmpty
                ? " The token holds no private key." : " Keys on the token:\n  " + listed.joined(separator: "\n  ")
            if keys.isEmpty {
                throw .key("no private key on token \"\(token.label)\" matches \(uri).\(known)")
            }
            throw .key("\(keys.count) private keys on token \"\(token.label)\" match \(uri); name one.\(known)")
        }
        let keyURI = try Self.keyURI(session, handle, token: token, module: module)
        let name =
            keyURI.object.map { "\"\($0)\"" }
            ?? "with id \(String(decoding: Hex.encode(keyURI.id ?? []), as: UTF8.self))"
        if try session.bool(CKA_SIGN, of: handle) == false {
            throw .key("the key \(name) on token \"\(token.label)\" may not sign (CKA_SIGN is false)")
        }
        let algorithm: Algorithm
        switch try session.ulong(CKA_KEY_TYPE, of: handle) {
        case CK_ULONG(CKK_RSA):
            let modulus = try session.attribute(CKA_MODULUS, of: handle)
            algorithm = .rsa(bits: (modulus?.drop { $0 == 0 }.count ?? 0) * 8)
        case CK_ULONG(CKK_EC):
            algorithm = .ec
        default:
            throw .key("the key \(name) on token \"\(token.label)\" is neither RSA nor ECDSA")
        }
        let alwaysAuthenticate = try session.bool(CKA_ALWAYS_AUTHENTICATE, of: handle) ?? false
        let pool = SessionPool(module: module, slot: token.slot, limit: token.maximumSessions, first: session)
        // Candidates: the certificate with the key's id, else its label, else every one; the one
        // whose public key verifies a signature the key makes now is the key's certificate.
        let byID = certificates.filter { keyURI.id != nil && !(keyURI.id!.isEmpty) && $0.id == keyURI.id }
        let byLabel = certificates.filter { keyURI.object != nil && $0.label == keyURI.object }
        let candidates = !byID.isEmpty ? byID : !byLabel.isEmpty ? byLabel : certificates
        guard !candidates.isEmpty else {
            throw .key("the key \(name) on token \"\(token.label)\" has no certificate on the token")
        }
        let key = TokenKey(
            module: module, token: token, handle: handle, label: keyURI.object, id: keyURI.id, algorithm: algorithm,
            certificate: candidates[0].certificate, otherCertificates: [], uri: keyURI,
            mechanisms: (try? module.mechanisms(token.slot)) ?? [], contextPIN: alwaysAuthenticate ? secret : nil,
            sessions: pool)
        let probeMessage = Random.bytes(48)
        let probe: [UInt8]
        do { probe = try Digest.hash(probeMessage, .sha256) } catch {
            throw .key("cannot hash: \(error)")
        }
        let signature = try key.signMessage(probeMessage, algorithm: .sha256)
        let matching = candidates.first {
            $0.certificate.verifies(signature: signature, digest: probe, algorithm: .sha256)
        }
        guard let matching else {
            let why =
                byID.isEmpty && byLabel.isEmpty
                ? "none has its id or label, and no other holds its public key"
                : "the certificate with its id or label holds another public key"
            throw .key("no certificate on token \"\(token.label)\" matches the key \(name) (\(why))")
        }
        let opened = TokenKey(
            module: module, token: token, handle: handle, label: keyURI.object, id: keyURI.id, algorithm: algorithm,
            certificate: matching.certificate,
            otherCertificates: certificates.map(\.certificate).filter { $0 != matching.certificate }, uri: keyURI,
            mechanisms: key.mechanisms, contextPIN: key.contextPIN, sessions: pool)
        openKeys.keep(pool)
        return opened
    }

    /// The session pools of every key opened, kept until the process ends, like the modules. The
    /// last reference to a key may be dropped by any thread (a batch worker finishing after the
    /// command has returned); closing its sessions there would call into the module while the
    /// process's exit tears the module down (SoftHSM crashed so, seen in CI). Sessions end with
    /// the process instead.
    static let openKeys = OpenKeys()

    final class OpenKeys: @unchecked Sendable {
        private let lock = NSLock()
        private var pools: [SessionPool] = []

        func keep(_ pool: SessionPool) {
            lock.lock()
            pools.append(pool)
            lock.unlock()
        }
    }

    /// Signs a digest: RSA with CKM_RSA_PKCS over the DigestInfo, ECDSA with CKM_ECDSA (its r‖s
    /// returned as DER). ``ExternalSigner`` conformance.
    public func sign(digest: [UInt8], algorithm: DigestAlgorithm?) throws -> [UInt8] {
        guard let algorithm = algorithm ?? DigestAlgorithm.allCases.first(where: { $0.outputLength == digest.count })
        else {
            throw PKCS11Error.key("a \(digest.count)-byte digest matches no hash esign signs with")
        }
        return try signDigest(digest, algorithm: algorithm)
    }

    /// Decrypts a key sent to this key's certificate (a certificate-encrypted PDF's envelope) with
    /// CKM_RSA_PKCS; RSAES-OAEP envelopes are refused with the reason. ``ExternalSigner`` conformance.
    public func decryptRSA(_ ciphertext: [UInt8], padding: RSAEncryptionPadding) throws -> [UInt8] {
        guard padding == .pkcs1v15 else {
            throw PKCS11Error.key("token \"\(token.label)\": RSAES-OAEP envelopes are not read from tokens yet")
        }
        return try onSession { session throws(PKCS11Error) in
            try session.decrypt(mechanism: CK_MECHANISM_TYPE(CKM_RSA_PKCS), key: handle, data: ciphertext)
        }
    }

    /// Signs a whole message when the token cannot sign a digest esign computed (it offers
    /// CKM_SHA256_RSA_PKCS and friends but not CKM_RSA_PKCS, or CKM_ECDSA_SHA256 but not CKM_ECDSA);
    /// nil otherwise, and esign hashes. ``ExternalSigner`` conformance.
    public func sign(message: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8]? {
        guard let mechanism = hashingMechanism(algorithm) else { return nil }
        return try signWith(mechanism, message: message)
    }

    /// Signs with RSASSA-PSS: CKM_RSA_PKCS_PSS over esign's digest, or, on a token that hashes
    /// itself, CKM_SHA256_RSA_PKCS_PSS (and its SHA-384/512 kin) over the message; a token that
    /// offers neither is refused with the reason. ``ExternalSigner`` conformance.
    public func signPSS(digest: [UInt8], message: [UInt8]?, algorithm: DigestAlgorithm) throws -> [UInt8] {
        if let refusal = pssRefusal(algorithm: algorithm) { throw PKCS11Error.key(refusal) }
        let raw = CK_MECHANISM_TYPE(CKM_RSA_PKCS_PSS)
        if mechanisms.isEmpty || mechanisms.contains(raw) {
            do { return try signDigest(digest, algorithm: algorithm, pss: true) } catch {
                // Tokens that predate SHA-3 in PKCS#11 (SoftHSM 2, most USB tokens) refuse its PSS
                // parameters with a bare return code: say which choice the token refused.
                guard algorithm.isSHA3, case .call(_, let code) = error,
                    code == UInt(CKR_ARGUMENTS_BAD) || code == UInt(CKR_MECHANISM_PARAM_INVALID)
                else { throw error }
                throw PKCS11Error.key(
                    "token \"\(token.label)\" refuses RSASSA-PSS parameters with \(algorithm.rawValue) (\(error)): "
                        + "sign with --digest sha256, sha384 or sha512")
            }
        }
        guard let hashing = Self.hashingPSSMechanism(algorithm), let message else {
            throw PKCS11Error.key("token \"\(token.label)\" can sign this RSASSA-PSS digest only over the message")
        }
        var parameters = CK_RSA_PKCS_PSS_PARAMS(
            hashAlg: Self.hashMechanism(algorithm), mgf: Self.mgf(algorithm), sLen: CK_ULONG(algorithm.outputLength))
        let bytes = withUnsafeBytes(of: &parameters) { Array($0) }
        return try run(hashing, parameter: bytes, data: message)
    }

    static func hashingPSSMechanism(_ algorithm: DigestAlgorithm) -> CK_MECHANISM_TYPE? {
        switch algorithm {
        case .sha256: CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS_PSS)
        case .sha384: CK_MECHANISM_TYPE(CKM_SHA384_RSA_PKCS_PSS)
        case .sha512: CK_MECHANISM_TYPE(CKM_SHA512_RSA_PKCS_PSS)
        default: nil
        }
    }

    /// Why the token cannot make RSASSA-PSS signatures with `algorithm`: an EC key, or neither
    /// CKM_RSA_PKCS_PSS nor the hashing PSS mechanism offered. ``ExternalSigner`` conformance.
    public func pssRefusal(algorithm: DigestAlgorithm) -> String? {
        guard case .rsa = self.algorithm else {
            return "RSASSA-PSS needs an RSA key; the key on token \"\(token.label)\" is an EC key"
        }
        if mechanisms.isEmpty || mechanisms.contains(CK_MECHANISM_TYPE(CKM_RSA_PKCS_PSS)) { return nil }
        let hashing = Self.hashingPSSMechanism(algorithm)
        if let hashing, mechanisms.contains(hashing) { return nil }
        let hashingName = hashing.map { Self.name(of: $0) } ?? "a PSS mechanism that hashes \(algorithm.rawValue)"
        return "token \"\(token.label)\" offers neither CKM_RSA_PKCS_PSS nor \(hashingName): it cannot make "
            + "RSASSA-PSS signatures (sign without --rsa-pss)"
    }

    /// Signs a message by whichever mechanism the token offers: a raw one over esign's digest
    /// first, else one that hashes on the token.
    public func signMessage(_ message: [UInt8], algorithm: DigestAlgorithm) throws(PKCS11Error) -> [UInt8] {
        if let mechanism = hashingMechanism(algorithm) { return try signWith(mechanism, message: message) }
        let digest: [UInt8]
        do { digest = try Digest.hash(message, algorithm) } catch { throw .key("cannot hash: \(error)") }
        return try signDigest(digest, algorithm: algorithm)
    }

    /// The mechanism that hashes on the token, when the raw one is missing and it is offered.
    func hashingMechanism(_ algorithm: DigestAlgorithm) -> CK_MECHANISM_TYPE? {
        let raw: CK_MECHANISM_TYPE
        let hashing: CK_MECHANISM_TYPE
        switch (self.algorithm, algorithm) {
        case (.rsa, .sha256): (raw, hashing) = (CK_MECHANISM_TYPE(CKM_RSA_PKCS), CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS))
        case (.rsa, .sha384): (raw, hashing) = (CK_MECHANISM_TYPE(CKM_RSA_PKCS), CK_MECHANISM_TYPE(CKM_SHA384_RSA_PKCS))
        case (.rsa, .sha512): (raw, hashing) = (CK_MECHANISM_TYPE(CKM_RSA_PKCS), CK_MECHANISM_TYPE(CKM_SHA512_RSA_PKCS))
        case (.ec, .sha256): (raw, hashing) = (CK_MECHANISM_TYPE(CKM_ECDSA), CK_MECHANISM_TYPE(CKM_ECDSA_SHA256))
        case (.ec, .sha384): (raw, hashing) = (CK_MECHANISM_TYPE(CKM_ECDSA), CK_MECHANISM_TYPE(CKM_ECDSA_SHA384))
        case (.ec, .sha512): (raw, hashing) = (CK_MECHANISM_TYPE(CKM_ECDSA), CK_MECHANISM_TYPE(CKM_ECDSA_SHA512))
        case (_, .sha3_256), (_, .sha3_384), (_, .sha3_512): return nil  // esign hashes SHA-3 itself
        }
        return !mechanisms.isEmpty && !mechanisms.contains(raw) && mechanisms.contains(hashing) ? hashing : nil
    }

    private func signWith(_ mechanism: CK_MECHANISM_TYPE, message: [UInt8]) throws(PKCS11Error) -> [UInt8] {
        let value = try run(mechanism, data: message)
        guard case .ec = algorithm else { return value }
        guard let der = DigestSignature.ecdsaDER(fromRaw: value) else {
            throw .key("token \"\(token.label)\" returned a malformed ECDSA signature (\(value.count) bytes)")
        }
        return der
    }

    /// Signs a digest, optionally with RSASSA-PSS (salt as long as the digest, MGF1 with the same hash).
    public func signDigest(
        _ digest: [UInt8], algorithm: DigestAlgorithm, pss: Bool = false
    ) throws(PKCS11Error)
        -> [UInt8]
    {
        switch self.algorithm {
        case .rsa where pss:
            var parameters = CK_RSA_PKCS_PSS_PARAMS(
                hashAlg: Self.hashMechanism(algorithm), mgf: Self.mgf(algorithm), sLen: CK_ULONG(digest.count))
            let bytes = withUnsafeBytes(of: &parameters) { Array($0) }
            return try run(CK_MECHANISM_TYPE(CKM_RSA_PKCS_PSS), parameter: bytes, data: digest)
        case .rsa:
            return try run(
                CK_MECHANISM_TYPE(CKM_RSA_PKCS), data: DigestSignature.digestInfo(digest, algorithm: algorithm))
        case .ec:
            let raw = try run(CK_MECHANISM_TYPE(CKM_ECDSA), data: digest)
            guard let der = DigestSignature.ecdsaDER(fromRaw: raw) else {
                throw .key("token \"\(token.label)\" returned a malformed ECDSA signature (\(raw.count) bytes)")
            }
            return der
        }
    }

    /// One signature with `mechanism`, which the token must offer.
    private func run(
        _ mechanism: CK_MECHANISM_TYPE, parameter: [UInt8]? = nil, data: [UInt8]
    ) throws(PKCS11Error)
        -> [UInt8]
    {
        if !mechanisms.isEmpty && !mechanisms.contains(mechanism) {
            throw .key("token \"\(token.label)\" does not offer \(Self.name(of: mechanism)), which this key signs with")
        }
        return try onSession { session throws(PKCS11Error) in
            try session.sign(
                mechanism: mechanism, parameter: parameter, key: handle, data: data, contextPIN: contextPIN)
        }
    }

    /// One operation on a borrowed session. Once the token is found gone, every later operation
    /// fails at once with the same reason instead of asking a token that is not there.
    private func onSession(
        _ operation: (PKCS11Session) throws(PKCS11Error) -> [UInt8]
    ) throws(PKCS11Error) -> [UInt8] {
        if let gone = sessions.gone { throw gone }
        let session: PKCS11Session
        do { session = try sessions.take() } catch { throw unreachable(error) }
        do {
            let result = try operation(session)
            sessions.give(session)
            return result
        } catch {
            guard error.isUnreachable else {
                sessions.give(session)
                throw error
            }
            sessions.discard(session)
            throw unreachable(error)
        }
    }

    private func unreachable(_ error: PKCS11Error) -> PKCS11Error {
        guard error.isUnreachable else { return error }
        let gone = PKCS11Error.tokenAbsent("token \"\(token.label)\" cannot be reached any more (\(error))")
        sessions.markGone(gone)
        return gone
    }

    static func name(of mechanism: CK_MECHANISM_TYPE) -> String {
        let names: [CK_MECHANISM_TYPE: String] = [
            CK_MECHANISM_TYPE(CKM_RSA_PKCS): "CKM_RSA_PKCS", CK_MECHANISM_TYPE(CKM_RSA_PKCS_PSS): "CKM_RSA_PKCS_PSS",
            CK_MECHANISM_TYPE(CKM_ECDSA): "CKM_ECDSA", CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS): "CKM_SHA256_RSA_PKCS",
            CK_MECHANISM_TYPE(CKM_SHA384_RSA_PKCS): "CKM_SHA384_RSA_PKCS",
            CK_MECHANISM_TYPE(CKM_SHA512_RSA_PKCS): "CKM_SHA512_RSA_PKCS",
            CK_MECHANISM_TYPE(CKM_ECDSA_SHA256): "CKM_ECDSA_SHA256",
            CK_MECHANISM_TYPE(CKM_ECDSA_SHA384): "CKM_ECDSA_SHA384",
            CK_MECHANISM_TYPE(CKM_ECDSA_SHA512): "CKM_ECDSA_SHA512",
            CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS_PSS): "CKM_SHA256_RSA_PKCS_PSS",
            CK_MECHANISM_TYPE(CKM_SHA384_RSA_PKCS_PSS): "CKM_SHA384_RSA_PKCS_PSS",
            CK_MECHANISM_TYPE(CKM_SHA512_RSA_PKCS_PSS): "CKM_SHA512_RSA_PKCS_PSS",
        ]
        return names[mechanism] ?? "mechanism 0x" + String(mechanism, radix: 16)
    }

    static func hashMechanism(_ algorithm: DigestAlgorithm) -> CK_MECHANISM_TYPE {
        switch algorithm {
        case .sha256: return CK_MECHANISM_TYPE(CKM_SHA256)
        case .sha384: return CK_MECHANISM_TYPE(CKM_SHA384)
        case .sha512: return CK_MECHANISM_TYPE(CKM_SHA512)
        // PKCS#11 v3.0 § 6.x values (p11-kit's header predates them).
        case .sha3_256: return 0x2B0
        case .sha3_384: return 0x2C0
        case .sha3_512: return 0x2D0
        }
    }

    static func mgf(_ algorithm: DigestAlgorithm) -> CK_RSA_PKCS_MGF_TYPE {
        switch algorithm {
        case .sha256: return CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA256)
        case .sha384: return CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA384)
        case .sha512: return CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA512)
        case .sha3_256: return 7
        case .sha3_384: return 8
        case .sha3_512: return 9
        }
    }

    /// The module to load: the URI's module-path, its module-name in the system's module folders,
    /// `ESIGN_PKCS11_MODULE`, then p11-kit's proxy.
    static func modulePath(for uri: PKCS11URI, environment: [String: String]) throws(PKCS11Error) -> String {
        if let path = uri.modulePath { return path }
        if let name = uri.moduleName {
            let folders = ["/usr/lib/x86_64-linux-gnu/pkcs11", "/usr/lib/aarch64-linux-gnu/pkcs11", "/usr/lib/pkcs11"]
            for folder in folders {
                for file in ["\(name).so", "lib\(name).so"]
                where FileManager.default.fileExists(atPath: "\(folder)/\(file)") {
                    return "\(folder)/\(file)"
                }
            }
            throw .module("no PKCS#11 module named \(name) in \(folders.joined(separator: ", "))")
        }
        guard let path = PKCS11Module.defaultPath(environment: environment) else {
            throw .module(
                "no PKCS#11 module: give module-path in the URI or set ESIGN_PKCS11_MODULE "
                    + "(p11-kit's proxy is not installed either)")
        }
        return path
    }

    static func findToken(_ uri: PKCS11URI, in module: PKCS11Module) throws(PKCS11Error) -> TokenInfo {
        var present: [TokenInfo] = []
        for slot in try module.slotsWithTokens() {
            guard let slotInfo = try? module.slotInfo(slot), uri.matches(slotInfo),
                let info = try? module.tokenInfo(slot), info.pinInitialized || !info.loginRequired
            else { continue }
            present.append(info)
        }
        let matching = present.filter { uri.matches($0) }
        if matching.count == 1 { return matching[0] }
        let names = present.map { "\"\($0.label)\" (serial \($0.serialNumber))" }
        if matching.isEmpty {
            let seen = names.isEmpty ? "no token is present" : "tokens present: " + names.joined(separator: ", ")
            throw .tokenAbsent("no token matches \(uri) in \(module.path) (\(seen))")
        }
        throw .tokenAbsent(
            "\(matching.count) tokens match \(uri): "
                + matching.map { "\"\($0.label)\" (serial \($0.serialNumber))" }.joined(separator: ", ")
                + "; add token= or serial= to the URI")
    }

    struct TokenCertificate {
        let certificate: Certificate
        let id: [UInt8]?
        let label: String?
    }

    static func certificates(_ session: PKCS11Session) throws(PKCS11Error) -> [TokenCertificate] {
        let handles = try session.findObjects([
            .ulong(CKA_CLASS, CK_ULONG(CKO_CERTIFICATE)), .ulong(CKA_CERTIFICATE_TYPE, CK_ULONG(CKC_X_509)),
        ])
        var found: [TokenCertificate] = []
        for handle in handles {
            guard let der = try session.attribute(CKA_VALUE, of: handle),
                let certificate = try? Certificate.load(der).first
            else { continue }
            let label = try session.attribute(CKA_LABEL, of: handle).map { String(decoding: $0, as: UTF8.self) }
            found.append(
                TokenCertificate(certificate: certificate, id: try session.attribute(CKA_ID, of: handle), label: label))
        }
        return found
    }

    static func keyURI(
        _ session: PKCS11Session, _ key: CK_OBJECT_HANDLE, token: TokenInfo, module: PKCS11Module
    ) throws(PKCS11Error) -> PKCS11URI {
        var uri = PKCS11URI()
        uri.token = token.label
        uri.serial = token.serialNumber
        uri.object = try session.attribute(CKA_LABEL, of: key).map { String(decoding: $0, as: UTF8.self) }
        let id = try session.attribute(CKA_ID, of: key)
        uri.id = id?.isEmpty == true ? nil : id
        uri.type = "private"
        uri.modulePath = module.path
        return uri
    }
}

/// The sessions a key signs on: one per thread at a time, as many as the token allows. The first
/// one (the session that logged in) is never closed while the key lives, since closing a token's
/// last session logs the user out.
final class SessionPool: @unchecked Sendable {
    private let module: PKCS11Module
    private let slot: CK_SLOT_ID
    private let condition = NSCondition()
    private var idle: [PKCS11Session]
    private var discarded: [PKCS11Session] = []
    private var open: Int
    private var limit: Int

    init(module: PKCS11Module, slot: CK_SLOT_ID, limit: Int?, first: PKCS11Session) {
        self.module = module
        self.slot = slot
        self.limit = limit ?? Int.max
        idle = [first]
        open = 1
    }

    func take() throws(PKCS11Error) -> PKCS11Session {
        condition.lock()
        while idle.isEmpty && open >= limit { condition.wait() }
        if let session = idle.popLast() {
            condition.unlock()
            return session
        }
        open += 1
        condition.unlock()
        do {
            return try module.openSession(slot)
        } catch {
            condition.lock()
            open -= 1
            if case .call(_, let code) = error, code == UInt(CKR_SESSION_COUNT) {
                // The token allows no more sessions than are open now: wait for one of them.
                limit = max(1, open)
                condition.unlock()
                return try take()
            }
            condition.broadcast()
            condition.unlock()
            throw error
        }
    }

    func give(_ session: PKCS11Session) {
        condition.lock()
        idle.append(session)
        condition.signal()
        condition.unlock()
    }

    /// Set once the token is found removed: the reason every later signature fails with.
    var gone: PKCS11Error? {
        condition.lock()
        defer { condition.unlock() }
        return goneReason
    }
    private var goneReason: PKCS11Error?

    func markGone(_ reason: PKCS11Error) {
        condition.lock()
        if goneReason == nil { goneReason = reason }
        condition.unlock()
    }

    /// Forgets a session of a token that cannot be reached; it stays allocated (not closed) with
    /// the others until the process ends.
    func discard(_ session: PKCS11Session) {
        condition.lock()
        discarded.append(session)
        open -= 1
        condition.broadcast()
        condition.unlock()
    }
}
