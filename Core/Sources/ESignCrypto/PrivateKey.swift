import COpenSSL
import Foundation

/// A private key (RSA or ECDSA), owned by this object and freed with it.
///
/// ```swift
/// let key = try PrivateKey.generate(.ec(.p256))
/// let signature = try key.sign(message, digest: .sha256)
/// ```
public final class PrivateKey: @unchecked Sendable {
    /// The owned `EVP_PKEY*`. OpenSSL 3 allows concurrent signing operations on one key.
    let pointer: OpaquePointer
    /// For a key that signs outside esign (``external(certificate:signer:)``): where its signer's
    /// failures wait to be reported.
    let bridge: ExternalKeyBridge?

    init(takingOwnership pointer: OpaquePointer, bridge: ExternalKeyBridge? = nil) {
        self.pointer = pointer
        self.bridge = bridge
    }

    /// True when the key signs outside esign (a token, a remote service).
    public var isExternal: Bool { bridge != nil }
    deinit { EVP_PKEY_free(pointer) }

    /// Key algorithms esign signs with.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        case rsa(bits: Int)
        case ec(Curve)
        case other(String)

        public var description: String {
            switch self {
            case .rsa(let bits): return "RSA-\(bits)"
            case .ec(let curve): return "ECDSA \(curve.rawValue)"
            case .other(let name): return name
            }
        }
    }

    /// Named curves for ECDSA.
    public enum Curve: String, Sendable, CaseIterable {
        case p256 = "P-256"
        case p384 = "P-384"
        case p521 = "P-521"
    }

    /// What to generate.
    public enum Specification: Sendable {
        case rsa(bits: Int)
        case ec(Curve)
    }

    /// Generates a new key.
    public static func generate(_ spec: Specification) throws(OpenSSLError) -> PrivateKey {
        let algorithm: String
        switch spec {
        case .rsa: algorithm = "RSA"
        case .ec: algorithm = "EC"
        }
        let ctx = try check(EVP_PKEY_CTX_new_from_name(nil, algorithm, nil), "EVP_PKEY_CTX_new_from_name")
        defer { EVP_PKEY_CTX_free(ctx) }
        try check(EVP_PKEY_keygen_init(ctx), "EVP_PKEY_keygen_init")
        switch spec {
        case .rsa(let bits):
            try check(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)), "EVP_PKEY_CTX_set_rsa_keygen_bits")
        case .ec(let curve): try check(EVP_PKEY_CTX_set_group_name(ctx, curve.rawValue), "EVP_PKEY_CTX_set_group_name")
        }
        var key: OpaquePointer?
        try check(EVP_PKEY_generate(ctx, &key), "EVP_PKEY_generate")
        return PrivateKey(takingOwnership: try check(key, "EVP_PKEY_generate"))
    }

    /// Why a PEM key could not be loaded, in the terms a user acts on.
    public enum LoadError: Error, Equatable, Sendable {
        /// The key is encrypted and no password was given.
        case passwordRequired
        /// The password does not decrypt the key.
        case wrongPassword
        /// The bytes are not a private key esign can read.
        case unreadable(String)
    }

    /// Reads a PEM private key (PKCS#8, encrypted PKCS#8, or traditional RSA/EC).
    public static func loadPEM(_ pem: [UInt8], password: Secret?) throws(LoadError) -> PrivateKey {
        let encrypted = pem.firstRange(of: Array("ENCRYPTED".utf8)) != nil
        if encrypted && (password == nil || password!.isEmpty) { throw .passwordRequired }
        OpenSSLError.clearQueue()
        let bio: MemoryBIO
        do { bio = try MemoryBIO(pem) } catch { throw .unreadable(error.description) }
        let key: OpaquePointer?
        if let password {
            key = withExtendedLifetime(password) {
                PEM_read_bio_PrivateKey(
                    bio.pointer, nil, pemPasswordCallback, Unmanaged.passUnretained(password).toOpaque())
            }
        } else {
            key = PEM_read_bio_PrivateKey(bio.pointer, nil, pemPasswordCallback, nil)
        }
        guard let key else {
            let error = OpenSSLError.capture("PEM_read_bio_PrivateKey")
            if encrypted { throw .wrongPassword }
            throw .unreadable(error.description)
        }
        return PrivateKey(takingOwnership: key)
    }

    /// The key as PEM PKCS#8, encrypted with AES-256-CBC when a password is given.
    public func pemPKCS8(password: Secret?) throws(OpenSSLError) -> [UInt8] {
        let bio = try MemoryBIO()
        let status: Int32
        if let password {
            status = password.withCString { pass in
                PEM_write_bio_PKCS8PrivateKey(
                    bio.pointer, pointer, EVP_aes_256_cbc(), nil, 0, nil, UnsafeMutableRawPointer(mutating: pass))
            }
        } else {
            status = PEM_write_bio_PKCS8PrivateKey(bio.pointer, pointer, nil, nil, 0, nil, nil)
        }
        try check(status, "PEM_write_bio_PKCS8PrivateKey")
        return bio.bytes
    }

    public var kind: Kind {
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS:
            return .rsa(bits: Int(EVP_PKEY_get_bits(pointer)))
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            EVP_PKEY_get_group_name(pointer, &name, name.count, &length)
            switch String(cBuffer: name) {
            case "prime256v1", "P-256": return .ec(.p256)
            case "secp384r1", "P-384": return .ec(.p384)
            case "secp521r1", "P-521": return .ec(.p521)
            case let other: return .other("EC \(other)")
            }
        default:
            return .other(String(cString: OBJ_nid2sn(EVP_PKEY_get_base_id(pointer))))
        }
    }

    /// The largest signature this key produces, in bytes.
    public var maximumSignatureLength: Int { Int(EVP_PKEY_get_size(pointer)) }

    /// The CMS signatureAlgorithm identifier for signatures made with this key, `digest` and, for
    /// RSA, `padding`.
    public func signatureAlgorithmIdentifier(digest: DigestAlgorithm, padding: RSAPadding = .pkcs1v15) -> [UInt8] {
        switch kind {
        case .ec:
            let oid: String
            switch digest {
            case .sha256: oid = "1.2.840.10045.4.3.2"
            case .sha384: oid = "1.2.840.10045.4.3.3"
            case .sha512: oid = "1.2.840.10045.4.3.4"
            case .sha3_256: oid = "2.16.840.1.101.3.4.3.10"
            case .sha3_384: oid = "2.16.840.1.101.3.4.3.11"
            case .sha3_512: oid = "2.16.840.1.101.3.4.3.12"
            }
            return DER.algorithm(oid)
        default:
            if padding == .pss || isRSAPSSOnly { return PSSParameters(digest: digest).algorithmIdentifier }
            // rsaEncryption with NULL parameters: what RFC 3370 recommends and every validator accepts.
            return DER.algorithm("1.2.840.113549.1.1.1", nullParameters: true)
        }
    }

    /// Whether the key is RSA (the padding applies).
    public var isRSA: Bool { [EVP_PKEY_RSA, EVP_PKEY_RSA_PSS].contains(EVP_PKEY_get_base_id(pointer)) }

    /// Whether the key is restricted to RSASSA-PSS by its type (an id-RSASSA-PSS key, RFC 4055):
    /// it signs with PSS whatever padding is asked for.
    public var isRSAPSSOnly: Bool { EVP_PKEY_get_base_id(pointer) == EVP_PKEY_RSA_PSS }

    /// Signs `message` (hashing it with `digest`): RSA PKCS#1 v1.5 or RSASSA-PSS (MGF1 with the same
    /// hash, salt as long as the hash), or ECDSA with a DER signature.
    public func sign(
        _ message: [UInt8], digest: DigestAlgorithm, padding: RSAPadding = .pkcs1v15
    ) throws(OpenSSLError) -> [UInt8] {
        let pss = (padding == .pss && isRSA) || isRSAPSSOnly
        if let bridge {
            do {
                if pss {
                    let hashed = try Digest.hash(message, digest)
                    return try bridge.signer.signPSS(digest: hashed, message: message, algorithm: digest)
                }
                if let signature = try bridge.signer.sign(message: message, algorithm: digest) { return signature }
            } catch {
                throw OpenSSLError(
                    operation: "the external signer", entries: [.init(library: 0, reason: 0, text: "\(error)")])
            }
        }
        let ctx = try check(EVP_MD_CTX_new(), "EVP_MD_CTX_new")
        defer { EVP_MD_CTX_free(ctx) }
        var keyContext: OpaquePointer?
        try check(EVP_DigestSignInit(ctx, &keyContext, digest.evp, nil, pointer), "EVP_DigestSignInit")
        if pss {
            try check(EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
            try check(
                EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, Int32(digest.outputLength)),
                "EVP_PKEY_CTX_set_rsa_pss_saltlen")
            try check(EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, digest.evp), "EVP_PKEY_CTX_set_rsa_mgf1_md")
        }
        var length = 0
        try message.withUnsafeBufferPointer { buffer throws(OpenSSLError) in
            try check(EVP_DigestSign(ctx, nil, &length, buffer.baseAddress, buffer.count), "EVP_DigestSign")
        }
        var signature = [UInt8](repeating: 0, count: length)
        let status = message.withUnsafeBufferPointer { buffer in
            EVP_DigestSign(ctx, &signature, &length, buffer.baseAddress, buffer.count)
        }
        if status != 1 {
            if let failure = takeExternalFailure() {
                OpenSSLError.clearQueue()
                throw OpenSSLError(
                    operation: "the external signer", entries: [.init(library: 0, reason: 0, text: failure)])
            }
            throw OpenSSLError.capture("EVP_DigestSign")
        }
        return Array(signature.prefix(length))
    }
}

/// Supplies the password to OpenSSL's PEM reader. It never prompts: without a password OpenSSL
/// would otherwise read the terminal, which would hang a server or a batch job.
private func pemPasswordCallback(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int32, _ rwflag: Int32,
    _ userdata: UnsafeMutableRawPointer?
) -> Int32 {
    guard let buffer, let userdata else { return 0 }
    let secret = Unmanaged<Secret>.fromOpaque(userdata).takeUnretainedValue()
    return secret.withCString { cString in
        let length = min(Int(strlen(cString)), Int(size))
        memcpy(buffer, cString, length)
        return Int32(length)
    }
}
